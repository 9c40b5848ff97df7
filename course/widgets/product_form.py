"""'Sản phẩm của bạn': the participant's product as a form, saved for every lesson to read.

`save()` is the plain-Python core (tests call it); the button calls it. Bad input shows a
Vietnamese message and keeps every field as typed.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from ..i18n import t
from ..lessons import OUTPUT_DIR, profile
from ..llm import kinds
from ..numbers import number
from .display import escape


class ProductForm(widgets.VBox):
    """Name, kind of business, price and unit, place, what makes it special, who buys it,
    main channel, opening hours, delivery / service area and terms (returns, warranty, booking).

    A dropdown of the 12 sample products fills the fields with a ready example. The form
    opens with the saved profile (or empty, with the sample dropdown on "my product").
    """

    def __init__(self, folder: str | Path = OUTPUT_DIR) -> None:
        self.folder = Path(folder)
        self.path: Path | None = None
        style = {"description_width": "150px"}
        wide = widgets.Layout(width="95%")

        def text(key: str, area: bool = False) -> widgets.Widget:
            cls = widgets.Textarea if area else widgets.Text
            extra = {"rows": 2} if area else {}
            return cls(description=t(f"profile.f_{key}"), placeholder=t(f"profile.f_{key}_hint"),
                       style=style, layout=wide, **extra)

        own = t("profile.f_sample_own")
        self.sample = widgets.Dropdown(description=t("profile.f_sample"), style=style,
                                       options=[own, *profile.sample_names()], value=own,
                                       layout=widgets.Layout(width="480px"))
        self.fields: dict[str, widgets.Widget] = {
            "ten_sp": text("name"), "ten_co_so": text("business"),
            "gia_ban_vnd": text("price"), "don_vi": text("unit"),
            "noi_san_xuat": text("origin"), "diem_noi_bat": text("special", area=True),
            "khach_hang_muc_tieu": text("customers"),
            "kenh_chinh": widgets.Dropdown(description=t("profile.f_channel"),
                                           options=list(profile.CHANNELS), style=style),
            "loai_hinh": widgets.Dropdown(description=t("profile.f_kind"), style=style,
                                          options=kinds.profile_choices(),
                                          value=kinds.profile_choices()[-1],
                                          layout=widgets.Layout(width="560px")),
            "gio_mo_cua": text("hours"), "giao_nhan": text("delivery"),
            "dieu_khoan": text("terms", area=True),
        }
        self.button = widgets.Button(description=t("profile.f_button"), button_style="primary",
                                     icon="save", layout=widgets.Layout(width="auto"))
        self.status = widgets.HTML()
        self.sample.observe(self._pick_sample, names="value")
        self.button.on_click(lambda _: self.save())
        saved = profile.profile_path(self.folder)
        if saved.exists():
            current = profile.load(self.folder)
            if not current.get("mau"):
                self.fill(current)
        title = widgets.HTML(f"<b>{escape(t('profile.title'))}</b><br>"
                             f"{escape(t('profile.intro'))}")
        super().__init__([title, self.sample, *self.fields.values(), self.button, self.status])

    def fill(self, data: dict[str, object]) -> None:
        """Put a profile's values into the fields."""
        for key, box in self.fields.items():
            value = data.get(key, "")
            if key == "gia_ban_vnd" and isinstance(value, (int, float)):
                value = number(value)
            if key == "kenh_chinh":
                box.value = value if value in profile.CHANNELS else profile.CHANNELS[0]
            elif key == "loai_hinh":
                choices = kinds.profile_choices()
                box.value = value if value in choices else choices[-1]
            else:
                box.value = str(value or "")

    def _pick_sample(self, change: dict) -> None:
        if change["new"] in profile.sample_names():
            self.fill(profile.from_sample(change["new"]))

    def values(self) -> dict[str, object]:
        out = {key: box.value for key, box in self.fields.items()}
        if not kinds.from_profile(str(out["loai_hinh"])).known:
            out["loai_hinh"] = ""  # "Chưa rõ": the lessons read the kind from the name
        return out

    def save(self) -> Path | None:
        """Validate and write the profile; the status line says what happened, in Vietnamese."""
        try:
            self.path = profile.save(self.values(), self.folder)
        except (ValueError, OSError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else t(
                "profile.save_failed", folder=self.folder)
            self.status.value = ("<div style='color:#b00020;font-size:15px;white-space:pre-wrap'>"
                                 f"{escape(message)}</div>")
            return None
        message = t("profile.saved", name=self.fields["ten_sp"].value, path=self.path)
        self.status.value = f"<div style='color:#1b5e20;font-size:15px'>{escape(message)}</div>"
        return self.path
