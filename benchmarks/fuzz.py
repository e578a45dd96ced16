"""The long fuzz run: N generated inputs through gradcli, checked against its contract.

Cases come from the grammar in tests/fuzz/fuzz_cases.py (expressions, points, stream lines and
option combinations read from the CLI), one seed per case, run in-process through Click's test
runner; every ``--every``-th case is confirmed in a real process. The contract is
tests/fuzz/fuzz_contract.py. Prints a one-line summary; each failure goes to ``--log`` as one
JSON line (kind, owner if known, detail, the shell command that reproduces it).

    python benchmarks/fuzz.py --n 100000
    python benchmarks/fuzz.py --n 2000 --seed 7 --every 100 --log /tmp/fuzz.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "fuzz"))

from fuzz_cases import RandomDraw, case
from fuzz_contract import Failure, check_in_process, check_process, grew_past_limit, peak_rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="cases to run")
    parser.add_argument("--seed", type=int, default=0, help="first seed (case i uses seed + i)")
    parser.add_argument(
        "--every", type=int, default=500, help="confirm every Nth case in a real process (0: never)"
    )
    parser.add_argument(
        "--log",
        default=str(Path(tempfile.gettempdir()) / "gradcli-fuzz-failures.jsonl"),
        help="where each failure is written (one JSON line each)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    args = parser.parse_args()

    kinds: collections.Counter[str] = collections.Counter()
    known: collections.Counter[str] = collections.Counter()
    codes: collections.Counter[int] = collections.Counter()
    failed = processes = 0
    start = time.perf_counter()
    slowest = 0.0
    with open(args.log, "w") as log:
        for i in range(args.n):
            seed = args.seed + i
            sample = case(RandomDraw(seed))
            t = time.perf_counter()
            before = peak_rss()
            failures, code = check_in_process(sample)
            failures += grew_past_limit(sample, before)  # memory: the case that grew this process
            codes[code] += 1
            slowest = max(slowest, time.perf_counter() - t)
            if args.every and i % args.every == 0:
                real, real_code = check_process(sample)
                processes += 1
                failures += real
                if not real and real_code is not None and real_code != code:
                    failures.append(
                        Failure("exit", f"exit {real_code} in a real process, {code} in-process", sample)
                    )
            failed += bool(failures)
            for f in failures:
                owner = f.known()
                (known if owner else kinds)[f"{f.kind}:{owner}" if owner else f.kind] += 1
                record = {"seed": seed, "kind": f.kind, "owner": owner, "detail": f.detail[:2000]}
                log.write(json.dumps({**record, "command": f.case.shell()[:5000]}) + "\n")
            if not args.quiet and (i + 1) % 100 == 0:
                rate = (i + 1) / (time.perf_counter() - start)
                print(
                    f"\r{i + 1:,}/{args.n:,} cases, {failed:,} failing, {rate:.0f}/s", end="", file=sys.stderr
                )
    if not args.quiet:
        print(file=sys.stderr)
    elapsed = time.perf_counter() - start
    new = sum(kinds.values())
    print(
        f"fuzz: {args.n:,} cases (seeds {args.seed}..{args.seed + args.n - 1}) in {elapsed:.0f} s, "
        f"{processes:,} confirmed in real processes; {failed:,} failing "
        f"({new:,} new: {dict(kinds) or 'none'}; known, owned elsewhere: {dict(known) or 'none'}); "
        f"exit statuses {dict(sorted(codes.items()))}; slowest in-process case {slowest:.1f} s; log {args.log}"
    )
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
