"""Start-up time of `gradcli grad` against the imports it cannot avoid.

Goal: the table path within 1.15x the wall time of
`python -c "import numpy, click, rich.console, rich.table"`, and the json path within 1.10x
of `python -c "import numpy, click"`. Runs are alternated (baseline, gradcli, baseline, ...)
so drift on the machine hits both sides alike; the medians are compared.

    python benchmarks/startup.py            # 40 runs of each
    python benchmarks/startup.py --runs 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
SEED = ["grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2"]
CASES = [
    (
        "table",
        [PY, "-c", "import numpy, click, rich.console, rich.table"],
        [PY, "-m", "gradcli", *SEED],
        1.15,
    ),
    ("json", [PY, "-c", "import numpy, click"], [PY, "-m", "gradcli", *SEED, "--format", "json"], 1.10),
]


def byte_compile() -> None:
    """pip byte-compiles an installed package; an editable checkout may have no .pyc files
    (e.g. under PYTHONDONTWRITEBYTECODE), which would charge gradcli for compiling itself."""
    import compileall

    import gradcli

    compileall.compile_dir(os.path.dirname(gradcli.__file__), quiet=1)


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--entry",
        choices=["module", "script"],
        default="module",
        help="run gradcli as 'python -m gradcli' (default) or through the installed 'gradcli' script",
    )
    args = parser.parse_args()
    env_note = f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    print(f"start-up, medians of {args.runs} alternating runs ({env_note})")
    byte_compile()
    failed = False
    for name, base_cmd, tool_cmd, goal in CASES:
        if args.entry == "script":
            beside = Path(sys.executable).parent / "gradcli"  # this Python's script, not a shim before it
            exe = str(beside) if beside.is_file() else shutil.which("gradcli")
            if exe is None:
                print("the gradcli script is not installed", file=sys.stderr)
                return 2
            tool_cmd = [exe, *tool_cmd[3:]]
        for cmd in (base_cmd, tool_cmd):  # warm the file cache
            wall(cmd)
        base, tool = [], []
        for _ in range(args.runs):
            base.append(wall(base_cmd))
            tool.append(wall(tool_cmd))
        b, t = statistics.median(base), statistics.median(tool)
        ratio = t / b
        verdict = "ok" if ratio <= goal else "OVER GOAL"
        failed |= ratio > goal
        print(
            f"  {name:5}  baseline {b * 1000:7.1f} ms   gradcli {t * 1000:7.1f} ms   ratio {ratio:.3f}  (goal <= {goal})  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
