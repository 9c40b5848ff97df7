"""Interactive playground widgets for the lessons (ipywidgets 8).

Each widget has a plain-Python core that tests drive without a browser, and a `.ui` box;
`display(obj)` or `obj` as the last expression of a cell shows it.

- `setup()` -> ConnectionPanel: provider, model, API key (cleared after use), test, offline.
- `PromptBuilder(role, context, task, format, tone, constraints, system)`: six-part prompt,
  live preview and score, streamed answer; `.prompt`, `.send()`, `.answer`, `.fields`.
- `CompareSettings(prompt, temperatures=(0.0, 0.7, 1.2), models=None)`: `.run()`.
- `TokenCost(text, english=None, model=None)`: `.compute()` -> tokens, ratio, cost in VND.
- `ChatBox(system_prompt, greeting=None)`: `.send(text)`, `.history`, `.reset()`.
- `BatchRun(df, template, output_column="ket_qua")`: `.run()`, `.stop()`, `.export_excel()`,
  `.export_csv()`; helpers `fill_template()` and `run_batch()`.
- `FunnelChart(stages)`: `.table()`, `.biggest_drop()`, `.what_if()`; helper `funnel_table()`.
- `PrivacyCheck(text)`: `.matches`, `.masked`.
- `Quiz(questions, title=None)`, `Quiz.load(name)`: `.check(i, value)`, `.score_text()`.
"""

from .batch_run import BatchRun, fill_template, run_batch
from .chat_box import ChatBox
from .compare import CompareSettings
from .connection import ConnectionPanel, setup
from .funnel import FunnelChart, funnel_table
from .privacy_check import PrivacyCheck
from .prompt_builder import PromptBuilder
from .quiz import Quiz
from .token_cost import TokenCost

__all__ = [
    "BatchRun",
    "ChatBox",
    "CompareSettings",
    "ConnectionPanel",
    "FunnelChart",
    "PrivacyCheck",
    "PromptBuilder",
    "Quiz",
    "TokenCost",
    "fill_template",
    "funnel_table",
    "run_batch",
    "setup",
]
