"""The offline simulation with businesses that are not in the course data (issue: own business).

Each case asserts a contract, not a text: the named business is kept and no sample brand is
swapped in; N items of 3..K words; JSON keys exactly; table columns and rows as asked; total
length within ±30 %; hashtag and emoji counts exact. Prompts come in NFC, NFD and without
diacritics (tests/data/own_business_cases.csv).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

import course
from course.llm.names import sample_terms
from course.text import fold, nfc

CASES_FILE = Path(__file__).parent / "data" / "own_business_cases.csv"
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
ITEM = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s+(.*)$")


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


FORMS = {"nfc": nfc, "nfd": lambda s: unicodedata.normalize("NFD", s), "plain": plain}


def load_cases() -> list[dict[str, str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


CASES = load_cases()


def body_of(prompt: str) -> str:
    answer = course.ask(prompt)
    assert course.is_simulated(answer)
    return course.strip_label(answer)


def foreign_samples(prompt: str, body: str) -> list[str]:
    """Sample names/brands/places in the answer that the request did not name."""
    said = nfc(prompt).lower()
    said_plain = fold(prompt).replace(" ", "")
    low = body.lower()
    found = []
    for term in sample_terms():
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", low) and term not in said and \
                fold(term).replace(" ", "") not in said_plain:
            found.append(term)
    return found


def assert_named(row: dict[str, str], prompt: str, body: str) -> None:
    name = row["name"]
    if row["form"] == "plain":
        assert fold(name) in fold(body), (prompt, body)
    else:
        assert name.lower() in body.lower(), (prompt, body)
    assert not foreign_samples(prompt, body), (prompt, body, foreign_samples(prompt, body))


def list_items(body: str) -> list[str]:
    return [m.group(1) for line in body.splitlines() if (m := ITEM.match(line))]


@pytest.mark.parametrize("row", CASES, ids=[f"{i:02d}-{r['contract']}-{r['form']}"
                                            for i, r in enumerate(CASES)])
def test_own_business_contract(row: dict[str, str]) -> None:
    prompt = FORMS[row["form"]](row["prompt"])
    body = body_of(prompt)
    assert_named(row, prompt, body)
    contract = row["contract"]
    if contract == "items":
        found = list_items(body)
        assert len(found) == int(row["count"]), body
        k = int(row["item_max"])
        for item in found:
            assert 3 <= len(item.split()) <= k, (item, body)
            assert not item.rstrip().endswith((",", ":", "–", "-")), item  # never a fragment
        assert len(set(found)) == len(found), body
    elif contract == "json":
        data = json.loads(body)
        keys = row["keys"].split(";")
        objects = data if isinstance(data, list) else [data]
        for obj in objects:
            assert list(obj) == keys, body
        if row["count"]:
            assert isinstance(data, list) and len(data) == int(row["count"])
    elif contract == "table":
        lines = [ln for ln in body.splitlines() if ln.startswith("|")]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        want = row["columns"].split(";")
        if row["form"] == "plain":
            want = [plain(c) for c in want]
        assert header == want, body
        rows = [ln for ln in lines[2:]]
        things = row["rows"].split(";")
        assert len(rows) == len(things), body
        assert [r.strip("|").split("|")[0].strip() for r in rows] == things
    elif contract == "length":
        if row["words"]:
            n = len(body.split())
            target = int(row["words"])
            assert 0.7 * target <= n <= 1.3 * target, (n, body)
        if row["chars"]:
            target = int(row["chars"])
            assert 0.7 * target <= len(body) <= target, (len(body), body)
    elif contract == "tags":
        assert len(re.findall(r"#\w+", body)) == int(row["hashtags"]), body
        assert len(EMOJI.findall(body)) == int(row["emoji"]), body
    else:
        pytest.fail(f"unknown contract {contract}")


def test_case_table_is_big_and_covers_every_contract_and_form() -> None:
    assert len(CASES) >= 60
    assert {r["contract"] for r in CASES} == {"items", "json", "table", "length", "tags"}
    assert {r["form"] for r in CASES} == {"nfc", "nfd", "plain"}
    for r in CASES:  # none of the businesses is a sample of the course
        assert not any(fold(term) in fold(r["name"]).split() for term in sample_terms()
                       if " " not in term and len(term) > 3)


def test_the_examples_of_the_issue() -> None:
    body = body_of("Viết 3 câu chào khách cho homestay ở Phong Nha, mỗi câu dưới 12 từ, "
                   "giọng thân thiện.")
    found = list_items(body)
    assert len(found) == 3 and all(3 <= len(x.split()) <= 12 for x in found)
    assert "phong nha" in body.lower()
    body = body_of("Viết bài đăng Facebook cho nước mắm Cửa Việt")
    assert "nước mắm Cửa Việt" in body and "Mỹ Thủy" not in body and "MyThuy" not in body
    data = json.loads(body_of("Thực đơn quán bún hến Bà Tư: trả về JSON với các khóa ten_mon "
                              "và gia, 4 món"))
    assert [list(x) for x in data] == [["ten_mon", "gia"]] * 4


# --------------------------------------------------------------------------- chat
HOMESTAY = ("Bạn là lễ tân của Homestay Mây Phong Nha. Phòng đôi 450.000 đồng/đêm, phòng gia đình "
            "750.000 đồng/đêm. Nhận phòng từ 14 giờ, trả phòng trước 12 giờ. Có xe đạp miễn phí "
            "cho khách. Nếu không biết, trả lời: Em sẽ hỏi lại quản lý và báo anh/chị ngay ạ.")
CHAT_CASES = [
    (HOMESTAY, "Giá phòng bao nhiêu?", "450.000"),
    (HOMESTAY, "Phòng gia đình giá sao em?", "750.000"),
    (HOMESTAY, "Mấy giờ nhận phòng vậy?", "14 giờ"),
    (HOMESTAY, "may gio tra phong?", "12 giờ"),
    (HOMESTAY, "Có xe đạp cho khách không?", "xe đạp"),
    (HOMESTAY, "Homestay có hồ bơi không?", "Em sẽ hỏi lại quản lý"),
    (HOMESTAY, "Cho chó mèo vào được không?", "Em sẽ hỏi lại quản lý"),
    ("Quán bún hến Bà Tư. Tô bún hến 25.000 đồng, cơm hến 30.000 đồng. Mở cửa 6 giờ sáng đến "
     "10 giờ sáng. Nếu không có thông tin, hãy nói: \"Dạ, anh/chị gọi quán giúp em nhé.\"",
     "Cơm hến bao nhiêu tiền?", "30.000"),
    ("Quán bún hến Bà Tư. Tô bún hến 25.000 đồng, cơm hến 30.000 đồng. Mở cửa 6 giờ sáng đến "
     "10 giờ sáng. Nếu không có thông tin, hãy nói: \"Dạ, anh/chị gọi quán giúp em nhé.\"",
     "Quán có giao hàng tới Đông Ba không?", "anh/chị gọi quán giúp em nhé"),
    ("Làng gốm Thanh Hà. Vé tham quan 40.000 đồng một người. Lớp nặn gốm 60 phút giá "
     "100.000 đồng.", "lop nan gom gia bao nhieu", "100.000"),
]


@pytest.mark.parametrize("system,question,expected", CHAT_CASES)
def test_chat_answers_from_the_system_prompt(system: str, question: str, expected: str) -> None:
    for form in (nfc, plain, lambda s: unicodedata.normalize("NFD", s)):
        if form is plain and not question.isascii():
            q = plain(question)
        else:
            q = form(question)
        answer = course.strip_label(course.chat([{"role": "system", "content": system},
                                                 {"role": "user", "content": q}]))
        assert expected in answer, (q, answer)
        assert "mục tiêu" not in answer and "course.setup" not in answer  # no generic advice


def test_chatbox_uses_the_owners_facts() -> None:
    from course.widgets import ChatBox

    box = ChatBox(system_prompt=HOMESTAY)
    assert "450.000" in box.send("Giá phòng đôi bao nhiêu vậy?")


def test_chat_without_fallback_hands_over_instead_of_advice() -> None:
    system = "Bạn là nhân viên của tiệm may áo dài Cô Ba. May một bộ áo dài 1.200.000 đồng."
    answer = course.strip_label(course.ask("Tiệm có bán vải lụa không?", system=system))
    assert "nhân viên" in answer and "course.setup" not in answer


# --------------------------------------------------------------------------- out of scope
OUT_OF_SCOPE = [
    "Tính 125 x 4 bằng mấy?",
    "125 nhân 4 bằng bao nhiêu?",
    "Giải phương trình x^2 - 5x + 6 = 0",
    "Dịch câu sau sang tiếng Anh: Chào mừng quý khách đến homestay",
    "Translate this into English: nước mắm Cửa Việt",
    "Viết code Python đọc file Excel",
    "Thủ đô của nước Pháp là gì?",
    "Ai là người phát minh ra bóng đèn?",
    "Thoi tiet Phong Nha ngay mai the nao?",
    "Viết một bài thơ về mùa thu Hà Nội",
    "Cho tôi biết lịch sử chiến tranh thế giới thứ hai",
    "Blockchain là gì?",
]


@pytest.mark.parametrize("prompt", OUT_OF_SCOPE)
def test_out_of_scope_gets_one_honest_sentence(prompt: str) -> None:
    for form in (nfc, plain):
        answer = course.ask(form(prompt))
        assert course.is_simulated(answer)
        body = course.strip_label(answer)
        assert "course.setup()" in body and "mô phỏng" in body, body
        assert body.count(".") <= 2 and "\n" not in body  # one sentence, no list


def test_business_requests_are_not_out_of_scope() -> None:
    for prompt in ("Viết bài đăng cho dịch vụ đưa đón của Homestay Mây Phong Nha",
                   "Viết bài đăng giọng lịch sự cho tiệm may áo dài Cô Ba, hỗ trợ 24/7",
                   "Gợi ý 3 cách tăng đơn cho quán bún hến Bà Tư"):
        assert "course.setup" not in course.ask(prompt), prompt


@pytest.mark.parametrize("temperature", [0.0, 0.3, 0.7, 1.0, 1.5])
def test_item_limits_hold_at_every_temperature(temperature: float) -> None:
    """CompareSettings shows several temperatures: none may cut items into fragments."""
    prompt = "Viết 3 câu chào khách cho homestay ở Phong Nha, mỗi câu dưới 12 từ, giọng thân thiện."
    body = course.strip_label(course.ask(prompt, temperature=temperature))
    found = list_items(body)
    assert len(found) == 3 and all(3 <= len(x.split()) <= 12 for x in found), body
    assert "phong nha" in body.lower() and not foreign_samples(prompt, body)


@pytest.mark.parametrize("prompt", ["Viết bài đăng về gà của trang trại tôi ở Ba Vì",
                                    "Viết 3 khẩu hiệu cho tiêu của nhà tôi ở Phú Quốc",
                                    "Viết bài đăng cho cà phê muối Chú Long",
                                    "Viết bài đăng cho mật ong bạc hà Hà Giang"])
def test_ordinary_words_never_summon_a_sample_brand(prompt: str) -> None:
    body = body_of(prompt)
    assert not foreign_samples(prompt, body), body


def test_their_numbers_and_their_business_are_kept() -> None:
    prompt = ("Bạn là chủ homestay Mây ở Phong Nha. Khách của tôi là các cặp đôi trẻ. Viết bài "
              "đăng Facebook giới thiệu phòng đôi 450.000 đồng/đêm, dưới 100 từ.")
    for form in FORMS.values():
        body = body_of(form(prompt))
        assert "450.000" in body and "phong nha" in fold(body) and "cap doi tre" in fold(body)
        assert len(body.split()) <= 100 and not foreign_samples(prompt, body)


def test_a_plan_keeps_its_weeks_in_order() -> None:
    body = body_of("Lập kế hoạch 4 tuần đăng bài cho xưởng mây tre Phú Vinh")
    found = list_items(body)
    assert len(found) == 4 and found[0].startswith("Tuần đầu") and found[3].startswith("Tuần bốn")
    assert "xưởng mây tre Phú Vinh" in body


def test_analysis_is_honestly_out_of_scope_unless_a_table_is_asked() -> None:
    assert "course.setup()" in body_of("So sánh Zalo và Facebook để bán bún hến")
    table = body_of("Lập bảng so sánh với các cột Kênh, Ưu điểm cho Zalo, Facebook của bún hến")
    assert table.splitlines()[0] == "| Kênh | Ưu điểm |" and "course.setup" not in table


@pytest.mark.parametrize(("message", "handed"), [
    ("Bé nhà em 8 tháng tuổi ăn mật ong được không?", True),
    ("Phòng bẩn quá, thất vọng thật sự", True),
    ("Tôi muốn đặt 2 phòng đêm 20/12", False),
    ("Cho mình hỏi giá phòng đôi", False),
])
def test_chat_hands_safety_questions_to_a_person(message: str, handed: bool) -> None:
    answer = course.strip_label(course.ask(message, system=HOMESTAY))
    assert ("nhân viên" in answer) == handed, answer
    if not handed:
        assert "450.000" in answer


@pytest.mark.parametrize("k", [4, 5, 6, 8])
def test_tight_item_limits_still_give_whole_items(k: int) -> None:
    body = body_of(f"Viết 4 khẩu hiệu cho quán bún hến Bà Tư, mỗi câu tối đa {k} từ")
    found = list_items(body)
    assert len(found) == 4 and all(3 <= len(x.split()) <= k for x in found), body
    assert "quán bún hến Bà Tư" in body


def test_no_product_named_leaves_a_visible_gap_not_a_sample() -> None:
    body = body_of("Viết bài đăng Facebook, kèm 2 hashtag")
    assert "[tên sản phẩm]" in body and not foreign_samples("", body)
    assert len(re.findall(r"#\w+", body)) == 2


def test_a_poem_is_out_of_scope() -> None:
    assert "course.setup()" in body_of("Làm thơ lục bát về homestay Mây")


@pytest.mark.parametrize("channel,limit", [("Facebook", 600), ("Zalo", 350), ("TikTok", 150)])
def test_a_requested_call_to_action_comes_last(channel: str, limit: int) -> None:
    from course.lessons.planning import post_metrics

    body = body_of(f"Viết tin nhắn {channel} cho Homestay Mây Phong Nha. Tối đa {limit} ký tự, "
                   "tối đa 2 emoji, kết thúc bằng lời kêu gọi hành động.")
    last = [p for p in body.split("\n\n") if not p.startswith("#")][-1]
    assert post_metrics(pd.Series([last]))["co_keu_goi"].iloc[0], body
    assert len(body) <= limit and "Homestay Mây Phong Nha" in body


# --------------------------------------------------------------------------- blind split
# tests/data/own_business_blind.csv: 62 own-business requests written once, by hand, after the
# implementation of issue 21 (kinds, never invent, structure, given text), and not tuned
# against. Each is checked for the four properties of tests/test_sim_properties.py. The
# first-run and final pass rates are in benchmarks/README.md; cases still failing are listed in
# BLIND_KNOWN_FAILING (strict xfail: a fixed case must be taken off the list).
BLIND_FILE = Path(__file__).parent / "data" / "own_business_blind.csv"
BLIND_KNOWN_FAILING: dict[int, str] = {
    34: "JSON whose keys are all the owner's gaps (ten_mon, gia) does not name the business",
    60: "'cơ sở của tôi: tiệm may đo …': the name after the colon is not read ('may đo' is "
        "not a business word of kinds.json)",
}


def load_blind() -> list[dict[str, str]]:
    with BLIND_FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


BLIND = load_blind()


def blind_problems(row: dict[str, str]) -> dict[str, list[str]]:
    """Property -> what is wrong with the simulation's answer to one blind case."""
    from sim_properties import invented, keeps_name, product_only, sample_leaks
    from test_sim_properties import (
        expect_fixed,
        expect_items,
        expect_json,
        expect_labels,
        expect_sentences,
        expect_summary,
        expect_table,
        expect_words,
    )

    from course.llm import offline

    prompt = unicodedata.normalize("NFD", row["prompt"]) if row["form"] == "nfd" \
        else row["prompt"]
    messages = ([{"role": "system", "content": row["system"]}] if row["system"] else []) + [
        {"role": "user", "content": prompt}]
    body = offline.strip_label(offline.answer(messages))
    spec = dict(x.split("=", 1) for x in row["expect"].split(";"))
    checks = []
    if "items" in spec:
        checks.append(expect_items(int(spec["items"]), int(spec.get("max_words", 0)) or None,
                                   spec.get("ends"), spec.get("start")))
    if "words<" in spec:
        checks.append(expect_words(int(spec["words<"].lstrip("="))))
    if "sentences" in spec:
        checks.append(expect_sentences(int(spec["sentences"]), spec["last"]))
    if "table" in spec:
        cols = spec["table"].split(",")
        rows = spec["rows"].split(",") if "rows" in spec else None
        checks.append(expect_table(cols, rows))
    if "json" in spec:
        n, keys = spec["json"].split(":")
        checks.append(expect_json(int(n), keys.split(",")))
    if "labels" in spec:
        checks.append(expect_labels(int(spec["labels"])))
    if "summary<" in spec:
        source = prompt.split(":", 1)[1]
        checks.append(expect_summary(int(spec["summary<"].lstrip("=")), source))
    if "fix" in spec:
        kept = prompt.split("Bài đăng:", 1)[1].strip().split(". ")[0]
        checks.append(expect_fixed(spec["fix"], spec["gone"], kept))
    wrong = [w for check in checks for w in check(body)]
    tags = len(re.findall(r"#\w+", body))
    if "hashtags" in spec and tags != int(spec["hashtags"]):
        wrong.append(f"{tags} hashtag, cần {spec['hashtags']}")
    if "emoji" in spec and len(EMOJI.findall(body)) != int(spec["emoji"]):
        wrong.append("số emoji")
    if "has" in spec and spec["has"] not in body:
        wrong.append(f"thiếu {spec['has']}")
    said = prompt + "\n" + row["system"]
    name_ok = not row["name"] or keeps_name(body, row["name"])
    return {
        "1 tên cơ sở giữ nguyên, không tên mẫu": ([] if name_ok else ["mất tên cơ sở"])
        + sample_leaks(body, said),
        "2 đúng số lượng, giới hạn, định dạng": wrong,
        "3 không bịa số, ưu đãi, lời hứa, tên riêng": invented(body, said),
        "4 dịch vụ không có lời chỉ hợp hàng hóa": product_only(body)
        if row["kind"] == "service" else [],
        "_body": [body],
    }


@pytest.mark.parametrize("i", range(len(BLIND)), ids=[f"blind{i:02d}" for i in range(len(BLIND))])
def test_blind_split(i: int) -> None:
    found = blind_problems(BLIND[i])
    body = found.pop("_body")
    broken = {k: v for k, v in found.items() if v}
    if i in BLIND_KNOWN_FAILING:  # strict: a case that now passes must leave the list
        assert broken, f"blind{i:02d} passes now: take it off BLIND_KNOWN_FAILING"
        pytest.xfail(BLIND_KNOWN_FAILING[i])
    assert not broken, (BLIND[i]["prompt"], body, broken)


def test_blind_split_is_big_and_hand_written() -> None:
    assert len(BLIND) >= 60
    assert {r["kind"] for r in BLIND} >= {"service", "product", "lodging", "venue"}
    assert not {r["prompt"] for r in BLIND} & {r["prompt"] for r in CASES}


# --------------------------------------------------------------------------- issue 21
LAUNDRY = "tiệm giặt sấy Hoa Mai ở Đông Hà"


@pytest.mark.parametrize("prompt", [
    f"Viết 5 ý cho bài đăng về {LAUNDRY}.",
    f"Viết 4 ý tưởng nội dung cho {LAUNDRY}.",
    f"Viết 5 câu hỏi thường gặp về {LAUNDRY}.",
    f"Viết bài đăng Facebook giới thiệu {LAUNDRY}.",
    f"Viết tin nhắn Zalo cảm ơn khách của {LAUNDRY}.",
    f"Lập kế hoạch 8 tuần đăng bài cho {LAUNDRY}.",
    "Viết 3 lời kêu gọi hành động cho dịch vụ sửa máy lạnh Minh Phát.",
])
def test_issue21_a_service_gets_no_goods_wording_and_no_invented_claims(prompt: str) -> None:
    from sim_properties import invented, product_only

    body = body_of(prompt)
    assert not product_only(body), (prompt, body)
    assert not invented(body, prompt), (prompt, body)
    assert not re.search(r"lần hai|ưu đãi tuần|quà nhỏ|mua nhiều", body, re.I), body


def test_issue21_the_wrong_words_are_never_the_business() -> None:
    body = body_of("Viết 2 câu giới thiệu ngắn, mỗi câu dưới 20 từ, về dịch vụ giặt sấy "
                   "Hoa Mai ở Đông Hà.")
    assert "ngắn:" not in body and "giặt sấy Hoa Mai" in body
    body = body_of("Tôi là giáo viên về hưu, bán cam Vinh trong vườn nhà qua Zalo. "
                   "Viết 3 câu giới thiệu cam của tôi.")
    assert "hưu:" not in body and "cam Vinh" in body and "của tôi" not in body
    nfd = unicodedata.normalize("NFD", f"Viết 3 khẩu hiệu cho {LAUNDRY}.")
    assert "[tên sản phẩm]" not in body_of(nfd) and "giặt sấy" in body_of(nfd)


def test_issue21_requested_structure_is_followed() -> None:
    body = body_of(f"Viết bài đăng Facebook cho {LAUNDRY}, giá 15.000 đồng/kg, 3 câu, câu cuối "
                   "mời khách hẹn giờ lấy đồ.")
    sentences = re.split(r"(?<=[.!?])\s+", body.strip())
    assert len(sentences) == 3 and "hẹn giờ lấy đồ" in sentences[-1], body
    assert "15.000 đồng/kg" in body
    body = body_of(f"Lập bảng lịch đăng bài 5 ngày từ Thứ Hai đến Thứ Sáu cho {LAUNDRY}, các "
                   "cột Ngày, Chủ đề, Kênh.")
    assert [r.split("|")[1].strip() for r in body.splitlines()[2:]] == [
        "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu"], body
    body = body_of(f"Lập bảng so sánh 3 gói Cơ bản, Tiêu chuẩn, Cao cấp của {LAUNDRY} với các "
                   "cột Gói, Giá, Dịch vụ gồm.")
    rows = [r for r in body.splitlines() if r.startswith("|")][2:]
    assert [r.split("|")[1].strip() for r in rows] == ["Cơ bản", "Tiêu chuẩn", "Cao cấp"]
    body = body_of("Lập bảng với các cột Kênh, Chi phí, Khách hàng chính để so sánh Zalo, "
                   f"Facebook và TikTok cho {LAUNDRY}.")
    assert [x for x in body.splitlines() if x.startswith("|")][0] == \
        "| Kênh | Chi phí | Khách hàng chính |", body
    assert "phân tích, so sánh" not in body  # built, with gaps, not declined


def test_issue21_given_text_is_worked_on() -> None:
    body = body_of("Phân loại cảm xúc (tích cực, tiêu cực, trung tính) của 3 đánh giá sau: "
                   "1. Giặt sạch, thơm, rất hài lòng. 2. Giao trễ hai ngày, mất một áo. "
                   "3. Bình thường.")
    assert [x.rsplit("→", 1)[1].strip() for x in list_items(body)] == [
        "tích cực", "tiêu cực", "trung tính"], body
    post = ("Cam Vinh vườn nhà cô Lan, ngọt mát. Giá chỉ 30.000 đồng/kg. Uống nước cam mỗi "
            "ngày chữa khỏi cảm cúm. Nhắn tin cho cô nhé!")
    from course.llm import offline

    answer = offline.answer([  # the simulation itself (the names are the teacher's own)
        {"role": "system", "content": "Bạn là trợ lý của cô Lan bán cam Vinh."},
        {"role": "user", "content": "Sửa bài đăng sau: giá đúng là 40.000 đồng một ký, bỏ mọi lời "
                                    "hứa về sức khỏe. Giữ nguyên giọng văn. Bài đăng: " + post}])
    body = offline.strip_label(answer)
    assert "40.000 đồng một ký" in body and "30.000" not in body and "chữa" not in body
    assert "Cam Vinh vườn nhà cô Lan, ngọt mát." in body and "Nhắn tin cho cô nhé!" in body


def test_issue21_the_checklist_fails_a_hand_over_sentence() -> None:
    from course.i18n import t
    from course.lessons import factcheck
    from course.llm.offline_data import generic

    sp = {"ten_sp": "cam Vinh", "gia_ban_vnd": 40000, "don_vi": "kg"}
    table = factcheck.publish_checklist(generic()["handover_reply"], sp)
    results = "\n".join(table.iloc[:, 1])
    assert t("capstone.ck_post_bad") in results and "❌" in results
    good = factcheck.publish_checklist("Cam Vinh vườn nhà, ngọt thanh. Giá 40.000 đồng một "
                                       "ký. Nhắn tin cho cô nhé!", sp)
    assert "❌" not in "\n".join(good.iloc[:3, 1])


def test_issue21_one_item_per_thing_listed_outside_tables() -> None:
    from sim_properties import invented

    prompt = "Gợi ý nội dung đăng từ Thứ Hai đến Thứ Tư cho quán bún bò Mệ Hoa."
    body = body_of(prompt)
    assert [x.split(":")[0] for x in list_items(body)] == ["Thứ Hai", "Thứ Ba", "Thứ Tư"], body
    prompt = "Viết mô tả ngắn cho 3 gói Cơ bản, Tiêu chuẩn, Cao cấp của tiệm giặt sấy Hoa Mai."
    body = body_of(prompt)
    assert [x.split(":")[0] for x in list_items(body)] == ["Cơ bản", "Tiêu chuẩn", "Cao cấp"]
    assert not invented(body, prompt)  # what each plan holds: the owner's gap, not a guess
    body = body_of("Viết bài đăng Facebook và Zalo cho spa Lan Anh.")
    assert body.startswith("Facebook:") and "\n\nZalo:\n" in body and body.count("spa Lan Anh") >= 2


def test_a_summary_with_a_word_limit_ends_at_a_sentence_boundary() -> None:
    """"Tóm tắt … dưới N từ" keeps whole given sentences within the limit, never half of one."""
    course.configure(backend="offline", cache=False)
    src = ("Tiệm giặt Hoa Mai giặt sấy 15.000 đồng một ký. Tiệm mở cửa từ 7 giờ sáng đến 9 giờ "
           "tối mỗi ngày, kể cả chủ nhật và ngày lễ. Tiệm nhận giao tận nhà trong Đông Hà.")
    sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+", src)]
    for limit in (12, 20, 30):
        body = body_of(f'Tóm tắt đoạn sau dưới {limit} từ: "{src}"').strip()
        assert 0 < len(body.split()) <= limit, (limit, body)
        assert body.endswith((".", "!", "?")), (limit, body)
        assert all(x in sentences or x.rstrip(".") + "," in src or x.rstrip(".") in src
                   for x in re.split(r"(?<=[.!?])\s+", body)), (limit, body)
    body = body_of(f'Tóm tắt đoạn sau dưới 20 từ: "{src}"')
    assert body.strip() == sentences[0]  # the second sentence would pass the limit


def test_a_service_landing_page_draws_on_the_facts_given() -> None:
    """Lesson 06's "Trang sản phẩm" for a laundry: its points are the owner's own facts."""
    from course.lessons import profile

    course.configure(backend="offline", cache=False)
    sp = profile.clean({"ten_sp": "tiệm giặt sấy Hoa Mai", "gia_ban_vnd": "15.000",
                        "don_vi": "kg", "noi_san_xuat": "Đông Hà",
                        "diem_noi_bat": "giặt sấy riêng từng khách, gấp gọn",
                        "khach_hang_muc_tieu": "sinh viên", "kenh_chinh": "Zalo",
                        "gio_mo_cua": "7:00–21:00", "loai_hinh": "Dịch vụ",
                        "giao_nhan": "giao nhận tận nhà trong Đông Hà"})
    story = profile.story(sp, "")
    body = course.strip_label(course.ask(
        "Viết trang giới thiệu sản phẩm cho Google Maps và Facebook, có 5 ý nổi bật. "
        f"Sản phẩm: {sp['ten_sp']}. Dựa trên câu chuyện sau: {story}",
        system=profile.brand_voice(sp, "")))
    points = [m.group(1) for m in map(ITEM.match, body.splitlines()) if m]
    assert len(points) == 5, body
    for fact in ("15.000", "giặt sấy riêng từng khách", "7:00–21:00"):
        assert fact in body, (fact, body)
    assert all(x.rstrip(".") in story for x in points), body  # every point is a fact given
    assert "Tận tâm trong từng việc nhỏ" not in body  # a stock point while facts were given
