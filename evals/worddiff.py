"""Two answers side by side with the changed words marked (HTML, every word escaped)."""

from __future__ import annotations

import difflib
import html
import re

# Words with the spaces after them, so the marked text reads exactly like the original.
_TOKEN = re.compile(r"\S+\s*|\s+")


def word_diff(old: str, new: str) -> tuple[str, str]:
    """(old, new) as HTML: words only in old wrapped in <del>, words only in new in <ins>."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # Compare words without their trailing spaces: a re-wrapped line is not a change.
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                                      autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        gone, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(html.escape(gone))
            right.append(html.escape(added))
            continue
        if gone:
            left.append(f"<del>{html.escape(gone)}</del>")
        if added:
            right.append(f"<ins>{html.escape(added)}</ins>")
    return "".join(left), "".join(right)
