"""course.llm.frame: `read` is a row of small readers whose cue words live in frame.json;
names.py reads product_aliases.json once."""

from __future__ import annotations

import ast
import inspect
import pathlib

import pytest

from course.llm import frame, names
from course.llm.offline_data import cues


def test_each_reader_fills_its_part():
    fr = frame.read("Viết 3 khẩu hiệu cho tiệm giặt ủi Sạch Thơm ở Huế, mỗi câu dưới 12 từ, "
                    "kèm 2 hashtag, dạng gạch đầu dòng")
    assert (fr.kind, fr.count, fr.item_max) == ("slogan", 3, 11)  # _read_count, _read_length
    assert fr.hashtags == (2, "exact") and fr.fmt == "bullets"  # _read_tags, _read_format
    assert fr.place == "Huế" and "Sạch Thơm" in fr.name  # _read_names
    fr = frame.read("Viết bài đăng Zalo khoảng 80 từ về gà Cùa Cam Lộ cho các bà nội trợ, "
                    "kết thúc bằng lời kêu gọi hành động")
    assert (fr.task, fr.channel, fr.words) == ("post", "zalo", (80, "about"))
    assert fr.audience == "các bà nội trợ" and fr.cta  # _read_details
    assert fr.product is not None and fr.product.short == "Gà Cùa"
    fr = frame.read("Lập bảng so sánh 3 gói Cơ bản, Tiêu chuẩn, Cao cấp của spa Hoa Sen")
    assert fr.fmt == "table" and fr.rows == ["Cơ bản", "Tiêu chuẩn", "Cao cấp"]
    assert fr.columns[0] == "Gói"


def test_cue_words_come_from_the_data_file(monkeypatch):
    prompt = "Viết bài đăng Telegram cho tiệm giặt ủi Sạch Thơm, dạng liệt kê chấm tròn"
    before = frame.read(prompt)
    assert before.channel is None and before.fmt is None
    read_cues = cues()["read"]
    monkeypatch.setitem(read_cues["channel"], "names", [*read_cues["channel"]["names"],
                                                        "telegram"])
    monkeypatch.setitem(read_cues["format"], "bullets", [*read_cues["format"]["bullets"],
                                                         "cham tron"])
    after = frame.read(prompt)
    assert after.channel == "telegram" and after.fmt == "bullets"


def test_read_holds_no_inline_cue_lists():
    tree = ast.parse(inspect.getsource(frame.read))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)]
    assert not [s for s in strings if "|" in s], strings  # alternations belong in frame.json
    body = tree.body[0].body
    assert len(body) <= 25, len(body)
    readers = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
               and isinstance(n.func, ast.Name) and n.func.id.startswith("_read_")]
    assert len(readers) >= 7, readers


def test_every_reader_group_is_documented_in_the_data():
    group = cues()["read"]
    assert group["_about"]
    for name, part in group.items():
        if name != "_about":
            assert part.get("_about"), name


@pytest.fixture
def fresh_alias_caches():
    cached = [names._aliases, names.samples, names.sample_terms, names._generic_aliases]
    for fn in cached:
        fn.cache_clear()
    yield
    for fn in cached:
        fn.cache_clear()


def test_product_aliases_are_read_once(monkeypatch, fresh_alias_caches):
    reads = []
    real = pathlib.Path.read_text

    def counting(self, *args, **kwargs):
        if self.name == "product_aliases.json":
            reads.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", counting)
    for prompt in ("Viết bài đăng về gà Cùa Cam Lộ", "Viết bài về ga Cua cho nhà hàng",
                   "Quảng bá tiêu Cùa", "Giới thiệu nước mắm Mỹ Thủy", "3 khẩu hiệu cà phê"):
        frame.read(prompt)
    assert names.sample_terms() and names.samples()
    assert len(reads) == 1
