"""Small helpers for lessons 00-04: lesson data, the learner's product and exports.

Lessons call these instead of carrying file paths and Excel code in their cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from course.errors import CourseError
from course.i18n import t
from course.text import fold, nfc

DATA = Path(__file__).resolve().parents[1] / "data"
OUTPUT_DIR = "ket_qua"


def load(name: str) -> pd.DataFrame:
    """A lesson table by name, e.g. load("leads") or load("products")."""
    path = DATA / "products.csv" if name == "products" else DATA / "lessons" / f"{name}.csv"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in (DATA / "lessons").glob("*.csv")))
        raise CourseError(t("lessons.no_table", name=name, names=names + ", products"))
    return pd.read_csv(path, encoding="utf-8")


def find_product(name: str) -> dict[str, object]:
    """The row of products.csv whose name matches `name` (accents and case are forgiven)."""
    products = load("products")
    wanted = fold(nfc(str(name)))
    if wanted:
        for _, row in products.iterrows():
            if fold(row["ten_sp"]) == wanted:
                return row.to_dict()
        words = set(wanted.split())
        for _, row in products.iterrows():  # "ca phe khe sanh" finds "Cà phê Arabica Khe Sanh"
            if words <= set(fold(row["ten_sp"]).split()):
                return row.to_dict()
    raise CourseError(t("lessons.no_product", name=name, names="; ".join(products["ten_sp"])))


def export(df: pd.DataFrame, filename: str, folder: str | Path = OUTPUT_DIR) -> Path:
    """Save a table as Excel (.xlsx) or CSV (.csv, UTF-8 with BOM so Excel shows accents)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    if path.suffix.lower() == ".xlsx":
        df.to_excel(path, index=False)
    elif path.suffix.lower() == ".csv":
        df.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        raise CourseError(t("lessons.bad_export_name", name=filename))
    return path


__all__ = ["OUTPUT_DIR", "export", "find_product", "load"]
