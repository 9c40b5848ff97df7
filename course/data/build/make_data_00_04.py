"""Generate the synthetic teaching data of lessons 00-04 (seeded, so reruns give identical files).

Run from the repository root:  python course/data/build/make_data_00_04.py
Reads course/data/products.csv (real products); writes course/data/lessons/*.csv and the
generated ("-auto-") entries of course/data/offline/curated/lesson03.json and lesson04.json.
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from course.numbers import number
from course.text import fold

SEED = 2025
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lessons"

STAGES = ["Nhận biết", "Quan tâm", "Cân nhắc", "Mua hàng", "Trung thành"]
# Probability of moving on to the next stage (a typical leaky funnel; the big drop is
# between "Quan tâm" and "Cân nhắc", which lesson 04 asks learners to find).
MOVE_ON = [0.62, 0.38, 0.55, 0.45]
CHANNELS = [
    ("Facebook", 0.38), ("Zalo", 0.27), ("TikTok", 0.2), ("Shopee", 0.1),
    ("Người quen giới thiệu", 0.05),
]
SEGMENTS = [("Khách mới", 0.55), ("Khách quen", 0.25), ("Quán ăn, đại lý", 0.2)]

OPENINGS = [
    "{ten} là sản phẩm của {noi}.",
    "{ten} được làm tại {noi}.",
    "{ten} đến từ {noi}.",
    "Sản phẩm {ten} có nguồn gốc từ {noi}.",
]
MIDDLES = [
    "{ten} có điểm nổi bật là {diem}.",
    "Điểm nổi bật của {ten} là {diem}.",
    "Khách hàng chọn {ten} vì {diem}.",
    "Sản phẩm được đóng {don_vi}, giá {gia} đồng.",
    "Giá bán {gia} đồng cho {don_vi}.",
    "{ten} phù hợp với {khach}.",
    "Sản phẩm phù hợp với {khach}.",
]
CLOSINGS = [
    "Nhắn tin cho cửa hàng để đặt hàng.",
    "Đặt hàng hôm nay để nhận hàng sớm.",
    "Cửa hàng giao hàng tận nơi trong tỉnh.",
    "Liên hệ cửa hàng để được tư vấn thêm.",
    "Mua làm quà cho người thân cũng rất hợp.",
]
REVIEWS = [
    "Tôi đã mua {ten} và rất hài lòng.",
    "Nhà tôi dùng {ten} đã lâu, chất lượng ổn định.",
    "{ten} đóng gói cẩn thận, giao hàng nhanh.",
    "Lần đầu mua {ten}, thấy đúng như mô tả.",
    "Sẽ mua thêm {ten} làm quà.",
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def money(v: str) -> str:
    return number(int(v))


def product_texts(products: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for p in products:
        fields = {
            "ten": p["ten_sp"],
            "noi": p["noi_san_xuat"],
            "diem": p["diem_noi_bat"].split(";")[0],
            "don_vi": p["don_vi"],
            "gia": money(p["gia_ban_vnd"]),
            "khach": p["khach_hang_muc_tieu"],
        }
        for i in range(9):
            parts = [rng.choice(OPENINGS)] + rng.sample(MIDDLES, 2) + [rng.choice(CLOSINGS)]
            rows.append({"ma_sp": p["ma_sp"], "ten_sp": p["ten_sp"], "loai_van_ban": "mô tả",
                         "noi_dung": nfc(" ".join(s.format(**fields) for s in parts))})
            if i < 4:
                rows.append({"ma_sp": p["ma_sp"], "ten_sp": p["ten_sp"],
                             "loai_van_ban": "đánh giá của khách",
                             "noi_dung": nfc(rng.choice(REVIEWS).format(**fields))})
    return rows


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([w for w, _ in weighted], weights=[p for _, p in weighted], k=1)[0]


def leads(
    products: list[dict[str, str]], rng: random.Random, n: int = 600
) -> list[dict[str, object]]:
    start = date(2025, 10, 1)
    rows = []
    for i in range(1, n + 1):
        reached = 0
        while reached < len(MOVE_ON) and rng.random() < MOVE_ON[reached]:
            reached += 1
        segment = pick(rng, SEGMENTS)
        product = rng.choice(products[:6])
        price = int(product["gia_ban_vnd"])
        qty = rng.choice([1, 1, 1, 2, 3]) * (4 if segment == "Quán ăn, đại lý" else 1)
        rows.append({
            "ma_kh": f"KH{i:04d}",
            "ngay_tiep_can": (start + timedelta(days=rng.randrange(61))).isoformat(),
            "kenh": pick(rng, CHANNELS),
            "phan_khuc": segment,
            "san_pham_quan_tam": product["ten_sp"],
            "giai_doan": STAGES[reached],
            "so_lan_tuong_tac": reached * 2 + rng.randrange(0, 4),
            "da_nhan_tin": int(rng.random() < (0.8 if reached else 0.1)),
            "da_hoi_gia": int(reached >= 2 or rng.random() < 0.15),
            "so_don": 0 if reached < 3 else (1 if reached == 3 else rng.randrange(2, 6)),
            "gia_tri_don_vnd": 0 if reached < 3 else price * qty,
        })
    return rows


CHANNEL_LIMITS = [
    # kenh, recommended max characters, max hashtags, max emoji, needs a call to action, advice
    ("Facebook", 600, 3, 4, 1,
        "Câu đầu phải gây chú ý; 1 ảnh thật của sản phẩm; kêu gọi nhắn tin hoặc "
        "bình luận."
    ),
    ("Zalo", 350, 0, 2, 1,
        "Viết như tin nhắn cho người quen; ngắn, rõ giá, rõ cách đặt hàng; "
        "không cần hashtag."
    ),
    ("TikTok", 150, 5, 3, 1,
        "Chú thích ngắn cho video; nội dung chính nằm trong video 15–60 giây."
    ),
]

PROMPTS = [
    ("Mô tả sản phẩm", "Bán hàng",
        "Bạn là người viết nội dung cho một hợp tác xã ở Quảng Trị. Viết mô tả "
        "80 từ cho sản phẩm [tên sản phẩm], nêu nguồn gốc, điểm nổi bật và giá. "
        "Giọng văn gần gũi. Không bịa số liệu."
    ),
    ("Bài đăng Facebook", "Marketing",
        "Bạn là chuyên viên marketing. Viết bài Facebook dưới 600 ký tự giới "
        "thiệu [tên sản phẩm] cho [khách hàng]. Có 1 câu hỏi mở đầu, 3 ý chính "
        "gạch đầu dòng, tối đa 3 hashtag, kết thúc bằng lời mời nhắn tin."
    ),
    ("Trả lời khách hỏi giá", "Chăm sóc khách hàng",
        "Bạn là nhân viên cửa hàng lịch sự. Khách hỏi giá [tên sản phẩm]. Trả "
        "lời trong 3 câu: cảm ơn, báo giá [giá], hỏi địa chỉ giao hàng. Không "
        "hứa điều cửa hàng không làm được."
    ),
    ("Tiêu đề A/B", "Marketing",
        "Viết 5 tiêu đề khác nhau cho bài đăng về [tên sản phẩm], mỗi tiêu đề "
        "dưới 12 từ, đánh số 1–5. Mỗi tiêu đề nhấn vào một lý do mua khác nhau."
    ),
    ("Tin nhắn cảm ơn sau mua", "Chăm sóc khách hàng",
        "Viết tin nhắn Zalo cảm ơn khách vừa mua [tên sản phẩm], dưới 60 từ, "
        "gợi ý cách dùng và mời đánh giá. Giọng ấm áp, không dùng từ ngữ quá "
        "đà."
    ),
]


def write_csv(name: str, rows: list[dict[str, object]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------- curated answers
# Lessons 03-04 let learners pick any product of products.csv. The hand-written offline answers
# cover the default products; the entries below (ids "l03-auto-…", "l04-auto-…") give every
# other product answers built only from its own facts, so the simulation never invents claims.
CURATED = ROOT / "offline" / "curated"
HAND_WRITTEN = {  # products whose answers are written by hand in lesson03/04.json
    "desc": {"SP01", "SP02", "SP03", "SP04"}, "post": {"SP01"}, "headline": {"SP01", "SP02"},
    "calendar": {"SP01"}, "funnel": {"SP02"},
}
TIPS = {
    "Đồ uống": "pha với nước vừa sôi tới, đậy kín túi sau khi mở để giữ mùi thơm",
    "Gia vị": "đậy kín hũ sau khi dùng, để nơi khô ráo, tránh ánh nắng",
    "Lương thực": "để gạo nơi khô ráo, thoáng mát, đậy kín để tránh mọt",
    "Thực phẩm": "đậy kín sau khi dùng, để nơi khô ráo, thoáng mát",
    "Dược liệu": "dùng đúng hướng dẫn trên bao bì, đậy kín, để nơi khô ráo",
    "Thực phẩm tươi": "giữ trong ngăn mát tủ lạnh và dùng càng sớm càng tốt",
}


def facts(p: dict[str, str]) -> dict[str, str]:
    words = fold(p["ten_sp"]).split()
    return {
        "ten": p["ten_sp"], "ten_thuong": p["ten_sp"][0].lower() + p["ten_sp"][1:],
        "noi": p["noi_san_xuat"].split(",")[0].strip(), "noi_day_du": p["noi_san_xuat"],
        "diem": p["diem_noi_bat"].split(";")[0].strip(), "don_vi": p["don_vi"],
        "gia": money(p["gia_ban_vnd"]), "khach": p["khach_hang_muc_tieu"],
        "sao": p["ocop_sao"], "meo": TIPS.get(p["loai"], TIPS["Thực phẩm"]),
        "tag": "#" + "".join(w.capitalize() for w in words),
        "lam": "được nuôi" if p["loai"] == "Thực phẩm tươi" else "được làm",
    }


DESC_TPL = (
    "{ten} {lam} tại {noi_day_du}. Điểm nổi bật của sản phẩm: {diem}. "
    "Đây là sản phẩm OCOP {sao} sao của tỉnh, phù hợp với {khach}. "
    "{don_vi_hoa} giá {gia} đồng. Mỗi sản phẩm đều ghi rõ nơi làm ra, để khách yên tâm về "
    "nguồn gốc. Nhắn tin cho chúng tôi để được tư vấn thêm và đặt hàng."
)
POST_TPL = {
    "facebook": (
        "Bạn đã biết đến {ten_thuong} chưa? 🌿\n\n{ten} {lam} tại {noi_day_du}.\n"
        "✅ {diem_hoa}\n✅ Sản phẩm OCOP {sao} sao\n✅ {don_vi_hoa} giá {gia} đồng\n\n"
        "Nhắn tin cho page để đặt hàng, hoặc bình luận để được tư vấn nhé!\n\n"
        "{tag} #DacSanQuangTri"
    ),
    "zalo": (
        "Chào anh chị 🌿 Shop gửi anh chị thông tin {ten_thuong} ({noi}, Quảng Trị): {diem}. "
        "{don_vi_hoa} giá {gia} đồng. Anh chị cần bao nhiêu, nhắn tin lại cho shop số lượng "
        "và địa chỉ nhận hàng nhé!"
    ),
    "tiktok": "{ten}: đặc sản {noi} 🌿 Nhắn tin cho shop để đặt hàng! {tag} #QuangTri",
}
HEADLINE_TPL = (
    "Tiêu đề A (nguồn gốc): {ten} – đặc sản {noi}, Quảng Trị\n"
    "Tiêu đề B (lợi ích): Chọn {ten_thuong}, chọn sự yên tâm cho {khach_ngan}"
)
CALENDAR_TPL = {  # keyed by the folded topic; sized for the topic's default channel
    "gioi thieu san pham va nguon goc": (
        "Bạn có biết {ten_thuong} đến từ đâu không? 🌿\n\n{ten} {lam} tại {noi_day_du}. "
        "Điểm nổi bật: {diem}.\n\n{don_vi_hoa} giá {gia} đồng. Nhắn tin cho page để đặt hàng "
        "nhé!\n\n{tag} #DacSanQuangTri"
    ),
    "cau chuyen nguoi lam ra san pham": (
        "Chào anh chị! Mỗi sản phẩm {ten_thuong} là công sức của bà con ở {noi}. "
        "[Thêm một câu chuyện thật về người làm ra sản phẩm, có ảnh và sự đồng ý của họ.] "
        "Anh chị muốn dùng thử, nhắn tin cho shop nhé!"
    ),
    "meo dung san pham hang ngay": "Mẹo nhỏ với {ten_thuong}: {meo}. Nhắn tin để đặt hàng! {tag}",
    "cam nhan cua khach hang": (
        "Khách nói gì về {ten_thuong}? 💬\n\n[Dán một nhận xét thật của khách, kèm ảnh chụp màn "
        "hình. Chỉ ghi tên khi khách đồng ý.]\n\nCảm ơn anh chị đã tin dùng sản phẩm của {noi}. "
        "Bình luận cảm nhận của bạn, hoặc nhắn tin cho page để đặt hàng nhé!\n\n{tag}"
    ),
    "uu dai that cua co so": (
        "Ưu đãi tuần này: [ghi mức ưu đãi thật] khi mua {ten_thuong}. {don_vi_hoa} giá {gia} "
        "đồng. Ưu đãi đến hết [ngày]. Anh chị nhắn tin lại để giữ suất nhé!"
    ),
    "hoi dap nhung cau khach hay hoi": (
        "Hỏi: {ten} làm ở đâu? Đáp: tại {noi}, Quảng Trị. Bình luận câu hỏi của bạn nhé! {tag}"
    ),
    "hau truong dong goi va giao hang": (
        "Một buổi đóng gói {ten_thuong} 📦\n\n[Đăng ảnh hoặc video thật: cân, đóng gói, dán "
        "nhãn, chuẩn bị giao cho khách.]\n\nMỗi đơn hàng đều được kiểm tra lại trước khi gửi. "
        "Nhắn tin cho page để đặt hàng nhé!\n\n{tag}"
    ),
    "cach dung ngon": (
        "Gợi ý cho anh chị: {meo}. [Thêm một cách dùng quen thuộc của gia đình bạn.] "
        "Anh chị cần thêm {ten_thuong}, nhắn tin cho shop nhé!"
    ),
    "goi y lam qua bieu": "Quà biếu mang vị quê: {ten_thuong} 🎁 Nhắn tin để đặt hàng! {tag}",
    "cach nhan biet hang chat luong": (
        "Làm sao chọn được {ten_thuong} chất lượng? 🔍\n\n- Xem nguồn gốc rõ ràng: nơi làm, "
        "đơn vị sản xuất, thông tin trên bao bì.\n- Ưu tiên sản phẩm có chứng nhận, như OCOP.\n"
        "- Hỏi người bán cách bảo quản và hạn dùng.\n\n{ten} ghi rõ nơi làm tại {noi}. "
        "Nhắn tin cho page nếu bạn cần tư vấn thêm nhé!\n\n{tag}"
    ),
    "cau hoi vui cho khach quen": (
        "Đố vui cuối tuần 🌿 {ten} {lam} ở vùng nào của Quảng Trị? Nhắn tin đáp án cho shop "
        "trước [giờ, ngày]; [số người] bạn trả lời đúng sớm nhất nhận quà [ghi quà thật]."
    ),
    "tong ket thang va cam on khach hang": (
        "Cảm ơn anh chị đã ủng hộ {ten_thuong} tháng này 🌿 Nhắn tin để đặt hàng tháng sau "
        "nhé! {tag}"
    ),
}
FUNNEL_TPL = {  # (segment keyword, stage keyword) -> message
    ("khach moi", "nhan biet"): (
        "Bạn đã biết {ten_thuong} chưa? Sản phẩm OCOP {sao} sao của {noi}, Quảng Trị: {diem}. "
        "{don_vi_hoa} giá {gia} đồng. Nhắn tin cho page để nhận thêm thông tin nhé!"
    ),
    ("khach moi", "quan tam"): (
        "Chào anh chị, cảm ơn anh chị đã quan tâm {ten_thuong}. Sản phẩm {lam} tại {noi}, {diem}. "
        "Anh chị còn thắc mắc gì, cứ nhắn tin lại cho shop ạ."
    ),
    ("khach moi", "can nhac"): (
        "Anh chị đang phân vân? {ten} là sản phẩm OCOP {sao} sao, nguồn gốc rõ ràng tại {noi}. "
        "[Dán một nhận xét thật của khách.] Tuần này shop [ghi ưu đãi thật]. Anh chị nhắn tin "
        "đặt hàng trước [ngày] nhé!"
    ),
    ("khach moi", "mua hang"): (
        "Cảm ơn anh chị đã đặt {ten_thuong}! Shop xác nhận đơn [số lượng] {don_vi}, giá {gia} "
        "đồng. Hàng giao trong [số ngày]. Có gì chưa ưng, anh chị nhắn tin ngay cho shop nhé."
    ),
    ("khach moi", "trung thanh"): (
        "Tiêu đề: {ten} dùng có vừa ý anh chị không?\n\nChào anh chị, anh chị thấy {ten_thuong} "
        "thế nào? Nếu hài lòng, anh chị có thể đặt thêm hoặc giới thiệu cho người thân. "
        "Trả lời thư này để đặt hàng nhé."
    ),
    ("khach quen", "nhan biet"): (
        "Chào anh chị, lâu rồi mới gặp lại! Shop có thêm {ten_thuong} của {noi}, {don_vi} giá "
        "{gia} đồng. Anh chị muốn thử, nhắn tin cho shop nhé!"
    ),
    ("khach quen", "quan tam"): (
        "Dạ, shop gửi anh chị thông tin {ten_thuong}: {diem}; {don_vi} giá {gia} đồng. Có thể "
        "gửi chung với đơn quen của anh chị. Anh chị nhắn tin để shop thêm vào đơn nhé."
    ),
    ("khach quen", "can nhac"): (
        "Anh chị là khách quen nên shop dành riêng [ghi ưu đãi thật] khi mua {ten_thuong} đến "
        "hết [ngày]. Anh chị nhắn tin lại để shop giữ hàng nhé!"
    ),
    ("khach quen", "mua hang"): (
        "Cảm ơn anh chị lại ủng hộ shop! Đơn {ten_thuong} [số lượng] đã được xác nhận, giao "
        "trong [số ngày]. Cần đổi địa chỉ, anh chị nhắn tin cho shop trước khi giao nhé."
    ),
    ("khach quen", "trung thanh"): (
        "Tiêu đề: Cảm ơn anh chị đã đồng hành cùng shop\n\nChào anh chị, cảm ơn anh chị đã tin "
        "dùng {ten_thuong}. Anh chị có góp ý gì, xin trả lời thư này. Khi cần thêm, anh chị "
        "trả lời thư để đặt hàng, shop ưu tiên giao trước ạ."
    ),
    ("quan an", "nhan biet"): (
        "Quán hoặc cửa hàng của anh chị cần nguồn {ten_thuong} ổn định? Sản phẩm OCOP {sao} sao "
        "của {noi}. Có giá riêng khi lấy số lượng lớn. Nhắn tin cho page để nhận bảng giá sỉ nhé!"
    ),
    ("quan an", "quan tam"): (
        "Chào anh chị, cảm ơn anh chị đã hỏi về {ten_thuong}. Shop gửi bảng giá sỉ: [ghi giá "
        "theo số lượng]. Giá lẻ {don_vi} là {gia} đồng. Anh chị cần mẫu thử, nhắn tin lại nhé."
    ),
    ("quan an", "can nhac"): (
        "Anh chị đang so sánh nhà cung cấp? {ten} có nguồn gốc rõ ràng tại {noi}, được công "
        "nhận OCOP {sao} sao. Đơn đầu tiên, shop [ghi ưu đãi thật]. Anh chị nhắn tin đặt hàng "
        "trước [ngày] nhé."
    ),
    ("quan an", "mua hang"): (
        "Cảm ơn anh chị đã đặt {ten_thuong}! Shop xác nhận đơn [số lượng], giao ngày [ngày], "
        "thanh toán [cách thanh toán]. Cần thêm hàng, anh chị cứ nhắn tin cho shop ạ."
    ),
    ("quan an", "trung thanh"): (
        "Tiêu đề: Lịch giao hàng định kỳ\n\nChào anh chị, cảm ơn đã dùng {ten_thuong}. Shop có "
        "thể giao định kỳ mỗi [số tuần] tuần. Anh chị trả lời thư này để đặt hàng theo lịch, "
        "hoặc giới thiệu bạn hàng để cùng nhận ưu đãi."
    ),
}


def auto_entries(products: list[dict[str, str]]) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {"lesson03": [], "lesson04": []}
    for p in products:
        f = facts(p)
        f["diem_hoa"] = f["diem"][:1].upper() + f["diem"][1:]
        f["don_vi_hoa"] = f["don_vi"][:1].upper() + f["don_vi"][1:]
        f["khach_ngan"] = f["khach"].split(" và ")[0]
        name, code = fold(p["ten_sp"]), p["ma_sp"].lower()
        # (file, kind, id prefix, keywords, template)
        specs = [("lesson03", "desc", "l03-auto-mo-ta",
                  ["viet mo ta san pham", "khoang 80 tu", name], DESC_TPL),
                 ("lesson03", "headline", "l03-auto-tieu-de-ab",
                  ["tieu de a nhan vao nguon goc", "tieu de b", name], HEADLINE_TPL)]
        specs += [("lesson03", "post", f"l03-auto-bai-dang-{ch}",
                   [f"viet bai dang {ch} gioi thieu", name, "toi da"], tpl)
                  for ch, tpl in POST_TPL.items()]
        specs += [("lesson03", "calendar", f"l03-auto-lich-{i:02d}",
                   ["viet bai cho lich noi dung", name, topic], tpl)
                  for i, (topic, tpl) in enumerate(CALENDAR_TPL.items(), 1)]
        specs += [("lesson04", "funnel", f"l04-auto-{seg.replace(' ', '-')}-{st.replace(' ', '-')}",
                   ["trong pheu ban hang", f"giai doan {st}", f"gui nhom {seg}", name], tpl)
                  for (seg, st), tpl in FUNNEL_TPL.items()]
        for target, kind, prefix, keywords, tpl in specs:
            if p["ma_sp"] not in HAND_WRITTEN[kind]:
                out[target].append({"id": f"{prefix}-{code}", "keywords": keywords,
                                    "answers": [nfc(tpl.format(**f))]})
    return out


def write_curated(products: list[dict[str, str]]) -> None:
    """Replace the generated entries of lesson03/04.json, keeping the hand-written ones."""
    for name, entries in auto_entries(products).items():
        path = CURATED / f"{name}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        kept = [e for e in data["entries"] if "-auto-" not in e["id"]]
        text = json.dumps({"entries": kept + entries}, ensure_ascii=False, indent=2) + "\n"
        path.write_text(nfc(text), encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    with (ROOT / "products.csv").open(encoding="utf-8") as f:
        products = list(csv.DictReader(f))
    write_csv("product_texts.csv", product_texts(products, rng))
    write_csv("leads.csv", leads(products, rng))
    keys = ["kenh", "ky_tu_toi_da", "hashtag_toi_da", "emoji_toi_da", "can_keu_goi", "goi_y"]
    write_csv("channel_limits.csv", [dict(zip(keys, row, strict=True)) for row in CHANNEL_LIMITS])
    write_csv("prompt_library.csv", [
        {"ten_prompt": a, "muc_dich": b, "prompt": nfc(c)} for a, b, c in PROMPTS
    ])
    write_curated(products)


if __name__ == "__main__":
    main()
