"""The fake class list of a rehearsal: NFC Vietnamese names that exercise Vietnamese sorting."""

from __future__ import annotations

import random
import unicodedata

_SPECIAL_NAMES = [
    "Đặng Thị Ánh", "Đỗ Văn Ấn", "Nguyễn Thị Ánh", "Ngô Văn An", "Nguyễn Văn An",
    "Đinh Thị Ân", "Âu Văn Ẩn", "Ông Thị Ơn", "Bùi Thị Ước", "Võ Minh Ý",
    "Dương Văn Bình", "Trần Thị Ngọc Hà", "Lê Hữu Đức", "Phạm Thị Út", "Hồ Văn Ổn",
    "Huỳnh Thị Hương", "Trương Công Đạt", "Phan Thị Ảnh", "Lý Văn Ân", "Ngô Thị Ánh Dương",
]
_HO = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô", "Hồ", "Dương"]
_DEM = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thị Thu"]
_TEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hải", "Khánh", "Lan", "Mai", "Nam", "Oanh",
        "Phúc", "Quỳnh", "Sơn", "Tâm", "Uyên", "Vân", "Xuân", "Yến", "Ánh", "Ấn", "Đông"]
_DON_VI = [
    "HTX Hồ tiêu Cùa Cam Lộ", "HTX Nông nghiệp hữu cơ Hải Lăng", "Cơ sở nước mắm Mỹ Thủy",
    "Công ty TNHH Cà phê Khe Sanh", "Hộ kinh doanh mắm ruốc Gio Linh",
    "HTX Dược liệu Triệu Phong", "Cơ sở mật ong Tuyên Hóa", "HTX Măng rừng Hướng Hóa",
    "Hộ kinh doanh dầu lạc Vĩnh Linh", "Tổ hợp tác gà Cùa Cam Lộ",
]


def roster(n: int, rng: random.Random) -> list[dict[str, str]]:
    """n learners hv001.. with NFC Vietnamese names chosen to exercise Vietnamese sorting."""
    names = list(_SPECIAL_NAMES)
    while len(names) < n:
        name = f"{rng.choice(_HO)} {rng.choice(_DEM)} {rng.choice(_TEN)}"
        if name not in names:
            names.append(name)
    rows = []
    for i in range(n):
        sid = f"hv{i + 1:03d}"
        rows.append({
            "id": sid,
            "ho_ten": unicodedata.normalize("NFC", names[i]),
            "email": f"{sid}@example.com",
            "don_vi": _DON_VI[i % len(_DON_VI)],
        })
    return rows
