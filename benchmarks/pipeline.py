"""Streaming throughput and memory of `gradcli grad --input` against a mawk one-liner.

The goal: 1,000,000 points of 3*(a+b*c) (CSV with a header a,b,c), forward
differences with eps 0.01, CSV out, end to end faster than mawk doing the same forward
differences (printing the three inputs, f and the three derivatives with %.17g), with the same
numbers to the last bit; peak memory within 150 MiB and the same (within 10%) at 1M and 4M.

The script writes the input (seeded uniform values in [-10, 10), written by repr) and the awk
script, then alternates runs (mawk, gradcli, mawk, ...) so drift on a shared machine hits both
alike, and reports the median wall times, their ratio, gradcli's peak RSS (the largest of
the main process and its workers) and the peak PSS of all its processes together (sampled in
one more run, whose time is not counted: sampling takes CPU from the workers). Every gradcli
output is compared with mawk's as float64 bits, field by field.

    python benchmarks/pipeline.py                       # 1M and 4M points, 3 runs each
    python benchmarks/pipeline.py --sizes 1000000 --runs 5 --jobs 1
    python benchmarks/pipeline.py --sizes 1000000 --runs 7 --scaling   # and the speed-up from 1 worker
    python benchmarks/pipeline.py --without-orjson      # the pure-Python number paths
    python benchmarks/pipeline.py --sizes 1000000 --jsonl   # gradcli reads JSON Lines (mawk: CSV)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

EXPR = "3*(a+b*c)"
AWK = """BEGIN { FS = ","; e = 0.01 }
NR == 1 { next }
{
    a = $1; b = $2; c = $3
    f = 3*(a+b*c)
    da = (3*((a+e)+b*c) - f)/e
    db = (3*(a+(b+e)*c) - f)/e
    dc = (3*(a+b*(c+e)) - f)/e
    printf "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\\n", a, b, c, f, da, db, dc
}
"""
NO_ORJSON = "import sys; sys.modules['orjson'] = None; from gradcli.cli import main; main()"


def installed_script() -> str:
    """The ``gradcli`` script installed for this Python (beside its interpreter, as pip puts it),
    else the first on PATH. The script itself, not a version manager's shim in front of it (a
    pyenv shim is a shell script that adds about 0.1 s to every run)."""
    beside = Path(sys.executable).parent / "gradcli"
    return str(beside) if beside.is_file() else shutil.which("gradcli") or "gradcli"


def byte_compile() -> None:
    """pip byte-compiles an installed package; an editable checkout may have stale or no .pyc
    files (e.g. under PYTHONDONTWRITEBYTECODE), which would charge every run for compiling."""
    import compileall

    import gradcli

    compileall.compile_dir(os.path.dirname(gradcli.__file__), quiet=1)


def write_input(path: Path, n: int, seed: int = 1, jsonl: bool = False) -> None:
    """n rows of three seeded uniform values in [-10, 10), written by repr, under a header; or,
    with ``jsonl``, the same values as JSON Lines objects (``{"a": ..., "b": ..., "c": ...}``)."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as out:
        if not jsonl:
            out.write("a,b,c\n")
        row = '{{"a": {!r}, "b": {!r}, "c": {!r}}}\n' if jsonl else "{!r},{!r},{!r}\n"
        for start in range(0, n, 100_000):
            block = rng.uniform(-10, 10, (min(100_000, n - start), 3)).tolist()
            out.write("".join(row.format(a, b, c) for a, b, c in block))


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc)."""
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found.extend(_tree(int(child)))
    return found


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process: shared pages split among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(cmd: list[str], stdout: Path, sample: bool = False) -> tuple[float, float, float]:
    """Wall seconds, peak RSS in MiB (the largest of the process and its reaped children), and,
    with ``sample``, the peak of the whole process tree's summed PSS in MiB (0 without it).

    The RSS comes from GNU time (``/usr/bin/time -f %M``) where it exists: a child forked from
    this (large) Python process would otherwise be charged for its parent's pages until exec.
    Summed PSS counts the workers too, each shared page once: the memory the run really holds.
    It is read from /proc every 20 ms, which costs CPU (the kernel walks each process's page
    tables): on two cores that time is taken from the workers, so a sampled run's wall time is
    not reported (it made two workers look about 0.2 s slower per 1M points).
    """
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    report = stdout.with_suffix(".rss")
    wrapped = [gnu_time, "-q", "-f", "%M", "-o", str(report), *cmd] if gnu_time else cmd
    peak_pss = 0
    with open(stdout, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out)
        if sample:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                peak_pss = max(peak_pss, sum(_pss_kib(p) for p in _tree(proc.pid)))
                time.sleep(0.02)
        else:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed with status {proc.returncode}")
    kib = int(report.read_text().split()[-1]) if gnu_time else usage.ru_maxrss
    return wall, kib / 1024, peak_pss / 1024


def same_bits(gradcli_out: Path, awk_out: Path) -> tuple[bool, int]:
    """Whether every field of the two outputs reads back to the same float64 (and the row count)."""
    rows = 0
    with open(gradcli_out) as g, open(awk_out) as a:
        g.readline()  # gradcli's header
        while True:
            gl, al = g.readlines(1 << 22), a.readlines(1 << 22)
            if not gl and not al:
                return True, rows
            while len(gl) != len(al):  # read the shorter side up to the same count
                more = (g if len(gl) < len(al) else a).readline()
                if not more:
                    return False, rows
                (gl if len(gl) < len(al) else al).append(more)
            x = np.array("".join(gl).replace("\n", ",").rstrip(",").split(","), dtype=np.float64)
            y = np.array("".join(al).replace("\n", ",").rstrip(",").split(","), dtype=np.float64)
            if x.shape != y.shape or not np.array_equal(x.view(np.int64), y.view(np.int64)):
                return False, rows
            rows += len(gl)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,4000000", help="comma-separated point counts")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each per size")
    parser.add_argument("--jobs", type=int, default=0, help="gradcli --jobs (0: one per core)")
    parser.add_argument("--without-orjson", action="store_true", help="hide orjson from gradcli")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="give gradcli the points as JSON Lines objects (mawk still reads the same points as CSV)",
    )
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="also run --jobs 1 in each round and report the speed-up from one worker to --jobs",
    )
    args = parser.parse_args()

    mawk = shutil.which("mawk")
    if mawk is None:
        raise SystemExit("mawk is not installed (apt-get install mawk)")
    gradcli = [sys.executable, "-c", NO_ORJSON] if args.without_orjson else [installed_script()]
    byte_compile()
    work = Path(tempfile.mkdtemp(prefix="gradcli-bench-"))
    (work / "fd.awk").write_text(AWK)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores, work dir {work}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            data = work / f"points{n}.csv"
            write_input(data, n)
            given = data
            if args.jsonl:
                given = work / f"points{n}.jsonl"
                write_input(given, n, jsonl=True)
            g_cmd = [
                *gradcli, "grad", EXPR, "--input", str(given), "--method", "forward", "--eps", "0.01",
                "--format", "csv", "--jobs", str(args.jobs),
            ]  # fmt: skip
            a_cmd = [mawk, "-f", str(work / "fd.awk"), str(data)]
            one_cmd = [*g_cmd[:-1], "1"]
            g_times, a_times, g_rss, a_rss, g_pss, one_times = [], [], [], [], [], []
            identical = True
            for _ in range(args.runs):
                wall, rss, _ = timed(a_cmd, work / "awk.out")
                a_times.append(wall)
                a_rss.append(rss)
                wall, rss, _ = timed(g_cmd, work / "gradcli.out")
                g_times.append(wall)
                g_rss.append(rss)
                same, rows = same_bits(work / "gradcli.out", work / "awk.out")
                identical = identical and same and rows == n
                if args.scaling:
                    one_times.append(timed(one_cmd, work / "gradcli.out")[0])
            g_pss.append(timed(g_cmd, work / "gradcli.out", sample=True)[2])  # one run for memory, untimed
            g, a = statistics.median(g_times), statistics.median(a_times)
            print(
                f"{n:>9,} points: gradcli {g:6.2f} s (runs {', '.join(f'{t:.2f}' for t in g_times)}), "
                f"mawk {a:6.2f} s (runs {', '.join(f'{t:.2f}' for t in a_times)}), "
                f"ratio gradcli/mawk {g / a:.2f}; peak RSS gradcli {max(g_rss):.1f} MiB "
                f"(all processes, summed PSS: {max(g_pss):.1f} MiB), "
                f"mawk {max(a_rss):.1f} MiB; same bits: {identical}"
            )
            if args.scaling:  # each round's ratio, so drift between rounds cancels
                speedup = statistics.median(one / many for one, many in zip(one_times, g_times))
                print(
                    f"{'':>9}  1 worker {statistics.median(one_times):6.2f} s "
                    f"(runs {', '.join(f'{t:.2f}' for t in one_times)}); "
                    f"1 -> {args.jobs or os.cpu_count()} workers: {speedup:.2f}x (median of the rounds' ratios)"
                )
            data.unlink()
            given.unlink(missing_ok=True)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
