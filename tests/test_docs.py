"""The documentation stays true to the code: every reason the code can give is documented."""

import re
from pathlib import Path

import geozz as gz

DOC = Path(__file__).parent.parent / "docs" / "untrusted-input.md"


def table_rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `(\w+)` \|(.*)\|$", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return rows


def test_every_reject_reason_is_documented_with_its_kind():
    rows = table_rows(DOC.read_text(encoding="utf-8"))
    kinds = {reason: rows[reason][0] for reason in gz.problems.REJECT_KINDS if reason in rows}
    assert kinds == dict(gz.problems.REJECT_KINDS)


def test_every_assignment_reason_is_documented():
    rows = table_rows(DOC.read_text(encoding="utf-8"))
    assert set(gz.assignment.REASONS) <= set(rows)


def test_readme_links_the_documentation():
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/untrusted-input.md" in readme
