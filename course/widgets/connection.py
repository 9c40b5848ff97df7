"""Connection panel: choose a provider, paste a key once, test it, or go offline."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

import course
from course.config import mask_key
from course.errors import CourseError
from course.i18n import t

from ._common import WidgetBase, busy, button, error_text, vnd
from .display import escape, render_error, render_ok

OFFLINE = "offline"
CUSTOM = "custom"
NO_KEY = "not-needed"  # what local servers get instead of a key (the SDK insists on one)


def _masked(key: object) -> str:
    """status() already masks the key; mask again in case a raw value ever slips through."""
    if not key:
        return t("widgets.conn_no_key")
    text = str(key)
    return text if text.startswith("…") else "…" + text[-4:]


def _key_text(status: dict[str, Any]) -> str:
    provider = course.PROVIDERS.get(status.get("provider") or "")
    no_key = provider is not None and not provider.needs_key
    if status.get("backend") != OFFLINE and (no_key or status.get("api_key") == mask_key(NO_KEY)):
        return t("widgets.conn_key_not_needed")
    return _masked(status.get("api_key"))


def status_text(status: dict[str, Any]) -> str:
    """One plain line describing the current connection (key only as "…abcd")."""
    if status.get("backend") == OFFLINE:
        mode = t("widgets.conn_offline_label")
    else:
        name = status.get("provider") or CUSTOM
        providers = course.PROVIDERS
        mode = providers[name].label if name in providers else t("widgets.conn_custom_label")
    parts = [
        t("widgets.conn_status_mode", mode=mode),
        t("widgets.conn_status_model", model=status.get("model") or "—"),
        t("widgets.conn_status_key", masked=_key_text(status)),
    ]
    if status.get("backend") != OFFLINE and status.get("base_url"):
        parts.append(t("widgets.conn_status_url", url=status["base_url"]))
    spent = status.get("spent_vnd")
    if spent is not None:
        budget = status.get("budget_vnd")
        parts.append(
            t("widgets.conn_status_budget", spent=vnd(spent), budget=vnd(budget))
            if budget
            else t("widgets.conn_status_spent", spent=vnd(spent))
        )
    return " · ".join(parts)


class ConnectionPanel(WidgetBase):
    """Provider dropdown, model, key (Password, cleared after use) and three buttons."""

    def __init__(self) -> None:
        options = [(t("widgets.conn_offline_label"), OFFLINE)]
        options += [(p.label, p.name) for p in course.PROVIDERS.values()]
        options += [(t("widgets.conn_custom_label"), CUSTOM)]
        label_style = {"description_width": "140px"}
        self.provider = widgets.Dropdown(
            options=options, description=t("widgets.conn_provider"), style=label_style,
            layout=widgets.Layout(width="460px"),
        )
        self.base_url = widgets.Text(
            description=t("widgets.conn_base_url"),
            placeholder=t("widgets.conn_base_url_placeholder"),
            style=label_style,
            layout=widgets.Layout(width="95%"),  # one Layout per widget: shown/hidden alone
        )
        self.model = widgets.Text(
            description=t("widgets.conn_model"), style=label_style,
            layout=widgets.Layout(width="95%"),
        )
        self.key = widgets.Password(
            description=t("widgets.conn_key"),
            placeholder=t("widgets.conn_key_placeholder"),
            style=label_style,
            layout=widgets.Layout(width="95%"),  # one Layout per widget: shown/hidden alone
        )
        self.hint = widgets.HTML()
        self.apply_button = button("widgets.conn_apply", "primary", "check")
        self.test_button = button("widgets.conn_test", "", "plug")
        self.offline_button = button("widgets.conn_use_offline", "", "power-off")
        self.message = widgets.HTML()
        self.status_line = widgets.HTML()
        self._buttons = (self.apply_button, self.test_button, self.offline_button)
        self.last_error = ""

        self.provider.observe(lambda _: self._on_provider(), names="value")
        self.apply_button.on_click(lambda _: self.apply())
        self.test_button.on_click(lambda _: self.test())
        self.offline_button.on_click(lambda _: self.use_offline())

        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.conn_title'))}</b>"),
                self.provider,
                self.base_url,
                self.model,
                self.key,
                self.hint,
                widgets.HBox(list(self._buttons)),
                self.message,
                self.status_line,
            ]
        )
        self._select_current()
        self.refresh()

    # -- helpers ---------------------------------------------------------------
    def _select_current(self) -> None:
        st = course.status()
        if st.get("backend") == OFFLINE:
            self.provider.value = OFFLINE
        else:
            name = st.get("provider")
            self.provider.value = name if name in course.PROVIDERS else CUSTOM
            if self.provider.value == CUSTOM:
                self.base_url.value = st.get("base_url") or ""
        self._on_provider()
        if st.get("backend") != OFFLINE and st.get("model"):
            self.model.value = st["model"]

    def _on_provider(self) -> None:
        choice = self.provider.value
        providers = course.PROVIDERS
        self.base_url.layout.display = None if choice == CUSTOM else "none"
        offline = choice == OFFLINE
        for w in (self.model, self.key):
            w.layout.display = "none" if offline else None
        if choice in providers:
            p = providers[choice]
            self.model.placeholder = t("widgets.conn_model_placeholder", model=p.default_model)
            key_hint = "widgets.conn_hint_key" if p.needs_key else "widgets.conn_hint_local"
            self.hint.value = f"<small>{escape(t(key_hint))}</small>"
        elif offline:
            self.hint.value = f"<small>{escape(t('widgets.conn_hint_offline'))}</small>"
        else:
            self.model.placeholder = t("widgets.conn_model_required")
            self.hint.value = f"<small>{escape(t('widgets.conn_hint_custom'))}</small>"

    def _take_key(self) -> str:
        """Read the key and clear the field at once, so it never stays in widget state."""
        key = self.key.value.strip()
        self.key.value = ""
        return key

    def _key_for(self, typed: str, provider: str, url: str | None) -> str | None:
        """The key to configure: a typed key, else the current one only for the same server.

        A key kept in memory must never travel to a different server, so switching server
        without typing a key sends a placeholder (local servers ignore it) or asks for one.
        """
        if typed:
            return typed
        current = course.status()
        same = current.get("provider") == provider and (
            url is None or (current.get("base_url") or "").rstrip("/") == url.rstrip("/")
        )
        if same and current.get("api_key"):
            return None  # keep the key already in memory
        p = course.PROVIDERS.get(provider)
        if p is not None and p.needs_key:
            raise CourseError(t("widgets.conn_need_key", provider=p.label))
        return NO_KEY

    def refresh(self) -> dict[str, Any]:
        """Re-read `course.status()` into the status line."""
        st = course.status()
        self.status_line.value = f"<small>{escape(status_text(st))}</small>"
        return st

    # -- actions ---------------------------------------------------------------
    def apply(self) -> bool:
        """Apply the form with `course.configure`; returns True when it worked."""
        key = self._take_key()
        choice = self.provider.value
        model = self.model.value.strip() or None
        with busy(*self._buttons):
            try:
                if choice == OFFLINE:
                    course.configure(backend=OFFLINE)
                elif choice == CUSTOM:
                    url = self.base_url.value.strip()
                    if not url.startswith(("http://", "https://")):
                        raise CourseError(t("widgets.conn_need_url"))
                    course.configure(
                        provider=CUSTOM, base_url=url, api_key=self._key_for(key, CUSTOM, url),
                        model=model, backend="openai",
                    )
                else:
                    course.configure(
                        provider=choice, api_key=self._key_for(key, choice, None), model=model,
                        backend="openai",
                    )
            except Exception as exc:  # shown as red text, never a traceback
                self.last_error = error_text(exc)
                self.message.value = render_error(self.last_error)
                self.refresh()
                return False
        self.message.value = render_ok(t("widgets.conn_applied"))
        self.refresh()
        return True

    def test(self) -> tuple[bool, str]:
        """Apply what the form shows (so the test checks it), then `course.test_connection()`."""
        if not self.apply():
            return False, self.last_error
        with busy(*self._buttons):
            self.message.value = f"<small>{escape(t('widgets.conn_testing'))}</small>"
            try:
                ok, msg = course.test_connection()
            except Exception as exc:
                ok, msg = False, error_text(exc)
                self.message.value = render_error(msg)
            else:
                self.message.value = render_ok(msg) if ok else render_error(msg)
        self.refresh()
        return ok, msg

    def use_offline(self) -> None:
        """One click back to the offline simulation."""
        self.key.value = ""
        with busy(*self._buttons):
            course.configure(backend=OFFLINE)
        self.provider.value = OFFLINE
        self.message.value = render_ok(t("widgets.conn_offline_on"))
        self.refresh()


def setup() -> ConnectionPanel:
    """Show the connection panel (re-exported as `course.setup`)."""
    return ConnectionPanel()
