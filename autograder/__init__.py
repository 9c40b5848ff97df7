"""Instructor tool around nbgrader: roster, release/collect, parallel sandboxed grading,
Vietnamese feedback, grade export, class report and certificates.

Run ``python -m autograder --help``.
"""
