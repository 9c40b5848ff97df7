"""Generate the synthetic teaching data of lessons 00-04 (seeded, so reruns give identical files).

Run from the repository root:  python course/data/build/make_data_00_04.py
Reads course/data/products.csv (real products); writes course/data/lessons/*.csv.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path

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
    return f"{int(v):,}".replace(",", ".")


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


if __name__ == "__main__":
    main()
