"""The offline customer-care chat answers the question asked (issue 21, items 5 and 6).

Four businesses that are not in the course data (a laundry, a retired teacher's oranges, a spa,
a maths tutor) plus a formal homestay. Every row is one conversation: the customer's turns are
sent one by one through `course.chat` with the simulation's own earlier answers in the history,
and the last answer is checked:

- "fact":     the answer quotes the fact that answers the question (the expected text);
- "fallback": the owner's own fallback sentence, exactly as written, and nothing else;
- "unknown":  no fallback was written: an honest "… sẽ hỏi lại …" in the assistant's own voice;
- "handover": a person must answer (illness, children, refunds, lost items, intolerance …);
- "calc":     a calculation on the given price, shown as "qty … × price = total".

On every answer: each number comes from the facts or the customer's words (or is the result of
a calculation shown in the answer and checked here); the assistant speaks with the self-name
and form of address the owner set; no unrelated fact, no writing advice.
"""

from __future__ import annotations

import os
import re
import unicodedata

import pytest

import course
from course.lessons import retrieval
from course.text import fold

LAUNDRY = (
    "Bạn là trợ lý trả lời tin nhắn của tiệm giặt ủi Sạch Thơm ở Đông Hà. "
    "Thông tin: giặt sấy 15.000 đồng/kg; giao nhận tận nhà trong Đông Hà; mở 7:00–21:00 mỗi "
    "ngày. Xưng em, gọi khách là anh/chị. Nếu câu hỏi không có trong thông tin này, trả lời "
    "đúng câu: Dạ, em sẽ hỏi chủ tiệm rồi nhắn lại anh/chị ngay ạ.")
LAUNDRY_FALLBACK = "Dạ, em sẽ hỏi chủ tiệm rồi nhắn lại anh/chị ngay ạ."
# The same facts written the way the tester did: one line, a colon and semicolons,
# no fallback sentence (the honest default is used).
LAUNDRY_LINE = ("Tiệm giặt ủi Sạch Thơm ở Đông Hà: giặt sấy 15.000 đồng/kg; giao nhận tận nhà "
                "trong Đông Hà; mở 7:00–21:00.")

ORANGES = (
    "Tôi là giáo viên về hưu, bán cam Vinh nhà trồng trên Zalo. Cam Vinh 40.000 đồng/kg, hái "
    "tại vườn ở Nghi Lộc. Giao tận nhà trong thành phố Vinh. Khi trả lời, bạn xưng là cô, gọi "
    "khách là con.")
ORANGES_FALLBACK = (ORANGES + " Nếu không biết thì nói: \"Cái này cô chưa rõ, để cô hỏi lại "
                    "rồi nhắn con nhé.\"")

SPA = (
    "Bạn là lễ tân của Hoa Sen Spa ở Huế. Gội đầu dưỡng sinh 80.000 đồng một lần. Massage body "
    "60 phút giá 250.000 đồng. Mở cửa từ 9 giờ sáng đến 8 giờ tối, nghỉ thứ Hai. Đặt lịch qua "
    "Zalo của spa. Hãy xưng em và gọi khách là chị. Nếu câu hỏi nằm ngoài thông tin trên, hãy "
    "nói: \"Dạ, em sẽ hỏi lại chị quản lý và báo chị ngay ạ.\"")
SPA_FALLBACK = "Dạ, em sẽ hỏi lại chị quản lý và báo chị ngay ạ."

TUTOR = (
    "Bạn là trợ lý của lớp dạy kèm Toán thầy Minh ở Đông Hà. Học phí 1.200.000 đồng/tháng, "
    "mỗi tuần 3 buổi, mỗi buổi 90 phút. Nhận học sinh từ lớp 6 đến lớp 9. Học thử 1 buổi miễn "
    "phí. Trả lời thay thầy: xưng thầy, gọi phụ huynh là Quý phụ huynh.")

LAUNDRY_IRON = LAUNDRY + " Ủi 5.000 đồng/cái."

HOMESTAY = (
    "Bạn là lễ tân của Homestay Mây ở Phong Nha. Xưng chúng tôi, gọi khách là Quý khách. "
    "Phòng đôi 450.000 đồng/đêm. Nhận phòng từ 14 giờ.")

# (system, customer turns, kind, expected text or calculation (qty, price, total))
CHAT = [
    # --- laundry: quoted fact
    (LAUNDRY, ["Giặt sấy giá sao em?"], "fact", "15.000 đồng/kg"),
    (LAUNDRY, ["Tiệm mở cửa mấy giờ vậy?"], "fact", "7:00–21:00"),
    (LAUNDRY, ["tiem mo cua may gio"], "fact", "7:00–21:00"),
    (LAUNDRY, ["Có giao nhận tận nhà không em?"], "fact", "giao nhận tận nhà"),
    (LAUNDRY_LINE, ["Giá giặt bao nhiêu?"], "fact", "15.000 đồng/kg"),
    # --- laundry: not in the facts -> the owner's sentence (any phrasing), never a random fact
    (LAUNDRY, ["Tiệm có ủi váy cưới không?"], "fallback", LAUNDRY_FALLBACK),
    (LAUNDRY, ["Tiệm có nhận ủi váy cưới không?"], "fallback", LAUNDRY_FALLBACK),
    (LAUNDRY, ["Giặt sấy mất bao lâu thì lấy được?"], "fallback", LAUNDRY_FALLBACK),
    (LAUNDRY, ["Có giặt hấp áo vest không?"], "fallback", LAUNDRY_FALLBACK),
    (LAUNDRY_LINE, ["Tiệm có nhận ủi váy cưới không?"], "unknown", "em"),
    # --- laundry: a complaint goes to a person
    (LAUNDRY, ["Tiệm làm mất của tôi một cái áo sơ mi!"], "handover", "em"),
    (LAUNDRY_LINE, ["Tiệm làm mất của tôi một cái áo sơ mi!"], "handover", "em"),
    # --- laundry: arithmetic, alone and as a follow-up
    (LAUNDRY, ["Giặt sấy giá sao em?", "Vậy 3 ký thì chị trả bao nhiêu?"], "calc",
     (3, 15_000, 45_000)),
    (LAUNDRY_LINE, ["Giá giặt bao nhiêu?", "Vậy 3 ký thì chị trả bao nhiêu?"], "calc",
     (3, 15_000, 45_000)),
    (LAUNDRY, ["Giặt 5 ký hết bao nhiêu tiền?"], "calc", (5, 15_000, 75_000)),
    (LAUNDRY, ["giat say 2 ky het bao nhieu"], "calc", (2, 15_000, 30_000)),
    (LAUNDRY, ["giặt sấy giá sao e", "3kg bn"], "calc", (3, 15_000, 45_000)),
    (LAUNDRY_IRON, ["Giặt sấy bao nhiêu?", "Còn ủi?"], "fact", "5.000 đồng/cái"),
    (LAUNDRY_IRON, ["Giặt sấy bao nhiêu?", "Còn ủi?", "Vậy 3 cái áo thì sao?"], "calc",
     (3, 5_000, 15_000)),
    # --- oranges: her price, her voice ("cô"), her customers ("con")
    (ORANGES, ["Cô ơi cam bao nhiêu một ký?"], "fact", "40.000 đồng/kg"),
    (ORANGES, ["co oi cam bao nhieu mot ky"], "fact", "40.000 đồng/kg"),
    (ORANGES, ["Cô ơi cam bao nhiêu một ký?", "Vậy con lấy 4 ký nha cô"], "calc",
     (4, 40_000, 160_000)),
    (ORANGES, ["Cô ơi lấy 3 ký cam hết bao nhiêu?"], "calc", (3, 40_000, 120_000)),
    (ORANGES, ["Cô có giao tận nhà không cô?"], "fact", "Giao tận nhà trong thành phố Vinh"),
    (ORANGES, ["Cam hái ở đâu vậy cô?"], "fact", "Nghi Lộc"),
    (ORANGES, ["Cam có ngọt không cô?"], "unknown", "cô"),
    (ORANGES_FALLBACK, ["Cam có ngọt không cô?"], "fallback",
     "Cái này cô chưa rõ, để cô hỏi lại rồi nhắn con nhé."),
    (ORANGES, ["Cháu nhà con 2 tuổi đang bị ốm, uống nước cam với lá tía tô được không cô?"],
     "handover", "cô"),
    (ORANGES, ["Con muốn xin lại tiền, cam giao tới không đúng mô tả"], "handover", "cô"),
    # --- spa
    (SPA, ["Gội đầu dưỡng sinh bao nhiêu tiền em?"], "fact", "80.000 đồng"),
    (SPA, ["Massage body làm bao lâu em?"], "fact", "60 phút"),
    (SPA, ["Mấy giờ spa mở cửa?"], "fact", "9 giờ sáng"),
    (SPA, ["Massage body giá sao em?", "Còn gội đầu thì sao?"], "fact", "80.000 đồng"),
    (SPA, ["Chị gội đầu 3 lần thì hết bao nhiêu em?"], "calc", (3, 80_000, 240_000)),
    (SPA, ["Spa có wax lông không em?"], "fallback", SPA_FALLBACK),
    (SPA, ["Chị đang mang thai 5 tháng, massage được không em?"], "handover", "em"),
    (SPA, ["Chị bị dị ứng tinh dầu, gội đầu có sao không?"], "handover", "em"),
    # --- tutor: "thầy", "Quý phụ huynh"
    (TUTOR, ["Học phí bao nhiêu một tháng vậy?"], "fact", "1.200.000 đồng/tháng"),
    (TUTOR, ["Mỗi buổi học bao lâu?"], "fact", "90 phút"),
    (TUTOR, ["Con tôi học lớp 7, cho cháu học thử được không?"], "fact", "học thử 1 buổi"),
    (TUTOR, ["Học phí bao nhiêu?", "Vậy học 3 tháng hết bao nhiêu?"], "calc",
     (3, 1_200_000, 3_600_000)),
    (TUTOR, ["Thầy có dạy môn Văn không?"], "unknown", "thầy"),
    (TUTOR, ["Con tôi bị tăng động, thầy có nhận không?"], "handover", "thầy"),
    (TUTOR, ["Cho tôi xin lại học phí tháng này"], "handover", "thầy"),
    # --- homestay: "chúng tôi", "Quý khách"
    (HOMESTAY, ["Phòng đôi bao nhiêu một đêm?"], "fact", "450.000 đồng/đêm"),
    (HOMESTAY, ["Phòng đôi ở 2 đêm hết bao nhiêu?"], "calc", (2, 450_000, 900_000)),
    (HOMESTAY, ["Homestay có hồ bơi không?"], "unknown", "chúng tôi"),
]

# The assistant's own words for itself and for the customer, per business.
VOICE = {LAUNDRY: ("em", "anh/chị"), LAUNDRY_LINE: ("em", "anh/chị"),
         LAUNDRY_IRON: ("em", "anh/chị"), ORANGES: ("cô", "con"),
         ORANGES_FALLBACK: ("cô", "con"), SPA: ("em", "chị"), TUTOR: ("thầy", "Quý phụ huynh"),
         HOMESTAY: ("chúng tôi", "Quý khách")}


def converse(system: str, turns: list[str]) -> tuple[str, list[dict]]:
    messages = [{"role": "system", "content": system}]
    answer = ""
    for turn in turns:
        messages.append({"role": "user", "content": turn})
        answer = course.chat(messages)
        assert course.is_simulated(answer)
        answer = course.strip_label(answer)
        messages.append({"role": "assistant", "content": answer})
    return answer, messages


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CALC = re.compile(r"(\d[\d.,]*)[^\d×=\n]*×\s*(\d[\d.,]*)[^\d=\n]*=\s*(\d[\d.,]*)")


def value(text: str) -> float:
    """'45.000' -> 45000, '1,5' -> 1.5 (Vietnamese: dot for thousands, comma for decimals)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))
    return float(text.replace(",", "."))


def numbers_are_grounded(answer: str, messages: list[dict]) -> None:
    """Every number in the answer is in the conversation, or a calculation shown and right."""
    given = " ".join(m["content"] for m in messages[:-1])
    allowed = {value(n) for n in _NUMBER.findall(given)}
    allowed |= {n for w, n in [("mot", 1), ("hai", 2), ("ba", 3), ("bon", 4), ("nam", 5)]
                if f" {w} " in f" {fold(given)} "}
    for qty, price, total in _CALC.findall(answer):
        assert value(qty) in allowed and value(price) in allowed, (answer, given)
        assert value(qty) * value(price) == value(total), answer
        allowed.add(value(total))
    for n in _NUMBER.findall(answer):
        assert value(n) in allowed, (n, answer)


def speaks_as(answer: str, system: str) -> None:
    own, you = VOICE[system]
    words = re.findall(r"[^\W\d_]+", answer.lower())
    if own != "em":
        assert "em" not in words, answer  # she said "cô", so never "em"
    if you not in ("anh/chị",):
        assert "anh/chị" not in answer, answer


@pytest.mark.parametrize(("system", "turns", "kind", "expected"), CHAT,
                         ids=[f"{i:02d}-{r[2]}" for i, r in enumerate(CHAT)])
def test_chat_table(system: str, turns: list[str], kind: str, expected) -> None:
    answer, messages = converse(system, turns)
    numbers_are_grounded(answer, messages)
    speaks_as(answer, system)
    assert "course.setup" not in answer and "mục tiêu" not in answer.lower()
    own, you = VOICE[system]
    if kind == "fact":
        assert expected in answer, answer
        assert not re.search(r"sẽ hỏi lại|chuyển cho", answer), answer
    elif kind == "fallback":
        assert answer == expected, answer
    elif kind == "unknown":
        assert "sẽ hỏi lại" in answer.lower() and own in answer.lower(), answer
        assert you in answer, answer
        assert not _NUMBER.search(answer), answer  # no fact slipped in
    elif kind == "handover":
        assert "nhân viên" in answer or "người phụ trách" in answer, answer
        assert own in answer.lower() and you in answer, answer
        assert not _NUMBER.search(answer), answer
    elif kind == "calc":
        qty, price, total = expected
        found = [(value(a), value(b), value(c)) for a, b, c in _CALC.findall(answer)]
        assert (qty, price, total) in found, answer
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(kind)


@pytest.mark.parametrize("form", ["nfd", "plain", "lower"])
def test_the_same_answer_however_the_question_is_typed(form: str) -> None:
    for system, turns, kind, _ in CHAT:
        if len(turns) != 1 or kind not in ("fact", "calc", "fallback"):
            continue
        q = turns[0]
        typed = {"nfd": unicodedata.normalize("NFD", q), "lower": q.lower(),
                 "plain": fold(q)}[form]
        if form == "plain" and not re.search(r"giat say|gia|bao nhieu|may gio|ky", fold(q)):
            continue  # without accents some words are ambiguous; prices and hours are not
        assert converse(system, [typed])[0] == converse(system, [q])[0], (form, q)


def test_a_follow_up_uses_the_fact_the_assistant_just_quoted() -> None:
    system = ("Tiệm giặt Sạch Thơm. Giặt sấy 15.000 đồng/kg. Giặt hấp 30.000 đồng/kg. "
              "Ủi 5.000 đồng/cái.")
    first, _ = converse(system, ["Giặt hấp giá sao em?"])
    assert "30.000" in first and "15.000" not in first
    answer, messages = converse(system, ["Giặt hấp giá sao em?", "Vậy 2 ký thì bao nhiêu?"])
    numbers_are_grounded(answer, messages)
    assert (2, 30_000, 60_000) in [(value(a), value(b), value(c))
                                   for a, b, c in _CALC.findall(answer)], answer
    answer, _ = converse(system, ["Giặt sấy giá sao em?", "Vậy 2 ký thì bao nhiêu?"])
    assert [(value(a), value(b), value(c)) for a, b, c in _CALC.findall(answer)] == [
        (2, 15_000, 30_000)], answer


def test_no_price_for_the_unit_asked_is_not_made_up() -> None:
    """Asked for a unit the owner never priced: no calculation, the fallback instead."""
    answer, messages = converse(LAUNDRY, ["Giặt 3 cái chăn hết bao nhiêu?"])
    assert answer == LAUNDRY_FALLBACK, answer


@pytest.mark.parametrize(("system", "greeting_word"), [
    (LAUNDRY, "em"), (ORANGES, "cô"), (TUTOR, "thầy"), (HOMESTAY, "chúng tôi")])
def test_greeting_in_the_owners_voice(system: str, greeting_word: str) -> None:
    answer, _ = converse(system, ["Xin chào"])
    own, you = VOICE[system]
    assert own in answer.lower() and you in answer, answer
    speaks_as(answer, system)


@pytest.mark.parametrize("wording", [
    "Nếu câu hỏi không có trong thông tin này, trả lời đúng câu: {s}",
    "Nếu không biết, trả lời: {s}",
    "Nếu không có thông tin, hãy nói: \"{s}\"",
    "Khi khách hỏi điều không có ở trên, hãy trả lời \"{s}\"",
    "Câu hỏi ngoài phạm vi thông tin trên thì trả lời: {s}",
    "If you don't know, say: \"{s}\"",
])
def test_any_phrasing_of_the_fallback_is_obeyed(wording: str) -> None:
    sentence = "Dạ, em sẽ hỏi chủ tiệm rồi nhắn lại anh/chị ngay ạ."
    system = "Tiệm giặt Sạch Thơm. Giặt sấy 15.000 đồng/kg. " + wording.format(s=sentence)
    assert converse(system, ["Có ủi váy cưới không?"])[0] == sentence
    assert "15.000" in converse(system, ["Giặt sấy bao nhiêu?"])[0]


def test_a_plain_question_is_never_handed_over() -> None:
    plain = ["Có đổi trả không em?", "Chính sách đổi trả thế nào?", "Có giặt đồ em bé không?",
             "Lớp có dạy trẻ em không?", "Con tôi học lớp 7 có theo kịp không?",
             "Cam có ngọt không cô?", "Spa có gói cho mẹ và bé không?",
             "Có giao hàng tận nhà không?", "Tô bún bé giá bao nhiêu?"]
    for q in plain:
        assert retrieval.handover_reason(q) == "", q
        answer, _ = converse(LAUNDRY, [q])
        assert "người phụ trách" not in answer and "chuyển ngay" not in answer, (q, answer)



# Things none of the businesses told the assistant, asked in several ways: the answer is the
# owner's fallback or the honest default, never one of their facts and never a number.
NOT_GIVEN = ["hồ bơi", "wax lông", "váy cưới", "thẻ tín dụng", "chỗ đậu xe ô tô", "khuyến mãi",
             "voucher giảm giá", "hóa đơn VAT", "bánh sinh nhật", "thú cưng"]
ASKED = ["Có {x} không?", "Bên mình có {x} không ạ?", "cho hỏi có {x} ko", "{x} thì sao em?",
         "Mình muốn hỏi về {x}"]


@pytest.mark.parametrize("system", [LAUNDRY, ORANGES, SPA, TUTOR, HOMESTAY, LAUNDRY_LINE])
def test_what_was_not_given_is_never_answered_with_a_fact(system: str) -> None:
    from course.llm import grounded

    fallback = grounded.fallback_sentence(system)
    for x in NOT_GIVEN:
        for form in ASKED:
            q = form.format(x=x)
            answer, _ = converse(system, [q])
            assert not _NUMBER.search(answer), (q, answer)
            assert answer == fallback or "sẽ hỏi lại" in answer.lower(), (q, answer)


# Lesson 05's own FAQ bot (Hỏi:/Đáp: lines in the system prompt): the same chat. An entry is
# quoted only if the lesson's retrieval finds it and it shares the question's topic; safety
# questions are handed over even when an entry shares a word with them ("mật ong").
def lesson05_system() -> str:
    from course.lessons import load

    return ("Bạn là nhân viên chăm sóc khách hàng của cửa hàng Nông sản Quê Mình. Trả lời ngắn, "
            "lịch sự, xưng em, gọi khách là anh/chị. Nếu không có thông tin, hãy nói em sẽ hỏi "
            "lại quản lý.\n\n" + retrieval.faq_block(load("cskh_faq")))


@pytest.mark.parametrize(("question", "kind", "expected"), [
    ("Phí giao hàng bao nhiêu vậy shop?", "fact", "300.000 đ"),
    ("Mấy giờ shop mở cửa?", "fact", "7 giờ 30"),
    ("chuyen khoan xong sao biet shop nhan tien chua", "fact", "30 phút"),
    ("chai nước mắm tới nơi bị vỡ rồi, đổi sao đây shop", "fact", "trong 3 ngày"),
    ("Shop có xuất hóa đơn không?", "fact", "mã số thuế"),
    ("Mua 30 hũ tiêu có được bớt không?", "fact", "giảm 10%"),
    ("Bé nhà em 8 tháng ăn mật ong được không?", "handover", None),
    ("Tôi đang mang thai uống cao chè vằng được không?", "handover", None),
    ("Tôi muốn xin lại tiền, hàng không đúng mô tả", "handover", None),
    ("Shop có bán máy cày không?", "fallback", "Dạ, em sẽ hỏi lại quản lý."),
    ("Mua 3 hũ mật ong hết bao nhiêu?", "fallback", "Dạ, em sẽ hỏi lại quản lý."),
])
def test_lesson05_faq_bot(question: str, kind: str, expected: str | None) -> None:
    answer, messages = converse(lesson05_system(), [question])
    numbers_are_grounded(answer, messages)
    if kind == "fact":
        assert expected in answer and answer.startswith("Dạ, "), answer
        assert answer[4:5].islower() or answer[4:5].isdigit(), answer  # "Dạ, có. …"
    elif kind == "handover":
        assert "chuyển ngay cho nhân viên" in answer, answer
    else:
        assert answer == expected, answer


def test_a_price_with_conditions_or_two_prices_is_quoted_not_multiplied() -> None:
    system = ("Tiệm giặt Sạch Thơm. Giặt sấy 15.000 đồng/kg, tối thiểu 3 kg. Giặt hấp "
              "30.000 đồng/kg, giặt khô 50.000 đồng/kg.")
    answer, messages = converse(system, ["Giặt sấy 2 ký bao nhiêu?"])
    assert "×" not in answer and "tối thiểu 3 kg" in answer, answer
    numbers_are_grounded(answer, messages)
    answer, messages = converse(system, ["Giặt khô 2 ký hết bao nhiêu?"])
    assert [(value(a), value(b), value(c)) for a, b, c in _CALC.findall(answer)] == [
        (2, 50_000, 100_000)], answer


@pytest.mark.parametrize(("instruction", "own", "you"), [
    ("Hãy xưng hô là em và gọi khách là anh chị.", "em", "anh/chị"),
    ("Xưng hô: cô – con.", "cô", "con"),
    ("Gọi khách hàng là Quý khách và xưng là chúng tôi.", "chúng tôi", "Quý khách"),
    ("Bạn xưng \"cô\", gọi khách là \"con\".", "cô", "con"),
    ("Xưng chị, gọi khách là em.", "chị", "em"),
    ("Trả lời thân thiện, xưng hô gần gũi.", "em", "anh/chị"),
    ("Xưng mình, gọi khách là bạn.", "mình", "bạn"),
])
def test_the_voice_is_read_from_any_phrasing(instruction: str, own: str, you: str) -> None:
    system = "Tiệm giặt Sạch Thơm. Giặt sấy 15.000 đồng/kg. " + instruction
    answer, _ = converse(system, ["Có ủi váy cưới không?"])
    words = re.findall(r"[^\W\d_]+", answer.lower())
    assert own in answer.lower() and you in answer, answer
    assert own == "em" or you == "em" or "em" not in words, answer


def test_a_message_with_two_questions_gets_both_parts() -> None:
    """What can be answered is; a part nothing answers gets the fallback after it."""
    answer, messages = converse(ORANGES, ["Cam bao nhiêu một ký cô?",
                                          "Con lấy 5 ký, giao về phường Hưng Dũng được không cô?"])
    numbers_are_grounded(answer, messages)
    assert "5 kg × 40.000 đồng = 200.000 đồng" in answer and "Giao tận nhà" in answer, answer
    answer, messages = converse(LAUNDRY, ["Giặt sấy giá sao em?",
                                          "Ok, vậy chị gửi 7 ký nhé, mai lấy được không?"])
    numbers_are_grounded(answer, messages)
    assert "7 kg × 15.000 đồng = 105.000 đồng" in answer, answer
    assert answer.endswith(LAUNDRY_FALLBACK), answer  # "mai lấy được không?" was not given
    answer, _ = converse(LAUNDRY, ["Giặt sấy giá sao em?", "Ok"])
    assert answer == "Dạ vâng ạ. Anh/chị cần gì thêm cứ nhắn em nhé.", answer  # asks nothing


@pytest.mark.parametrize("call", ["Cô ơi", "Chào cô", "cô ơi!"])
def test_calling_her_gets_a_greeting_in_her_voice(call: str) -> None:
    answer, _ = converse(ORANGES, [call])
    assert answer.startswith("Cô chào con"), answer


STUDIO = ("Bạn là trợ lý của Studio Ánh Dương ở Quảng Trị. Chụp ảnh thẻ 30.000 đồng/bộ 4 tấm. In "
          "ảnh 10x15 giá 3.000 đồng/tấm. Làm việc 8 giờ đến 18 giờ, nghỉ Chủ nhật. Xưng em, gọi "
          "khách là anh chị. Nếu không có thông tin, trả lời: \"Dạ, em xin phép hỏi lại anh chủ "
          "studio ạ.\"")
BANH_MI = ("Quán bánh mì Cô Hoa. Bánh mì thịt 20.000 đồng. Bánh mì trứng 15.000 đồng. Mở cửa 6 "
           "giờ sáng đến 10 giờ sáng. Không giao hàng.")
GARAGE = ("Tiệm sửa xe máy Thành Công, đường Lê Duẩn, Đông Hà. Thay nhớt 80.000 đồng. Rửa xe "
          "30.000 đồng/chiếc. Mở 7:00–19:00.")


@pytest.mark.parametrize(("system", "question", "expected"), [
    (STUDIO, "In 20 tấm ảnh hết bao nhiêu?", "20 tấm × 3.000 đồng = 60.000 đồng"),
    (STUDIO, "Mấy giờ studio đóng cửa?", "8 giờ đến 18 giờ"),
    (STUDIO, "Chụp ảnh thẻ lấy liền không?", "Dạ, em xin phép hỏi lại anh chủ studio ạ."),
    (BANH_MI, "Lấy 3 ổ bánh mì trứng hết bao nhiêu?", "3 ổ × 15.000 đồng = 45.000 đồng"),
    (BANH_MI, "Bánh mì thịt bao nhiêu?", "bánh mì thịt 20.000 đồng."),
    (BANH_MI, "Có giao hàng không?", "không giao hàng"),
    (GARAGE, "Tiệm ở đâu vậy?", "đường Lê Duẩn, Đông Hà"),
    (GARAGE, "Rửa 2 chiếc xe bao nhiêu?", "2 chiếc × 30.000 đồng = 60.000 đồng"),
    (GARAGE, "Xe tôi đưa tiệm sửa về lại hỏng, tiệm tính sao?", "chuyển ngay cho nhân viên"),
    (GARAGE, "Vá săm mất bao lâu?", "sẽ hỏi lại"),
])
def test_more_kinds_of_business(system: str, question: str, expected: str) -> None:
    answer, messages = converse(system, [question])
    numbers_are_grounded(answer, messages)
    assert expected in answer, answer


# --------------------------------------------------------------------------- property
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TOPICS = {LAUNDRY: ["giặt sấy", "giao nhận tận nhà", "mở cửa"],
          ORANGES: ["cam", "cam Vinh", "giao tận nhà"],
          SPA: ["gội đầu dưỡng sinh", "massage body", "mở cửa", "đặt lịch"],
          TUTOR: ["học phí", "học thử", "buổi học"],
          HOMESTAY: ["phòng đôi", "nhận phòng"]}
UNITS = {LAUNDRY: "ký", ORANGES: "ký", SPA: "lần", TUTOR: "tháng", HOMESTAY: "đêm"}
OPENERS = ["", "Cho hỏi ", "Dạ ", "Ơi ", "Vậy ", "Còn "]
ENDINGS = [" bao nhiêu?", " giá sao?", " mấy giờ?", " có không?", " được không ạ?", " thì sao?",
           " bn", "?", " bao lâu?", " ở đâu?"]


@st.composite
def messages(draw):
    system = draw(st.sampled_from(sorted(TOPICS)))
    given_topic = draw(st.booleans())
    topic = draw(st.sampled_from(TOPICS[system] if given_topic else NOT_GIVEN))
    qty = draw(st.one_of(st.none(), st.integers(2, 12)))
    text = draw(st.sampled_from(OPENERS)) + topic
    if qty:
        text += f" {qty} {UNITS[system]}"
    text += draw(st.sampled_from(ENDINGS))
    form = draw(st.sampled_from(["nfc", "nfd", "plain", "lower"]))
    text = {"nfc": text, "nfd": unicodedata.normalize("NFD", text), "plain": fold(text),
            "lower": text.lower()}[form]
    before = draw(st.sampled_from([[], [TOPICS[system][0] + " bao nhiêu?"]]))
    return system, before + [text], given_topic, qty


# CI: 300 examples from a fixed seed. A larger local run with new examples each time:
# CHAT_EXAMPLES=5000 pytest tests/test_sim_chat.py -k property
@settings(max_examples=int(os.environ.get("CHAT_EXAMPLES", "300")),
          derandomize="CHAT_EXAMPLES" not in os.environ, deadline=None)
@given(messages())
def test_property_every_answer_is_grounded_and_in_the_owners_voice(case) -> None:
    """Any message built from a business's topics, or from things it never mentioned, in any
    form: every number is grounded, the voice is the owner's, and a thing never mentioned is
    never answered with a fact (a quantity of it may still be priced from the conversation)."""
    system, turns, given_topic, qty = case
    answer, messages_sent = converse(system, turns)
    assert answer.strip()
    numbers_are_grounded(answer, messages_sent)
    speaks_as(answer, system)
    if not given_topic and not qty and len(turns) == 1:
        assert not _NUMBER.search(answer), (turns, answer)


def test_a_follow_up_about_something_not_given_gets_no_other_price() -> None:
    for follow in ["Giá bao nhiêu?", "Vậy 3 ký thì sao?"]:
        answer, _ = converse(LAUNDRY, ["Có giặt hấp áo vest không?", follow])
        assert answer == LAUNDRY_FALLBACK, (follow, answer)
    answer, _ = converse(LAUNDRY, ["Tiệm mở cửa mấy giờ vậy?", "3 ký giặt sấy bao nhiêu?"])
    assert "3 kg × 15.000 đồng = 45.000 đồng" in answer, answer  # a new topic is fine
    answer, _ = converse(LAUNDRY, ["Tiệm mở cửa mấy giờ vậy?", "Vậy 3 ký bao nhiêu?"])
    assert "3 kg × 15.000 đồng = 45.000 đồng" in answer, answer


HANDED = ["Bé nhà em {n} tuổi bị sốt, {x} được không?", "Con tôi {n} tháng tuổi ăn {x} được không?",
          "Tôi đang mang thai, {x} có sao không?", "Tôi bị dị ứng, {x} có an toàn không?",
          "{x} có gluten không, tôi bị celiac", "Tôi bất dung nạp lactose, {x} được không?",
          "Tôi muốn xin lại tiền vì {x} không đúng mô tả", "Hoàn tiền {x} cho tôi đi",
          "Tôi đang uống thuốc huyết áp, dùng {x} được không?"]


@settings(max_examples=int(os.environ.get("CHAT_EXAMPLES", "150")),
          derandomize="CHAT_EXAMPLES" not in os.environ, deadline=None)
@given(st.sampled_from(sorted(TOPICS)), st.sampled_from(HANDED), st.integers(1, 11),
       st.sampled_from(["nfc", "nfd", "lower"]), st.booleans())
def test_property_safety_messages_go_to_a_person(system, template, n, form, after) -> None:
    """Whatever the business and whatever it sells, in any form, after a plain question or
    not: a sick child, pregnancy, intolerance, medicine or a refund goes to a person, in the
    owner's voice, with no fact and no number."""
    text = template.format(n=n, x=TOPICS[system][0])
    text = {"nfc": text, "nfd": unicodedata.normalize("NFD", text), "lower": text.lower()}[form]
    turns = [TOPICS[system][0] + " bao nhiêu?", text] if after else [text]
    answer, _ = converse(system, turns)
    own, you = VOICE[system]
    assert "chuyển ngay cho nhân viên" in answer and own in answer.lower(), (turns, answer)
    assert not _NUMBER.search(answer), answer
    speaks_as(answer, system)


def test_the_owners_own_hand_over_sentence_is_used() -> None:
    system = ("Tiệm giặt Sạch Thơm. Giặt sấy 15.000 đồng/kg. Nếu khách phàn nàn hoặc hỏi về "
              "sức khỏe, trả lời: \"Dạ, chị chủ tiệm sẽ gọi lại cho anh/chị trong 15 phút ạ.\" "
              "Nếu không biết, trả lời: Dạ, em sẽ hỏi lại chị chủ tiệm ạ.")
    owner = "Dạ, chị chủ tiệm sẽ gọi lại cho anh/chị trong 15 phút ạ."
    assert converse(system, ["Tiệm làm mất áo của tôi rồi!"])[0] == owner
    assert converse(system, ["Bé nhà tôi bị sốt, mặc đồ giặt ở tiệm được không?"])[0] == owner
    assert converse(system, ["Có ủi váy cưới không?"])[0] == "Dạ, em sẽ hỏi lại chị chủ tiệm ạ."
    assert "15.000 đồng/kg" in converse(system, ["Giặt sấy bao nhiêu?"])[0]
