"""Build the teaching data of lessons 05-09 (seeded, so every run gives the same files).

    python course/data/build/make_data_05_09.py

Writes to course/data/lessons/:
  cskh_faq.csv        FAQ of a fictional shop (lesson 05 retrieval)
  cskh_danh_gia.csv   customer reviews with hand-checked labels (lesson 05 classification)
  doanh_so_2025.csv   one year of sales, product x channel x month (lesson 07)
and the lexicon entries of course/data/offline/curated/lesson05.json
(see course/lessons/sentiment.py).
Provenance and assumptions: course/data/sources/lessons_05_09.md.
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "lessons"
PRODUCTS = Path(__file__).resolve().parents[1] / "products.csv"
SEED = 2025

FAQ = [
    # (topic, question, answer)
    ("giao hàng", "Bao lâu thì tôi nhận được hàng?",
     "Trong tỉnh Quảng Trị: 1–2 ngày. Các tỉnh khác: 3–5 ngày làm việc. "
     "Đơn đặt trước 15 giờ được gửi ngay trong ngày."),
    ("giao hàng", "Phí giao hàng là bao nhiêu?",
     "Đơn từ 300.000 đ được miễn phí giao hàng toàn quốc. "
     "Đơn nhỏ hơn: 20.000 đ trong tỉnh, 35.000 đ ngoại tỉnh."),
    ("giao hàng", "Shop có giao hàng ra nước ngoài không?",
     "Hiện cửa hàng chỉ giao trong nước. Khách ở nước ngoài có thể nhờ người thân "
     "ở Việt Nam nhận hàng rồi gửi đi."),
    ("đổi trả", "Hàng bị vỡ, bị hỏng khi nhận thì đổi trả thế nào?",
     "Anh/chị chụp ảnh hoặc quay video lúc mở hộp và nhắn cho cửa hàng trong 3 ngày. "
     "Cửa hàng gửi hàng mới miễn phí hoặc hoàn tiền, tùy anh/chị chọn."),
    ("đổi trả", "Tôi không thích sản phẩm thì có được trả lại không?",
     "Được đổi hoặc trả trong 7 ngày nếu hàng còn nguyên tem, chưa mở nắp. "
     "Phí gửi trả do khách hàng chịu."),
    ("thanh toán", "Có những cách thanh toán nào?",
     "Anh/chị có thể trả tiền mặt khi nhận hàng (COD), chuyển khoản ngân hàng, "
     "hoặc quét mã QR tại cửa hàng."),
    ("thanh toán", "Chuyển khoản xong thì làm sao biết shop đã nhận tiền?",
     "Cửa hàng nhắn tin xác nhận qua Zalo trong vòng 30 phút, trong giờ làm việc."),
    ("thanh toán", "Shop có xuất hóa đơn VAT không?",
     "Có. Anh/chị gửi tên công ty, mã số thuế và địa chỉ nhận hóa đơn khi đặt hàng. "
     "Hóa đơn điện tử được gửi qua email."),
    ("sản phẩm", "Hạt tiêu Cùa khác gì tiêu thường?",
     "Tiêu Cùa trồng ở Cam Lộ, hạt chắc, cay nồng và thơm lâu. "
     "Sản phẩm đạt OCOP 4 sao."),
    ("sản phẩm", "Cà phê Khe Sanh là cà phê gì, rang xay hay nguyên hạt?",
     "Là cà phê Arabica trồng ở Hướng Hóa. Cửa hàng bán cả loại nguyên hạt và loại "
     "xay sẵn để pha phin, gói 500 g."),
    ("sản phẩm", "Mật ong có phải mật ong rừng thật không?",
     "Mật ong lấy từ vùng núi Tuyên Hóa, có giấy kiểm nghiệm chất lượng. "
     "Mật ong thật có thể kết tinh khi trời lạnh, đó là hiện tượng bình thường."),
    ("sản phẩm", "Cao chè vằng có dùng cho phụ nữ sau sinh được không?",
     "Chè vằng là thức uống quen thuộc của phụ nữ sau sinh. Đây là thực phẩm, không phải "
     "thuốc. Người đang điều trị bệnh nên hỏi ý kiến bác sĩ trước khi dùng."),
    ("bảo quản", "Bảo quản nước mắm và mắm ruốc thế nào?",
     "Để nơi khô ráo, thoáng mát, tránh nắng. Đậy kín nắp sau khi dùng. "
     "Mắm ruốc đã mở nắp nên để ngăn mát tủ lạnh."),
    ("bảo quản", "Hạn sử dụng của sản phẩm là bao lâu?",
     "Hạn sử dụng in trên bao bì: cà phê 12 tháng, hạt tiêu 24 tháng, nước mắm 24 tháng, "
     "gạo 6 tháng kể từ ngày đóng gói."),
    ("đặt hàng", "Đặt hàng qua Zalo được không?",
     "Được. Anh/chị nhắn tên sản phẩm, số lượng, địa chỉ nhận hàng vào Zalo của cửa hàng. "
     "Cửa hàng sẽ gọi lại xác nhận."),
    ("đặt hàng", "Mua số lượng nhiều có giá sỉ không?",
     "Có. Đơn từ 20 sản phẩm cùng loại được giảm 10%. Quán ăn, đại lý xin liên hệ "
     "để nhận bảng giá sỉ riêng."),
    ("đặt hàng", "Shop có làm hộp quà biếu Tết không?",
     "Có hộp quà 3 món và 5 món, có thiệp viết tay theo yêu cầu. "
     "Nên đặt trước 7 ngày vào dịp lễ Tết."),
    ("cửa hàng", "Cửa hàng mở cửa giờ nào?",
     "Từ 7 giờ 30 đến 20 giờ, tất cả các ngày trong tuần. Tin nhắn ngoài giờ được "
     "trả lời vào sáng hôm sau."),
    ("cửa hàng", "Sản phẩm của shop có chứng nhận OCOP không?",
     "Có. Hạt tiêu Cùa và cà phê Arabica Khe Sanh đạt OCOP 4 sao; nhiều sản phẩm khác "
     "đạt OCOP 3 sao. Giấy chứng nhận có tại cửa hàng."),
    ("khiếu nại", "Tôi muốn khiếu nại về đơn hàng thì gặp ai?",
     "Anh/chị nhắn mã đơn hàng và nội dung khiếu nại. Quản lý cửa hàng sẽ gọi lại "
     "trong vòng 24 giờ."),
]

# Reviews written by hand, each with a label checked by a person: (sentiment, topic, text).
# Some are deliberately hard (negation, sarcasm, mixed feelings): real reviews are like this.
REVIEWS = [
    ("tích cực", "chất lượng", "Tiêu thơm lắm, cay nồng đúng vị quê. Sẽ mua tiếp."),
    ("tích cực", "giao hàng", "Giao hàng nhanh, hai ngày là tới Hà Nội."),
    ("tích cực", "chất lượng", "Cà phê ngon, vị chua thanh, pha phin rất hợp."),
    ("tích cực", "đóng gói", "Đóng gói cẩn thận, chai nước mắm bọc mấy lớp nên không bị vỡ."),
    ("tích cực", "phục vụ", "Chị tư vấn nhiệt tình, trả lời tin nhắn rất nhanh."),
    ("tích cực", "giá cả", "Giá hợp lý, rẻ hơn ngoài chợ mà hàng lại sạch."),
    ("tích cực", "chất lượng", "Mật ong sánh, thơm mùi hoa rừng, mua làm quà ai cũng khen."),
    ("tích cực", "chất lượng", "Gạo dẻo, thơm, con nhỏ nhà mình ăn rất thích."),
    ("tích cực", "đóng gói", "Hộp quà đẹp, gói kỹ, mang đi biếu rất sang."),
    ("tích cực", "giao hàng", "Shop giao đúng hẹn, anh shipper gọi trước khi đến."),
    ("tích cực", "phục vụ", "Nhân viên dễ thương, đổi hàng cho mình rất nhanh gọn."),
    ("tích cực", "giá cả", "Mua combo được giảm giá, quá đáng tiền."),
    ("tích cực", "chất lượng", "Mắm ruốc thơm, đúng vị Gio Linh, ăn là nhớ nhà."),
    ("tích cực", "chất lượng", "Không chê vào đâu được, tiêu rất thơm."),
    ("tích cực", "đóng gói", "Đóng gói chắc chắn, không bị rò rỉ chút nào."),
    ("tích cực", "phục vụ", "Cảm ơn shop đã viết thiệp tặng mẹ mình, rất chu đáo."),
    ("tiêu cực", "giao hàng", "Giao hàng chậm quá, đặt cả tuần mới nhận được."),
    ("tiêu cực", "đóng gói", "Chai nước mắm bị vỡ, tới nơi thì chảy hết ra hộp."),
    ("tiêu cực", "chất lượng", "Cà phê không thơm như quảng cáo, uống hơi đắng."),
    ("tiêu cực", "giá cả", "Giá đắt hơn các shop khác khá nhiều."),
    ("tiêu cực", "phục vụ", "Nhắn tin hỏi mấy lần mà không ai trả lời."),
    ("tiêu cực", "chất lượng", "Hũ tiêu bị ẩm, có mùi lạ."),
    ("tiêu cực", "giá cả", "Phí ship cao hơn cả tiền hàng."),
    ("tiêu cực", "đóng gói", "Hộp bị móp méo, nắp hũ mắm ruốc bị bung."),
    ("tiêu cực", "giao hàng", "Shipper thái độ khó chịu, không chịu chờ mình xuống lấy hàng."),
    ("tiêu cực", "chất lượng", "Gạo có sạn, nấu lên bị khô."),
    ("tiêu cực", "phục vụ", "Đặt 2 chai mà chỉ nhận được 1, gọi điện không ai nghe máy."),
    ("tiêu cực", "chất lượng", "Mật ong bị lên men, vị chua, không giống mật ong rừng."),
    ("tiêu cực", "giá cả", "Ngon thì có ngon nhưng giá này thì không mua lần hai."),
    ("tiêu cực", "giao hàng", "Tuyệt vời thật, chờ 10 ngày mới có hàng."),
    ("tiêu cực", "đóng gói", "Gói hàng sơ sài, túi gạo bị thủng một lỗ."),
    ("tiêu cực", "phục vụ", "Hỏi về hóa đơn mà nhân viên trả lời cộc lốc."),
    ("trung tính", "giao hàng", "Đã nhận hàng, chưa dùng thử nên chưa biết thế nào."),
    ("trung tính", "giao hàng", "Giao hàng bình thường, không nhanh cũng không chậm."),
    ("trung tính", "giá cả", "Giá cũng tạm, ngang ngang ngoài chợ."),
    ("trung tính", "chất lượng", "Vị cà phê hơi nhạt so với mình, chắc do khẩu vị."),
    ("trung tính", "đóng gói", "Đóng gói bình thường, hộp giấy dán băng keo."),
    ("trung tính", "phục vụ", "Shop trả lời tin nhắn sau vài tiếng."),
    ("trung tính", "chất lượng", "Nước mắm mặn hơn mình nghĩ, nhưng nấu ăn thì được."),
    ("trung tính", "chất lượng", "Chưa thấy khác biệt lắm so với tiêu thường."),
    ("trung tính", "phục vụ", "Hỏi giá sỉ thì shop bảo đợi báo lại."),
    ("trung tính", "giao hàng", "Giao hàng không nhanh lắm nhưng vẫn ổn."),
]

REVIEW_PRODUCTS = {  # which product a review is about, by a word it mentions
    "tiêu": "SP02", "cà phê": "SP01", "gạo": "SP03", "nước mắm": "SP04",
    "mắm ruốc": "SP05", "mật ong": "SP10",
}
CHANNELS = ["Cửa hàng", "Zalo", "Facebook", "Shopee", "TikTok Shop"]
REVIEW_CHANNELS = ["Zalo", "Facebook", "Shopee", "TikTok Shop"]

# Monthly demand relative to an average month. Tết 2025 fell on 29 January, so January
# peaks and February drops; September (2/9), November (11.11 sales) and December
# (gifts before Tết 2026, 17 February 2026) rise again.
SEASON = [1.8, 0.7, 0.85, 0.9, 0.95, 0.85, 0.9, 1.0, 1.1, 1.0, 1.2, 1.45]
BASE_UNITS = {"SP01": 110, "SP02": 180, "SP03": 85, "SP04": 140, "SP05": 75,
              "SP07": 35, "SP10": 45}
# TikTok Shop grows through the year (facts: its share of e-commerce is rising).
CHANNEL_SHARE_JAN = {"Cửa hàng": 0.32, "Zalo": 0.26, "Facebook": 0.20, "Shopee": 0.16,
                     "TikTok Shop": 0.06}
CHANNEL_SHARE_DEC = {"Cửa hàng": 0.24, "Zalo": 0.24, "Facebook": 0.16, "Shopee": 0.18,
                     "TikTok Shop": 0.18}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> Path:
    path = OUT / name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([nfc(v) if isinstance(v, str) else v for v in row])
    return path


def products() -> dict[str, dict[str, str]]:
    with PRODUCTS.open(encoding="utf-8") as f:
        return {r["ma_sp"]: r for r in csv.DictReader(f)}


def build_faq() -> Path:
    rows = [[f"H{i:02d}", topic, q, a] for i, (topic, q, a) in enumerate(FAQ, 1)]
    return write_csv("cskh_faq.csv", ["ma", "chu_de", "hoi", "dap"], rows)


def build_reviews(rng: random.Random) -> Path:
    order = list(range(len(REVIEWS)))
    rng.shuffle(order)  # mix labels so the table does not look sorted
    rows = []
    for n, i in enumerate(order, 1):
        sentiment, topic, text = REVIEWS[i]
        lower = text.lower()
        product = next((m for k, m in REVIEW_PRODUCTS.items() if k in lower), "")
        if not product:
            product = rng.choice(list(BASE_UNITS))
        day = rng.randint(1, 28)
        month = rng.randint(1, 12)
        rows.append([f"DG{n:03d}", f"2025-{month:02d}-{day:02d}", product,
                     rng.choice(REVIEW_CHANNELS), text, sentiment, topic])
    header = ["ma", "ngay", "ma_sp", "kenh", "noi_dung", "cam_xuc", "chu_de"]
    return write_csv("cskh_danh_gia.csv", header, rows)


def build_sales(rng: random.Random) -> Path:
    catalogue = products()
    rows = []
    for month in range(1, 13):
        mix = (month - 1) / 11
        for code, base in BASE_UNITS.items():
            price = int(catalogue[code]["gia_ban_vnd"])
            for channel in CHANNELS:
                share = (1 - mix) * CHANNEL_SHARE_JAN[channel] + mix * CHANNEL_SHARE_DEC[channel]
                mean = base * SEASON[month - 1] * share * 2
                units = max(0, round(rng.gauss(mean, mean * 0.12)))
                rows.append([f"2025-{month:02d}", code, catalogue[code]["ten_sp"], channel,
                             units, price, units * price])
    header = ["thang", "ma_sp", "ten_sp", "kenh", "so_luong", "don_gia", "doanh_thu"]
    return write_csv("doanh_so_2025.csv", header, rows)


def build_curated_05() -> Path:
    """Refresh the lexicon entries of lesson05.json, keeping the hand-written ones."""
    from course.lessons.sentiment import curated_entries

    path = OUT.parent / "offline" / "curated" / "lesson05.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"entries": []}
    kept = [e for e in data["entries"] if not str(e.get("id", "")).startswith("l05-lex-")]
    data["entries"] = kept + curated_entries()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    for path in (build_faq(), build_reviews(rng), build_sales(rng), build_curated_05()):
        print("wrote", path.relative_to(OUT.parents[2]))


if __name__ == "__main__":
    main()
