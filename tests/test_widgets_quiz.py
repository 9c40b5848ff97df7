"""Quiz: choice and text questions, normalised answers, score, shipped quiz files."""

from __future__ import annotations

import re

import pytest
from widget_helpers import assert_safe

from course.i18n import t
from course.widgets import Quiz
from course.widgets.quiz import QUIZ_DIR, normalise_answer

QUESTIONS = [
    {"type": "choice", "question": "Kênh nào phủ khoảng 98% người dùng điện thoại thông minh?",
     "options": ["Zalo", "Lazada", "Email"], "answer": 0, "explain": "Theo khảo sát năm 2024."},
    {"type": "text", "question": "Luật Bảo vệ dữ liệu cá nhân có hiệu lực từ năm nào?",
     "accept": ["2026", "năm 2026"], "explain": "Từ 1/1/2026."},
    {"type": "text", "question": "Viết tắt của căn cước công dân?", "accept": ["CCCD"]},
    {"question": "Có nên dán số CCCD của khách vào chatbot?", "options": ["Có", "Không"],
     "answer": 1},
]


def test_normalise_answer():
    assert normalise_answer("  Đồng   HỚI. ") == "dong hoi"
    assert normalise_answer("Quảng Trị") == normalise_answer("quang tri")


def test_check_feedback_and_score():
    quiz = Quiz(QUESTIONS, title="Ôn tập")
    assert quiz.score_text() == t("widgets.quiz_score", right=0, total=4)
    ok, msg = quiz.check(0, 0)
    assert ok and msg.startswith(t("widgets.quiz_right")) and "2024" in msg
    ok, msg = quiz.check(1, "Năm   2026!")
    assert ok
    ok, msg = quiz.check(2, "căn cước")
    assert not ok and "CCCD" in msg
    ok, _ = quiz.check(3, "không")  # an option's text also works
    assert ok
    assert quiz.score_text() == t("widgets.quiz_score", right=3, total=4) and quiz.score == (3, 4)
    quiz.check(0, 2)  # a new answer replaces the old one
    assert quiz.score == (2, 4)
    assert quiz.check(0, None) == (False, t("widgets.quiz_choose"))
    assert quiz.score == (2, 4)  # an empty answer is not counted
    with pytest.raises(ValueError, match="4 câu"):
        quiz.check(9, 0)


def test_buttons_show_feedback():
    quiz = Quiz(QUESTIONS)
    quiz.inputs[0].value = 1
    quiz.check_buttons[0].click()
    assert t("widgets.quiz_wrong", answer="Zalo") in assert_safe(quiz.feedback[0].value)
    quiz.inputs[2].value = " cccd "
    quiz.check_buttons[2].click()
    assert t("widgets.quiz_right") in assert_safe(quiz.feedback[2].value)
    assert t("widgets.quiz_score", right=1, total=4) in assert_safe(quiz.score_view.value)


def test_shipped_quizzes_load():
    names = sorted(p.stem for p in QUIZ_DIR.glob("*.json"))
    assert names
    for name in names:
        quiz = Quiz.load(name)
        assert quiz.title and quiz.questions
    with pytest.raises(ValueError) as info:
        Quiz.load("khong_co")
    assert "khong_co" in str(info.value) and names[0] in str(info.value)


def test_bad_questions_are_explained():
    with pytest.raises(ValueError, match="Câu 1 cần ít nhất 2 lựa chọn"):
        Quiz([{"question": "?", "options": ["a"], "answer": 0}])
    with pytest.raises(ValueError, match="Câu 1: số thứ tự"):
        Quiz([{"question": "?", "options": ["a", "b"], "answer": 2}])
    with pytest.raises(ValueError, match="accept"):
        Quiz([{"type": "text", "question": "?"}])
    with pytest.raises(ValueError, match="trống"):
        Quiz([])


# -- free-text answers for non-programmers -----------------------------------------------------

@pytest.mark.parametrize("answer", [
    "bảng kết nối", "Ô kết nối của course.setup()", "bang ket noi", "o ket noi",
    "Dán vào bảng kết nối", "vào ô kết nối nhé!", "course.setup()",
])
def test_lesson_00_accepts_the_lessons_own_wording(answer):
    quiz = Quiz.load("00")
    ok, message = quiz.check(4, answer)
    assert ok, message


@pytest.mark.parametrize("answer", ["ô mã", "vào ô mã của bài học", "không phải bảng kết nối",
                                    "dán vào chat", "setupx"])
def test_lesson_00_rejects_wrong_or_negated_answers(answer):
    ok, message = Quiz.load("00").check(4, answer)
    assert not ok, answer
    assert message.startswith("Chưa đúng. Đáp án đúng: bảng kết nối"), message


@pytest.mark.parametrize(("name", "answer"), [
    ("07", "gom các dòng cùng tháng rồi cộng lại"), ("07", "cong lai"), ("07", "tính tổng"),
    ("07", "Gom nhóm theo tháng rồi cộng"), ("08", "che đi"), ("08", "Che lai"),
    ("08", "xoá các số đó"), ("08", "ẩn đi"),
])
def test_lessons_07_and_08_accept_everyday_words(name, answer):
    ok, message = Quiz.load(name).check(4, answer)
    assert ok, (name, answer, message)


def test_lesson_08_rejects_sending_as_is():
    for answer in ("gửi luôn", "không che", "để nguyên"):
        assert not Quiz.load("08").check(4, answer)[0], answer


def test_shipped_feedback_never_contradicts_itself():
    """The answer shown as right is itself accepted; no question asks for a Python name."""
    python_name = re.compile(r"\b(groupby|mask_pii|course\.\w+)\b|\(\)|viết course")
    for path in sorted(QUIZ_DIR.glob("*.json")):
        quiz = Quiz.load(path.stem)
        for i, q in enumerate(quiz.questions):
            assert not python_name.search(q["question"]), (path.stem, q["question"])
            if q["type"] != "text":
                continue
            shown = q.get("answer_text") or q["accept"][0]
            ok, message = Quiz(quiz.questions).check(i, shown)
            assert ok, (path.stem, i, shown, message)
            for accepted in q["accept"]:
                assert Quiz(quiz.questions).check(i, accepted)[0], (path.stem, accepted)


def test_quiz_uses_the_course_fold():
    from course.text import fold

    for text in ("Đồng Hới", "  Quảng   Trị ", "CÀ PHÊ"):
        assert normalise_answer(text) == fold(text)
