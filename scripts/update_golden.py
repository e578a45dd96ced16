"""Rewrite tests/golden/<case>.txt from the current code: python scripts/update_golden.py [CASE...]

Run after a deliberate change of output, from the repository root, then read ``git diff tests/golden``
before committing: every changed line is a change a user will see.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(names: list[str]) -> int:
    os.chdir(ROOT)  # the stream case reads tests/golden/points.csv
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("golden_cases", ROOT / "tests" / "test_golden.py")
    assert spec is not None and spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    unknown = [name for name in names if name not in cases.CASES]
    if unknown:
        print(f"update_golden: no such case: {', '.join(unknown)}", file=sys.stderr)
        return 2
    changed = 0
    for name in names or sorted(cases.CASES):
        target = cases.path(name)
        text = cases.CASES[name]()
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if text != old:
            target.write_text(text, encoding="utf-8")
            changed += 1
            print(f"{'wrote' if old is None else 'updated'} {target.relative_to(ROOT)}")
    print(f"{changed} golden file{'s' * (changed != 1)} changed")
    return 0


if __name__ == "__main__":
    import numpy_dispatch  # beside this script

    numpy_dispatch.pin()  # before gradcli imports numpy: outputs the same on every x86-64 machine
    sys.exit(main(sys.argv[1:]))
