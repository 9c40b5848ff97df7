"""course.show_status(), course.status(), course.usage(): Vietnamese tables in a notebook, while
status() stays a dict and usage() a DataFrame for code."""

from __future__ import annotations

import pickle

import nbformat
import pandas as pd
from IPython.lib.pretty import pretty
from nbclient import NotebookClient
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.llm import session

KEY = "sk-proj-" + "Zq" * 20 + "wxyz"


def test_offline_status_is_a_vietnamese_table_not_a_dict():
    table = course.show_status()
    text = repr(table)
    assert "{" not in text and "'backend'" not in text and "None" not in text
    assert t("widgets.st_mode") in text and t("widgets.conn_offline_label") in text
    assert "0 đồng" in text
    shown = assert_safe(table._repr_html_())
    assert t("widgets.st_title") in shown and t("widgets.st_key") in shown
    assert isinstance(course.status(), dict)  # the API code and tests use is unchanged


def test_online_status_masks_the_key_and_writes_money_the_vietnamese_way():
    course.configure(provider="openai", api_key=KEY, budget_vnd=1_250_000)
    text = repr(course.show_status())
    assert KEY not in text and "…wxyz" in text
    assert "1.250.000 đồng" in text and "OpenAI" in text
    assert "https://api.openai.com/v1" in text
    html = course.show_status()._repr_html_()
    assert KEY not in html and "1.250.000 đồng" in assert_safe(html)


def test_status_is_the_same_dict_for_code_and_a_vietnamese_table_on_screen():
    status = course.status()
    assert isinstance(status, dict) and dict(status) == session.status()
    assert status["backend"] == "offline"
    shown = pretty(status)  # what IPython writes as text/plain
    assert "{" not in shown and "'backend'" not in shown and "None" not in shown
    assert t("widgets.st_mode") in shown and t("widgets.conn_offline_label") in shown
    html = assert_safe(status._repr_html_())
    assert t("widgets.st_title") in html and "backend" not in html


def test_usage_is_a_dataframe_for_code_and_vietnamese_on_screen():
    course.reset_usage()
    assert t("widgets.us_empty") in pretty(course.usage())
    course.ask("Viết 2 câu chào khách cho tiệm giặt ủi Sạch Thơm")
    usage = course.usage()
    assert isinstance(usage, pd.DataFrame) and len(usage) == 1
    assert usage.iloc[-1].backend == "offline" and usage.iloc[-1].cost_vnd == 0
    assert type(usage[usage.cached == False]) is pd.DataFrame  # noqa: E712 derived: plain again
    text, html = pretty(usage), assert_safe(usage._repr_html_())
    for shown in (text, html):
        assert t("widgets.us_tokens_in") in shown and t("widgets.us_time") in shown
        assert "0 đồng" in shown  # course.numbers
        assert t("widgets.us_offline") in shown and t("widgets.us_no") in shown
        for english in ("tokens_in", "cost_vnd", "cached", "True", "False", "dtype", "backend"):
            assert english not in shown, english
    again = pickle.loads(pickle.dumps(usage))
    assert list(again.columns) == list(usage.columns)
    course.reset_usage()


def test_usage_time_is_vietnam_time():
    course.reset_usage()
    course.ask("Chào shop")
    utc = pd.Timestamp(course.usage().iloc[-1].time)
    shown = pretty(course.usage())
    assert (utc + pd.Timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")[:5] in shown
    course.reset_usage()


def test_in_a_kernel_status_and_usage_display_as_vietnamese_tables(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import course\ncourse.status()"),
                nbformat.v4.new_code_cell("course.ask('Chào shop')\ncourse.usage()")]
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells:
        data = cell.outputs[-1]["data"]
        assert "text/html" in data and "'backend'" not in data["text/plain"]
        assert "dtype" not in data["text/plain"] and "tokens_in" not in data["text/html"]
    assert t("widgets.st_title") in nb.cells[0].outputs[-1]["data"]["text/html"]
    assert t("widgets.us_tokens_in") in nb.cells[1].outputs[-1]["data"]["text/html"]
