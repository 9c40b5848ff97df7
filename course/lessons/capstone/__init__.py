"""Lesson 09 capstone: the participant's business -> a month's plan (model + workbook writer).

The form that fills it in is `course.widgets.CapstoneForm`.
"""

from .model import (
    CHANNEL_CHOICES,
    OUTPUT_DIR,
    SAMPLE,
    TONES,
    Business,
    Plan,
    answers_from_profile,
    build_plan,
    next_monday,
)
from .workbook import markdown_table, write_workbook

__all__ = ["CHANNEL_CHOICES", "OUTPUT_DIR", "SAMPLE", "TONES", "Business", "Plan",
           "answers_from_profile", "build_plan",
           "markdown_table", "next_monday", "write_workbook"]
