"""Streaming time by input and output format: CSV or JSON Lines in, csv, tsv or JSON Lines out.

The points are pipeline.py's (seeded uniform values in [-10, 10) for 3*(a+b*c), forward
differences with eps 0.01), written once as CSV under a header and once as JSON Lines objects.
Each combination runs with ``--jobs 1`` and ``--jobs 2``, the combinations alternating within each
round so drift on a shared machine hits all alike; the script reports each one's median wall time,
its output's size, and checks that every output carries the same f and gradient bits as the CSV
one (all rows of csv and tsv; the first 20,000 records of JSON Lines, which are read back with
``json``).

    python benchmarks/formats.py                    # 1,000,000 points, 3 rounds
    python benchmarks/formats.py --size 200000 --runs 5
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from pipeline import EXPR, byte_compile, installed_script, timed, write_input

CHECKED_RECORDS = 20_000


def answers(path: Path, fmt: str, limit: int | None = None) -> np.ndarray:
    """f and the gradient of each output row (up to ``limit``) as float64: an (n, 4) array."""
    rows = []
    with open(path) as out:
        if fmt != "json":
            out.readline()  # the header
        for i, line in enumerate(out):
            if limit is not None and i >= limit:
                break
            if fmt == "json":
                record = json.loads(line)
                rows.append([record["value"], *record["gradient"].values()])
            else:
                rows.append(line.rstrip("\n").split("," if fmt == "csv" else "\t")[-4:])
    return np.array(rows, dtype=np.float64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="points")
    parser.add_argument("--runs", type=int, default=3, help="rounds (each runs every combination once)")
    args = parser.parse_args()
    byte_compile()
    gradcli = installed_script()
    work = Path(tempfile.mkdtemp(prefix="gradcli-formats-"))
    try:
        inputs = {"csv": work / "points.csv", "jsonl": work / "points.jsonl"}
        write_input(inputs["csv"], args.size)
        write_input(inputs["jsonl"], args.size, jsonl=True)
        combos = list(itertools.product(("csv", "jsonl"), ("csv", "tsv", "json"), (1, 2)))
        times: dict[tuple[str, str, int], list[float]] = {combo: [] for combo in combos}
        sizes: dict[tuple[str, str, int], int] = {}
        same: dict[tuple[str, str, int], bool] = {}
        reference = None
        for _ in range(args.runs):
            for combo in combos:
                source, fmt, jobs = combo
                out = work / f"out.{fmt}"
                cmd = [
                    gradcli, "grad", EXPR, "--input", str(inputs[source]), "--method", "forward",
                    "--eps", "0.01", "--format", fmt, "--jobs", str(jobs),
                ]  # fmt: skip
                times[combo].append(timed(cmd, out)[0])
                if combo not in same:
                    sizes[combo] = out.stat().st_size
                    got = answers(out, fmt, CHECKED_RECORDS if fmt == "json" else None)
                    if reference is None:
                        reference = got
                    want = reference[: len(got)]
                    same[combo] = len(got) in (args.size, CHECKED_RECORDS) and np.array_equal(
                        got.view(np.int64), want.view(np.int64)
                    )
        print(f"{args.size:,} points of {EXPR}, forward, eps 0.01; median of {args.runs} rounds")
        print(f"{'in':<6} {'out':<5} {'jobs':>4} {'time':>8} {'output':>10}  same bits")
        for combo in combos:
            source, fmt, jobs = combo
            print(
                f"{source:<6} {fmt:<5} {jobs:>4} {statistics.median(times[combo]):7.2f}s "
                f"{sizes[combo] / 2**20:8.0f} MiB  {same[combo]}"
            )
        return 0 if all(same.values()) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
