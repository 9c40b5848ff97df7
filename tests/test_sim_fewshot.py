"""Offline few-shot prompts: the answer is about the target (the last, unanswered item), in the
examples' form, and copies nothing from the examples' products (issue 21, principle 7).

Layouts: lesson 02's ("Ví dụ 1 – A: "…"" … "Sản phẩm cần viết – T:"), label pairs
("Sản phẩm: A" / "Khẩu hiệu: …" … "Sản phẩm: T" / "Khẩu hiệu:"), arrows ("A → …" … "T →"),
and the FewShot widget's prompt (target also named after the task).
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from course.llm import offline
from course.text import fold
from course.widgets.prompt_tools import few_shot_prompt

TASK = "Viết khẩu hiệu ngắn cho sản phẩm, theo đúng giọng của các ví dụ."
EXAMPLES = [("Nước mắm Mỹ Thủy", "Giọt mắm quê, đậm tình biển Hải Lăng."),
            ("Gạo hữu cơ Quảng Trị", "Hạt gạo sạch, bữa cơm an lành.")]
OTHER_EXAMPLES = [("Tiệm bánh Hạnh Phúc", "Bánh thơm mỗi sáng, vui trọn cả ngày."),
                  ("Nhà may Thu Hà", "Đường kim khéo, dáng áo xinh.")]
# Businesses not in course data: services first, then a farm product and lodging.
TARGETS = ["Giặt sấy Hoa Mai", "Gia sư Toán Cô Lan", "Spa Hương Sen", "Sửa xe Minh Tâm",
           "Cam Vinh vườn cô Hạnh", "Homestay Mây Đông Hà", "Dạy tiếng Anh cho trẻ"]


def no_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")


def lesson_layout(examples: list[tuple[str, str]], target: str, task: str = TASK,
                  noun: str = "Sản phẩm") -> str:
    lines = [task] + [f'Ví dụ {i} – {a}: "{b}"' for i, (a, b) in enumerate(examples, 1)]
    return "\n".join([*lines, f"{noun} cần viết – {target}:"])


def pairs_layout(examples: list[tuple[str, str]], target: str, task: str = TASK) -> str:
    blocks = [f"Sản phẩm: {a}\nKhẩu hiệu: {b}" for a, b in examples]
    return "\n\n".join([task, *blocks, f"Sản phẩm: {target}\nKhẩu hiệu:"])


def arrow_layout(examples: list[tuple[str, str]], target: str, task: str = TASK) -> str:
    return "\n".join([task, *[f"{a} → {b}" for a, b in examples], f"{target} →"])


def widget_layout(examples: list[tuple[str, str]], target: str, task: str = TASK) -> str:
    return few_shot_prompt(task, [f'{a}: "{b}"' for a, b in examples], target)


LAYOUTS = {"lesson": lesson_layout, "pairs": pairs_layout, "arrows": arrow_layout,
           "widget": widget_layout}


def ask(prompt: str, temperature: float | None = None) -> str:
    answer = offline.answer([{"role": "user", "content": prompt}], temperature)
    assert offline.is_simulated(answer)
    return offline.strip_label(answer)


def copied(answer: str, examples: list[tuple[str, str]], target: str) -> list[str]:
    """Words of the examples (their products and their slogans) found in the answer, except
    words the target's own name also has, and short function words."""
    own = set(re.findall(r"\w+", fold(target)))
    common = {"cho", "va", "cua", "moi", "ca", "ngay", "nha", "ban", "la", "voi", "tinh"}
    found = []
    for a, b in examples:
        for w in re.findall(r"\w+", fold(f"{a} {b}")):
            if len(w) > 2 and w not in own and w not in common and re.search(
                    rf"(?<!\w){w}(?!\w)", fold(answer)):
                found.append(w)
    return found


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("target", TARGETS)
def test_answer_is_about_the_target_not_the_first_example(layout: str, target: str) -> None:
    for examples in (EXAMPLES, OTHER_EXAMPLES):
        prompt = LAYOUTS[layout](examples, target)
        answer = ask(prompt)
        assert fold(target) in fold(answer), (prompt, answer)
        assert not copied(answer, examples, target), (prompt, answer, copied(answer, examples,
                                                                               target))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("target", TARGETS[:3])
def test_without_diacritics_and_in_nfd(layout: str, target: str) -> None:
    plain = LAYOUTS[layout]([(no_marks(a), no_marks(b)) for a, b in EXAMPLES], no_marks(target),
                            task=no_marks(TASK))
    answer = ask(plain)
    assert fold(target) in fold(answer), (plain, answer)
    assert not copied(answer, EXAMPLES, target), (plain, answer)
    nfd = unicodedata.normalize("NFD", LAYOUTS[layout](EXAMPLES, target))
    answer = ask(nfd)
    assert target in answer, (nfd, answer)  # as the participant wrote it, in NFC
    assert not copied(answer, EXAMPLES, target), answer


@pytest.mark.parametrize("layout", ["lesson", "widget"])
def test_in_the_examples_form_one_quoted_slogan(layout: str) -> None:
    # The examples give one quoted slogan each: so does the answer (no numbered list of 3).
    answer = ask(LAYOUTS[layout](EXAMPLES, "Giặt sấy Hoa Mai"))
    lines = [x for x in answer.splitlines() if x.strip()]
    assert len(lines) == 1, answer
    assert re.fullmatch(r'\s*["“].+["”]\s*', lines[0]), answer
    assert len(lines[0].split()) <= 2 * max(len(b.split()) for _, b in EXAMPLES) + 2, answer


def test_arrow_and_pair_layouts_answer_one_line_unquoted_like_their_examples() -> None:
    for layout in ("arrows", "pairs"):
        answer = ask(LAYOUTS[layout](EXAMPLES, "Spa Hương Sen"))
        lines = [x for x in answer.splitlines() if x.strip()]
        assert len(lines) == 1 and not re.match(r"\s*(?:\d+\.|-)\s", lines[0]), answer
        assert not lines[0].lstrip().startswith(('"', "“")), answer


def test_count_asked_in_the_task_is_kept() -> None:
    task = "Viết 3 khẩu hiệu ngắn cho dịch vụ, theo đúng giọng của các ví dụ."
    answer = ask(lesson_layout(EXAMPLES, "Giặt sấy Hoa Mai", task=task, noun="Dịch vụ"))
    lines = [x for x in answer.splitlines() if x.strip()]
    assert len(lines) == 3, answer
    assert all("Giặt sấy Hoa Mai" in x for x in lines) or "Giặt sấy Hoa Mai" in answer


@pytest.mark.parametrize("target", ["Giặt sấy Hoa Mai", "Gia sư Toán Cô Lan", "Spa Hương Sen"])
def test_service_gets_no_product_wording_and_nothing_invented(target: str) -> None:
    for layout in LAYOUTS.values():
        for temperature in (None, 0.7, 1.2):
            answer = ask(layout(EXAMPLES, target), temperature)
            f = fold(answer)
            for word in ("nem thu", "mua ngay", "lam qua", "nguon goc", "dat hang", "giao hang",
                         "uu dai", "giam gia", "khuyen mai"):
                assert word not in f, (target, answer)
            assert not re.search(r"\d", answer), answer  # no price or figure nobody gave


def test_lesson02_sample_few_shot_still_curated() -> None:
    answer = ask(lesson_layout(EXAMPLES, "Hạt tiêu Cùa"))
    assert "Hạt tiêu Cùa" in answer and "Nước mắm" not in answer


def test_not_a_few_shot_stays_as_before() -> None:
    # A one-line request and a list of facts with labels are not few-shot blocks.
    answer = ask("Viết 3 khẩu hiệu ngắn cho Giặt sấy Hoa Mai.")
    assert len([x for x in answer.splitlines() if x.strip()]) == 3, answer
    facts = "Sản phẩm: Giặt sấy Hoa Mai\nGiá: 15.000 đồng/kg\nViết 2 khẩu hiệu ngắn."
    answer = ask(facts)
    assert "Giặt sấy Hoa Mai" in answer, answer
