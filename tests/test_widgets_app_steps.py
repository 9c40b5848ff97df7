"""The lesson steps that used to need code edits, done by fields and buttons (issue 25):
lesson 02's own prompt rounds, few-shot examples and prompt library; lesson 05's FAQ search and
complaint reply; lesson 06's one story in four formats; lesson 07 on an uploaded sales file.

Each widget is driven as the app drives it (set the fields, click the button) with a SERVICE
business that is not in the course data, offline; nothing the answers say may be invented.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from datetime import datetime

import pandas as pd
import pytest
from catalogue_helpers import said
from widget_helpers import assert_safe

from course.i18n import t
from course.lessons import load
from course.widgets.care_desk import ComplaintReply, FaqSearch
from course.widgets.own_sales import SalesReport, read_sales
from course.widgets.prompt_tools import FewShot, PromptLibrary, PromptRounds
from course.widgets.story_formats import StoryFormats

SHOP = "Tiệm giặt ủi Sạch Thơm"
FAQ = ("Giặt sấy giá bao nhiêu? | Giặt sấy 15.000 đồng/kg.\n"
       "Có giao nhận tận nhà không? | Có, giao nhận miễn phí trong Đông Hà.\n"
       "Làm mất đồ thì sao? | Tiệm đền theo giá trị món đồ, tối đa 10 lần phí giặt.")
INSTRUCTIONS = (f"Bạn là nhân viên của {SHOP} ở Đông Hà. Xưng em, gọi khách là anh/chị. "
                "Nếu không có thông tin, nói em sẽ hỏi chủ tiệm.")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("COURSE_BACKEND", "offline")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COURSE_MODEL"):
        monkeypatch.delenv(name, raising=False)


def _prices(text: str) -> set[str]:
    return set(re.findall(r"\d{1,3}(?:\.\d{3})+", text))


def _nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def _upload(widget: SalesReport, name: str, content: bytes) -> None:
    widget.upload.value = ({"name": name, "type": "", "size": len(content),
                            "content": memoryview(content), "last_modified": datetime.now()},)


# --- Lesson 02 --------------------------------------------------------------------------------


def test_prompt_rounds_score_each_round_and_keep_the_prompt_on_empty_input():
    rounds = PromptRounds()
    assert rounds.run() is None and t("app.rounds_need") in rounds.message.value
    rounds.box.value = "Viết bài quảng cáo cho tiệm giặt ủi."
    rounds.button.click()
    rounds.box.value = (f"Bạn là nhân viên của {SHOP} ở Đông Hà. Bối cảnh: giặt sấy 15.000 "
                        "đồng/kg, giao nhận tận nhà. Nhiệm vụ: viết tin nhắn Zalo mời khách. "
                        "Định dạng: 3 câu. Giọng văn: thân thiện. Giới hạn: dưới 60 từ.")
    rounds.button.click()
    assert [r["vong"] for r in rounds.rounds] == [1, 2]
    assert rounds.rounds[1]["diem"] > rounds.rounds[0]["diem"]
    answer = str(rounds.rounds[1]["tra_loi"])
    assert "Sạch Thơm" in answer and _prices(answer) <= {"15.000"}
    assert_safe(rounds.table_view.value)
    assert t("app.rounds_round") in rounds.table_view.value
    assert rounds.last_prompt == rounds.box.value.strip()


def test_few_shot_writes_for_the_named_service_not_the_first_example():
    shot = FewShot("Viết khẩu hiệu ngắn, theo đúng giọng của các ví dụ.",
                   ['Nước mắm Mỹ Thủy: "Giọt mắm quê, đậm tình biển Hải Lăng."',
                    'Gạo hữu cơ Quảng Trị: "Hạt gạo sạch, bữa cơm an lành."'], "")
    assert shot.write() == "" and t("app.fewshot_need_target") in shot.message.value
    shot.target.value = "Giặt chăn mền"
    shot.button.click()
    assert "Giặt chăn mền" in shot.answer
    assert "Mỹ Thủy" not in shot.answer and "Quảng Trị" not in shot.answer
    assert t("app.fewshot_example_line", n=2, text="Gạo hữu cơ") in shot.prompt
    assert shot.prompt.endswith("Giặt chăn mền:")
    shot.examples.value = "  \n"
    assert shot.write() == "" and t("app.fewshot_need_examples") in shot.message.value


def test_prompt_library_adds_the_last_round_and_saves_excel(tmp_path):
    rounds = PromptRounds()
    library = PromptLibrary(load("prompt_library"), folder=tmp_path, rounds=rounds)
    assert not library.take_last_round() and t("app.library_no_round") in library.message.value
    assert not library.add()  # nothing typed
    rounds.box.value = f"Bạn là nhân viên {SHOP}. Viết tin nhắn Zalo mời khách giặt chăn mền."
    rounds.run()
    library.take_button.click()
    library.name.value, library.purpose.value = "Zalo giặt chăn mền", "Marketing"
    library.add_button.click()
    library.save_button.click()
    saved = pd.read_excel(tmp_path / "thu_vien_prompt.xlsx")
    assert len(saved) == len(load("prompt_library")) + 1
    assert saved.iloc[-1]["ten_prompt"] == "Zalo giặt chăn mền"
    assert "giặt chăn mền" in saved.iloc[-1]["prompt"] and saved["diem"].between(0, 100).all()
    assert said("app.library_saved", library.message.value, count=len(saved))


# --- Lesson 05 --------------------------------------------------------------------------------


def test_faq_search_answers_from_the_own_faq_and_flags_a_handover():
    desk = FaqSearch(load("cskh_faq"), INSTRUCTIONS, "giao tan nha ko em", own_faq=FAQ)
    desk.button.click()
    assert list(desk.found["hoi"])[:1] == ["Có giao nhận tận nhà không?"]
    assert "giao nhận miễn phí trong Đông Hà" in desk.answer
    assert_safe(desk.found_view.value)
    # Not in the FAQ: the simulation says so instead of making up an answer.
    desk.question.value = "Tiệm có ủi váy cưới không?"
    desk.button.click()
    assert _prices(desk.answer) == set() and "15.000" not in desk.answer
    # The complaint draft uses the tiệm's own policy, and says a person must look at it.
    reply = ComplaintReply(desk, "Tiệm làm mất của tôi một cái áo sơ mi!")
    reply.button.click()
    assert "tối đa 10 lần phí giặt" in reply.draft
    assert "người thật" in reply.message.value
    assert "Nông sản Quê Mình" not in reply.draft + desk.answer


def test_faq_search_bad_input_gets_a_vietnamese_message_and_keeps_the_fields():
    desk = FaqSearch(load("cskh_faq"), INSTRUCTIONS, "", own_faq="chỉ một dòng, không có gạch")
    assert desk.run() == "" and t("app.faq_need_question") in desk.message.value
    desk.question.value = "Giá bao nhiêu?"
    assert desk.run() == "" and said("app.faq_bad_line", html.unescape(desk.message.value), n=1)
    assert desk.own_faq.value == "chỉ một dòng, không có gạch"
    reply = ComplaintReply(desk, "")
    desk.own_faq.value = ""
    assert reply.run() == "" and t("app.complaint_need") in reply.message.value
    desk.instructions.value = " "
    assert desk.run() == "" and t("app.faq_need_instructions") in desk.message.value


def test_faq_search_with_the_sample_faq_still_finds_the_broken_bottle_policy():
    desk = FaqSearch(load("cskh_faq"), "Bạn là nhân viên cửa hàng Nông sản Quê Mình.",
                     "chai nước mắm tới nơi bị vỡ rồi, đổi sao đây shop")
    desk.run()
    assert "H04" in set(desk.found["ma"])


# --- Lesson 06 --------------------------------------------------------------------------------

REQUESTS = {
    "Bài đăng Facebook": "Viết bài đăng Facebook khoảng 120 từ, có lời mời đặt lịch qua Zalo",
    "Kịch bản video TikTok": "Viết kịch bản video TikTok 30 giây, chia cảnh, có lời thoại",
    "E-mail khách quen": "Viết e-mail gửi khách quen, có tiêu đề thư, dưới 150 từ",
    "Trang sản phẩm": "Viết trang giới thiệu sản phẩm cho Google Maps và Facebook, có 5 ý nổi bật",
}


def test_one_story_four_formats_for_a_tutor_saved_to_ket_qua(tmp_path):
    story = ("Lớp dạy kèm cô Hạnh ở Đông Hà dạy toán lớp 9, mỗi lớp 6 học sinh, "
             "học phí 600.000 đồng/tháng.")
    widget = StoryFormats("", "Lớp dạy kèm cô Hạnh", REQUESTS, folder=tmp_path)
    assert widget.run() == {} and t("app.story_need") in widget.message.value
    widget.story.value = story
    widget.button.click()
    assert list(widget.results) == list(REQUESTS)
    for name, text in widget.results.items():
        assert "cô Hạnh" in text, name
        assert _prices(text) <= {"600.000"}, (name, text)  # no price that was not given
        assert "Nông sản" not in text and "hạt tiêu" not in text.lower(), name
        assert _nfc(text)
    saved = (tmp_path / "mot_cau_chuyen_bon_dinh_dang.md").read_text(encoding="utf-8")
    assert saved.count("## ") == 4 and "MÔ PHỎNG" not in saved
    for view in widget.views.values():
        assert_safe(view.value)


# --- Lesson 07 --------------------------------------------------------------------------------

LAUNDRY_CSV = ("Tháng,Kênh,Dịch vụ,Doanh thu\n"
               "10/2025,Tại tiệm,Giặt sấy,\"11.000.000\"\n10/2025,Zalo,Giặt hấp,2.500.000\n"
               "11/2025,Tại tiệm,Giặt sấy,12.000.000\n11/2025,Zalo,Giặt hấp,3.000.000\n"
               "12/2025,Tại tiệm,Giặt sấy,14.000.000\n12/2025,Zalo,Giặt hấp,3.500.000\n"
               "12/2025,Zalo,Giặt chăn mền,1.200.000\n")


def test_own_sales_csv_gives_the_report_under_the_own_name(tmp_path):
    widget = SalesReport(folder=tmp_path, shop="")
    assert widget.run() == "" and t("app.sales_need_file") in widget.message.value
    _upload(widget, "doanh_thu_sach_thom.csv", LAUNDRY_CSV.encode("utf-8"))
    assert widget.run() == "" and t("app.sales_need_shop") in widget.message.value
    widget.shop.value = SHOP
    widget.button.click()
    report = (tmp_path / "bao_cao_thang.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Báo cáo doanh thu tháng 12/2025 – {SHOP}")
    assert "18,7 triệu đồng" in report  # 14 + 3,5 + 1,2 million in December
    assert "Giặt chăn mền" in report and "Tại tiệm" in report
    for sample in ("Nông sản Quê Mình", "TikTok Shop", "Tết", "Cà phê"):
        assert sample not in report, sample
    assert (tmp_path / "doanh_thu_cua_ban.png").read_bytes()[:4] == b"\x89PNG"
    assert widget.bang.loc["2025-12", "Tổng"] == 18.7
    shown = widget.report_view.value + widget.message.value + widget.tables_view.value
    for sample in ("Nông sản Quê Mình", "TikTok Shop", "Tết"):
        assert sample not in shown, sample  # nothing about the sample shop on the page either
    assert _nfc(report)


def test_own_sales_excel_with_dates_and_quantity_times_price(tmp_path):
    frame = pd.DataFrame({"Ngày": pd.to_datetime(["2025-11-03", "2025-11-20", "2025-12-02"]),
                          "Gói học": ["Toán 9", "Toán 9", "Văn 9"],
                          "Số lượng": [4, 2, 5], "Đơn giá": ["600k", "600.000", 550000]})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    table = read_sales("lop_day_kem.xlsx", buffer.getvalue())
    assert list(table["thang"]) == ["2025-11", "2025-11", "2025-12"]
    assert list(table["doanh_thu"]) == [2_400_000, 1_200_000, 2_750_000]
    assert set(table["kenh"]) == {t("app.sales_all")}
    widget = SalesReport(folder=tmp_path, shop="Lớp dạy kèm cô Hạnh")
    report = widget.analyse(table)
    assert "Lớp dạy kèm cô Hạnh" in report.splitlines()[0]
    assert "Nông sản" not in report


@pytest.mark.parametrize(("name", "content", "says"), [
    ("x.csv", b"", ("app.sales_unreadable", {"name": "x.csv"})),
    ("x.csv", "Ngày,Tiền\nhôm qua,5\n".encode(), ("app.sales_bad_months", {"rows": 2})),
    ("x.csv", "Tháng,Doanh thu\n12/2025,100000\n12/2025,năm triệu\n".encode(),
     ("app.sales_bad_amounts", {"rows": 3})),
    ("x.csv", "Tên,Ghi chú\nAn,xx\n".encode(), ("app.sales_no_month", {})),
    ("x.csv", "Tháng,Ghi chú\n12/2025,xx\n".encode(), ("app.sales_no_amount", {})),
    ("x.xls", b"\xd0\xcf\x11\xe0", ("app.sales_bad_type", {"name": "x.xls"})),
    ("x.xlsx", b"PK\x03\x04 not really", ("app.sales_unreadable", {"name": "x.xlsx"})),
    ("../../etc/x.csv", b"a" * (5 * 1024 * 1024 + 1), ("app.sales_too_big", {"name": "x.csv"})),
])
def test_a_bad_sales_file_gets_one_vietnamese_sentence(tmp_path, name, content, says):
    widget = SalesReport(folder=tmp_path, shop=SHOP)
    _upload(widget, name, content)
    assert widget.run() == ""
    message = widget.message.value
    key, known = says
    assert said(key, html.unescape(message), **known), message
    for english in ("Traceback", "Error", "pandas", "/etc/"):
        assert english not in message, english
    assert widget.shop.value == SHOP and not (tmp_path / "bao_cao_thang.md").exists()
