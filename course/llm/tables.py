"""Offline comments on a table the participant pasted into a request (lesson 07, SalesReport).

A real model reads the numbers; the simulation computes them: the highest and lowest row, the
first-to-last change when rows are months, the leading column of the last month, totals,
averages and shares, each written with the table's own labels and unit. Nothing else is said:
no season, channel, reason or figure that is not in the table. When it can't give as many
comments as asked (or can't read any number) it says so in one sentence and points to
course.setup(). Wording lives in data/offline/tables.json.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from functools import cache

from ..numbers import number
from ..text import fold, nfc
from .offline_data import DATA, NUMBER_WORDS

_MAX_CELL_WORDS = 8  # a prose sentence with commas is not a table row
MAX_READ = 60_000  # characters of a pasted table read (a year of sales rows; stays fast)


@cache
def data() -> dict:
    return json.loads((DATA / "offline" / "tables.json").read_text(encoding="utf-8"))


def _cue(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + data()[name] + r")(?!\w)")


@dataclass
class Block:
    start: int
    end: int  # line indexes [start, end) in the prompt
    header: list[str]
    rows: list[list[str]]


def _cells(line: str, sep: str) -> list[str] | None:
    if sep == "|":
        text = line.strip()
        if "|" not in text:
            return None
        return [c.strip() for c in text.strip("|").split("|")]
    if sep not in line:
        return None
    return [c.strip() for c in next(csv.reader([line], delimiter=sep))]


def find(prompt: str) -> Block | None:
    """The longest run of lines that split into the same number (>= 2) of short cells."""
    lines = nfc(prompt).splitlines()
    best: Block | None = None
    for sep in ("|", "\t", ";", ","):
        i = 0
        while i < len(lines):
            run: list[list[str]] = []
            j = i
            while j < len(lines):
                if sep == "|" and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[j]) and run:
                    j += 1  # a Markdown separator row
                    continue
                cells = _cells(lines[j], sep)
                if (not cells or len(cells) < 2 or (run and len(cells) != len(run[0]))
                        or lines[j].rstrip().endswith(":")  # "…, 3 ý:" introduces a table
                        or any(len(c.split()) > _MAX_CELL_WORDS for c in cells)):
                    break
                run.append(cells)
                j += 1
            if len(run) >= 2 and (best is None or len(run) > len(best.rows) + 1):
                best = Block(i, j, run[0], run[1:])
            i = max(j, i + 1)
    return best


_JUNK = re.compile(r"\s|%|đồng|đ|vnđ|vnd")
_VI_THOUSANDS = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_VI_DECIMAL = re.compile(r"-?\d+,\d+")
_EN_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")


def _number(cell: str) -> float | None:
    """ "12,5", "12.500.000", "12500000", "1,234.5", "45,8 %", "12.000.000 đ" -> a float."""
    s = cell.strip()
    if not (s[:1].isdigit() or s[:1] == "-"):
        return None
    s = _JUNK.sub("", s.lower())
    if _VI_THOUSANDS.fullmatch(s):  # "12.500" is twelve thousand five hundred, as in Vietnam
        s = s.replace(".", "").replace(",", ".")
    elif _VI_DECIMAL.fullmatch(s):
        s = s.replace(",", ".")
    elif _EN_THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    elif not _PLAIN.fullmatch(s):
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _decimals(values: list[float | None]) -> int:
    out = 0
    for v in values:
        if v is not None and v != int(v):
            out = max(out, min(2, len(f"{v:.6f}".rstrip("0").split(".")[1])))
            if out == 2:
                break
    return out


def _month(label: str) -> str | None:
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", label.strip())
    if m:
        return f"tháng {int(m[2])}/{m[1]}"
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{4})", label.strip())
    if m:
        return f"tháng {int(m[1])}/{m[2]}"
    m = re.fullmatch(r"(?:tháng|thang|t)\s*(\d{1,2})(?:[-/.](\d{4}))?", label.strip(), re.I)
    if m:
        return f"tháng {int(m[1])}" + (f"/{m[2]}" if m[2] else "")
    return None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(instruction: str) -> int | None:
    f = fold(instruction)
    words = "|".join(NUMBER_WORDS)
    m = re.search(rf"(?<!\w)(\d+|{words})\s+(?:{data()['items_nouns']})(?!\w)", f)
    if not m:
        return None
    token = m[1]
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


_PROSE_ITEM = re.compile(
    r"(?P<label>[^\W\d][^,;\n]*?)\s*(?:bán được|bán|thu được|thu|đạt|được|là|:)?\s+"
    r"(?P<num>\d[\d.,]*)\s*(?P<unit>triệu đồng|triệu|nghìn đồng|nghìn|ngàn|đồng)(?!\w)", re.I)


def _from_prose(prompt: str) -> Block | None:
    """Figures described in a sentence ("tháng 1 bán được 12 triệu, tháng 2 được 15 triệu")
    as a two-column table, when the request asks for comments on them."""
    text = nfc(prompt)
    if not _cue("prose_asks").search(fold(text)):
        return None
    found = list(_PROSE_ITEM.finditer(text))
    if len(found) < 2 or len({fold(m["unit"]).split()[0] for m in found}) != 1:
        return None
    rows = []
    for m in found:
        label = m["label"].strip()
        month = re.search(r"(?:tháng|thang)\s*\d{1,2}(?:/\d{4})?", label, re.I)
        label = month.group(0) if month else label
        if len(label.split()) > _MAX_CELL_WORDS or _number(m["num"]) is None:
            return None
        rows.append([label, m["num"].rstrip(".,").replace(",", ".") if re.fullmatch(
            r"\d+,\d+", m["num"].rstrip(".,")) else m["num"].rstrip(".,")])
    unit = fold(found[0]["unit"]).split()[0]
    header = ["Tháng" if all(re.match(r"(?:tháng|thang)", r[0], re.I) for r in rows)
              else "Mục", f"Doanh thu ({'triệu' if unit == 'trieu' else unit})"]
    return Block(0, 0, header, rows)


def comment(prompt: str) -> str | None:
    """Comments on the table in `prompt` when it asks for them; None when it is not such a
    request (the rest of the simulation answers it). Only MAX_READ characters are read; a
    longer table is cut at a whole line and the answer says so."""
    cut = len(prompt) > MAX_READ
    if cut:
        prompt = prompt[:MAX_READ].rsplit("\n", 1)[0]
    block = find(prompt)
    if block is None:
        block = _from_prose(prompt)
        if block is None:
            return None
        prompt = prompt + "\n" + "\n".join(",".join(x) for x in [block.header, *block.rows])
        block = find(prompt)
        if block is None:
            return None
    lines = nfc(prompt).splitlines()
    instruction = "\n".join(lines[:block.start] + lines[block.end:])
    fi = fold(instruction)
    f_all = fold(prompt)
    if not _cue("asks").search(f_all):
        return None
    d = data()
    n_cols = len(block.header)
    columns = [[r[k] for r in block.rows] for k in range(n_cols)]
    parsed = [[_number(c) for c in col] for col in columns]
    numeric = [k for k in range(n_cols)
               if sum(v is not None for v in parsed[k]) * 2 >= max(1, sum(bool(c) for c in
                                                                       columns[k]))
               and any(v is not None for v in parsed[k])]
    label_col = next((k for k in range(n_cols) if k not in numeric), None)
    if label_col is None and numeric and _cue("months").search(fold(block.header[0])):
        label_col = 0  # "Tháng" with 1, 2, 3
        numeric = numeric[1:]
    if any(_number(h) is not None for h in block.header):
        return None  # no header row: numbers in a list, not a table
    if label_col is None or not numeric:
        # Short lines with commas (three reviews) are not a table unless one is named.
        return d["unreadable"] if re.search(r"(?<!\w)(?:bang|table|csv|excel)(?!\w)",
                                            fi) else None
    numeric = [k for k in numeric if k != label_col]

    # Rows: one per label (a long table's repeated labels are summed, in first-seen order).
    labels: list[str] = []
    sums: dict[str, list[float | None]] = {}
    for i, row in enumerate(block.rows):
        key = row[label_col]
        if key not in sums:
            labels.append(key)
            sums[key] = [None] * n_cols
        for k in numeric:
            v = parsed[k][i]
            if v is not None:
                sums[key][k] = (sums[key][k] or 0.0) + v
    if len(labels) < 1:
        return d["unreadable"]

    def head(k: int) -> str:
        return fold(block.header[k]).replace("_", " ")  # "doanh_thu" from pandas

    pct = [k for k in numeric if "%" in block.header[k] or _cue("change_columns").search(head(k))
           or re.search(r"ty le|ty trong", head(k))]
    total = next((k for k in numeric if k not in pct
                  and re.fullmatch(rf"(?:{d['total_columns']})(?:\s*\(.*\))?", head(k))), None)
    prices = [k for k in numeric if re.fullmatch(
        rf"(?:{d['price_columns']})(?:\s*\(.*\))?", head(k))]  # a unit price is never summed
    measures = [k for k in numeric if k not in pct and k != total and k not in prices]
    valued = next((k for k in measures if _cue("value_columns").search(head(k))), None)
    wide = total is not None or (valued is None and len(measures) >= 2)
    if total is not None:
        main = total
    elif valued is not None:
        main = valued
    elif len(measures) == 1:
        main = measures[0]
    else:
        main = None  # wide with no total column: rows are summed
    others = [k for k in measures if not wide and k != main]

    def value_of(label: str) -> float | None:
        if main is not None:
            return sums[label][main]
        parts = [sums[label][k] for k in measures if sums[label][k] is not None]
        return sum(parts) if parts else None

    rows = [(lab, value_of(lab)) for lab in labels]
    rows = [(lab, v) for lab, v in rows if v is not None]
    if not rows:
        return d["unreadable"]

    what_word = ("doanh thu" if "doanh thu" in f_all else "doanh số" if "doanh so" in f_all
                 else None)
    money = bool(what_word) or (main is not None and _cue("value_columns").search(head(main)))
    unit_text = fold(instruction + " " + " ".join(block.header))
    if money and re.search(r"(?<!\w)trieu(?!\w)", unit_text):
        unit = " triệu đồng"
    elif money and re.search(r"(?<!\w)(?:nghin|ngan)(?!\w)", unit_text):
        unit = " nghìn đồng"
    elif money and max(abs(v) for _, v in rows) >= 1000:
        unit = " đồng"
    else:
        unit = ""
    decimals = max([_decimals(parsed[k]) for k in measures + ([total] if total else [])] or [0])

    def amount(v: float, extra: int = 0) -> str:
        return number(v, min(2, decimals + extra)) + unit

    def pct_text(v: float) -> str:
        return f"{number(abs(v), 1)} %"

    if what_word:
        what = what_word
    elif main is not None:
        what = (re.sub(r"\s*\(.*?\)\s*", "", block.header[main]).replace("_", " ").strip()
                .lower() or d["what_default"])
    else:
        what = d["what_default"]
    months = bool(_cue("months").search(head(label_col))) or all(_month(lab) for lab, _ in rows)

    def show(label: str) -> str:
        if months and re.fullmatch(r"\d{1,2}", label.strip()):
            return f"tháng {int(label)}"  # a "Tháng" column of 1, 2, 3
        return (_month(label) or label) if months else label

    row_word = next((w for k, w in d["row_words"].items()
                     if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", head(label_col))),
                    "tháng" if months else d["row_default"])

    ordered = sorted(rows, key=lambda x: -x[1])
    best, worst = ordered[0], ordered[-1]
    grand = sum(v for _, v in rows)
    out: list[str] = []

    def add(key: str, **kw: str) -> None:
        text = d[key].format(**kw)
        text = _cap(text)
        if text not in out:
            out.append(text)

    if len(rows) == 1:
        add("only", label_cap=_cap(show(best[0])), what=what, value=amount(best[1]))
    else:
        add("max", label=show(best[0]), what=what, value=amount(best[1]))
    if len(rows) >= 2 and worst[1] != best[1]:
        add("min", label=show(worst[0]), what=what, value=amount(worst[1]))
    for k in range(n_cols):  # a long table: "Dịch vụ" beside "Tháng"; its best item too
        if k == label_col or k in numeric or main is None or all(
                re.fullmatch(r"[A-Za-z]{1,4}[-_]?\d+", c) for c in columns[k] if c):
            continue  # "SP01": a code, its product's name is in another column
        groups: dict[str, float] = {}
        for i, row in enumerate(block.rows):
            if parsed[main][i] is not None and row[k]:
                groups[row[k]] = groups.get(row[k], 0.0) + parsed[main][i]
        if 2 <= len(groups) < len(block.rows):
            top_item = max(groups.items(), key=lambda x: x[1])
            add("max", label=top_item[0], what=what, value=amount(top_item[1]))
            low_item = min(groups.items(), key=lambda x: x[1])
            if low_item[1] != top_item[1]:
                add("min", label=low_item[0], what=what, value=amount(low_item[1]))
    first, last = rows[0], rows[-1]
    if months and len(rows) >= 2:
        key = ("trend_up" if last[1] > first[1] else "trend_down" if last[1] < first[1]
               else "trend_flat")
        add(key, first=show(first[0]), last=show(last[0]), what=what, what_cap=_cap(what),
            a=amount(first[1]), b=amount(last[1]))
    if wide and len(measures) >= 2:
        parts = [(block.header[k], sums[last[0]][k]) for k in measures
                 if sums[last[0]][k] is not None]
        if months and parts:
            top = max(parts, key=lambda x: x[1])
            add("top_in_last", last=show(last[0]), col=top[0], value=amount(top[1]))
            moves = []
            for k in measures:
                a, b = sums[first[0]][k], sums[last[0]][k]
                if a and b is not None and a != b:
                    moves.append((abs(b - a) / abs(a), block.header[k], a, b))
            if moves:
                _, col, a, b = max(moves)
                add("col_up" if b > a else "col_down", col=col, a=amount(a), b=amount(b),
                    first=show(first[0]), last=show(last[0]))
        else:
            col_sums = [(block.header[k], sum(sums[lab][k] or 0.0 for lab in labels))
                        for k in measures]
            top = max(col_sums, key=lambda x: x[1])
            add("col_total", col=top[0], value=amount(top[1]))
    if months and len(rows) >= 2:
        change = next((k for k in pct if _cue("change_columns").search(head(k))), None)
        if change is not None and sums[last[0]][change] is not None:
            c = sums[last[0]][change]
            if c:
                add("change_up" if c > 0 else "change_down", last_cap=_cap(show(last[0])),
                    pct=pct_text(c))
    if len(rows) >= 2:
        add("total", n=str(len(rows)), rows=row_word, value=amount(grand))
        if grand:
            add("share", label=show(best[0]), pct=pct_text(best[1] / grand * 100), what=what)
        add("average", row=row_word, value=amount(grand / len(rows), 1))
    if len(ordered) >= 3:
        add("second", label=show(ordered[1][0]), value=amount(ordered[1][1]))
    for k in others:
        vals = [(lab, sums[lab][k]) for lab in labels if sums[lab][k] is not None]
        if vals:
            lab, v = max(vals, key=lambda x: x[1])
            name = re.sub(r"\s*\(.*?\)\s*", "", block.header[k]).replace("_", " ").strip().lower()
            add("other_measure", label=show(lab), what=name,
                value=number(v, _decimals(parsed[k])))
    if len(rows) >= 2 and grand:
        add("share", label=show(worst[0]), pct=pct_text(worst[1] / grand * 100), what=what)

    if cut:
        out_rows = len(block.rows)
    wanted = _count(instruction) or 3
    chosen = out[:wanted]
    text = [d["heading"], *[f"{i}. {x}" for i, x in enumerate(chosen, 1)]]
    if len(chosen) < wanted:
        text.append(d["not_enough"].format(k=len(chosen)))
    if _cue("suggest").search(fi) and len(rows) >= 2:
        text.append(d["suggestion"].format(best=show(best[0]), worst=show(worst[0])))
    if cut:
        text.append(d["cut"].format(rows=number(out_rows)))
    return "\n".join(text)
