#!/usr/bin/env bash
# Mutation-testing recipe for geozz (mutmut 3.x), reproducible on any checkout.
#
#   usage: bash dev/mutation.sh REPO [OUTDIR]
#
# REPO    a geozz checkout (its working tree is used: tracked + untracked, non-ignored files)
# OUTDIR  where the results go (default /tmp/mutation-<basename REPO>); wiped first.
#
# Environment knobs (defaults are the recipe; change them only knowingly):
#   MUT_VENV      venv holding geozz's deps + mutmut   (default REPO/.venv)
#   MUT_CHILDREN  mutmut --max-children                (default 2)
#   MUT_MODULES   modules to mutate                    (default the four below)
#   MUT_TESTS     test files run against the mutants   (default the three below)
#
# What it does:
#   1. copies the working tree of REPO into OUTDIR/src (never touches REPO);
#   2. replaces any [tool.mutmut] table of the copy's pyproject.toml with the one below:
#      mutate only the listed modules; run tests/test_assignment.py, tests/test_rating.py,
#      tests/test_maps.py and the doctests of the mutated modules (the suite's own addopts
#      --doctest-modules --import-mode=importlib stay on; the doctests of mutmut's copies
#      x_f__mutmut_N of each function are deselected with -k, see below);
#   3. `mutmut run --max-children $MUT_CHILDREN` (mutmut copies the sources into
#      OUTDIR/src/mutants and runs pytest there; data/ is copied along);
#   4. prints module -> killed / survived / timeout / other / total and writes
#      OUTDIR/survivors.txt: one line per surviving mutant, "name | - old | + new".
# mutmut 3 mutates function bodies only (module-level constants are not mutated).
set -euo pipefail

REPO=$(cd "${1:?usage: mutation.sh REPO [OUTDIR]}" && pwd)
OUT=${2:-/tmp/mutation-$(basename "$REPO")}
VENV=${MUT_VENV:-$REPO/.venv}
CHILDREN=${MUT_CHILDREN:-2}
MODULES=${MUT_MODULES:-"geozz/assignment geozz/rating.py geozz/rubric.py geozz/maps.py"}
TESTS=${MUT_TESTS:-"tests/test_assignment.py tests/test_rating.py tests/test_maps.py"}

case "$OUT" in /|"$REPO"|"$REPO"/*) echo "refusing OUTDIR $OUT" >&2; exit 2;; esac
rm -rf "$OUT"
mkdir -p "$OUT/src"
# the working tree as it is (committed or not), without .git, venvs or caches
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
    | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$OUT/src"
{
  echo "repo: $REPO"
  echo "commit: $(git -C "$REPO" rev-parse HEAD)"
  echo "uncommitted changes: $(git -C "$REPO" status --porcelain | wc -l) paths"
  echo "date: $(date -u +%FT%TZ)"
} > "$OUT/meta.txt"

. "$VENV/bin/activate"
echo "mutmut $(pip show mutmut 2>/dev/null | sed -n 's/^Version: //p'), $(python --version)" >> "$OUT/meta.txt"

cd "$OUT/src"
python - "$MODULES" "$TESTS" <<'PY'
import re, sys, tomllib, json
mods, tests = sys.argv[1].split(), sys.argv[2].split()
text = open("pyproject.toml", encoding="utf-8").read()
# drop an existing [tool.mutmut] table (up to the next table header)
text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
q = lambda xs: "[" + ", ".join(json.dumps(x) for x in xs) + "]"
text += f"""
[tool.mutmut]
source_paths = ["geozz"]
only_mutate = {q(mods)}
also_copy = ["data"]
pytest_add_cli_args_test_selection = {q(tests + mods)}
# mutmut keeps every mutant's copy of a function (x_f__mutmut_N) in the module, docstring
# included: --doctest-modules would run each doctest once per copy; keep the real ones only
pytest_add_cli_args = ["-p", "no:cacheprovider", "-k", "not __mutmut_"]
use_git_change_detection = false
"""
tomllib.loads(text)  # still valid
open("pyproject.toml", "w", encoding="utf-8").write(text)
PY

start=$(date +%s)
mutmut run --max-children "$CHILDREN" > "$OUT/run.log" 2>&1 || {
  echo "mutmut run failed, see $OUT/run.log" >&2; tail -30 "$OUT/run.log" >&2; exit 1; }
echo "wall: $(( $(date +%s) - start )) s" >> "$OUT/meta.txt"

mutmut results --all true > "$OUT/results.txt"
python - "$OUT" <<'PY'
import collections, sys
import mutmut.__main__  # noqa: F401  (sets mutmut up as its CLI does)
from mutmut.mutation.diff_apply import get_diff_for_mutant
out = sys.argv[1]
rows = collections.defaultdict(collections.Counter)
survivors = []
for line in open(f"{out}/results.txt", encoding="utf-8"):
    if ": " not in line:
        continue
    name, status = line.strip().rsplit(": ", 1)
    module = name.split(".x_")[0].split(".x\u01c1")[0]
    rows[module][status] += 1
    if status == "survived":
        survivors.append((module, name))
print(f"{'module':<20}{'killed':>8}{'survived':>10}{'timeout':>9}{'other':>7}{'total':>7}")
tot = collections.Counter()
for module in sorted(rows):
    c = rows[module]
    other = sum(c.values()) - c["killed"] - c["survived"] - c["timeout"]
    print(f"{module:<20}{c['killed']:>8}{c['survived']:>10}{c['timeout']:>9}{other:>7}"
          f"{sum(c.values()):>7}")
    tot.update(c)
other = sum(tot.values()) - tot["killed"] - tot["survived"] - tot["timeout"]
print(f"{'TOTAL':<20}{tot['killed']:>8}{tot['survived']:>10}{tot['timeout']:>9}{other:>7}"
      f"{sum(tot.values()):>7}")
others = {s for c in rows.values() for s in c} - {"killed", "survived", "timeout"}
if others:
    print("other =", ", ".join(sorted(others)))
def function_of(module, name):  # geozz.m.x_f__mutmut_3 -> f; geozz.m.x\u01c1C\u01c1f.. -> C.f
    fn = name[len(module) + 1:].rsplit("__mutmut_", 1)[0]
    fn = fn[2:] if fn.startswith("x_") else fn[1:]
    return fn.strip("\u01c1").replace("\u01c1", ".")
per_function = collections.Counter(f"{m}.{function_of(m, n)}" for m, n in survivors)
print("survivors per function:")
for fn, n in sorted(per_function.items()):
    print(f"  {fn}: {n}")
with open(f"{out}/survivors.txt", "w", encoding="utf-8") as f:
    for module, name in survivors:
        diff = get_diff_for_mutant(name, path=module.replace(".", "/") + ".py")
        minus = [l[1:].strip() for l in diff.splitlines()
                 if l.startswith("-") and not l.startswith("---")]
        plus = [l[1:].strip() for l in diff.splitlines()
                if l.startswith("+") and not l.startswith("+++")]
        f.write(f"{name} | - {' / '.join(minus)} | + {' / '.join(plus)}\n")
print(f"{len(survivors)} survivors listed in {out}/survivors.txt")
PY
