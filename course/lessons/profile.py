"""The participant's own product ("Sản phẩm của bạn"), saved once and read by every lesson.

The form `course.widgets.ProductForm` writes `ket_qua/san_pham_cua_ban.json` next to the lesson;
lessons 02 to 06 and 09 call `load()` and get a dict shaped like a row of products.csv
(ten_sp, gia_ban_vnd, don_vi, noi_san_xuat, diem_noi_bat, khach_hang_muc_tieu) plus
kenh_chinh, ten_co_so, the kind of business (loai_hinh: goods, service, lodging, food & drink
venue), opening hours (gio_mo_cua), delivery / pickup / service area (giao_nhan), terms
(dieu_khoan: đổi trả, bảo hành, đặt lịch) and `mau` (True when no profile was saved and a sample
is used). Nobody has to edit Python to use their own business; every fact given here is used
by the lessons, and a fact not given stays a visible [gap], never a sample's value.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from course.errors import CourseError
from course.i18n import t
from course.llm import kinds as _kinds
from course.numbers import number
from course.text import nfc

from . import OUTPUT_DIR, find_product
from . import load as load_table

log = logging.getLogger(__name__)

PROFILE_FILE = "san_pham_cua_ban.json"
DEFAULT_SAMPLE = "Cà phê Arabica Khe Sanh"
CHANNELS = ("Facebook", "Zalo", "TikTok", "Shopee", "TikTok Shop", "Cửa hàng")
FIELDS = ("ten_sp", "gia_ban_vnd", "don_vi", "noi_san_xuat", "diem_noi_bat",
          "khach_hang_muc_tieu", "kenh_chinh", "ten_co_so", "loai_hinh", "gio_mo_cua",
          "giao_nhan", "dieu_khoan")
OPTIONAL = ("loai_hinh", "gio_mo_cua", "giao_nhan", "dieu_khoan")  # older files lack them


def profile_path(folder: str | Path = OUTPUT_DIR) -> Path:
    return Path(folder) / PROFILE_FILE


def sample_names() -> list[str]:
    """The 12 ready examples of products.csv, for the form's dropdown."""
    return load_table("products")["ten_sp"].tolist()


def from_sample(name: str) -> dict[str, object]:
    """A profile built from a sample product (accents and case forgiven)."""
    row = find_product(name)
    return {"ten_sp": row["ten_sp"], "gia_ban_vnd": int(row["gia_ban_vnd"]),
            "don_vi": row["don_vi"], "noi_san_xuat": row["noi_san_xuat"],
            "diem_noi_bat": row["diem_noi_bat"],
            "khach_hang_muc_tieu": row["khach_hang_muc_tieu"], "kenh_chinh": "Facebook",
            "ten_co_so": "", "ocop_sao": int(row.get("ocop_sao", 0) or 0), "mau": True,
            "loai_hinh": kind_label(_kinds.Kind("product", _kinds.detect(row["ten_sp"]).sub
                                                or "food")), "gio_mo_cua": "",
            "giao_nhan": "", "dieu_khoan": ""}


def kind_label(kind: _kinds.Kind) -> str:
    """The profile form's choice for a kind ("" when unclear)."""
    for label, (main, sub) in _kinds.data()["profile_choices"].items():
        if main == kind.main and (sub == kind.sub or main != "product"):
            return label
    return ""


def kind_of(profile: dict[str, object]) -> _kinds.Kind:
    """The kind the participant chose, or the one its name shows ("tiệm giặt …": service)."""
    chosen = _kinds.from_profile(str(profile.get("loai_hinh") or ""))
    if chosen.known:
        return chosen
    return _kinds.detect(str(profile.get("ten_sp") or ""), str(profile.get("ten_co_so") or ""))


def is_service(profile: dict[str, object]) -> bool:
    return kind_of(profile).main == "service"


def parse_price(value: object) -> int:
    """'45.000', '45000 đ', '45k', '1,2 triệu' -> whole đồng; a Vietnamese error otherwise."""
    if isinstance(value, (int, float)) and value >= 0:
        return int(value)
    text = nfc(str(value or "")).strip().lower()
    m = re.fullmatch(r"(\d{1,3}(?:[.,\s]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|nghìn|ngàn|tr|triệu)?"
                     r"\s*(?:đ|đồng|vnd|vnđ)?", text)
    if not m:
        raise CourseError(t("profile.bad_price", value=value))
    number, unit = m.group(1), m.group(2)
    if re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+", number):
        amount = float(re.sub(r"[.,\s]", "", number))
    else:
        amount = float(number.replace(",", "."))
    amount *= {"k": 1_000, "nghìn": 1_000, "ngàn": 1_000, "tr": 1_000_000,
               "triệu": 1_000_000}.get(unit or "", 1)
    return int(round(amount))


def clean(data: dict[str, object]) -> dict[str, object]:
    """The profile with text in NFC and the price as a number; every problem at once."""
    out: dict[str, object] = {}
    for key in FIELDS:
        value = data.get(key, "")
        out[key] = " ".join(nfc(str(value if value is not None else "")).split())
    problems = []
    if not out["ten_sp"]:
        problems.append(t("profile.need_name"))
    try:
        out["gia_ban_vnd"] = parse_price(data.get("gia_ban_vnd", ""))
    except ValueError as exc:
        problems.append(str(exc))
    if not out["khach_hang_muc_tieu"]:
        problems.append(t("profile.need_customers"))
    if problems:
        raise CourseError(t("profile.problems") + "\n- " + "\n- ".join(problems))
    out["kenh_chinh"] = out["kenh_chinh"] or "Facebook"
    if out["loai_hinh"] and not _kinds.from_profile(str(out["loai_hinh"])).known:
        out["loai_hinh"] = ""  # an unknown choice (a hand-edited file): read from the name
    out["mau"] = False
    return out


def save(data: dict[str, object], folder: str | Path = OUTPUT_DIR) -> Path:
    """Write the profile (UTF-8 JSON) and return its path."""
    profile = clean(data)
    profile.pop("mau")
    path = profile_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profile, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load(folder: str | Path = OUTPUT_DIR, default: str = DEFAULT_SAMPLE) -> dict[str, object]:
    """The saved profile, or the sample product `default` when none was saved (mau=True)."""
    path = profile_path(folder)
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return clean(data)
        except (ValueError, OSError) as exc:  # a broken file: the sample, `describe` says so
            log.warning("product profile %s not usable (%s); using the sample", path,
                        type(exc).__name__)
    return from_sample(default)


def describe(profile: dict[str, object]) -> str:
    """One Vietnamese line: which product the lesson uses, and whether it is a sample."""
    price = number(profile["gia_ban_vnd"])  # type: ignore[arg-type]
    key = "profile.using_sample" if profile.get("mau") else "profile.using_own"
    return t(key, name=profile["ten_sp"], price=price, unit=profile["don_vi"] or "—")


def business_name(profile: dict[str, object]) -> str:
    return str(profile.get("ten_co_so") or profile["ten_sp"])


def facts(profile: dict[str, object]) -> list[str]:
    """Every fact the participant gave, one short Vietnamese clause each (none invented)."""
    price = number(profile["gia_ban_vnd"])  # type: ignore[arg-type]
    unit = str(profile.get("don_vi") or "")
    out = [t("profile.fact_price", price=price, unit=unit).strip() if unit else
           t("profile.fact_price_only", price=price)]
    for key in ("noi_san_xuat", "diem_noi_bat", "khach_hang_muc_tieu", "gio_mo_cua",
                "giao_nhan", "dieu_khoan"):
        value = str(profile.get(key) or "").strip()
        if value:
            out.append(t(f"profile.fact_{key}", value=value))
    return out


def story(profile: dict[str, object], sample_story: str) -> str:
    """Lesson 06's story: the sample's own story, or the participant's facts, nothing added."""
    if profile.get("mau"):
        return sample_story
    first, *rest = facts(profile)  # the name opens a statement, not a bare "Tên." sentence
    return f"{profile['ten_sp']}: {first[:1].lower()}{first[1:]}. " + " ".join(
        f"{x}." for x in rest)


def brand_voice(profile: dict[str, object], sample_voice: str) -> str:
    """Lesson 06's brand voice: the sample shop's, or a plain one for the participant."""
    if profile.get("mau"):
        return sample_voice
    price = number(profile["gia_ban_vnd"])  # type: ignore[arg-type]
    contact = t("profile.contact_" + (kind_of(profile).main or "any"),
                channel=profile["kenh_chinh"])
    return t("profile.voice", business=business_name(profile), name=profile["ten_sp"],
             price=price, unit=profile["don_vi"] or "", contact=contact,
             facts="; ".join(facts(profile)[1:]) or "—")


_INVITE = {"product": "nhắn tin đặt hàng", "service": "nhắn tin đặt lịch",
           "lodging": "nhắn tin đặt phòng", "venue": "nhắn tin đặt bàn"}


def post_prompt(profile: dict[str, object]) -> str:
    """A six-part prompt (lesson 02) for a post about this business, from its own facts."""
    invite = _INVITE.get(kind_of(profile).main, "nhắn tin để được tư vấn")
    return (f"Bạn là người bán hàng của {business_name(profile)}. "
            f"Dữ kiện: {'; '.join(facts(profile))}. "
            f"Viết bài đăng {profile['kenh_chinh']} giới thiệu {profile['ten_sp']}, gồm 3 câu, "
            f"câu cuối mời khách {invite}. Giọng gần gũi, dưới 80 từ. "
            "Không bịa số liệu, không tự thêm ưu đãi, quà tặng hay phí.")


_FALLBACK = "Dạ, em sẽ hỏi lại chủ cơ sở rồi nhắn anh/chị ngay ạ."


def chat_prompt(profile: dict[str, object]) -> str:
    """Lesson 05's own-business assistant: every saved fact on its own line, a voice and the
    exact fallback sentence, so the chat answers from this business's facts and nothing else."""
    lines = [f"Bạn trả lời tin nhắn cho {business_name(profile)}."]
    if business_name(profile) != profile["ten_sp"]:
        lines.append(f"Sản phẩm, dịch vụ: {profile['ten_sp']}.")
    lines += [f"{x}." for x in facts(profile)]
    lines += ["Xưng em, gọi khách là anh/chị.",
              "Nếu câu hỏi không có trong thông tin này, trả lời đúng câu:", _FALLBACK]
    return "\n".join(lines)


def chat_questions(profile: dict[str, object]) -> list[str]:
    """Questions that try lesson 05's chat on this business: a fact, a follow-up needing a
    calculation on the given price, one the facts do not answer, a complaint for a person,
    then one about the hours and one about delivery or the service area when given."""
    unit = str(profile.get("don_vi") or "").split("/")[-1].strip()
    service = kind_of(profile).main == "service"
    out = ["Giá bao nhiêu vậy ạ?",
           f"Vậy 3 {unit} thì bao nhiêu?" if unit else "Vậy lấy 3 thì bao nhiêu?",
           "Có nhận thanh toán bằng thẻ không?",
           "Làm hỏng đồ của tôi rồi, tôi muốn xin lại tiền!" if service else
           "Hàng không đúng mô tả, tôi muốn xin lại tiền!"]
    if str(profile.get("gio_mo_cua") or "").strip():
        out.append("Mấy giờ mở cửa vậy?")
    if str(profile.get("giao_nhan") or "").strip():
        out.append("Nhận hàng thế nào vậy?" if kind_of(profile).main == "product" else
                   "Giao nhận thế nào vậy?")
    return out


def gap_values(profile: dict[str, object]) -> dict[str, str]:
    """The capstone's [gaps] this profile can fill; the others stay for the owner to fill."""
    values = {"[giá]": number(profile["gia_ban_vnd"]),  # type: ignore[arg-type]
              "[quy cách]": str(profile.get("don_vi") or "")}
    for gap, key in (("[nơi sản xuất]", "noi_san_xuat"), ("[điểm nổi bật]", "diem_noi_bat"),
                     ("[giờ mở cửa]", "gio_mo_cua"), ("[giao nhận]", "giao_nhan"),
                     ("[điều khoản]", "dieu_khoan")):
        if str(profile.get(key) or "").strip():
            values[gap] = str(profile[key]).strip()
    return {k: v for k, v in values.items() if v}


def keywords(profile: dict[str, object], sample: list[str]) -> list[str]:
    """Words a buyer types to find the product: the sample's list or the participant's own."""
    if profile.get("mau"):
        return sample
    words = [str(profile["ten_sp"])]
    place = str(profile["noi_san_xuat"] or "").split(",")[0].strip()
    if place:
        words.append(place)
    return words


__all__ = ["CHANNELS", "DEFAULT_SAMPLE", "PROFILE_FILE", "brand_voice", "business_name",
           "chat_prompt", "chat_questions", "clean", "describe", "facts", "from_sample",
           "gap_values", "is_service", "keywords",
           "kind_label", "kind_of", "load", "parse_price", "post_prompt", "profile_path",
           "sample_names", "save", "story"]
