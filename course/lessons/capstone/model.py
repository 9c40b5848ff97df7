"""Lesson 09 capstone: the learner's own business -> a month's plan.

`Business` holds five answers (name, products, customers, channels, tone). `build_plan` turns
them into a 4-week content calendar, a funnel message schedule, a customer-care bot prompt
and a starter FAQ, with no model call, so it works offline and the same way every time.
`Plan.to_excel` writes one workbook a shop owner can open the next morning; `Plan.to_markdown`
gives a summary to print or share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from ...errors import CourseError
from ...i18n import t
from ...llm import kinds as _kinds
from ...text import nfc
from ..planning import STAGE_PLAN, content_calendar, message_plan
from .workbook import markdown_table, write_workbook

OUTPUT_DIR = "ket_qua"
CHANNEL_CHOICES = ("Facebook", "Zalo", "TikTok", "Shopee", "TikTok Shop", "Cửa hàng")
TONES = (
    "thân thiện, mộc mạc",
    "lịch sự, trang trọng",
    "vui tươi, trẻ trung",
    "chân thành, đáng tin cậy",
)
_SPLIT = re.compile(r"[,;\n]+")
# "[số ngày]": a fact only the owner knows (at least one letter or digit inside)
_GAP = re.compile(r"\[[^\[\]\n]{0,40}\w[^\[\]\n]{0,40}\]")


def _as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """'a, b; c' or ['a', 'b'] -> ['a', 'b', 'c'] (NFC, trimmed, no blanks or repeats)."""
    items = _SPLIT.split(value) if isinstance(value, str) else list(value or [])
    out: list[str] = []
    for item in items:
        text = " ".join(nfc(str(item)).split())
        if text and text not in out:
            out.append(text)
    return out


# The form's example when the participant has saved no product ("Sản phẩm của bạn").
SAMPLE = {
    "ten": "HTX Nông sản Cam Lộ",
    "san_pham": "Hạt tiêu Cùa, Cà phê Arabica Khe Sanh, Mật ong Tuyên Hóa",
    "khach_hang": "các gia đình ở thành phố thích đặc sản quê",
    "kenh": "Zalo, Facebook, TikTok",
    "giong_van": "thân thiện, mộc mạc",
    "bat_dau": "05/01/2026",
}


def answers_from_profile(profile: dict[str, object]) -> dict[str, str]:
    """The five answers from the participant's saved product, or the sample when there is none."""
    if profile.get("mau"):
        return dict(SAMPLE)
    name = str(profile.get("ten_co_so") or profile["ten_sp"])
    return {"ten": name, "san_pham": str(profile["ten_sp"]),
            "khach_hang": str(profile.get("khach_hang_muc_tieu") or ""),
            "kenh": str(profile.get("kenh_chinh") or "Facebook"), "giong_van": TONES[0],
            "bat_dau": "", "loai_hinh": str(profile.get("loai_hinh") or "")}


def next_monday(today: date | None = None) -> date:
    today = today or date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


@dataclass
class Business:
    """The participant's business, in their own words (Vietnamese)."""

    ten: str
    san_pham: str | list[str]
    khach_hang: str
    kenh: str | list[str]
    giong_van: str = TONES[0]
    bat_dau: date | str | None = None  # first day of the calendar; default: next Monday
    loai_hinh: str = ""  # the profile form's kind of business; "" reads it from the names
    products: list[str] = field(init=False, repr=False)
    channels: list[str] = field(init=False, repr=False)
    start: date = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.ten = " ".join(nfc(str(self.ten or "")).split())
        self.khach_hang = " ".join(nfc(str(self.khach_hang or "")).split())
        self.giong_van = " ".join(nfc(str(self.giong_van or "")).split()) or TONES[0]
        self.products = _as_list(self.san_pham)
        self.channels = _as_list(self.kenh)
        problems = []
        if not self.ten:
            problems.append(t("capstone.need_name"))
        if not self.products:
            problems.append(t("capstone.need_products"))
        if not self.khach_hang:
            problems.append(t("capstone.need_customers"))
        if not self.channels:
            problems.append(t("capstone.need_channels"))
        self.start = self._parse_start(problems)
        if problems:  # every problem at once, so one fix-and-rerun is enough
            raise CourseError(t("capstone.form_problems") + "\n- " + "\n- ".join(problems))

    @property
    def kind(self) -> str:
        """'product', 'service', 'lodging', 'venue', or '' when unclear (neutral wording)."""
        chosen = _kinds.from_profile(self.loai_hinh)
        if chosen.known:
            return chosen.main
        return _kinds.detect(*self.products, self.ten).main

    def _parse_start(self, problems: list[str]) -> date:
        value = self.bat_dau
        if value is None or (isinstance(value, str) and not value.strip()):
            return next_monday()
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        problems.append(t("capstone.bad_date", value=text))
        return next_monday()


IDEAS = {  # topic of lesson 03's calendar -> what to post, in one sentence
    "Giới thiệu sản phẩm và nguồn gốc": "Ảnh thật {sp}, kể ngắn: làm ở đâu, ai làm, vì sao ngon.",
    "Câu chuyện người làm ra sản phẩm": "Kể một buổi làm {sp} của người trong {ten}, kèm ảnh.",
    "Mẹo dùng sản phẩm hằng ngày": "Một mẹo dùng {sp} mà {kh} làm được ngay tại nhà.",
    "Cảm nhận của khách hàng": "Đăng lời khen thật của một khách (đã xin phép, che tên).",
    "Ưu đãi thật của cơ sở (nếu có)": "Chỉ khi có ưu đãi thật cho {sp}: ghi rõ ngày hết hạn "
                                      "và giá thật; không có thì đăng ảnh thật và giá.",
    "Hỏi đáp những câu khách hay hỏi": "Trả lời vài câu khách hay hỏi về {sp} (lấy từ trang FAQ).",
    "Hậu trường đóng gói và giao hàng": "Video ngắn cảnh đóng gói {sp} cẩn thận trước khi gửi.",
    "Cách dùng ngon cùng món ăn, thức uống": "Gợi ý một món ăn hoặc thức uống ngon với {sp}.",
    "Gợi ý làm quà biếu": "Gợi ý {sp} làm quà biếu, kèm ảnh hộp quà.",
    "Cách nhận biết hàng chất lượng": "Những dấu hiệu nhận biết {sp} ngon, thật, đúng chất lượng.",
    "Câu hỏi vui cho khách quen": "Một câu hỏi vui về {sp} để khách quen bình luận "
                                  "(phần thưởng, nếu có, do {ten} tự quyết).",
    "Tổng kết tháng và cảm ơn khách hàng":
        "Cảm ơn {kh} đã ủng hộ {ten} trong tháng, hẹn tháng sau.",
}
MESSAGES = {  # funnel stage -> a message template in the business's voice, per kind
    "product": {
        "Nhận biết": "Chào anh/chị! {ten} giới thiệu {sp}. Anh/chị muốn xem ảnh và giá không ạ?",
        "Quan tâm": "Dạ, em gửi anh/chị thông tin {sp}: nơi làm ra, cách dùng, giá. "
                    "Anh/chị cần hỏi thêm gì cứ nhắn em nhé.",
        "Cân nhắc": "Anh/chị xem thêm ảnh thật và lời khen của khách (đã xin phép) về {sp} "
                    "nhé. [Ưu đãi thật, nếu có, và ngày hết hạn]",
        "Mua hàng": "Cảm ơn anh/chị đã đặt {sp}! Đơn sẽ giao trong [số ngày] ngày. "
                    "Anh/chị kiểm tra hàng khi nhận giúp em nhé.",
        "Trung thành": "Anh/chị dùng {sp} thấy thế nào ạ? Góp ý của anh/chị giúp {ten} làm "
                       "tốt hơn.",
    },
    "service": {
        "Nhận biết": "Chào anh/chị! {ten} giới thiệu {sp}. Anh/chị muốn xem giá và giờ mở cửa "
                     "không ạ?",
        "Quan tâm": "Dạ, em gửi anh/chị thông tin {sp}: giá [giá] đồng / [quy cách], giờ mở "
                    "cửa [giờ mở cửa]. Anh/chị cần hỏi thêm gì cứ nhắn em nhé.",
        "Cân nhắc": "Anh/chị xem thêm ảnh trước – sau (đã xin phép khách) của {ten} nhé. "
                    "[Ưu đãi thật, nếu có, và ngày hết hạn]",
        "Mua hàng": "Cảm ơn anh/chị đã đặt lịch với {ten}! Lịch hẹn: [giờ hẹn]. Anh/chị cần "
                    "đổi giờ cứ nhắn em nhé.",
        "Trung thành": "Anh/chị thấy {sp} lần vừa rồi thế nào ạ? Góp ý của anh/chị giúp {ten} "
                       "làm tốt hơn.",
    },
    "lodging": {
        "Nhận biết": "Chào anh/chị! {ten} giới thiệu {sp}. Anh/chị muốn xem ảnh phòng và giá "
                     "không ạ?",
        "Quan tâm": "Dạ, em gửi anh/chị thông tin {sp}: giá [giá] đồng / [quy cách], giờ nhận "
                    "và trả phòng [giờ mở cửa]. Anh/chị cần hỏi thêm gì cứ nhắn em nhé.",
        "Cân nhắc": "Anh/chị xem thêm ảnh thật và lời khen của khách (đã xin phép) về {ten} "
                    "nhé. [Ưu đãi thật, nếu có, và ngày hết hạn]",
        "Mua hàng": "Cảm ơn anh/chị đã đặt phòng ở {ten}! Ngày đến: [ngày đến]. Đường đi: "
                    "[nơi sản xuất].",
        "Trung thành": "Anh/chị ở {ten} thấy thế nào ạ? Góp ý của anh/chị giúp {ten} đón khách "
                       "tốt hơn.",
    },
    "venue": {
        "Nhận biết": "Chào anh/chị! {ten} giới thiệu {sp}. Anh/chị muốn xem thực đơn và giá "
                     "không ạ?",
        "Quan tâm": "Dạ, em gửi anh/chị thông tin {sp}: giá [giá] đồng / [quy cách], giờ mở "
                    "cửa [giờ mở cửa]. Anh/chị cần hỏi thêm gì cứ nhắn em nhé.",
        "Cân nhắc": "Anh/chị xem thêm ảnh món thật và lời khen của khách (đã xin phép) nhé. "
                    "[Ưu đãi thật, nếu có, và ngày hết hạn]",
        "Mua hàng": "Cảm ơn anh/chị đã đặt bàn ở {ten}! Giờ đến: [giờ hẹn]. Địa chỉ: "
                    "[nơi sản xuất].",
        "Trung thành": "Anh/chị thấy {sp} ở {ten} thế nào ạ? Góp ý của anh/chị giúp quán làm "
                       "tốt hơn.",
    },
    "": {
        "Nhận biết": "Chào anh/chị! {ten} giới thiệu {sp}. Anh/chị muốn xem ảnh và giá không ạ?",
        "Quan tâm": "Dạ, em gửi anh/chị thông tin {sp}: giá [giá] đồng / [quy cách]. Anh/chị "
                    "cần hỏi thêm gì cứ nhắn em nhé.",
        "Cân nhắc": "Anh/chị xem thêm ảnh thật và lời khen của khách (đã xin phép) nhé. "
                    "[Ưu đãi thật, nếu có, và ngày hết hạn]",
        "Mua hàng": "Cảm ơn anh/chị đã tin chọn {ten}! Bước tiếp theo: [bước tiếp theo].",
        "Trung thành": "Anh/chị thấy {sp} thế nào ạ? Góp ý của anh/chị giúp {ten} làm tốt hơn.",
    },
}
# (topic, question, starter answer) per kind; [..] marks facts only the owner knows. The
# profile fills [giá], [quy cách], [nơi sản xuất], [điểm nổi bật], [giờ mở cửa], [giao nhận]
# and [điều khoản] (course.lessons.profile.gap_values); the rest stays for the owner.
_PAY = ("Thanh toán", "Có những cách thanh toán nào?", "[Cách thanh toán của bạn].")
FAQ_BY_KIND = {
    "product": (
        ("Sản phẩm", "{sp} của {ten} có gì đặc biệt?",
         "{sp} làm tại [nơi sản xuất], [điểm nổi bật]. Phù hợp với {kh}."),
        ("Giá", "Giá {sp} bao nhiêu?", "Giá [giá] đồng cho [quy cách]."),
        ("Giao hàng", "Giao hàng thế nào, bao lâu thì nhận được?",
         "[giao nhận]. Thời gian: [số ngày] ngày."),
        ("Giao hàng", "Phí giao hàng là bao nhiêu?", "[Phí giao hàng]."),
        _PAY,
        ("Hàng hỏng, vỡ", "Hàng bị hỏng, bị vỡ thì sao?", "[điều khoản]."),
        ("Bảo quản", "Bảo quản {sp} thế nào?", "[Cách bảo quản]. Hạn dùng [thời gian]."),
        ("Đặt hàng", "Đặt hàng bằng cách nào?", "Nhắn tin qua {kenh}: tên hàng, số lượng, "
         "địa chỉ."),
    ),
    "service": (
        ("Dịch vụ", "{sp} của {ten} có gì đặc biệt?", "[điểm nổi bật]. Phù hợp với {kh}."),
        ("Giá", "Giá {sp} bao nhiêu?", "Giá [giá] đồng / [quy cách]."),
        ("Giờ mở cửa", "{ten} mở cửa lúc mấy giờ?", "[giờ mở cửa]."),
        ("Đặt lịch", "Đặt lịch thế nào?", "Nhắn tin qua {kenh}: tên, giờ muốn hẹn, việc cần "
         "làm."),
        ("Khu vực", "{ten} có nhận làm tận nơi không?", "[giao nhận]."),
        ("Thời gian", "Bao lâu thì xong?", "[Thời gian làm xong]."),
        _PAY,
        ("Chưa hài lòng", "Nếu chưa hài lòng thì sao?", "[điều khoản]."),
    ),
    "lodging": (
        ("Chỗ ở", "{sp} của {ten} có gì đặc biệt?", "[điểm nổi bật]. Phù hợp với {kh}."),
        ("Giá", "Giá {sp} bao nhiêu?", "Giá [giá] đồng / [quy cách]."),
        ("Giờ", "Mấy giờ nhận phòng, mấy giờ trả phòng?", "[giờ mở cửa]."),
        ("Đặt phòng", "Đặt phòng thế nào?", "Nhắn tin qua {kenh}: ngày đến, số người, loại "
         "phòng."),
        ("Đường đi", "{ten} ở đâu, đi thế nào?", "[nơi sản xuất]. [giao nhận]."),
        _PAY,
        ("Hủy phòng", "Hủy hoặc đổi ngày thì sao?", "[điều khoản]."),
    ),
    "venue": (
        ("Món", "{ten} có món gì đặc biệt?", "[điểm nổi bật]. Phù hợp với {kh}."),
        ("Giá", "Giá {sp} bao nhiêu?", "Giá [giá] đồng / [quy cách]."),
        ("Giờ mở cửa", "Quán mở cửa lúc mấy giờ?", "[giờ mở cửa]."),
        ("Đặt bàn", "Đặt bàn thế nào?", "Nhắn tin qua {kenh}: giờ đến, số người."),
        ("Địa chỉ", "Quán ở đâu?", "[nơi sản xuất]."),
        ("Mang về", "Quán có giao tận nơi không?", "[giao nhận]."),
        _PAY,
    ),
    "": (
        ("Giới thiệu", "{sp} của {ten} có gì đặc biệt?", "[điểm nổi bật]. Phù hợp với {kh}."),
        ("Giá", "Giá {sp} bao nhiêu?", "Giá [giá] đồng / [quy cách]."),
        ("Giờ mở cửa", "{ten} mở cửa lúc mấy giờ?", "[giờ mở cửa]."),
        ("Liên hệ", "Liên hệ {ten} bằng cách nào?", "Nhắn tin qua {kenh}."),
        ("Khu vực", "{ten} ở đâu, phục vụ khu vực nào?", "[nơi sản xuất]. [giao nhận]."),
        _PAY,
        ("Điều khoản", "Nếu chưa hài lòng thì sao?", "[điều khoản]."),
    ),
}
FAQ_TEMPLATE = FAQ_BY_KIND["product"]  # the course sample's FAQ (goods)


@dataclass
class Plan:
    business: Business
    calendar: pd.DataFrame
    funnel: pd.DataFrame
    care_prompt: str
    faq: pd.DataFrame

    def placeholders(self) -> list[str]:
        """The "[...]" gaps still to fill with the owner's real facts, in order of appearance."""
        faq = self.faq.drop(columns=[t("capstone.col_fill")], errors="ignore")
        texts = [self.care_prompt, *self.funnel.astype(str).to_numpy().ravel(),
                 *faq.astype(str).to_numpy().ravel()]
        found: list[str] = []
        for text in texts:
            for gap in _GAP.findall(text):
                if gap not in found:
                    found.append(gap)
        return found

    def fill(self, values: dict[str, str]) -> Plan:
        """A copy with gaps replaced: {"[số ngày]": "2", "[giá]": "70.000"} (brackets optional)."""
        pairs = {(k if k.startswith("[") else f"[{k}]"): nfc(str(v)) for k, v in values.items()}

        def put(text: object) -> object:
            if not isinstance(text, str):
                return text
            for gap, value in pairs.items():
                text = text.replace(gap, value)
            return text

        faq = self.faq.map(put)
        faq[t("capstone.col_fill")] = faq[t("capstone.col_answer")].map(
            lambda a: t("capstone.fill_yes") if _GAP.search(a) else t("capstone.fill_no"))
        return Plan(self.business, self.calendar.copy(), self.funnel.map(put),
                    str(put(self.care_prompt)), faq)

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Sheet name -> table, in workbook order (names from the message catalogue)."""
        b = self.business
        info = pd.DataFrame({
            t("capstone.col_item"): [t("capstone.info_" + k) for k in (
                "name", "products", "customers", "channels", "tone", "start", "made", "note")],
            t("capstone.col_value"): [b.ten, ", ".join(b.products), b.khach_hang,
                                      ", ".join(b.channels), b.giong_van, b.start, date.today(),
                                      t("capstone.info_note_text")],
        })
        prompt = pd.DataFrame({t("capstone.col_prompt"): [self.care_prompt]})
        return {
            t("capstone.sheet_calendar"): self.calendar,
            t("capstone.sheet_funnel"): self.funnel,
            t("capstone.sheet_prompt"): prompt,
            t("capstone.sheet_faq"): self.faq,
            t("capstone.sheet_info"): info,
        }

    def to_excel(self, path: str | Path) -> Path:
        """Write the one workbook; returns its path (folders are created)."""
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_workbook(self.sheets(), path)

    def to_markdown(self) -> str:
        """A printable summary: the business, the calendar, messages, bot prompt and FAQ."""
        b = self.business
        lines = [f"# {t('capstone.md_title', name=b.ten)}", "",
                 f"- **{t('capstone.info_products')}:** {', '.join(b.products)}",
                 f"- **{t('capstone.info_customers')}:** {b.khach_hang}",
                 f"- **{t('capstone.info_channels')}:** {', '.join(b.channels)}",
                 f"- **{t('capstone.info_tone')}:** {b.giong_van}",
                 f"- **{t('capstone.info_start')}:** {b.start:%d/%m/%Y}", "",
                 f"## {t('capstone.sheet_calendar')}", "", markdown_table(self.calendar), "",
                 f"## {t('capstone.sheet_funnel')}", "", markdown_table(self.funnel), "",
                 f"## {t('capstone.sheet_prompt')}", "", "```text", self.care_prompt, "```", "",
                 f"## {t('capstone.sheet_faq')}", ""]
        for _, row in self.faq.iterrows():
            lines += [f"**{row.iloc[1]}**  ", str(row.iloc[2]), ""]
        lines += ["---", t("capstone.info_note_text")]
        return "\n".join(lines) + "\n"

    def save(self, folder: str | Path = OUTPUT_DIR, name: str = "ke_hoach") -> tuple[Path, Path]:
        """Workbook and Markdown summary side by side in `folder` (ket_qua/ by default)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        xlsx = self.to_excel(folder / f"{name}.xlsx")
        md = folder / f"{name}.md"
        md.write_text(self.to_markdown(), encoding="utf-8")
        return xlsx, md


def _fill(template: str, b: Business, product: str) -> str:
    if nfc(product).lower() == nfc(b.ten).lower():  # "Homestay Mây của Homestay Mây": once
        template = template.replace("{sp} của {ten}", "{sp}")
    return template.format(ten=b.ten, sp=product, kh=b.khach_hang, kenh=", ".join(b.channels))


def build_calendar(b: Business) -> pd.DataFrame:
    """Lesson 03's 4-week calendar (Mon/Wed/Fri) with the business's products and channels."""
    base = content_calendar(b.products[0], b.start, tuple(b.channels), kind=b.kind)
    rows = []
    for i, r in base.iterrows():
        product = b.products[i % len(b.products)]
        day = date.fromisoformat(r["ngay"])
        idea = IDEAS.get(r["chu_de"], t("capstone.idea_default"))
        rows.append({t("capstone.col_date"): day, t("capstone.col_weekday"): r["thu"],
                     t("capstone.col_week"): (day - b.start).days // 7 + 1,
                     t("capstone.col_channel"): r["kenh"], t("capstone.col_product"): product,
                     t("capstone.col_topic"): r["chu_de"],
                     t("capstone.col_idea"): _fill(idea, b, product),
                     t("capstone.col_status"): t("capstone.status_todo")})
    return pd.DataFrame(rows)


def build_funnel(b: Business) -> pd.DataFrame:
    """One message per funnel stage for the business's customers, on channels they use."""
    base = message_plan(b.products[0], b.start, (b.khach_hang,), kind=b.kind)
    rows = []
    for _, r in base.iterrows():
        stage = r["giai_doan"]
        wanted = STAGE_PLAN[stage][1]
        channel = wanted if wanted in b.channels else b.channels[0]
        rows.append({t("capstone.col_date"): date.fromisoformat(r["ngay"]),
                     t("capstone.col_stage"): stage, t("capstone.col_channel"): channel,
                     t("capstone.col_goal"): r["muc_tieu"],
                     t("capstone.col_message"): _fill(MESSAGES[b.kind][stage], b,
                                                      b.products[0])})
    return pd.DataFrame(rows)


def build_faq(b: Business) -> pd.DataFrame:
    product = b.products[0]
    rows = [{t("capstone.col_faq_topic"): topic, t("capstone.col_question"): _fill(q, b, product),
             t("capstone.col_answer"): _fill(a, b, product)}
            for topic, q, a in FAQ_BY_KIND[b.kind]]
    faq = pd.DataFrame(rows)
    faq[t("capstone.col_fill")] = faq[t("capstone.col_answer")].str.contains(r"\[", regex=True).map(
        {True: t("capstone.fill_yes"), False: t("capstone.fill_no")})
    return faq


def build_care_prompt(b: Business, faq: pd.DataFrame) -> str:
    """A system prompt for a customer-care bot, FAQ included as Hỏi/Đáp lines."""
    qa = "\n".join(f"Hỏi: {q}\nĐáp: {a}" for q, a in zip(
        faq[t("capstone.col_question")], faq[t("capstone.col_answer")], strict=True))
    return t("capstone.care_prompt", ten=b.ten, sp=", ".join(b.products), kh=b.khach_hang,
             giong=b.giong_van, kenh=", ".join(b.channels), faq=qa)


def build_plan(business: Business) -> Plan:
    """Everything the capstone exports, built from the five answers."""
    faq = build_faq(business)
    return Plan(business, build_calendar(business), build_funnel(business),
                build_care_prompt(business, faq), faq)
