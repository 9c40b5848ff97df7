"""The offline simulation: labelled, deterministic, and visibly following the prompt."""

from __future__ import annotations

import json
import re

import pytest
from catalogue_helpers import said

import course
from course.i18n import t
from course.llm import offline

EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def items(text: str) -> list[str]:
    """The list items of an answer: numbered, bulleted or table rows."""
    body = course.strip_label(text)
    rows = [r for r in body.splitlines() if re.match(r"^\s*(\d+[.)]|[-•*])\s+", r)]
    if not rows and body.lstrip().startswith("|"):
        rows = [r for r in body.splitlines() if r.startswith("|")][2:]
    return rows


def words(text: str) -> int:
    return len(course.strip_label(text).split())


# (prompt, expected count, expected format, max words, max chars, tone)
CASES = [
    ("Viết 3 khẩu hiệu cho cà phê Khe Sanh", 3, "numbered", None, None, None),
    ("Viet 3 khau hieu cho ca phe Khe Sanh", 3, "numbered", None, None, None),
    ("Hãy gợi ý 5 ý tưởng bài đăng cho nước mắm Mỹ Thủy, trình bày gạch đầu dòng",
     5, "bullets", None, None, None),
    ("Goi y 4 y tuong video TikTok cho mat ong Tuyen Hoa, gach dau dong", 4, "bullets",
     None, None, None),
    ("Liệt kê 6 từ khóa SEO cho hạt tiêu Cùa dạng bảng", 6, "table", None, None, None),
    ("Liet ke 2 tu khoa cho gao huu co, dang bang", 2, "table", None, None, None),
    ("Tạo 4 tiêu đề quảng cáo cho gạo hữu cơ Quảng Trị, trả về JSON", 4, "json",
     None, None, None),
    ("tao 3 tieu de cho dau lac, tra ve json", 3, "json", None, None, None),
    ("Viết bảy câu hỏi thường gặp về cao chè vằng, đánh số", 7, "numbered", None, None, None),
    ("Viết hai tin nhắn chăm sóc khách hàng cho tinh bột nghệ", 2, "numbered", None, None, None),
    ("Đặt 5 tên thương hiệu cho một cửa hàng đặc sản Quảng Trị", 5, "numbered",
     None, None, None),
    ("Cho tôi 10 hashtag cho bài đăng về măng muối", 10, "numbered", None, None, None),
    ("Viết bài đăng Facebook giới thiệu cà phê Khe Sanh, dưới 50 từ", None, None, 50, None, None),
    ("Viet bai dang Zalo ve ga Cua, toi da 30 tu", None, None, 30, None, None),
    ("Viết caption TikTok cho mắm ruốc Gio Linh, không quá 120 ký tự", None, None, None, 120,
     None),
    ("Write 3 slogans for Khe Sanh coffee, under 40 words", 3, "numbered", 40, None, None),
    ("Viết 3 khẩu hiệu cho hạt tiêu Cùa, giọng vui vẻ, hài hước", 3, "numbered", None, None,
     "playful"),
    ("Viết email trang trọng giới thiệu cao cà gai leo cho khách hàng doanh nghiệp",
     None, None, None, None, "formal"),
    ("Viet email trang trong gioi thieu mat ong cho doi tac", None, None, None, None, "formal"),
    ("Viết bài đăng Facebook vui vẻ về nước mắm Mỹ Thủy", None, None, None, None, "playful"),
    ("Gợi ý 3 cách tăng tương tác cho fanpage bán gạo, mỗi ý ngắn gọn", 3, "numbered",
     None, None, None),
    ("Liệt kê 4 lợi ích của tinh bột nghệ dưới dạng gạch đầu dòng, tối đa 40 từ",
     4, "bullets", 40, None, None),
]


@pytest.mark.parametrize("prompt,count,fmt,max_words,max_chars,tone", CASES)
def test_follows_instructions(prompt, count, fmt, max_words, max_chars, tone):
    answer = course.ask(prompt)
    assert course.is_simulated(answer)
    assert answer.startswith(course.SIMULATION_LABEL)
    body = course.strip_label(answer)
    assert body.strip()
    if fmt == "json":
        data = json.loads(body)
        assert isinstance(data, list) and len(data) == count
    elif count is not None:
        assert len(items(answer)) == count, body
    if fmt == "bullets":
        assert all(r.lstrip().startswith("- ") for r in items(answer))
    if fmt == "numbered":
        assert [r.split(".")[0] for r in items(answer)] == [str(i + 1) for i in range(count)]
    if fmt == "table":
        assert body.splitlines()[0].startswith("| STT |")
    if max_words is not None:
        assert words(answer) <= max_words, body
    if max_chars is not None:
        assert len(body) <= max_chars, body
    if tone == "formal":
        assert "Quý khách" in body and not EMOJI.search(body)
    if tone == "playful":
        assert EMOJI.search(body)


def test_product_and_audience_are_used():
    body = course.strip_label(course.ask("Viết bài đăng Facebook về nước mắm Mỹ Thủy dành cho "
                                         "người nội trợ ở thành phố"))
    assert "Nước mắm Mỹ Thủy" in body
    assert "người nội trợ ở thành phố" in body


def test_unknown_product_is_named():
    body = course.strip_label(course.ask("Viết 3 khẩu hiệu cho bánh ép Huế"))
    assert "bánh ép Huế" in body or "Bánh ép Huế" in body  # a sentence may start with it


def test_deterministic_and_temperature_varies_wording():
    p = "Viết 5 khẩu hiệu cho hạt tiêu Cùa"
    assert course.ask(p) == course.ask(p)
    assert course.ask(p, temperature=0) == course.ask(p)
    varied = {course.ask(p, temperature=t) for t in (0.3, 0.7, 1.0, 1.5)}
    assert len(varied) >= 2
    assert course.ask(p, temperature=0.7) == course.ask(p, temperature=0.7)


def test_nfd_prompt_same_as_nfc():
    import unicodedata

    p = "Viết 3 khẩu hiệu cho cà phê Khe Sanh"
    assert course.ask(unicodedata.normalize("NFD", p)) == course.ask(p)


def test_faq_in_system_prompt():
    system = ("Bạn là nhân viên chăm sóc khách hàng.\nHỏi: Giao hàng mất bao lâu?\n"
              "Đáp: Shop giao trong 2–3 ngày.\nHỏi: Có đổi trả không?\n"
              "Đáp: Đổi trả trong 7 ngày nếu sản phẩm lỗi.")
    a = course.ask("shop oi doi tra duoc khong", system=system)
    assert "7 ngày" in a and course.is_simulated(a)
    a = course.ask("Bao lâu thì giao hàng tới?", system=system)
    assert "2–3 ngày" in a
    a = course.ask("Shop có bán sỉ không?", system=system)
    assert "nhân viên" in a


def test_sentiment_classification():
    pos = course.ask('Phân loại cảm xúc (tích cực, tiêu cực, trung tính): "Cà phê thơm, giao '
                     'nhanh, sẽ mua lại"')
    neg = course.ask('Phan loai cam xuc tich cuc hay tieu cuc: "Giao cham, hop bi vo, that vong"')
    assert course.strip_label(pos) == "tích cực"
    assert course.strip_label(neg) == "tiêu cực"


def test_a_fifty_page_paste_is_answered_with_a_warning():
    from course.llm.client import LongPromptWarning

    text = "Khách hàng phản ánh về sản phẩm. " * 20_000  # about 50 pages
    with pytest.warns(LongPromptWarning):
        answer = course.ask("Tóm tắt đoạn sau trong 2 câu: " + text)
    assert course.is_simulated(answer)


def test_stream_gives_the_same_text():
    p = "Viết 3 khẩu hiệu cho gạo hữu cơ"
    assert "".join(course.stream(p)) == course.ask(p)


def test_chat_uses_history():
    msgs = [{"role": "user", "content": "Xin chào"},
            {"role": "assistant", "content": "Chào bạn"},
            {"role": "user", "content": "Viết 2 khẩu hiệu cho mật ong Tuyên Hóa"}]
    assert len(items(course.chat(msgs))) == 2


def test_curated_answers_are_matched(tmp_path, monkeypatch):
    curated = tmp_path / "offline" / "curated"
    curated.mkdir(parents=True)
    (tmp_path / "offline" / "generic.json").write_text(
        (offline.DATA / "offline" / "generic.json").read_text(encoding="utf-8"), encoding="utf-8")
    (curated / "t.json").write_text(json.dumps({"entries": [
        {"id": "a", "prompt": "Giới thiệu cà phê Khe Sanh", "answer": "Câu trả lời soạn sẵn A"},
        {"id": "b", "keywords": ["lich", "noi dung"], "answers": ["B1", "B2", "B3"]},
    ]}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(offline, "DATA", tmp_path)
    offline._curated.cache_clear()
    try:
        answer = course.strip_label(course.ask("gioi thieu ca phe khe sanh"))
        assert answer == "Câu trả lời soạn sẵn A"
        assert course.strip_label(course.ask("Lập lịch nội dung tháng 6")) == "B1"
        assert course.strip_label(course.ask("Lập lịch nội dung tháng 6", temperature=1)) in {
            "B1", "B2", "B3"}
    finally:
        offline._curated.cache_clear()


def test_every_curated_file_is_valid():
    for path in (offline.DATA / "offline" / "curated").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for e in data["entries"]:
            assert e.get("prompt") or e.get("keywords"), (path.name, e.get("id"))
            assert e.get("answer") or e.get("answers"), (path.name, e.get("id"))


def test_empty_prompt_has_a_vietnamese_message():
    with pytest.raises(course.LLMError) as info:
        course.ask("   ")
    assert str(info.value) == t("llm.error_empty_prompt")
    with pytest.raises(course.LLMError):
        course.chat([{"role": "user"}])


def test_configure_validates_in_vietnamese():
    with pytest.raises(ValueError, match="nhà cung cấp"):
        course.configure(provider="khong-co")
    with pytest.raises(ValueError, match="không hợp lệ"):
        course.configure(backend="gpt")


def test_status_offline_and_presets():
    st = course.status()
    assert st["backend"] == "offline" and st["api_key"] is None
    assert set(course.PROVIDERS) == {"openai", "gemini", "ollama", "lmstudio", "vllm",
                                     "openrouter"}
    st = course.configure(provider="gemini", api_key="AIzaFAKEFAKEFAKE1234")
    assert st["backend"] == "openai" and "generativelanguage" in st["base_url"]
    assert st["model"] == "gemini-2.5-flash" and st["api_key"] == "…1234"
    assert course.configure(backend="offline")["backend"] == "offline"


def test_usage_records_offline_calls_free():
    course.ask("Viết 3 khẩu hiệu cho cà phê Khe Sanh")
    df = course.usage()
    assert len(df) == 1 and df.iloc[0].backend == "offline" and df.iloc[0].cost_vnd == 0
    assert df.iloc[0].tokens_out > 0


def test_token_counts():
    info = course.token_info("Hạt tiêu Cùa Quảng Trị", "gpt-4o")
    # facts.md: 9 tokens on o200k_base, 14 on cl100k_base (NFC); bpe-openai is pinned, so exact
    assert info.exact and info.tokens == 9
    assert course.count_tokens("Hạt tiêu Cùa Quảng Trị", "gpt-4") == 14
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Hạt tiêu Cùa Quảng Trị")
    assert course.count_tokens(nfd, "gpt-4o") == course.count_tokens("Hạt tiêu Cùa Quảng Trị",
                                                                     "gpt-4o")


def test_token_counts_are_exact_after_prepare():
    from course.llm.tokens import seed_tiktoken_cache

    assert "o200k_base" in seed_tiktoken_cache()
    assert course.token_info("xin chào", "gpt-4o-mini").exact


def test_estimate_is_labelled_when_no_tokenizer(monkeypatch):
    from course.llm import tokens

    monkeypatch.setattr(tokens, "_encoding", lambda name: None)
    info = tokens.token_info("Cà phê Khe Sanh thơm ngon", "gpt-4o")
    assert not info.exact and info.encoding == "estimate" and info.tokens > 0


def test_cost_vnd_uses_price_table():
    # gpt-4o-mini: 0.15 USD per 1M input tokens, at 26 000 đ per USD.
    assert course.cost_vnd(1_000_000, 0, "gpt-4o-mini", usd_to_vnd=26_000) == pytest.approx(3900)
    assert course.cost_vnd(1000, 1000, "qwen2.5:3b") == 0
    assert course.cost_vnd(1000, 0, "gpt-4o-mini-2024-07-18", usd_to_vnd=1) > 0


def test_personal_data_is_flagged_before_sending():
    with pytest.warns(course.PersonalDataWarning, match="dữ liệu cá nhân"):
        course.ask("Gọi cho chị Lan số 0912 345 678 để xác nhận đơn")
    course.configure(pii_policy="refuse")
    with pytest.raises(course.PersonalDataError) as info:
        course.ask("Email khách: lan.nguyen@gmail.com, hãy viết thư cảm ơn")
    assert said("llm.error_pii", str(info.value))  # what to do
    assert t("privacy.kind_email") in str(info.value)  # and why
    assert course.usage().shape[0] == 1  # the refused request was never sent
    masked = course.mask_pii("Gọi cho chị Lan số 0912 345 678")
    assert "0912" not in masked
    assert course.is_simulated(course.ask(masked))  # masked text goes through


def test_a_limit_on_hashtags_is_not_a_list_of_hashtags():
    body = course.strip_label(course.ask(
        "Viết bài đăng Facebook giới thiệu hạt tiêu Cùa. Tối đa 600 ký tự, tối đa 2 hashtag."))
    assert not items(body) and len(body) <= 600
    assert body.count("#") == 2
    body = course.strip_label(course.ask("Viết bài đăng Zalo về gà Cùa kèm 4 hashtag"))
    assert body.count("#") == 4


def test_different_topics_get_different_wording():
    answers = {course.strip_label(course.ask(f"Gợi ý 1 ý tưởng bài đăng cho {p}"))
               .split(" ", 2)[-1][:20] for p in ("tuần 1", "tuần 2", "tuần 3", "tuần 4")}
    assert len(answers) >= 2


def test_curated_entry_can_depend_on_faq_context(tmp_path, monkeypatch):
    curated = tmp_path / "offline" / "curated"
    curated.mkdir(parents=True)
    for name in ("generic.json", "product_aliases.json"):
        (tmp_path / "offline" / name).write_text(
            (offline.DATA / "offline" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "products.csv").write_text(
        (offline.DATA / "products.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (curated / "t.json").write_text(json.dumps({"entries": [
        {"id": "bia", "keywords": ["doi tra"], "when": "no_faq",
         "answer": "Shop đổi trả trong 30 ngày, miễn phí mọi trường hợp."},
    ]}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(offline, "DATA", tmp_path)
    offline._curated.cache_clear()
    try:
        assert "30 ngày" in course.ask("Shop có đổi trả không?")
        with_faq = course.ask("Shop có đổi trả không?",
                              system="Hỏi: Có đổi trả không?\nĐáp: Đổi trả trong 7 ngày nếu lỗi.")
        assert "7 ngày" in with_faq and "30 ngày" not in with_faq
    finally:
        offline._curated.cache_clear()


def test_sentiment_reads_words_next_to_punctuation():
    a = course.ask('Phân loại cảm xúc tích cực hay tiêu cực: "Thơm, ngon, giao nhanh."')
    assert course.strip_label(a) == "tích cực"


def test_token_counting_leaves_the_environment_alone(tmp_path, monkeypatch):
    import os

    from course.llm import tokens

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    tokens._encoding.cache_clear()
    try:
        assert course.count_tokens("xin chào", "gpt-4o") > 0
        assert "TIKTOKEN_CACHE_DIR" not in os.environ  # kernels started later don't inherit it
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x")  # a file where a folder is needed: unwritable even for root
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(blocker / "tiktoken"))
        tokens._encoding.cache_clear()
        info = course.token_info("xin chào", "gpt-4o")  # unwritable cache: still counts
        assert info.tokens > 0 and info.encoding == "estimate"
        assert os.environ["TIKTOKEN_CACHE_DIR"] == str(blocker / "tiktoken")
    finally:
        tokens._encoding.cache_clear()


def test_a_pasted_document_is_answered_with_a_warning():
    from course.llm.client import LongPromptWarning

    text = "Khách hàng phản ánh về sản phẩm và giao hàng. " * 5_000
    with pytest.warns(LongPromptWarning, match="rất dài"):
        answer = course.ask("Tóm tắt đoạn sau: " + text)
    assert course.is_simulated(answer)
