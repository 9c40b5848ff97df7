"""Lessons 02 to 09 run for businesses that are not in the course data.

Three participant profiles are written into the results folder of a copy of the lessons (what
ProductForm's Lưu button does): a homestay (lodging), a laundry in Đông Hà (a SERVICE) and a
retired teacher's Cam Vinh oranges (farm produce). The lessons are executed as a participant
would run them (nbclient, offline). Every export must name that business, contain no sample
brand and no sample fee, add no offer, gift, fee or promise the owner did not give, and, for the
service, no wording that only fits goods (gift, origin, storage, packaging, delivery). Lesson
05's own-business assistant answers from the saved facts and is exported (tro_ly_cua_ban.md).
Two exports are, on purpose, about the course's sample shop and its data (lesson 05's drafts for
its 42 sample reviews, lesson 07's report on its year of sales): they must not carry the
participant's name, as that would pass the sample's numbers off as theirs. Lesson 08 has no
own-business step; it is run with the profile saved so a participant's file cannot break it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from catalogue_helpers import said
from nbclient import NotebookClient
from sim_properties import product_only

from course.lessons import profile
from course.lessons.planning import names_it, unproven
from course.llm.names import sample_terms

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("02_viet_prompt", "03_noi_dung_marketing", "04_pheu_ban_hang",
           "05_cham_soc_khach_hang", "06_noi_dung_so", "07_phan_tich_du_lieu",
           "08_an_toan_trach_nhiem", "09_du_an_cuoi_khoa")
OWN_STEPS = ("03_noi_dung_marketing", "04_pheu_ban_hang", "06_noi_dung_so", "09_du_an_cuoi_khoa")
SAMPLE_DATA = ("tra_loi_khieu_nai.xlsx", "bao_cao_thang.md")  # the sample shop's own data
BASE = {"ten_co_so": "", "loai_hinh": "", "gio_mo_cua": "", "giao_nhan": "", "dieu_khoan": ""}
PROFILES = {
    "homestay": {**BASE, "ten_sp": "Homestay Mây Phong Nha", "gia_ban_vnd": "450.000",
                 "don_vi": "phòng đôi/đêm", "noi_san_xuat": "Phong Nha",
                 "diem_noi_bat": "nhà sàn gỗ bên sông Son, bữa sáng món quê",
                 "khach_hang_muc_tieu": "khách du lịch trẻ và gia đình", "kenh_chinh": "Zalo"},
    "laundry": {**BASE, "ten_sp": "tiệm giặt sấy Hoa Mai", "gia_ban_vnd": "15.000",
                "don_vi": "kg", "noi_san_xuat": "Đông Hà",
                "diem_noi_bat": "giặt sấy riêng từng khách, gấp gọn",
                "khach_hang_muc_tieu": "sinh viên và gia đình bận rộn", "kenh_chinh": "Zalo",
                "loai_hinh": "Dịch vụ (giặt, sửa chữa, spa, dạy học, phòng khám…)",
                "gio_mo_cua": "7:00–21:00 mỗi ngày",
                "giao_nhan": "giao nhận tận nhà trong Đông Hà"},
    "oranges": {**BASE, "ten_sp": "cam Vinh vườn nhà cô Lan", "gia_ban_vnd": "40.000",
                "don_vi": "kg", "noi_san_xuat": "Nghi Lộc, Nghệ An",  # a retired teacher
                "diem_noi_bat": "cam hái tại vườn, ngọt thanh, mọng nước",
                "khach_hang_muc_tieu": "người quen và đồng nghiệp cũ", "kenh_chinh": "Zalo",
                "loai_hinh": "Sản phẩm: nông sản, trái cây",
                "giao_nhan": "nhận cam tại vườn hoặc gửi xe khách"},
}
SAMPLE_FEES = ("20.000 đồng trong tỉnh", "35.000", "300.000")  # the course sample's fees


def foreign(text: str) -> list[str]:
    """Sample names, brands and places in `text` (the participant named none of them)."""
    low = text.lower()
    return [term for term in sample_terms()
            if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", low)]


@pytest.fixture(scope="module", params=list(PROFILES))
def ran(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch_module) -> tuple[Path, dict]:
    own = PROFILES[request.param]
    work = tmp_path_factory.mktemp(request.param)
    profile.save(own, work / "ket_qua")
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", work)
    for name in LESSONS:
        nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
        nbformat.write(nb, work / f"{name}.ipynb")
    return work, profile.load(work / "ket_qua")


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.delenv("OPENAI_API_KEY", raising=False)
    mp.delenv("OPENAI_BASE_URL", raising=False)
    mp.setenv("COURSE_BACKEND", "offline")
    yield mp
    mp.undo()


def outputs(path: Path, printed: bool = False) -> str:
    """The lesson's outputs as text; `printed`: only what its cells print (no widget reprs)."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if printed and 'load("products")' in cell.source:
            continue  # lesson 03's demonstration over the course's sample table
        for out in cell.get("outputs", []):
            if printed and out.get("output_type") != "stream":
                continue
            texts.append(out.get("text", "") or "".join(
                str(v) for k, v in out.get("data", {}).items() if k == "text/plain"))
    return "\n".join(texts)


def exports(work: Path) -> dict[str, str]:
    """Every file the lessons exported, as text (lesson 02: the participant's own prompt; the
    rest of its library are the course's sample prompts, about honey and coffee on purpose)."""
    out = {}
    for path in sorted((work / "ket_qua").iterdir()):
        if path.name in SAMPLE_DATA:
            continue
        if path.name == "thu_vien_prompt.xlsx":
            lib = pd.read_excel(path)
            own = lib[lib["ten_prompt"].astype(str).str.startswith("Bài đăng – ")]
            out[path.name] = "\n".join(own.astype(str).to_numpy().ravel())
        elif path.suffix == ".xlsx":
            book = pd.read_excel(path, sheet_name=None)
            out[path.name] = "\n".join(str(v) for sheet in book.values()
                                       for v in sheet.astype(str).to_numpy().ravel())
        elif path.suffix in (".csv", ".md"):
            out[path.name] = path.read_text(encoding="utf-8")
    return out


def test_every_lesson_says_it_uses_the_participants_product(ran) -> None:
    work, sp = ran
    for name in ("02_viet_prompt", "03_noi_dung_marketing", "04_pheu_ban_hang",
                 "06_noi_dung_so"):
        text = outputs(work / f"{name}.ipynb")
        assert said("profile.using_own", text, name=sp["ten_sp"]), name
        assert "SẢN PHẨM MẪU" not in text, name


def test_every_export_names_the_business_and_nothing_of_the_samples(ran) -> None:
    work, sp = ran
    files = exports(work)
    assert {"thu_vien_prompt.xlsx", "lich_noi_dung.xlsx", "lich_gui_tin.csv",
            "mot_cau_chuyen_bon_dinh_dang.md", "ke_hoach.xlsx", "ke_hoach.md",
            "tro_ly_cua_ban.md"} <= set(files)
    for name, text in files.items():
        if name == "profile" or name.startswith("san_pham"):
            continue
        assert sp["ten_sp"] in text, name
        assert not foreign(text), (name, foreign(text))
        assert not [f for f in SAMPLE_FEES if f in text], name


def statements(text: str) -> str:
    """What a text states: no [gaps], no questions, no "(nếu có)" suggestions, and not the
    customer-care prompt's own rules ("chuyển cho nhân viên khi khách đòi hoàn tiền")."""
    text = re.sub(r"Cách trả lời:.*?Câu hỏi thường gặp:", " ", text, flags=re.S)
    text = re.sub(r"\[[^\[\]\n]*\]", " ", text)
    parts = re.split(r"(?<=[.!?\n|])\s*", text)
    return " ".join(x for x in parts if not x.strip().endswith("?") and "nếu có" not in x
                    and "chỉ khi có" not in x.lower() and not x.strip().startswith("Hỏi:"))


def test_no_export_adds_an_offer_gift_fee_or_promise(ran) -> None:
    work, sp = ran
    told = "; ".join(profile.facts(sp))
    for name, text in exports(work).items():
        text = statements(text)
        if name == "thu_vien_prompt.xlsx":
            text = text.replace("không tự thêm ưu đãi, quà tặng hay phí", "")  # the rule itself
        assert not unproven(text, told), (name, unproven(text, told))


# Goods wording is right for a product or a homestay: this runs for the service profiles only.
SERVICES = [name for name, own in PROFILES.items() if profile.is_service(own)]


@pytest.mark.parametrize("ran", SERVICES, indirect=True)
def test_a_service_gets_no_goods_wording(ran) -> None:
    work, sp = ran
    assert profile.is_service(sp)
    for name, text in exports(work).items():
        assert not product_only(text), (name, product_only(text))
    text = "\n".join(outputs(work / f"{n}.ipynb", printed=True) for n in OWN_STEPS)
    text += own_chat(work)
    assert not product_only(text), product_only(text)


def own_chat(work: Path) -> str:
    """What lesson 05's own-business chat cell printed."""
    nb = nbformat.read(work / "05_cham_soc_khach_hang.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "chat_cua_ban.send(" in c.source)
    return "\n".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def test_the_sample_shops_data_is_not_passed_off_as_the_participants(ran) -> None:
    work, sp = ran
    for name in SAMPLE_DATA:
        path = work / "ket_qua" / name
        text = (path.read_text(encoding="utf-8") if path.suffix == ".md" else
                "\n".join(pd.read_excel(path).astype(str).to_numpy().ravel()))
        assert sp["ten_sp"] not in text, name


def test_lesson05_chat_answers_from_the_participants_facts(ran) -> None:
    work, sp = ran
    text = own_chat(work)
    from course import numbers
    price = numbers.number(sp["gia_ban_vnd"])
    assert said("profile.using_own", text, name=sp["ten_sp"])
    assert f"Trợ lý: Dạ, giá {price} đồng" in text
    if "/" not in str(sp["don_vi"]):  # "phòng đôi/đêm": the price is quoted, not multiplied
        assert f"× {price} đồng" in text  # the follow-up is calculated from the given price
    assert "Dạ, em sẽ hỏi lại" in text  # a question the facts do not answer
    assert not foreign(text), foreign(text)
    md = (work / "ket_qua" / "tro_ly_cua_ban.md").read_text(encoding="utf-8")
    assert sp["ten_sp"] in md and price in md


def test_lesson03_calendar_posts_name_the_business(ran) -> None:
    work, sp = ran
    cal = pd.read_excel(work / "ket_qua" / "lich_noi_dung.xlsx")
    posts = cal["bai_viet"].astype(str)
    assert posts.map(lambda x: names_it(x, sp["ten_sp"])).all()


def test_lesson04_messages_name_the_business(ran) -> None:
    work, sp = ran
    msgs = pd.read_csv(work / "ket_qua" / "lich_gui_tin.csv")["tin_nhan"].astype(str)
    assert msgs.map(lambda x: names_it(x, sp["ten_sp"])).mean() >= 0.8


def test_lesson06_four_formats_are_about_the_business(ran) -> None:
    work, sp = ran
    text = (work / "ket_qua" / "mot_cau_chuyen_bon_dinh_dang.md").read_text(encoding="utf-8")
    assert text.count(sp["ten_sp"]) >= 4


def test_lesson09_plan_uses_every_fact_the_owner_gave(ran) -> None:
    work, sp = ran
    md = (work / "ket_qua" / "ke_hoach.md").read_text(encoding="utf-8")
    assert md.startswith("# ") and sp["ten_sp"] in md.splitlines()[0]
    text = outputs(work / "09_du_an_cuoi_khoa.ipynb")
    assert f"Cơ sở: {sp['ten_sp']}" in text
    assert f"{sp['ten_sp']} của {sp['ten_sp']}" not in text
    assert not foreign(text), foreign(text)
    for key in ("gio_mo_cua", "giao_nhan", "dieu_khoan"):
        if sp.get(key):
            assert str(sp[key]) in md, key  # every fact given reaches the plan
    from course import numbers
    assert numbers.number(sp["gia_ban_vnd"]) in md
    assert md.strip() in text  # the summary is printed whole, not cut with "…"


def test_lesson03_check_fails_a_post_that_invents_or_misses_the_price() -> None:
    """The ✅ of lesson 03 verifies what it claims: a made-up offer or a missing price fails."""
    from course.lessons.planning import post_metrics

    posts = pd.Series(["Tiệm giặt sấy Hoa Mai: giá 15.000 đồng / kg. Nhắn tin đặt lịch nhé!",
                       "Tiệm giặt sấy Hoa Mai giảm giá 20% tuần này! Nhắn tin đặt lịch nhé!",
                       "Tiệm giặt sấy Hoa Mai chào bạn. Nhắn tin đặt lịch nhé!",
                       "Giặt sạch thơm, nhắn tin đặt lịch nhé!"])
    check = post_metrics(posts, name="tiệm giặt sấy Hoa Mai", price=15000,
                         told="Giá 15.000 đồng / kg; Ở Đông Hà")
    assert check["co_ten"].tolist() == [True, True, True, False]
    assert check["co_gia"].tolist() == [True, False, False, False]
    assert check["khong_bia"].tolist() == [True, False, True, True]


def test_lesson03_channel_posts_for_own_product_respect_every_limit() -> None:
    """Lesson 03's channel table and template, filled with a participant's product."""
    import course
    from course.lessons import load
    from course.lessons.planning import post_metrics
    from course.widgets import run_batch

    course.configure(backend="offline", cache=False)
    code = "\n".join(c.source for c in nbformat.read(
        ROOT / "notebooks" / "03_noi_dung_marketing.ipynb", as_version=4).cells
        if c.cell_type == "code")
    template = eval(re.search(r"^mau_bai_dang = (\((?:.|\n)*?\)\n)", code, re.M).group(1), {})
    for name in ("Homestay Mây Phong Nha", "nước mắm Cửa Việt", "làng gốm Thanh Hà",
                 "tiệm giặt sấy Hoa Mai"):
        limits = load("channel_limits").assign(san_pham=f"{name}, giá 45.000 đồng / kg")
        posts = run_batch(limits, template, "bai_dang", progress=False)
        check = pd.concat([posts, post_metrics(posts["bai_dang"], name=name, price=45000,
                                               told="45.000 đồng / kg")], axis=1)
        assert (check["so_ky_tu"] <= check["ky_tu_toi_da"]).all(), name
        assert (check["so_hashtag"] <= check["hashtag_toi_da"]).all(), name
        assert (check["so_emoji"] <= check["emoji_toi_da"]).all(), name
        assert check["co_keu_goi"].all() and check["co_ten"].all(), name
        assert check["khong_bia"].all(), name
        needs_price = limits["goi_y"].str.contains("giá")
        assert check.loc[needs_price, "co_gia"].all(), name
        text = "\n".join(posts["bai_dang"])
        assert text.count(name) >= len(posts) and not foreign(text), name
