"""The `course.ask` guard on names and addresses, under each COURSE_PII_POLICY.

The guard itself lives in course/llm/client.py and calls `course.privacy.find_pii`; these
tests check that the new kinds reach it: a customer's name and address are warned about or
refused before anything is sent, a masked order goes through, and a message that names only
a product, a brand or a province is not flagged. The online cases use the real openai SDK
against the local test server, so "not sent" means the server saw no request.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import course
from course.i18n import t

ORDER = ("Viết tin nhắn xác nhận đơn cho chị Nguyễn Thị Mai, giao về số 12 Lê Duẩn, "
         "phường Đông Hà: 2 hộp cà phê Khe Sanh.")
PRODUCT_ONLY = "Viết 3 câu chào khách cho cà phê Khe Sanh, đặc sản Quảng Trị, giao hàng đi Huế."


def _warned(prompt: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        course.ask(prompt)
    return [str(w.message) for w in caught if issubclass(w.category, course.PersonalDataWarning)]


def test_warn_policy_names_the_new_kinds() -> None:
    messages = _warned(ORDER)
    assert len(messages) == 1
    assert "1 họ tên" in messages[0] and "1 địa chỉ nhà" in messages[0]


def test_refuse_policy_blocks_a_name_and_address(online) -> None:
    course.configure(pii_policy="refuse")
    with pytest.raises(course.PersonalDataError) as info:
        course.ask(ORDER)
    assert t("privacy.kind_name") in str(info.value)
    assert t("privacy.kind_address") in str(info.value)
    assert online.requests == []  # nothing left the machine


def test_masked_order_goes_through_without_the_name_or_street(online) -> None:
    course.configure(pii_policy="refuse")
    masked = course.mask_pii(ORDER)
    assert t("privacy.placeholder_name") in masked and t("privacy.placeholder_address") in masked
    assert "Khe Sanh" in masked
    course.ask(masked)
    sent = online.requests[-1]["body"]["messages"][-1]["content"]
    assert "Nguyễn" not in sent and "Lê Duẩn" not in sent and "cà phê Khe Sanh" in sent


def test_system_prompt_with_a_customer_address_is_checked_too(online) -> None:
    course.configure(pii_policy="refuse")
    with pytest.raises(course.PersonalDataError):
        course.ask("Trả lời khách.", system="Khách: anh Tuấn, 45 Hùng Vương, Đông Hà.")
    assert online.requests == []


def test_products_brands_and_provinces_are_not_flagged() -> None:
    assert _warned(PRODUCT_ONLY) == []
    course.configure(pii_policy="refuse")
    assert course.is_simulated(course.ask(PRODUCT_ONLY))


def test_off_policy_sends_as_is(online) -> None:
    course.configure(pii_policy="off")
    assert _warned(ORDER) == []
    assert "Nguyễn Thị Mai" in online.requests[-1]["body"]["messages"][-1]["content"]


def test_the_ner_model_loads_only_when_needed(tmp_path) -> None:
    """Importing course and checking ordinary prompts never imports underthesea."""
    code = (
        "import sys, course\n"
        "course.ask('Viết 3 câu chào khách cho cà phê Khe Sanh, đặc sản Quảng Trị.')\n"
        "course.mask_pii('Chị Lan, số 12 Lê Duẩn, Đông Hà, SĐT 0912345678')\n"
        "assert 'underthesea' not in sys.modules, 'loaded too early'\n"
        "print(course.mask_pii('Gửi hàng cho Thu Hà trước 5 giờ chiều nhé.'))\n"
        "assert 'underthesea' in sys.modules\n"
    )
    env = {"COURSE_BACKEND": "offline", "COURSE_CACHE_DIR": str(tmp_path), "PATH": "",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Gửi hàng cho [HỌ TÊN] trước 5 giờ chiều nhé."
