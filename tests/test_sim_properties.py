"""Property tests of the offline simulation over a request grammar (Hypothesis).

A request is drawn from: 14 businesses of 8+ kinds that are not in the course data (services:
laundry, repair, spa, tutoring, photo studio, clinic, accounting, transport; lodging; a food &
drink venue; farm produce, food, handicraft, other goods) x 18 task kinds (slogans, headlines,
ideas, FAQ, hashtags, greetings, calls to action, keywords, a post under N words, a post of N
sentences whose last sentence is given, a message, JSON with keys, tables over listed days /
named plans / listed channels, N given reviews to classify, a text to summarise, a post to
correct) x phrasings (NFC, NFD, no diacritics, lower case; two word orders; counts, limits,
prices).

Properties, checked on every answer (tests/sim_properties.py):
1. the business name is kept and no sample business is named;
2. the asked count, limit and format are met (or an honest one-sentence decline);
3. nothing is invented: every number, offer, fee, promise, customer claim and proper name
   comes from the request or is a visible [gap];
4. a service never gets product-only wording (gift, origin, storage, packaging, delivery).

CI runs a fixed seed (derandomize). Locally: HYPOTHESIS_PROFILE=large pytest
tests/test_sim_properties.py (5,000 examples); benchmarks/sim_properties_bench.py prints the pass
rate per property on a generated corpus.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_properties import invented, keeps_name, nfd, plain, product_only, sample_leaks

from course.llm import grounded, offline
from course.text import fold, nfc

settings.register_profile("ci", derandomize=True, max_examples=300, database=None,
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("large", max_examples=5000, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# (name, main kind) – none of them is in the course data.
BUSINESSES = (
    ("tiệm giặt sấy Hoa Mai", "service"),
    ("dịch vụ sửa máy lạnh Minh Phát", "service"),
    ("spa Lan Anh", "service"),
    ("Trung tâm tiếng Anh Sao Mai", "service"),
    ("studio ảnh Nắng Mai", "service"),
    ("phòng khám nha khoa Hòa An", "service"),
    ("dịch vụ kế toán Tâm Phúc", "service"),
    ("xe tải chuyển nhà Phú Lộc", "service"),
    ("homestay Đồi Thông", "lodging"),
    ("quán bún bò Mệ Hoa", "venue"),
    ("bưởi da xanh Năm Căn", "product"),
    ("nước mắm Cửa Việt", "product"),
    ("nón lá Phú Cam", "product"),
    ("áo dài Thu Hà", "product"),
)
DAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy")
PLANS = (("Cơ bản", "Tiêu chuẩn", "Cao cấp"), ("Gói Bạc", "Gói Vàng"),
         ("Sáng", "Chiều", "Tối", "Cuối tuần"))
CHANNELS = ("Zalo", "Facebook", "TikTok", "Shopee", "Instagram")
REVIEWS = ("Làm rất cẩn thận, tôi rất hài lòng.", "Nhân viên nhiệt tình, sẽ quay lại.",
           "Chờ quá lâu, thất vọng.", "Bình thường, không có gì đặc biệt.",
           "Giao trễ hẹn, khó chịu.", "Sạch sẽ, thơm, tuyệt vời.")
PRICES = ("15.000 đồng/kg", "250.000 đồng", "40.000 đồng một ký", "1.200.000 đồng/tháng")
ITEM = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s+(.*)$")


@dataclass
class Case:
    task: str
    name: str
    kind: str
    prompt: str  # before the phrasing form
    form: str
    check: Callable[[str], list[str]]
    needs_name: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def sent(self) -> str:
        return FORMS[self.form](self.prompt)


def lower(text: str) -> str:
    return text.lower()


FORMS = {"nfc": nfc, "nfd": nfd, "plain": plain, "lower": lower}


def items(body: str) -> list[str]:
    return [m.group(1) for line in body.splitlines() if (m := ITEM.match(line))]


def n_words(text: str) -> int:
    return len(re.sub(r"#\w+", "", text).split())


def expect_items(n: int, max_words: int | None = None, ends: str | None = None,
                 start: str | None = None) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        got = items(body)
        wrong = [] if len(got) == n else [f"{len(got)} mục, cần {n}"]
        for x in got:
            if max_words and n_words(x) > max_words:
                wrong.append(f"quá {max_words} từ: {x}")
            if ends and not x.rstrip().endswith(ends):
                wrong.append(f"không kết thúc bằng {ends}: {x}")
            if start and not x.startswith(start):
                wrong.append(f"không bắt đầu bằng {start}: {x}")
        return wrong
    return check


def expect_words(limit: int) -> Callable[[str], list[str]]:
    return lambda body: [] if 0 < n_words(body) <= limit else [f"{n_words(body)} từ > {limit}"]


def sentences_of(body: str) -> list[str]:
    text = "\n".join(x for x in body.split("\n\n") if not x.strip().startswith("#"))
    return [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if re.search(r"\w", x)]


def expect_sentences(n: int, last: str) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        got = sentences_of(body)
        wrong = [] if len(got) == n else [f"{len(got)} câu, cần {n}"]
        if got and fold(last) not in fold(got[-1]):
            wrong.append(f"câu cuối không có “{last}”: {got[-1]}")
        return wrong
    return check


def table(body: str) -> tuple[list[str], list[list[str]]]:
    lines = [x for x in body.splitlines() if x.startswith("|")]
    if len(lines) < 2:
        return [], []
    cells = [[c.strip() for c in x.strip("|").split("|")] for x in lines]
    return cells[0], cells[2:]


def expect_table(columns: list[str], rows: list[str] | None, n: int | None = None
                 ) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        head, got = table(body)
        wrong = []
        if [fold(c) for c in head] != [fold(c) for c in columns]:
            wrong.append(f"cột {head}, cần {columns}")
        if rows is not None and [fold(r[0]) for r in got] != [fold(r) for r in rows]:
            wrong.append(f"dòng {[r[0] for r in got]}, cần {rows}")
        if n is not None and len(got) != n:
            wrong.append(f"{len(got)} dòng, cần {n}")
        return wrong
    return check


def expect_json(n: int, keys: list[str]) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        try:
            data = json.loads(body)
        except ValueError:
            return ["không phải JSON"]
        if not isinstance(data, list) or len(data) != n:
            return [f"JSON không phải danh sách {n} phần tử"]
        return [f"khóa {list(x)}" for x in data if list(x) != keys]
    return check


def expect_labels(n: int) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        got = items(body)
        ok = [x for x in got if re.search(r"(tích cực|tiêu cực|trung tính)\s*$", x)]
        return [] if len(got) == n == len(ok) else [f"{len(ok)} nhãn, cần {n}"]
    return check


def expect_summary(n: int, source: str) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        got = sentences_of(body)
        wrong = [] if 1 <= len(got) <= n else [f"{len(got)} câu, tối đa {n}"]
        return wrong + [f"câu không có trong đoạn gốc: {x}" for x in got
                        if fold(x) not in fold(source)]
    return check


def expect_fixed(price: str, wrong_price: str, kept: str) -> Callable[[str], list[str]]:
    def check(body: str) -> list[str]:
        wrong = []
        if fold(price) not in fold(body):
            wrong.append("thiếu giá đúng")
        if fold(wrong_price) in fold(body):
            wrong.append("còn giá sai")
        if fold(kept) not in fold(body):
            wrong.append("mất câu của bài gốc")
        return wrong
    return check


Draw = Callable[[object], object]  # draw(list_or_range) -> one element


def build(draw: Callable[[tuple], object], task: str) -> Case:
    """One request of `task` for a drawn business, count, limit and phrasing."""
    name, kind = draw(BUSINESSES)
    form = draw(tuple(FORMS))
    n = draw((2, 3, 4, 5))
    order = draw((0, 1))
    if task == "slogan":
        k = draw((8, 10, 12, 15))
        p = (f"Viết {n} khẩu hiệu cho {name}, mỗi câu dưới {k} từ." if order else
             f"Cho {name}: viết {n} khẩu hiệu, mỗi câu dưới {k} từ.")
        return Case(task, name, kind, p, form, expect_items(n, k))
    if task == "headline":
        return Case(task, name, kind, f"Viết {n} tiêu đề cho bài đăng về {name}.", form,
                    expect_items(n))
    if task == "idea":
        p = (f"Gợi ý {n} ý tưởng nội dung cho {name}." if order else
             f"Gợi ý {n} ý tưởng bài đăng Facebook về {name}, dạng gạch đầu dòng.")
        return Case(task, name, kind, p, form, expect_items(n))
    if task == "faq":
        return Case(task, name, kind, f"Viết {n} câu hỏi thường gặp của khách về {name}.", form,
                    expect_items(n, ends="?"))
    if task == "hashtag":
        return Case(task, name, kind, f"Gợi ý {n} hashtag cho {name}.", form,
                    expect_items(n, start="#"))
    if task == "greeting":
        return Case(task, name, kind, f"Viết {n} lời chào khách cho {name}.", form,
                    expect_items(n))
    if task == "cta":
        return Case(task, name, kind, f"Viết {n} lời kêu gọi hành động cho {name}.", form,
                    expect_items(n))
    if task == "keyword":
        return Case(task, name, kind, f"Gợi ý {n} từ khóa tìm kiếm cho {name}, mỗi dòng một từ "
                    "khóa, đánh số.", form, expect_items(n))
    if task == "post_words":
        w = draw((40, 60, 80, 120))
        price = draw(("",) + PRICES)
        p = f"Viết bài đăng Facebook giới thiệu {name}" + (f", giá {price}" if price else "") + \
            f", dưới {w} từ."
        return Case(task, name, kind, p, form, expect_words(w))
    if task == "post_sentences":
        last = draw(("nhắn tin hỏi giá", "gọi điện đặt lịch", "ghé thăm cuối tuần"))
        p = (f"Viết bài đăng Zalo {n} câu về {name}, câu cuối mời khách {last}." if order else
             f"Viết đoạn giới thiệu {name} gồm {n} câu, câu cuối mời khách {last}.")
        return Case(task, name, kind, p, form, expect_sentences(n, last))
    if task == "message":
        w = draw((30, 50, 60))
        return Case(task, name, kind, f"Viết tin nhắn Zalo cảm ơn khách của {name}, dưới {w} "
                    "từ.", form, expect_words(w))
    if task == "json":
        keys = draw((["tieu_de", "kenh"], ["y_tuong", "kenh", "ngay"], ["noi_dung"]))
        p = f"Trả về JSON gồm {n} ý tưởng cho {name}, các khóa {', '.join(keys)}."
        return Case(task, name, kind, p, form, expect_json(n, keys))
    if task == "table_days":
        a = draw(range(0, 3))
        b = draw(range(a + 1, len(DAYS)))
        p = (f"Lập bảng lịch đăng bài từ {DAYS[a]} đến {DAYS[b]} cho {name}, các cột Ngày, "
             "Chủ đề, Kênh.")
        return Case(task, name, kind, p, form,
                    expect_table(["Ngày", "Chủ đề", "Kênh"], list(DAYS[a:b + 1])))
    if task == "table_plans":
        plans = draw(PLANS)
        p = (f"Lập bảng so sánh {len(plans)} gói {', '.join(plans)} của {name} với các cột "
             "Gói, Giá, Mô tả.")
        return Case(task, name, kind, p, form, expect_table(["Gói", "Giá", "Mô tả"],
                                                            list(plans)))
    if task == "table_channels":
        chans = list(CHANNELS[:n]) if n <= len(CHANNELS) else list(CHANNELS)
        listed = ", ".join(chans[:-1]) + " và " + chans[-1]
        p = (f"Lập bảng với các cột Kênh, Chi phí, Khách hàng chính để so sánh {listed} cho "
             f"{name}.")
        return Case(task, name, kind, p, form,
                    expect_table(["Kênh", "Chi phí", "Khách hàng chính"], chans))
    if task == "classify":
        given = [REVIEWS[(i * 5 + n) % len(REVIEWS)] for i in range(n)]
        p = (f"Phân loại cảm xúc tích cực, tiêu cực hay trung tính của {n} đánh giá sau về "
             f"{name}: " + " ".join(f"{i + 1}. {x}" for i, x in enumerate(given)))
        return Case(task, name, kind, p, form, expect_labels(n), needs_name=False)
    if task == "summary":
        source = (f"{name} mở cửa từ năm ngoái. Chủ cơ sở tự tay làm mọi việc. Khách chủ yếu là "
                  "người trong phường. Cơ sở muốn có thêm khách trẻ. Cuối tuần thường đông hơn.")
        k = draw((1, 2, 3))
        p = f"Tóm tắt đoạn sau trong {k} câu: {source}"
        return Case(task, name, kind, p, form, expect_summary(k, FORMS[form](source)))
    if task == "fix":
        price, wrong = draw(PRICES), "99.000 đồng"
        kept = f"{name} chào cả nhà."
        p = (f"Sửa bài đăng sau: giá đúng là {price}. Giữ nguyên giọng văn. Bài đăng: {kept} "
             f"Giá chỉ {wrong}. Nhắn tin cho chúng tôi nhé!")
        return Case(task, name, kind, p, form,
                    expect_fixed(FORMS[form](price), wrong, FORMS[form](kept)))
    raise ValueError(task)


TASKS = ("slogan", "headline", "idea", "faq", "hashtag", "greeting", "cta", "keyword",
         "post_words", "post_sentences", "message", "json", "table_days", "table_plans",
         "table_channels", "classify", "summary", "fix")


def declined(body: str) -> bool:
    return any(body == grounded.cannot(r) for r in
               (None, "maths", "translate", "code", "knowledge", "analysis"))


def answer_of(case: Case) -> str:
    text = offline.answer([{"role": "user", "content": case.sent}])
    assert offline.is_simulated(text)
    return offline.strip_label(text)


def properties(case: Case, body: str) -> dict[str, list[str]]:
    """Property -> what is wrong with this answer (empty: the property holds)."""
    out = {}
    said = case.sent
    name_ok = not case.needs_name or keeps_name(body, FORMS[case.form](case.name))
    out["1 tên cơ sở giữ nguyên, không tên mẫu"] = (
        ([] if name_ok else ["mất tên cơ sở"]) + sample_leaks(body, said))
    out["2 đúng số lượng, giới hạn, định dạng"] = [] if declined(body) else case.check(body)
    out["3 không bịa số, ưu đãi, lời hứa, tên riêng"] = invented(body, said)
    out["4 dịch vụ không có lời chỉ hợp hàng hóa"] = product_only(body) \
        if case.kind == "service" else []
    return out


def cases() -> st.SearchStrategy[Case]:
    @st.composite
    def one(draw: st.DrawFn) -> Case:
        task = draw(st.sampled_from(TASKS))
        return build(lambda options: draw(st.sampled_from(list(options))), task)
    return one()


@given(cases())
def test_every_answer_keeps_the_four_properties(case: Case) -> None:
    body = answer_of(case)
    broken = {k: v for k, v in properties(case, body).items() if v}
    assert not broken, (case.sent, body, broken)


@pytest.mark.parametrize("task", TASKS)
def test_each_task_answered_not_declined_for_a_service(task: str) -> None:
    """A decline counts as property 2 above; here none of the grammar's tasks is declined."""
    case = build(lambda options: list(options)[0], task)
    body = answer_of(case)
    assert not declined(body), (case.sent, body)
    assert not any(properties(case, body).values()), (case.sent, body, properties(case, body))


# The checks themselves must fail on answers that break them (a check that cannot fail is none).
@pytest.mark.parametrize("bad", [
    "Ưu đãi tuần này: giảm 20% cho tiệm giặt sấy Hoa Mai!",
    "Tiệm giặt sấy Hoa Mai: nhiều khách đã quay lại lần hai.",
    "Tiệm giặt sấy Hoa Mai giao nhận miễn phí, phí giao 20.000 đồng.",
    "Ghé tiệm giặt sấy Hoa Mai ở Khe Sanh nhé.",
    "Tiệm giặt sấy Hoa Mai có mặt ở Quận Ba Đình từ lâu.",
])
def test_invented_catches_what_was_not_said(bad: str) -> None:
    assert invented(bad, "Viết bài đăng cho tiệm giặt sấy Hoa Mai.")


def test_invented_accepts_what_was_said_and_gaps() -> None:
    said = "Viết bài cho tiệm giặt sấy Hoa Mai ở Đông Hà, giá 15.000 đồng/kg, miễn phí giao nhận."
    ok = ("1. Tiệm giặt sấy Hoa Mai ở Đông Hà: giá 15.000 đồng/kg.\n2. Miễn phí giao nhận.\n"
          "3. Phí khác: [phí của bạn].")
    assert invented(ok, said) == []


def test_product_only_catches_goods_wording() -> None:
    assert product_only("Có thể dùng hằng ngày hoặc làm quà, nguồn gốc rõ ràng.")
    assert product_only("Hậu trường đóng gói trước khi giao hàng.")
    assert not product_only("Nhắn tin hoặc gọi để đặt lịch nhé.")
