"""Where one process's time goes on a stream: each stage of a chunk, timed over a million points.

Reads the benchmark's CSV (``3*(a+b*c)``, three columns under a header; written here if absent)
in the chunks the stream reader makes, and times, in this process, each stage gradcli's
pipeline runs on a chunk: reading the text into numbers, the forward pass, backprop with its
error bound, the finite differences (forward, eps 0.01, as ``benchmarks/pipeline.py``), the
diagnostics, and writing the CSV text. Prints seconds per million points for each stage, so a
change can be measured where it lands. Wall time of the whole command, and its scaling with
``--jobs``, is ``benchmarks/pipeline.py``'s.

    python benchmarks/pipeline_profile.py
    python benchmarks/pipeline_profile.py --points 200000 --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import EXPR, write_input

from gradcli.derive.bound import bounded_backprop
from gradcli.derive.diagnostics import diagnose
from gradcli.derive.methods import finite_difference
from gradcli.derive.precise import refine
from gradcli.language.evaluate import columns, forward
from gradcli.language.parse import parse
from gradcli.output.numbers import number_rows
from gradcli.pipeline import _lines
from gradcli.points.chunks import read_chunks
from gradcli.points.layout import detect
from gradcli.points.reader import parse_chunk


def profile(path: Path) -> dict[str, float]:
    """Seconds spent in each stage over every chunk of ``path``."""
    expr = parse(EXPR)
    spent: dict[str, float] = defaultdict(float)
    layout = None
    skip = 0

    def timed(stage: str, fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        spent[stage] += time.perf_counter() - start
        return out

    with open(path, "rb", buffering=0) as source:
        for chunk in read_chunks(source):
            if not chunk.text:
                continue
            if layout is None:
                first = chunk.text.split("\n", 1)[0]
                layout = detect(first, expr.variables, None)
                skip = 1
            points, rows, lines, _ = timed(
                "read numbers (parse_chunk)", parse_chunk, chunk.text, chunk.first, layout, ",", skip
            )
            skip = 0
            n = len(lines)
            cols = columns(points)
            values = timed("forward pass", forward, expr, cols)
            f = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (n,))
            bounded = timed("backprop and its bound", bounded_backprop, expr, values, n)
            value, exact, bound, precise = timed(
                "precision check", refine, expr, points, f, bounded.grad, bounded.bound, "auto"
            )
            diff = timed("finite differences", finite_difference, expr, cols, f, "forward", 0.01, whole=False)
            timed(
                "diagnostics",
                diagnose,
                expr,
                values,
                f,
                exact,
                bounded.adjoints,
                diff,
                1e-6,
                1e6,
                bound=bound,
                precise=precise,
            )

            timed("CSV text", _csv_text, rows, value, diff.gradient.T)
    return dict(spent)


def _csv_text(rows: list[str], value: np.ndarray, gradient: np.ndarray) -> str:
    """The stream's CSV rows: each input row as read, then f and the gradient."""
    return _lines(rows, number_rows(np.column_stack([value, gradient]), ","), ",")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="passes; the fastest of each stage is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.csv"
        write_input(path, args.points)
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            for stage, seconds in profile(path).items():
                best[stage] = min(best.get(stage, float("inf")), seconds)
    scale = 1_000_000 / args.points
    total = sum(best.values())
    print(f"per 1,000,000 points of {EXPR} (forward, eps 0.01, CSV out), one process, best of {args.repeat}:")
    for stage, seconds in best.items():
        print(f"  {stage:<28} {seconds * scale:6.3f} s  {100 * seconds / total:4.0f}%")
    print(f"  {'total':<28} {total * scale:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
