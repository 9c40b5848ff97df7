"""Shared helpers for the widget tests (no tests here): parse rendered HTML, walk widgets."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import ipywidgets as widgets

SAFE_TAGS = {"pre", "div", "b", "strong", "mark", "ul", "ol", "li", "br", "small", "h3", "h4",
             "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> TagCollector:
    p = TagCollector()
    p.feed(html)
    p.close()
    return p


def assert_safe(html: str) -> str:
    """Fail if the HTML has any element or attribute that could run code; return its text."""
    p = parse(html)
    for tag, attrs in p.tags:
        assert tag in SAFE_TAGS, f"unexpected element <{tag}> in {html!r}"
        for name in attrs:
            assert not name.startswith("on"), f"event handler {name} in {html!r}"
            assert name in ("style", "title", "class", "border"), f"attribute {name} in {html!r}"
    return "".join(p.text)


def all_state(root: widgets.Widget) -> str:
    """JSON of the synced state of a widget and every child: what a saved notebook would hold."""
    seen, out, todo = set(), [], [root]
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        out.append(w.get_state())
        todo.extend(getattr(w, "children", ()))
        todo.extend(x for x in (getattr(w, "layout", None), getattr(w, "style", None)) if x)
    return json.dumps(out, ensure_ascii=False, default=str)
