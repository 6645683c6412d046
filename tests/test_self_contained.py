"""The repository stands on its own: nothing reads from outside it (CI may have no shared
folder beside the clone)."""

from __future__ import annotations

import re

from .conftest import ROOT

_OUTSIDE = re.compile(r"""\.\./shared|parent\s*/\s*["']shared["']|/work/shared""")


def test_no_code_or_test_reaches_outside_the_repository():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("chatbot", "evals", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if _OUTSIDE.search(path.read_text(encoding="utf-8"))
        and path.name != "test_self_contained.py"
    ] + [name for name in ("ingest.py", "app.py", "Makefile")
         if _OUTSIDE.search((ROOT / name).read_text(encoding="utf-8"))]
    assert offenders == []
