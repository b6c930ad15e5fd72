"""Sort the surviving mutants of dev/mutation.sh by what they change.

    python dev/survivors.py /tmp/mut/survivors.txt

Each line of ``survivors.txt`` is ``name | - old line(s) | + new line(s)``. A survivor is

- ``text``: only the inside of string literals changed (mutmut's ``"XX…XX"`` wrapping or a
  change of case): wording of a message, a label or a format that no test spells out;
- ``message``: the change is inside the construction of an error or its ``Issue`` (an
  argument set to ``None`` or dropped): which details an error carries;
- ``logic``: anything else — a comparison, a number, a call, a default, a branch.

Prints a table module -> text / message / logic / total, and, with ``--logic``, the logic
survivors themselves.
"""

from __future__ import annotations

import argparse
import collections
import io
import re
import tokenize


def _tokens(code: str) -> list[tuple[int, str]] | None:
    """Tokens of ``code`` with every string literal's content blanked; None if the line
    does not tokenize on its own."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code.strip() + "\n").readline):
            if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER, tokenize.COMMENT):
                continue
            if tok.type == tokenize.STRING or tok.type >= 61:  # 61+: f-string parts (3.12)
                out.append((tokenize.STRING, ""))
            else:
                out.append((tok.type, tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return out


def classify(old: str, new: str) -> str:
    """``text``, ``message`` or ``logic`` for one mutant (old and new source text).

    Examples
    --------
    >>> classify('fix="use 1–5 stars"))', 'fix="XXuse 1–5 starsXX"))')
    'text'
    >>> classify('issues.append(Issue(field="x", fix="y"))', 'issues.append(Issue(field=None, fix="y"))')
    'message'
    >>> classify('fix="use M")) ', 'fix=None))')
    'message'
    >>> classify("if s >= threshold:", "if s > threshold:")
    'logic'
    """
    a, b = _tokens(old), _tokens(new)
    if a is not None and a == b:
        return "text"
    if a is None or b is None:  # a fragment of a longer statement: compare without strings
        strip = re.compile(r"""(['"])(?:\\.|(?!\1).)*\1""")
        if strip.sub('""', old) == strip.sub('""', new):
            return "text"
    message = re.compile(r"\b(Issue|\w*Error|bad)\(|\b(fix|expected|got|field|stage)=")
    if message.search(old) or message.search(new):
        return "message"
    return "logic"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("survivors")
    ap.add_argument("--logic", action="store_true", help="list the logic survivors")
    args = ap.parse_args()
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    logic = []
    for line in open(args.survivors, encoding="utf-8"):
        if " | " not in line:
            continue
        name, old, new = (part.strip() for part in line.rstrip("\n").split(" | ", 2))
        module = re.split(r"\.x_|\.xǁ", name)[0]
        kind = classify(old.removeprefix("- "), new.removeprefix("+ "))
        table[module][kind] += 1
        if kind == "logic":
            logic.append(line.rstrip("\n"))
    print(f"{'module':<20}{'text':>6}{'message':>9}{'logic':>7}{'total':>7}")
    total = collections.Counter()
    for module in sorted(table):
        c = table[module]
        total.update(c)
        print(f"{module:<20}{c['text']:>6}{c['message']:>9}{c['logic']:>7}"
              f"{sum(c.values()):>7}")
    print(f"{'TOTAL':<20}{total['text']:>6}{total['message']:>9}{total['logic']:>7}"
          f"{sum(total.values()):>7}")
    if args.logic:
        print("\n".join(logic))


if __name__ == "__main__":
    main()
