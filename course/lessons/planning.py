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
TOPICS = (
    "Giới thiệu sản phẩm và nguồn gốc",
    "Câu chuyện người làm ra sản phẩm",
    "Mẹo dùng sản phẩm hằng ngày",
    "Cảm nhận của khách hàng",
    "Ưu đãi trong tuần",
    "Hỏi đáp những câu khách hay hỏi",
    "Hậu trường đóng gói và giao hàng",
    "Cách dùng ngon cùng món ăn, thức uống",
    "Gợi ý làm quà biếu",
    "Cách nhận biết hàng chất lượng",
    "Câu đố vui có quà",
    "Tổng kết tháng và cảm ơn khách hàng",
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

STAGES = ("Nhận biết", "Quan tâm", "Cân nhắc", "Mua hàng", "Trung thành")
SEGMENTS = ("Khách mới", "Khách quen", "Quán ăn, đại lý")
# Day of the sequence, channel and goal of the message for each funnel stage.
STAGE_PLAN = {
    "Nhận biết": (0, "Facebook", "giới thiệu ngắn sản phẩm và nơi làm ra nó"),
    "Quan tâm": (2, "Zalo", "gửi thông tin chi tiết và trả lời thắc mắc thường gặp"),
    "Cân nhắc": (5, "Zalo", "đưa bằng chứng chất lượng và một ưu đãi có hạn"),
    "Mua hàng": (7, "Zalo", "xác nhận đơn, cảm ơn và hướng dẫn nhận hàng"),
    "Trung thành": (21, "E-mail", "hỏi cảm nhận, gợi ý mua lại và giới thiệu bạn bè"),
}

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
_HASHTAG = re.compile(r"#\w+")
_CALL = re.compile(
    r"nhắn tin|inbox|đặt hàng|đặt mua|gọi|liên hệ|bình luận|comment|ghé|mua ngay|bấm|nhấn",
    re.IGNORECASE,
)


def _parse_date(value: str | date, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CourseError(t("lessons.bad_date", value=value, what=what)) from None


def content_calendar(
    product: str, start: str | date = "2026-01-05", channels: tuple[str, ...] = CHANNELS
) -> pd.DataFrame:
    """Four weeks, three posts a week (Mon, Wed, Fri), one topic per post, channels in turn."""
    first = _parse_date(start, "start")
    if not str(product).strip():
        raise CourseError(t("lessons.need_product"))
    rows = []
    for i, topic in enumerate(TOPICS):
        day = first + timedelta(weeks=i // 3, days=2 * (i % 3))
        rows.append({"ngay": day.isoformat(), "thu": WEEKDAYS[day.weekday()],
                     "kenh": channels[i % len(channels)], "chu_de": topic,
                     "san_pham": nfc(str(product).strip())})
    return pd.DataFrame(rows)


def message_plan(
    product: str, start: str | date = "2026-01-05", segments: tuple[str, ...] = SEGMENTS
) -> pd.DataFrame:
    """One message per funnel stage and customer segment: date, channel, segment, goal."""
    first = _parse_date(start, "start")
    if not str(product).strip():
        raise CourseError(t("lessons.need_product"))
    rows = []
    for segment in segments:
        for stage in STAGES:
            offset, channel, goal = STAGE_PLAN[stage]
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


def post_metrics(texts: pd.Series) -> pd.DataFrame:
    """Characters, hashtags, emoji and whether there is a call to action, per post."""
    clean = texts.fillna("").astype(str).map(strip_label).str.strip()
    return pd.DataFrame({
        "so_ky_tu": clean.str.len(),
        "so_hashtag": clean.str.count(_HASHTAG.pattern),
        "so_emoji": clean.str.count(_EMOJI.pattern),
        "co_keu_goi": clean.str.contains(_CALL.pattern, case=False, regex=True),
    }, index=texts.index)
