"""Instructor tool around nbgrader: roster, release/collect, parallel sandboxed grading,
Vietnamese feedback, grade export, class report and certificates.

Run ``python -m autograder --help``.
"""

import os
import sys

# jsonschema imports the optional `rfc3987_syntax` package when present; it compiles a Lark
# grammar at import time (5-10 s on a small machine), paid by the grader and by every worker.
# Only the "iri" string format needs it, which no notebook or nbgrader schema uses, so the
# grader's processes skip it. AUTOGRADER_KEEP_RFC3987=1 turns this off.
if not os.environ.get("AUTOGRADER_KEEP_RFC3987"):
    sys.modules.setdefault("rfc3987_syntax", None)
