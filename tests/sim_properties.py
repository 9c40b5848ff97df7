"""What every answer of the offline simulation must satisfy, checked on the answer itself.

Used by tests/test_sim_properties.py (Hypothesis), the blind split of tests/test_own_business.py
and the lessons run with participants' profiles. Each check returns what is wrong (empty: fine),
so a failing test says which number, claim or word broke the property.

- invented(): every number, price, offer, fee, promise, claim about customers and proper name
  in the answer comes from the request / system prompt / profile, or sits inside a visible
  "[gap]". Structure is allowed: list numbers "1.", "Cảnh 2", "Ngày 3", table STT cells.
- product_only(): wording that only fits goods (gift, origin, storage, shelf life, packaging,
  food pairing, ordering and delivery) found in an answer about a service.
"""

from __future__ import annotations

import re
import unicodedata

from course.llm.names import sample_terms
from course.text import fold, nfc

GAP = re.compile(r"\[[^\[\]\n]{1,80}\]")
HASHTAG = re.compile(r"#\w+")
# Structure numbers: "1. ", "2) ", "- ", "Cảnh 2:", "Ngày 3", "Tuần 2", "| 3 |" (STT), "(2)".
STRUCTURE = re.compile(
    r"(?m)^\s*\d{1,2}[.)]\s|(?:Cảnh|Ngày|Tuần|Bước|Câu|Phần|Buổi|Tháng|Mục|Ý)\s+\d{1,2}\b"
    r"|\|\s*\d{1,2}\s*\||\(\d{1,2}\)|^\s*\d{1,2}\s*$|\"stt\":\s*\d+")
NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")

# Things a business must have said before an answer may say them (offers, gifts, fees,
# promises, claims about customers, certificates). Matched without diacritics, whole words.
CLAIMS = (
    "uu dai", "giam gia", "khuyen mai", "khuyen mai", "qua tang", "tang kem", "co qua",
    "qua nho", "trung qua", "nhan qua", "mien phi", "freeship", "free ship", "combo",
    "mua nhieu", "gia tot", "gia re", "re nhat", "nhieu khach", "quay lai lan hai",
    "ban chay", "chung nhan", "ocop", "toan quoc", "cam ket", "bao hanh", "doi tra",
    "hoan tien", "trong ngay", "24/7", "tan nha", "tan noi", "phi giao", "phi ship",
    "so 1", "hang dau", "noi tieng", "uy tin nhat", "100%", "chinh hang", "nguyen chat",
    "khong chinh sua", "khong phat sinh", "dung hen", "nhieu nam",
    "hang nghin", "hang tram", "giao nhanh", "tuan nay", "hom nay giam",
)
# Wording that only fits goods: never said of a service (laundry, spa, tutor, clinic...).
PRODUCT_ONLY = (
    "lam qua", "mon qua", "qua bieu", "qua que", "nguon goc", "bao quan", "han dung",
    "han su dung", "dong goi", "dong hop", "mon an", "thuc uong", "dat hang", "giao hang",
    "chot don", "hang gia", "nguyen chat", "chinh hang", "dac san", "huong vi", "lam ra",
    "dung hang ngay", "mua sam", "don hang",
)
ALLOWED_NAMES = (
    "facebook", "zalo", "tiktok", "tiktok shop", "shopee", "lazada", "instagram", "youtube",
    "website", "email", "e-mail", "quy khach", "tieu de", "kinh gui", "thu hai", "thu ba",
    "thu tu", "thu nam", "thu sau", "thu bay", "chu nhat", "canh", "json", "markdown",
    "livestream", "inbox", "gen z",
)


def _plain(text: str) -> str:
    return fold(nfc(text))


def _words(text: str) -> str:
    return " " + re.sub(r"[^\w%/]+", " ", _plain(text)) + " "


def _visible(answer: str) -> str:
    """The answer without gaps and hashtags (a hashtag is the business's own name, squashed)."""
    return HASHTAG.sub(" ", GAP.sub(" ", nfc(answer)))


def numbers_in(text: str) -> set[str]:
    return {re.sub(r"[.,:]", "", n) for n in NUMBER.findall(nfc(text))}


def invented(answer: str, *sources: str) -> list[str]:
    """Numbers, claims and proper names in `answer` that none of `sources` gave."""
    source = "\n".join(nfc(s) for s in sources if s)
    said_numbers = numbers_in(source)
    said = _words(source)
    body = STRUCTURE.sub(" ", _visible(answer))
    wrong = [f"số {n}" for n in NUMBER.findall(body)
             if re.sub(r"[.,:]", "", n) not in said_numbers]
    words = _words(body)
    for claim in CLAIMS:
        if f" {claim} " in words and f" {claim} " not in said:
            # a customer's question in an FAQ list is not a claim: check outside questions
            statements = " ".join(x for x in re.split(r"(?<=[.!?\n])\s*", body)
                                  if not x.strip().endswith("?"))
            if f" {claim} " in _words(statements):
                wrong.append(f"điều chưa được cho: {claim}")
    for name in proper_names(body):
        if _plain(name) not in _plain(source).replace("\n", " ") and \
                not any(_plain(name) == a or _plain(name).startswith(a + " ")
                        for a in ALLOWED_NAMES):
            wrong.append(f"tên riêng {name}")
    return wrong


def proper_names(text: str) -> list[str]:
    """Runs of two or more capitalised words (a sentence's own first capital left aside)."""
    runs: list[list[re.Match[str]]] = []
    for m in re.finditer(r"[^\W\d_]+", text):
        if not m.group(0)[0].isupper():
            continue
        if runs and re.fullmatch(r"[ \t]+", text[runs[-1][-1].end():m.start()]):
            runs[-1].append(m)
        else:
            runs.append([m])
    out = []
    for run in runs:
        words = [m.group(0) for m in run]
        before = re.sub(r"[^\w.!?:|\n]+$", "", text[:run[0].start()])  # spaces, marks, emoji
        if not before or before[-1] in ".!?:|\n":
            words = words[1:]  # "Chào Quý khách", "Giới thiệu Homestay": the first is the start
        if len(words) >= 2:
            out.append(" ".join(words))
    return out


def product_only(answer: str) -> list[str]:
    words = _words(_visible(answer))
    return [w for w in PRODUCT_ONLY if f" {w} " in words]


def sample_leaks(answer: str, *sources: str) -> list[str]:
    """Sample names, brands and places of the course the request did not name."""
    said = _plain("\n".join(sources)).replace(" ", "")
    low = nfc(answer).lower()
    return [term for term in sample_terms()
            if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", low)
            and _plain(term).replace(" ", "") not in said]


def keeps_name(answer: str, name: str) -> bool:
    return _plain(name) in _plain(answer) or _plain(name).replace(" ", "") in \
        _plain(answer).replace(" ", "")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in decomposed if not unicodedata.combining(c))
