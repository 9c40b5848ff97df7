"""Interactive playground widgets for the lessons (ipywidgets 8).

Each widget has a plain-Python core that tests drive without a browser, and a `.ui` box;
`display(obj)` or `obj` as the last expression of a cell shows it.

- `setup()` -> ConnectionPanel: provider, model, API key (cleared after use), test, offline.
- `PromptBuilder(role, context, task, format, tone, constraints, system)`: six-part prompt,
  live preview and score, streamed answer; `.prompt`, `.send()`, `.answer`, `.fields`.
- `CompareSettings(prompt, temperatures=(0.0, 0.7, 1.2), models=None)`: `.run()`.
- `TokenCost(text, english=None, model=None)`: `.compute()` -> tokens, ratio, cost in VND.
- `ChatBox(system_prompt, greeting=None)`: `.send(text)`, `.history`, `.reset()`.
- `BatchRun(df, template, output_column="ket_qua")`: `.run()`, `.start()`, `.stop()`,
  `.export_excel()`, `.export_csv()` (to ket_qua/ by default, answers without the simulation
  label, a `mo_phong` column); traits `result`, `error`, `running`; helpers `fill_template()`
  and `run_batch()`.
- `FunnelChart(stages)`: `.table()`, `.biggest_drop()`, `.what_if()`; helper `funnel_table()`.
- `PrivacyCheck(text)`: `.matches`, `.masked`.
- `Quiz(questions, title=None)`, `Quiz.load(name)`: `.check(i, value)`, `.score_text()`.
- `TemperatureExplorer(model)`: lesson 01's n-gram sampler on a slider.
- `CapstoneForm(folder)`: lesson 09's five questions -> plan workbook.
- `ProductForm(folder)`: "Sản phẩm của bạn" -> ket_qua/san_pham_cua_ban.json, read by
  lessons 03, 04, 06 and 09 through `course.lessons.profile.load()`.
- Lesson steps that used to need code edits, as fields and buttons (the app view has no code):
  `PromptRounds`, `FewShot`, `PromptLibrary` (02), `FaqSearch`, `ComplaintReply` (05),
  `StoryFormats` (06), `SalesReport` (07, the participant's own sales file), `TimeSavings`
  (04, hours saved with the team's own numbers).

Modules load on first use, so `course.setup()` or a quiz does not pay for pandas/matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BatchRun": "batch_run",
    "TimeSavings": "time_savings",
    "CapstoneForm": "capstone_form",
    "fill_template": "batch_run",
    "run_batch": "batch_run",
    "ChatBox": "chat_box",
    "ComplaintReply": "care_desk",
    "FaqSearch": "care_desk",
    "FewShot": "prompt_tools",
    "PromptLibrary": "prompt_tools",
    "PromptRounds": "prompt_tools",
    "SalesReport": "own_sales",
    "StoryFormats": "story_formats",
    "CompareSettings": "compare",
    "ConnectionPanel": "connection",
    "setup": "connection",
    "FunnelChart": "funnel",
    "funnel_table": "funnel",
    "PrivacyCheck": "privacy_check",
    "ProductForm": "product_form",
    "PromptBuilder": "prompt_builder",
    "Quiz": "quiz",
    "TemperatureExplorer": "temperature",
    "TokenCost": "token_cost",
}

__all__ = [
    "BatchRun",
    "CapstoneForm",
    "ChatBox",
    "CompareSettings",
    "ComplaintReply",
    "ConnectionPanel",
    "FaqSearch",
    "FewShot",
    "FunnelChart",
    "PrivacyCheck",
    "ProductForm",
    "PromptBuilder",
    "PromptLibrary",
    "PromptRounds",
    "Quiz",
    "SalesReport",
    "StoryFormats",
    "TemperatureExplorer",
    "TimeSavings",
    "TokenCost",
    "fill_template",
    "funnel_table",
    "run_batch",
    "setup",
]

if TYPE_CHECKING:
    from .batch_run import BatchRun, fill_template, run_batch
    from .capstone_form import CapstoneForm
    from .care_desk import ComplaintReply, FaqSearch
    from .chat_box import ChatBox
    from .compare import CompareSettings
    from .connection import ConnectionPanel, setup
    from .funnel import FunnelChart, funnel_table
    from .own_sales import SalesReport
    from .privacy_check import PrivacyCheck
    from .product_form import ProductForm
    from .prompt_builder import PromptBuilder
    from .prompt_tools import FewShot, PromptLibrary, PromptRounds
    from .quiz import Quiz
    from .story_formats import StoryFormats
    from .temperature import TemperatureExplorer
    from .time_savings import TimeSavings
    from .token_cost import TokenCost


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
