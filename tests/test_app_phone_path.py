"""Issue 25's "done when", walked as a participant with only a phone would walk it.

A laundry in Cần Thơ (a SERVICE the course data does not know) goes through the app view of
the start page and lessons 02-09 on a real server started like `make lab`, in Chromium at
412x915, by typing and tapping only. On every page, the text the participant sees in results
and widgets must hold no code, no Python repr and no English word (a small allow-list of brand
names and the course's own loanwords), and the results must be about the laundry, with no
price it was not given. Screenshots go to artifacts/phone_path/ (git-ignored).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_server import PHONE, phone_page, running_lab
from lab_server import widget_button as _button
from lab_server import widget_field as _field

from course.i18n import t

sync_api = pytest.importorskip("playwright.sync_api", reason="Python package playwright missing")

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "phone_path"
SLOW_MS = 180_000

LAUNDRY = {
    "name": "Giặt ủi Bà Tư",
    "price": "15k",
    "unit": "kg đồ giặt",
    "origin": "số 8 Mậu Thân, Ninh Kiều, Cần Thơ",
    "special": "giặt nước ấm, ủi thẳng nếp, trả đồ trong ngày",
    "customers": "sinh viên và người đi làm ở Ninh Kiều",
}

# Words a Vietnamese participant reads as their own: brands, file kinds, and the loanwords the
# course teaches on purpose (glossary "use" words). Everything else in ASCII letters that is
# not a Vietnamese syllable written without marks counts as English.
ALLOWED = {
    "AI", "ChatGPT", "Zalo", "Facebook", "Excel", "PDF", "OCOP", "Shopee", "TikTok", "Shop",
    "Gemini", "OpenAI", "Google", "Messenger", "OK", "FAQ", "CSKH", "HTX", "SP", "KH", "QR",
    "COD", "OTP", "SMS", "CCCD", "CMND", "STK", "OA", "Vietcombank", "Arabica", "LibreOffice",
    "WPS", "API", "CSV", "Homestay", "pandas", "prompt", "Prompt", "emoji", "Emoji", "hashtag",
    "Hashtag", "video", "Video", "email",
    "shop", "shipper", "marketing", "Marketing", "homestay", "spa", "tour", "page", "mail",
    "chatbot", "token", "Token", "xlsx", "csv", "md", "png", "kg", "ml", "Markdown",
    "few", "Few", "shot",  # "few-shot", named as such by lesson 02
    "review", "Review", "online",  # what buyers type in a shop's search box (lesson 06)
    "abc",  # quiz 03's example of a file ending (".abc")
    # The connection panel's providers and model names, as the providers spell them.
    "Ollama", "OpenRouter", "LM", "Studio", "vLLM", "Qwen", "Instruct", "instruct", "gpt", "mini",
    "gemini", "flash", "openai", "qwen", "http", "localhost",
}
# Gaps found by this walk in files outside this change, kept visible until fixed there: the
# test fails if one disappears (remove it here) or a new one appears.
KNOWN: dict[str, str] = {}
VIETNAMESE_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x)?"
    r"(uye|uya|uyu|oai|oay|oeo|uay|uoi|uou|ieu|yeu|ia|ua|ai|ao|au|ay|eo|eu|ie|iu|oa|oe|oi|ui|uo|"
    r"uy|ye|a|e|i|o|u|y)(ch|ng|nh|c|m|n|p|t|i|o|u|y)?$", re.IGNORECASE)
# Python and library leftovers that must never reach a participant's screen.
CODE_SIGNS = re.compile(
    r"Traceback|<Figure|<Axes|DataFrame|dtype:|Name: |\bNone\b|\bNaN\b|\bTrue\b|\bFalse\b|"
    r"\{'|'\}|\[\]|\bself\b|object at 0x|[a-z]+_[a-z_]+[(%]|\b[a-z]{2,}_[a-z_]{2,}\b")
# Shown on purpose, not code: file names (what was saved, what to download), hashtags, and the
# batch writer's {placeholders} (each named in Vietnamese beside it).
FILE_NAME = re.compile(r"[\w./-]+\.(xlsx|csv|md|png|json)\b|ket_qua|#\w+|\{[a-z_]+\}")

# What the participant sees: results, widgets and the download panel; not the lesson's prose.
SEEN = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output:not(.jp-RenderedMarkdown), .jupyter-widgets, #course-files')]
  .filter(e => !e.closest('.jp-RenderedMarkdown') && e.getClientRects().length)
  .map(e => [e.innerText, ...[...e.querySelectorAll('input, textarea')]
      .map(i => i.placeholder || '')].join('\\n')).join('\\n')"""


def english_words(text: str) -> list[str]:
    text = FILE_NAME.sub(" ", text)
    words = {w for w in re.findall(r"\w+", text)
             if w.isascii() and re.fullmatch(r"[A-Za-z]{2,}", w)}
    return sorted(w for w in words if w not in ALLOWED and not VIETNAMESE_SYLLABLE.match(w))


def code_signs(text: str) -> list[str]:
    return sorted({m.group(0) for m in CODE_SIGNS.finditer(FILE_NAME.sub(" ", text))})


def test_the_checks_find_english_and_code_and_pass_vietnamese():
    vietnamese = "Giặt ủi Bà Tư nhận giặt sấy tại nhà, khach hang goi dien truoc, gửi prompt"
    assert english_words(vietnamese) == [] and code_signs(vietnamese) == []
    assert english_words("Upload (0) Loading… Click here") == ["Click", "Loading", "Upload", "here"]
    assert code_signs("<Figure size 640x480 with 1 Axes>") == ["<Figure"]
    assert code_signs("ty_le_nhan_% None {'a': 1}") == ["None", "ty_le_nhan_%", "{'"]
    assert code_signs("Đã lưu: ket_qua/lich_gui_tin.csv") == []
    assert english_words("#GiatUiBaTu #NinhKieu") == []
    assert code_signs("Các cột: {chu_de} (Chủ đề)") == []


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("phone")
    root = tmp / "course"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    with running_lab(root, tmp, "phone-token") as lab:
        yield {**lab, "root": root}


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with phone_page(tmp_path_factory.mktemp("chromium-phone"), server, SLOW_MS) as pg:
        yield pg


def test_a_wrong_app_link_gets_a_vietnamese_page_with_a_way_back(server):
    """An old or mistyped link: Voilà's own page said '404: Not Found' and 'Voilà requires
    JavaScript' in English and loaded a font from a CDN."""
    import html
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{server['base']}/voila/render/notebooks/10_khong_co.ipynb",
        headers={"Authorization": f"token {server['token']}"})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=60)
    assert failed.value.code == 404
    body = failed.value.read().decode("utf-8")
    text = html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", body, flags=re.S))
    assert "Không tìm thấy bài học" in text, text
    assert english_words(text) == [] and code_signs(text) == [], text
    assert 'href="/ung-dung/00_bat_dau.ipynb"' in body
    assert not re.search(r'(src|href)="https?://', body)


def _open(page, server: dict, lesson: str) -> None:
    page.goto(f"{server['base']}/hub/user-redirect/ung-dung/{lesson}")
    page.locator("#course-files-refresh").wait_for(state="visible")
    if page.locator(".jupyter-widgets").count():
        page.locator(".jupyter-widgets").first.wait_for(state="visible")




# The lesson's own text: code spans left visible (file names and [placeholders] are fine).
PROSE_CODE = """() => [...document.querySelectorAll('.jp-RenderedMarkdown code')]
  .filter(e => e.getClientRects().length).map(e => e.innerText)"""


def _look(page, name: str, problems: list[str]) -> str:
    """Record what the participant sees on this page; note English words and code."""
    page.wait_for_timeout(500)
    seen = page.evaluate(SEEN)
    (ARTIFACTS / f"{name}.txt").write_text(seen, encoding="utf-8")
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')]"
                           ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": PHONE["width"], "height": min(max(height, 915), 16000)})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(PHONE)
    if words := english_words(seen):
        problems.append(f"{name}: English {words}")
    if signs := code_signs(seen):
        problems.append(f"{name}: code {signs}")
    prose = [c for c in page.evaluate(PROSE_CODE)
             if not FILE_NAME.fullmatch(c) and not re.fullmatch(r"\[[^\]]*\]|\.\w+", c)]
    if name != "00" and (code := [c for c in prose if re.search(r"[_=()]|^[a-z]+$", c)]):
        problems.append(f"{name}: code in the lesson text {sorted(set(code))}")
    if page.locator(".course-app-error").count():
        problems.append(f"{name}: a cell failed")
    return seen


def _no_other_price(name: str, answer: str, problems: list[str]) -> None:
    """The simulation names no price but the one it was told (15.000 đồng per kg)."""
    prices = set(re.findall(r"\d{1,3}(?:\.\d{3})+|\d+ ?k\b|\d+ ?%", answer))
    if prices - {"15.000"}:
        problems.append(f"{name}: the answer names prices it was not given: {sorted(prices)}")


def test_a_laundry_through_the_start_page_and_lessons_02_to_09_on_a_phone(server, page):
    problems: list[str] = []
    notes = server["root"] / "notebooks" / "ket_qua"

    _open(page, server, "00_bat_dau.ipynb")
    _look(page, "00", problems)

    # 02, reached by a tap on the start page's list: still the app, not JupyterLab.
    page.locator('#rendered_cells a[href="02_viet_prompt.ipynb"]').first.click()
    page.locator("#course-files-refresh").wait_for(state="visible")
    if "/voila/render/" not in page.url or not page.url.endswith("02_viet_prompt.ipynb"):
        problems.append(f"00: the link to lesson 02 leaves the app view ({page.url})")
    page.locator(".jupyter-widgets").first.wait_for(state="visible")
    # The participant's own prompt, scored and answered, kept in the prompt library.
    own_prompt = (f"Bạn là nhân viên của tiệm {LAUNDRY['name']} ở Ninh Kiều, Cần Thơ. Viết bài "
                  "đăng Zalo dưới 80 chữ giới thiệu dịch vụ giặt sấy 15.000 đồng/kg, trả đồ "
                  "trong ngày, giọng thân mật, có lời mời nhắn tin.")
    _field(page, t("app.rounds_label")).fill(own_prompt)
    _button(page, t("app.rounds_button")).click()
    page.get_by_text(t("app.rounds_answer")).first.wait_for()
    _button(page, t("app.library_take_last")).click()
    _field(page, t("app.library_name")).fill("Bài Zalo tiệm giặt")
    _button(page, t("app.library_add")).click()
    _button(page, t("app.library_save")).click()
    page.wait_for_timeout(1500)
    seen = _look(page, "02", problems)
    if LAUNDRY["name"] not in seen:
        problems.append("02: the answer to the own prompt does not name the laundry")
    if not (notes / "thu_vien_prompt.xlsx").is_file():
        problems.append("02: the prompt library was not saved")

    # 03 (by the "next lesson" link at the end of 02): "Sản phẩm của bạn" filled and saved;
    # reloaded, the month's posts are the laundry's.
    page.locator('#rendered_cells a[href="03_noi_dung_marketing.ipynb"]').last.click()
    page.locator("#course-files-refresh").wait_for(state="visible")
    if "/voila/render/" not in page.url:
        problems.append(f"02: the link to lesson 03 leaves the app view ({page.url})")
    page.locator(".jupyter-widgets").first.wait_for(state="visible")
    for key, value in LAUNDRY.items():
        _field(page, t(f"profile.f_{key}")).fill(value)
    _button(page, t("profile.f_button")).click()
    page.wait_for_timeout(1500)
    _open(page, server, "03_noi_dung_marketing.ipynb")
    run = _button(page, t("widgets.batch_run"))
    run.scroll_into_view_if_needed()
    run.click()
    page.locator(".widget-vbox").filter(has=run).first.get_by_text(LAUNDRY["name"]).first.wait_for()
    if LAUNDRY["name"] not in _look(page, "03", problems):
        problems.append("03: the lesson does not use the saved service")

    # 04: the funnel's messages are the laundry's; the hours saved with the team's own numbers.
    _open(page, server, "04_pheu_ban_hang.ipynb")
    people = _field(page, t("widgets.ts_people"))
    people.scroll_into_view_if_needed()
    people.fill("2")
    _button(page, t("widgets.ts_button")).click()
    page.get_by_text(re.compile(re.escape(t("widgets.ts_result", hours="@", share="@",
                                             people=2)).replace("@", ".+"))).first.wait_for()
    if LAUNDRY["name"] not in _look(page, "04", problems):
        problems.append("04: the lesson does not use the saved service")

    # 05: the chat told only the laundry's price and hours, asked something it was not told.
    _open(page, server, "05_cham_soc_khach_hang.ipynb")
    page.get_by_placeholder(t("widgets.chat_system_placeholder")).first.fill(
        f"Bạn trả lời tin nhắn cho {LAUNDRY['name']}, {LAUNDRY['origin']}. "
        "Giặt sấy 15.000 đồng/kg. Mở cửa 6:30–20:00.")
    message = page.get_by_placeholder(t("widgets.chat_input_placeholder")).first
    question = "Giặt chăn mền bao nhiêu tiền vậy em?"
    message.fill(question)
    chat = page.locator(".widget-vbox").filter(has=message).first
    _button(chat, t("widgets.send")).click()
    chat.get_by_text(question).first.wait_for()
    page.wait_for_timeout(1500)
    # Newest first: the answer stands above the question (the lesson's own sample exchange
    # about the course shop's shipping fees stays below it).
    _no_other_price("05", chat.inner_text().split(question)[0], problems)
    _look(page, "05", problems)

    # 06: one story, four formats, for the laundry.
    _open(page, server, "06_noi_dung_so.ipynb")
    write = _button(page, t("app.story_button"))
    write.scroll_into_view_if_needed()
    write.click()
    page.get_by_text(re.compile(re.escape(t("app.story_saved", path="@")).split("@")[0])
                     ).first.wait_for()
    seen = _look(page, "06", problems)
    if seen.count(LAUNDRY["name"]) < 4:
        problems.append("06: the four formats are not about the saved service")

    _open(page, server, "07_phan_tich_du_lieu.ipynb")
    _look(page, "07", problems)

    # 08: a laundry customer's message with personal data, checked before it goes to AI.
    _open(page, server, "08_an_toan_trach_nhiem.ipynb")
    box = page.get_by_placeholder(t("widgets.pii_input_placeholder")).first
    box.scroll_into_view_if_needed()
    box.fill("Chị Lan, 0909 123 456, nhờ tiệm qua lấy đồ ở 12 Trần Hưng Đạo, Ninh Kiều.")
    page.wait_for_timeout(1500)
    if "0909 123 456" in page.locator(".jupyter-widgets").filter(
            has_text=t("widgets.pii_masked")).last.inner_text().split(t("widgets.pii_masked"))[-1]:
        problems.append("08: the phone number is not masked")
    _look(page, "08", problems)

    # 09: the plan for the laundry, then its care assistant asked the price.
    _open(page, server, "09_du_an_cuoi_khoa.ipynb")
    _button(page, t("capstone.f_button")).click()
    page.wait_for_timeout(3000)
    message = page.get_by_placeholder(t("widgets.chat_input_placeholder")).first
    message.fill("Giặt sấy bao nhiêu tiền một ký vậy?")
    chat = page.locator(".widget-vbox").filter(has=message).first
    _button(chat, t("widgets.send")).click()
    page.wait_for_timeout(3000)
    _no_other_price("09", chat.inner_text(), problems)
    # The first review question answered by a tap; the saved files listed for download.
    choice = page.locator(".widget-radio-box input[type=radio]").first
    choice.scroll_into_view_if_needed()
    choice.check()
    _button(page, t("widgets.quiz_check")).first.click()
    page.get_by_text(re.compile(f"{t('widgets.quiz_right')}|{t('widgets.quiz_wrong', answer='')}")
                     ).first.wait_for()
    page.locator("#course-files-refresh").click()
    page.locator("#course-files-list a", has_text="ke_hoach.xlsx").wait_for()
    _look(page, "09", problems)
    assert set(problems) == set(KNOWN), "\n".join(
        [f"new: {p}" for p in problems if p not in KNOWN]
        + [f"fixed, remove from KNOWN: {k}" for k in KNOWN if k not in problems])
