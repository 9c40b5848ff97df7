"""Lessons 03-04: a month's content calendar, a funnel message plan and post checks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd

from course.errors import CourseError
from course.i18n import t
from course.llm.offline import strip_label
from course.text import nfc

CHANNELS = ("Facebook", "Zalo", "TikTok")
TOPICS = (  # goods: food, farm produce, handicraft, other products
    "Giới thiệu sản phẩm và nguồn gốc",
    "Câu chuyện người làm ra sản phẩm",
    "Mẹo dùng sản phẩm hằng ngày",
    "Cảm nhận của khách hàng",
    "Ưu đãi thật của cơ sở (nếu có)",
    "Hỏi đáp những câu khách hay hỏi",
    "Hậu trường đóng gói và giao hàng",
    "Cách dùng ngon cùng món ăn, thức uống",
    "Gợi ý làm quà biếu",
    "Cách nhận biết hàng chất lượng",
    "Câu hỏi vui cho khách quen",
    "Tổng kết tháng và cảm ơn khách hàng",
)
# The same month for other kinds of business: nothing about gifts, origin, storage, packaging
# or delivery for a service; an offer or a prize only as the owner's own ("nếu có").
TOPICS_BY_KIND = {
    "product": TOPICS,
    "service": (
        "Giới thiệu dịch vụ và người làm",
        "Một buổi làm việc của cơ sở",
        "Mẹo nhỏ cho khách trước khi dùng dịch vụ",
        "Cảm nhận của khách hàng",
        "Ưu đãi thật của cơ sở (nếu có)",
        "Hỏi đáp những câu khách hay hỏi",
        "Quy trình làm việc từng bước",
        "Giờ mở cửa và cách đặt lịch",
        "Trước và sau (có sự đồng ý của khách)",
        "Cách chọn một nơi làm dịch vụ cẩn thận",
        "Câu hỏi vui cho khách quen",
        "Tổng kết tháng và cảm ơn khách hàng",
    ),
    "lodging": (
        "Giới thiệu chỗ ở và người chủ",
        "Một ngày ở chỗ ở của bạn",
        "Gợi ý lịch trình quanh đây",
        "Cảm nhận của khách",
        "Ưu đãi thật của cơ sở (nếu có)",
        "Hỏi đáp những câu khách hay hỏi",
        "Phòng và tiện nghi",
        "Giờ nhận, trả phòng và cách đặt phòng",
        "Góc ảnh đẹp",
        "Mẹo chuẩn bị cho chuyến đi",
        "Câu hỏi vui cho khách quen",
        "Tổng kết tháng và cảm ơn khách",
    ),
    "venue": (
        "Giới thiệu quán và người nấu",
        "Một buổi sáng ở quán",
        "Món của quán và cách ăn cho ngon",
        "Cảm nhận của khách",
        "Ưu đãi thật của quán (nếu có)",
        "Hỏi đáp những câu khách hay hỏi",
        "Hậu trường bếp",
        "Giờ mở cửa và cách đặt bàn",
        "Góc ảnh đẹp ở quán",
        "Nguyên liệu quán chọn mỗi ngày",
        "Câu hỏi vui cho khách quen",
        "Tổng kết tháng và cảm ơn khách",
    ),
    "": (  # kind unclear: wording that fits every business
        "Giới thiệu cơ sở và người làm",
        "Một ngày làm việc của cơ sở",
        "Mẹo nhỏ hữu ích cho khách",
        "Cảm nhận của khách hàng",
        "Ưu đãi thật của cơ sở (nếu có)",
        "Hỏi đáp những câu khách hay hỏi",
        "Hậu trường công việc",
        "Giờ mở cửa và cách liên hệ",
        "Điều làm cơ sở khác biệt",
        "Cách khách chọn đúng nơi",
        "Câu hỏi vui cho khách quen",
        "Tổng kết tháng và cảm ơn khách hàng",
    ),
}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

STAGES = ("Nhận biết", "Quan tâm", "Cân nhắc", "Mua hàng", "Trung thành")
SEGMENTS = ("Khách mới", "Khách quen", "Quán ăn, đại lý")
# Day of the sequence, channel and goal of the message for each funnel stage.
STAGE_PLAN = {
    "Nhận biết": (0, "Facebook", "giới thiệu ngắn sản phẩm và nơi làm ra nó"),
    "Quan tâm": (2, "Zalo", "gửi thông tin chi tiết và trả lời thắc mắc thường gặp"),
    "Cân nhắc": (5, "Zalo",
                 "đưa bằng chứng thật (ảnh, lời khen đã xin phép) và ưu đãi thật nếu có"),
    "Mua hàng": (7, "Zalo", "xác nhận đơn, cảm ơn và hướng dẫn nhận hàng"),
    "Trung thành": (21, "E-mail", "hỏi cảm nhận, gợi ý mua lại và giới thiệu bạn bè"),
}
GOALS_BY_KIND = {  # the goal of each stage's message, per kind (same days and channels)
    "product": {stage: plan[2] for stage, plan in STAGE_PLAN.items()},
    "service": {"Nhận biết": "giới thiệu ngắn dịch vụ và người làm",
                "Quan tâm": "gửi giá, giờ mở cửa và trả lời thắc mắc thường gặp",
                "Cân nhắc": "đưa bằng chứng thật (ảnh trước – sau đã xin phép) và ưu đãi thật "
                            "nếu có",
                "Mua hàng": "xác nhận lịch hẹn, cảm ơn và nhắc giờ hẹn",
                "Trung thành": "hỏi cảm nhận, mời quay lại và giới thiệu bạn bè"},
    "lodging": {"Nhận biết": "giới thiệu ngắn chỗ ở và cảnh quanh đây",
                "Quan tâm": "gửi giá phòng, giờ nhận trả phòng và trả lời thắc mắc",
                "Cân nhắc": "đưa ảnh thật, lời khen đã xin phép và ưu đãi thật nếu có",
                "Mua hàng": "xác nhận đặt phòng, cảm ơn và chỉ đường đến",
                "Trung thành": "hỏi cảm nhận, mời quay lại và giới thiệu bạn bè"},
    "venue": {"Nhận biết": "giới thiệu ngắn quán và món chính",
              "Quan tâm": "gửi thực đơn, giá, giờ mở cửa và trả lời thắc mắc",
              "Cân nhắc": "đưa ảnh món thật, lời khen đã xin phép và ưu đãi thật nếu có",
              "Mua hàng": "xác nhận đặt bàn, cảm ơn và chỉ đường đến quán",
              "Trung thành": "hỏi cảm nhận, mời quay lại và giới thiệu bạn bè"},
    "": {"Nhận biết": "giới thiệu ngắn cơ sở và điều làm nên khác biệt",
         "Quan tâm": "gửi giá, cách liên hệ và trả lời thắc mắc thường gặp",
         "Cân nhắc": "đưa bằng chứng thật (ảnh, lời khen đã xin phép) và ưu đãi thật nếu có",
         "Mua hàng": "xác nhận, cảm ơn và hướng dẫn bước tiếp theo",
         "Trung thành": "hỏi cảm nhận, mời quay lại và giới thiệu bạn bè"},
}


def _kind(kind: str | None, product: str) -> str:
    """'product' | 'service' | 'lodging' | 'venue' | '' from a kind or the name."""
    if kind is None:
        from course.llm.kinds import detect
        from course.llm.names import samples

        found = detect(product).main
        if not found and any(p.short.lower() == nfc(product).strip().lower()
                             for _, p in samples()):
            return "product"  # the course's own samples are all goods
        return found
    return kind if kind in TOPICS_BY_KIND else ""


_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
_HASHTAG = re.compile(r"#\w+")
_CALL = re.compile(
    r"nhắn tin|inbox|đặt hàng|đặt mua|gọi|liên hệ|bình luận|comment|ghé|mua ngay|bấm|nhấn"
    r"|đặt lịch|đặt phòng|đặt bàn|hẹn giờ|giữ phòng|giữ chỗ",
    re.IGNORECASE,
)
# Offers, gifts, fees, promises and claims about customers a post may make only when the
# business said so (lesson 03's and 04's checks; lesson 06's checklist has its own list).
UNPROVEN = ("ưu đãi", "giảm giá", "khuyến mãi", "quà tặng", "tặng kèm", "quà nhỏ", "miễn phí",
            "freeship", "combo", "mua nhiều", "giá tốt", "rẻ nhất", "nhiều khách",
            "quay lại lần hai", "bán chạy", "toàn quốc", "cam kết", "bảo hành", "đổi trả",
            "hoàn tiền", "trong ngày", "phí giao", "phí ship", "số 1", "hàng đầu", "100%")


def _parse_date(value: str | date, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CourseError(t("lessons.bad_date", value=value, what=what)) from None


def content_calendar(
    product: str, start: str | date = "2026-01-05", channels: tuple[str, ...] = CHANNELS,
    kind: str | None = None,
) -> pd.DataFrame:
    """Four weeks, three posts a week (Mon, Wed, Fri), one topic per post, channels in turn.

    `kind` ("product", "service", "lodging", "venue", "" for unclear) picks topics that fit the
    business; None reads it from the name ("tiệm giặt sấy …" is a service).
    """
    first = _parse_date(start, "start")
    if not str(product).strip():
        raise CourseError(t("lessons.need_product"))
    rows = []
    for i, topic in enumerate(TOPICS_BY_KIND[_kind(kind, str(product))]):
        day = first + timedelta(weeks=i // 3, days=2 * (i % 3))
        rows.append({"ngay": day.isoformat(), "thu": WEEKDAYS[day.weekday()],
                     "kenh": channels[i % len(channels)], "chu_de": topic,
                     "san_pham": nfc(str(product).strip())})
    return pd.DataFrame(rows)


def message_plan(
    product: str, start: str | date = "2026-01-05", segments: tuple[str, ...] = SEGMENTS,
    kind: str | None = None,
) -> pd.DataFrame:
    """One message per funnel stage and customer segment: date, channel, segment, goal."""
    first = _parse_date(start, "start")
    if not str(product).strip():
        raise CourseError(t("lessons.need_product"))
    goals = GOALS_BY_KIND[_kind(kind, str(product))]
    rows = []
    for segment in segments:
        for stage in STAGES:
            offset, channel, _ = STAGE_PLAN[stage]
            goal = goals[stage]
            rows.append({"ngay": (first + timedelta(days=offset)).isoformat(), "kenh": channel,
                         "phan_khuc": segment, "giai_doan": stage, "muc_tieu": goal,
                         "san_pham": nfc(str(product).strip())})
    return pd.DataFrame(rows)


def reached_counts(leads: pd.DataFrame, column: str = "giai_doan") -> dict[str, int]:
    """How many leads got at least as far as each stage (the funnel's widths)."""
    unknown = sorted(set(leads[column].dropna()) - set(STAGES))
    if unknown:
        raise CourseError(t("lessons.bad_stage", names=", ".join(unknown),
                           stages=", ".join(STAGES)))
    rank = leads[column].map(STAGES.index)
    return {stage: int((rank >= i).sum()) for i, stage in enumerate(STAGES)}


def unproven(text: str, told: str = "") -> list[str]:
    """Offers, gifts, fees, promises in `text` that `told` (what the business said) lacks."""
    low, said = nfc(str(text)).lower(), nfc(str(told)).lower()
    return [w for w in UNPROVEN if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low)
            and not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", said)]


def names_it(text: str, name: str) -> bool:
    """The post names the business: its whole name, or the proper name in it ("Hoa Mai" of
    "tiệm giặt sấy Hoa Mai", "Arabica Khe Sanh" of "Cà phê Arabica Khe Sanh")."""
    text, name = nfc(text).lower(), nfc(name).strip()
    if name.lower() in text:
        return True
    words = name.split()
    proper = [w for w in words[1:] if w[:1].isupper()]
    return len(proper) >= 1 and " ".join(proper).lower() in text and len(" ".join(proper)) >= 4


def _money(text: str) -> set[str]:
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d{1,3}(?:[.,]\d{3})+|\d+\s*k\b", text)}


def post_metrics(texts: pd.Series, name: str | None = None, price: int | str | None = None,
                 told: str = "") -> pd.DataFrame:
    """Per post: characters, hashtags, emoji, a call to action; with `name`: whether the post
    names the business; with `price`: whether it states that price; always: the offers,
    gifts, fees or promises the business did not give in `told` (khong_bia is False then)."""
    clean = texts.fillna("").astype(str).map(strip_label).str.strip()
    out = pd.DataFrame({
        "so_ky_tu": clean.str.len(),
        "so_hashtag": clean.str.count(_HASHTAG.pattern),
        "so_emoji": clean.str.count(_EMOJI.pattern),
        "co_keu_goi": clean.str.contains(_CALL.pattern, case=False, regex=True),
    }, index=texts.index)
    if name:
        out["co_ten"] = clean.map(lambda x: names_it(x, str(name)))
    if price not in (None, ""):
        want = _money(str(price)) or {re.sub(r"\D", "", str(price))}
        out["co_gia"] = clean.map(lambda x: bool(want & _money(x)))
    out["khong_bia"] = clean.map(lambda x: not unproven(x, told))
    return out
