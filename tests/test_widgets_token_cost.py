"""TokenCost: tokens for Vietnamese beside English, ratio and cost in VND."""

from __future__ import annotations

import unicodedata

from widget_helpers import assert_safe, parse

import course
from course.i18n import t
from course.widgets import TokenCost

VI = ("Chào anh chị, cửa hàng xin gửi bảng giá cà phê Arabica Khe Sanh rang mộc: "
      "gói 500 gam giá 180.000 đồng, miễn phí giao hàng trong tỉnh Quảng Trị.")
EN = ("Hello, our shop is sending you the price list for Khe Sanh Arabica coffee, "
      "roasted plain: a 500-gram bag costs 180,000 dong, with free delivery in Quang Tri.")


def test_compute_vietnamese_and_english():
    tc = TokenCost(VI, english=EN, model="gpt-4o-mini")
    r = tc.compute()
    info_vi = course.token_info(VI, "gpt-4o-mini")
    assert r["tokens_vi"] == info_vi.tokens
    assert r["tokens_en"] == course.token_info(EN, "gpt-4o-mini").tokens
    assert r["tokens_vi"] > r["tokens_en"]  # Vietnamese costs more tokens for the same message
    assert r["ratio"] == round(r["tokens_vi"] / r["tokens_en"], 2)
    # Independent of the widget: tiktoken's o200k_base (GPT-4o family) and OpenAI's price for
    # gpt-4o-mini input (0.15 USD per million tokens, course/data/prices.csv) at 26.000 đ/USD.
    import tiktoken

    expected = len(tiktoken.get_encoding("o200k_base").encode(VI))
    assert r["tokens_vi"] == expected and r["exact"]
    assert abs(r["cost_vnd"] - expected * 0.15 / 1_000_000 * 26_000) < 1e-9
    assert r["cost_1000_vnd"] == r["cost_vnd"] * 1000
    assert r["exact"] == info_vi.exact
    shown = assert_safe(tc.result_view.value)
    assert str(r["tokens_vi"]) in shown and "gấp" in shown and "1.000 lần" in shown


def test_fields_and_model_dropdown_update_live():
    tc = TokenCost("Xin chào", model="gpt-4o-mini")
    assert tc.result["tokens_en"] is None and tc.result["ratio"] is None
    assert [t for t, _ in parse(tc.result_view.value).tags].count("tr") == 2  # header + Vietnamese
    tc.en.value = "Hello"
    assert [t for t, _ in parse(tc.result_view.value).tags].count("tr") == 3
    assert tc.result["tokens_en"] == course.token_info("Hello", "gpt-4o-mini").tokens
    other = next(m for m in tc.model.options if m != "gpt-4o-mini")
    tc.model.value = other
    assert tc.result["model"] == other
    assert tc.result["tokens_vi"] == course.token_info("Xin chào", other).tokens


def test_decomposed_text_is_normalised_first():
    nfd = unicodedata.normalize("NFD", "Hạt tiêu Cùa Quảng Trị")
    tc = TokenCost(nfd, model="gpt-4o-mini")
    nfc = course.token_info("Hạt tiêu Cùa Quảng Trị", "gpt-4o-mini").tokens
    assert tc.result["tokens_vi"] == nfc


def test_price_list_models_and_local_model_note():
    tc = TokenCost("Xin chào bà con")
    assert {"gpt-4o-mini", "gpt-4o", "gemini-2.5-flash", "qwen2.5:3b"} <= set(tc.model.options)
    tc.model.value = "gpt-4o"
    assert tc.result["cost_vnd"] == course.cost_vnd(tc.result["tokens_vi"], 0, "gpt-4o") > 0
    assert t("widgets.tc_no_price", model="gpt-4o") not in assert_safe(tc.result_view.value)
    tc.model.value = "qwen2.5:3b"
    assert tc.result["cost_vnd"] == 0
    assert t("widgets.tc_no_price", model="qwen2.5:3b") in assert_safe(tc.result_view.value)


def test_empty_box_says_what_to_do():
    tc = TokenCost("", english="Hello there", model="gpt-4o-mini")
    assert tc.compute() == {} and tc.result == {}
    shown = assert_safe(tc.result_view.value)
    assert t("widgets.tc_empty") in shown and "0,00" not in shown and "gấp" not in shown
    tc.vi.value = "Xin chào"
    assert "gấp" in assert_safe(tc.result_view.value)
    tc.vi.value = "   "
    assert t("widgets.tc_empty") in assert_safe(tc.result_view.value)  # the old count goes
