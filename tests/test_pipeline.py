"""Streamed points end to end: `--at -` and `--input`, bad lines, order, parallel workers,
streaming through a real pipe, a closed pipe, Ctrl-C and the memory bound.

Most tests use Click's CliRunner; the ones about pipes, signals and memory run the installed
``gradcli`` for real.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gradcli import pipeline
from gradcli.cli import main
from gradcli.derive.gradient import compute
from gradcli.language.parse import parse
from gradcli.points import chunks

EXPR = "3*(a+b*c)"
FORWARD = ("--method", "forward", "--eps", "0.01")
GRADCLI = shutil.which("gradcli")
needs_gradcli = pytest.mark.skipif(GRADCLI is None, reason="gradcli is not installed on PATH")


def run(*args: str, input: str | bytes | None = None):
    result = CliRunner().invoke(main, list(args), input=input, prog_name="gradcli")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


def expected_rows(points: list[list[float]], method: str = "forward", eps: float | None = 0.01) -> np.ndarray:
    """f and the gradient by compute() itself, one row per point: what every row must hold."""
    result = compute(parse(EXPR), np.array(points, dtype=np.float64), method, eps)
    return np.column_stack([result.value, result.gradient])


def assert_rows_match(rows: list[list[str]], points: list[list[float]], k: int = 3) -> None:
    want = expected_rows(points)
    got = np.array([[float(x) for x in row[-4:]] for row in rows])
    assert got.view(np.int64).tolist() == want.view(np.int64).tolist()


def test_stdin_positional_csv_matches_at_bit_for_bit() -> None:
    streamed = run("grad", EXPR, "--at", "-", *FORWARD, "--format", "csv", input="5,3,2\n1,2,3\n")
    assert streamed.exit_code == 0, streamed.output
    at = run("grad", EXPR, "--at", "5,3,2", "--at", "1,2,3", *FORWARD, "--format", "csv")
    rows, at_rows = csv_rows(streamed.stdout), csv_rows(at.stdout)
    assert rows[0] == at_rows[0] == ["a", "b", "c", "f", "grad_a", "grad_b", "grad_c"]
    assert [r[3:] for r in rows[1:]] == [r[3:] for r in at_rows[1:]]
    assert rows[1][:3] == ["5", "3", "2"]  # the input columns as written
    assert streamed.stderr == ""


@pytest.mark.parametrize(
    "text",
    ["5\t3\t2\n1\t2\t3\n", "5 3 2\n1 2 3\n", "a=5,b=3,c=2\nb=2,a=1,c=3\n", "a,b,c\n5,3,2\n1,2,3\n"],
    ids=["tabs", "spaces", "named", "header"],
)
def test_every_input_form(text: str) -> None:
    result = run("grad", EXPR, "--at", "-", *FORWARD, "--format", "csv", input=text)
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert rows[0][3:] == ["f", "grad_a", "grad_b", "grad_c"]
    assert_rows_match(rows[1:], [[5, 3, 2], [1, 2, 3]])


def test_tsv_header_any_order_with_pass_through_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.tsv"
    path.write_text("c\tname\ta\tb\tnote\n2\tfirst\t5\t3\tx y\n3\tsecond\t1\t2\t\n")
    result = run("grad", EXPR, "--input", str(path), *FORWARD, "--format", "tsv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "c\tname\ta\tb\tnote\tf\tgrad_a\tgrad_b\tgrad_c"
    assert lines[1].startswith("2\tfirst\t5\t3\tx y\t33.0\t")
    assert lines[2].startswith("3\tsecond\t1\t2\t\t21.0\t")
    assert_rows_match([line.split("\t") for line in lines[1:]], [[5, 3, 2], [1, 2, 3]])
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_mixed_good_and_bad_lines_keep_every_good_row() -> None:
    rng = np.random.default_rng(7)
    points = rng.uniform(-5, 5, (300, 3)).tolist()
    lines, good, bad_numbers = [], [], []
    for i, p in enumerate(points):
        if i % 37 == 5:
            lines.append(f"{p[0]!r},oops,{p[2]!r}")
            bad_numbers.append(len(lines))
        elif i % 53 == 7:
            lines.append(f"{p[0]!r},{p[1]!r}")
            bad_numbers.append(len(lines))
        else:
            lines.append(",".join(map(repr, p)))
            good.append(p)
        if i % 41 == 0:
            lines.append("# a comment")
            lines.append("")
    result = run("grad", EXPR, "--at", "-", *FORWARD, "--format", "csv", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    rows = csv_rows(result.stdout)[1:]
    assert len(rows) == len(good)
    assert [[float(x) for x in r[:3]] for r in rows] == good
    assert_rows_match(rows, good)
    errors = result.stderr.splitlines()
    assert len(bad_numbers) > 10  # the first 10 by number, then one count
    assert [int(e.split("line ")[1].split(":")[0]) for e in errors[:10]] == bad_numbers[:10]
    assert (
        errors[10]
        == f"gradcli: error: {len(bad_numbers) - 10} more bad lines not shown (--errors FILE keeps them all)"
    )
    assert (
        errors[-1]
        == f"gradcli: error: {len(bad_numbers)} bad input lines left out; {len(good)} points written"
    )
    assert "Traceback" not in result.output


def test_on_error_stop_writes_the_rows_before_the_bad_line_then_stops() -> None:
    text = "1,1,1\n2,2,2\n3,x,3\n4,4,4\n"
    result = run("grad", EXPR, "--at", "-", "--format", "csv", "--on-error", "stop", input=text)
    assert result.exit_code == 1
    assert [r[:3] for r in csv_rows(result.stdout)[1:]] == [["1", "1", "1"], ["2", "2", "2"]]
    assert result.stderr.splitlines() == [
        "gradcli: error: line 3: b = 'x' is not a number",
        "gradcli: error: stopped at bad line 3 (--on-error stop); 2 points written before it",
    ]


def test_nonfinite_f_gets_an_empty_row_and_a_warning_not_a_crash() -> None:
    result = run("grad", "x/(x-1)", "--at", "-", "--format", "csv", input="2\n1\n3\n")
    assert result.exit_code == 1
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == 3
    assert rows[0].startswith("2,2.0,") and rows[1] == "1,," and rows[2].startswith("3,1.5,")
    assert "gradcli: warning: line 2: nonfinite: f is" in result.stderr


def test_json_records_carry_their_line_number() -> None:
    result = run("grad", EXPR, "--at", "-", "--format", "json", input="# c\n5,3,2\n\n1,2,3\n")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [2, 4]
    assert records[0]["point"] == {"a": 5.0, "b": 3.0, "c": 2.0}
    at = json.loads(run("grad", EXPR, "--at", "5,3,2", "--format", "json").stdout)
    assert {k: v for k, v in records[0].items() if k != "line"} == at


def test_json_stream_of_many_points_is_the_records_of_each(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    points = rng.uniform(-3, 3, (500, 3)).tolist()
    path = tmp_path / "in.csv"
    path.write_text("a,b,c\n" + "".join(",".join(map(repr, p)) + "\n" for p in points))
    result = run("grad", EXPR, "--input", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == list(range(2, 502))
    want = expected_rows(points, "central", None)
    got = [[r["value"], r["gradient"]["a"], r["gradient"]["b"], r["gradient"]["c"]] for r in records]
    assert np.array(got).view(np.int64).tolist() == want.view(np.int64).tolist()


def test_table_format_draws_each_streamed_point() -> None:
    result = run("grad", EXPR, "--at", "-", "--format", "table", input="5,3,2\n1,2,3\n")
    assert result.exit_code == 0
    assert result.stdout.count("expression  3*(a+b*c)") == 2
    assert "a=5.0, b=3.0, c=2.0" in result.stdout and "a=1.0, b=2.0, c=3.0" in result.stdout


def test_warnings_on_stderr_name_the_line_and_stop_at_twenty() -> None:
    result = run("grad", "sigmoid(x)", "--at", "-", "--format", "csv", input="\n".join(["40"] * 30) + "\n")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith("gradcli: warning: line 1, x: vanishing: ")
    assert len(lines) == 21 and lines[-1] == "gradcli: ... and 40 more warnings (see --format json)"
    strict = run("grad", "sigmoid(x)", "--at", "-", "--format", "csv", "--strict", input="40\n")
    assert strict.exit_code == 1


@pytest.mark.parametrize(
    ("args", "input", "fragment"),
    [
        (("--at", "-", "--at", "1,2,3"), "", "--at - reads every point from stdin"),
        (("--input", "x.csv", "--at", "1,2,3"), "", "--input reads every point from FILE"),
        (("--input", "/nonexistent/points.csv"), "", "cannot read '/nonexistent/points.csv'"),
        (("--at", "-", "--format", "json"), "a,b\n1,2\n", "the header line 'a,b' has no column for c"),
        (("--at", "-", "--vars", "a,b"), "1,2,3\n", "--vars leaves out c"),
        (
            ("--at", "-", "--format", "csv"),
            '# from jq\n{"a": 5, "b": 3}\n',
            "the first line's JSON object has no key 'c'",
        ),
        (("--at", "-", "--format", "json"), '{"a": 5, "b": 3\n', "starts as JSON but is not valid JSON"),
        (("--at", "-", "--on-error", "skip"), "", "'skip' is not one of 'continue', 'stop'"),
        (("--at", "-", "--direction", "1,0,0"), "", "take one expression and no --direction"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...], input: str, fragment: str) -> None:
    result = run("grad", EXPR, *args, input=input)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradcli: error: ") and fragment in lines[0], lines


@pytest.mark.parametrize("command", ["hessian", "trace", "sweep"])
def test_commands_that_do_not_stream_refuse_at_dash(command: str) -> None:
    result = run(command, "x*y", "--at", "-", input="1,2\n")
    assert result.exit_code == 2
    assert "--at - (points from stdin) works with grad and the activation commands only" in result.stderr


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_empty_input_writes_the_header_and_succeeds(fmt: str, sep: str) -> None:
    for text in ("", "# only a comment\n\n"):
        result = run("grad", EXPR, "--at", "-", "--format", fmt, input=text)
        header = sep.join(["a", "b", "c", "f", "grad_a", "grad_b", "grad_c"]) + "\n"
        assert (result.exit_code, result.stdout, result.stderr) == (0, header, "")


def test_empty_input_writes_nothing_in_json() -> None:
    result = run("grad", EXPR, "--at", "-", "--format", "json", input="")
    assert (result.exit_code, result.stderr) == (0, "")


def _one_and_two_workers(
    path: Path, tmp_path: Path, fmt: str = "csv", **options: Any
) -> list[tuple[Any, str, list]]:
    """``3*(a+b*c)`` (forward, eps 0.01, ``fmt``, 4 KiB chunks) over the file ``path`` with 1 and
    then 2 workers, written to a file each: (summary, the output text, the reports) per run."""
    runs = []
    for jobs in (1, 2):
        target = tmp_path / f"out{jobs}.{fmt}"
        seen: list[tuple[str, str]] = []
        with open(path, "rb", buffering=0) as source, open(target, "w") as out:
            summary = pipeline.run(
                EXPR, source, out, method="forward", eps=0.01, vanish=1e-6, explode=1e6, fmt=fmt,
                jobs=jobs, chunk_bytes=4096, report=lambda kind, text, seen=seen: seen.append((kind, text)),
                **options,
            )  # fmt: skip
        runs.append((summary, target.read_text(), seen))
    return runs


def test_parallel_workers_write_the_same_rows_in_input_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = tmp_path / "in.csv"
    lines = [",".join(map(repr, p)) for p in rng.uniform(-9, 9, (6000, 3)).tolist()]
    lines[4321] = "1,2"
    path.write_text("\n".join(lines) + "\n")
    outputs = []
    for summary, text, reports in _one_and_two_workers(path, tmp_path):
        assert summary.points == 5999 and summary.bad == 1
        assert reports == [
            (
                "bad",
                "line 4322: 2 values but the expression has 3 variables — values bind in the order a, b, c",
            )
        ]
        outputs.append(text)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 6000


def test_workers_writing_the_output_themselves_stop_where_one_process_stops(tmp_path: Path) -> None:
    """With --on-error stop, no worker writes a chunk after the one holding the bad line, though
    later chunks were computed (and waiting their turn) by then."""
    rng = np.random.default_rng(4)
    path = tmp_path / "in.csv"
    lines = [",".join(map(repr, p)) for p in rng.uniform(-9, 9, (8000, 3)).tolist()]
    lines[2500] = "oops"
    path.write_text("\n".join(lines) + "\n")
    texts = []
    for summary, text, _ in _one_and_two_workers(path, tmp_path, on_error="stop"):
        assert summary.stopped_at == 2501 and summary.points == 2500
        texts.append(text)
    assert texts[0] == texts[1] and len(texts[0].splitlines()) == 2501  # the header and 2,500 rows


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_streamed_positional_values_bind_in_vars_order_as_at_values_do(fmt: str) -> None:
    from conftest import gradcli

    expr, order = "a+2*b+3*c", ("--vars", "c,a,b")  # 5,3,2 is c=5, a=3, b=2: f = 3+4+15 = 22
    at = gradcli("grad", expr, *order, "--at", "5,3,2", "--at", "1,2,3", "--format", "json")
    streamed = gradcli("grad", expr, *order, "--at", "-", "--format", fmt, input="5,3,2\n1,2,3\n")
    assert at.exit_code == streamed.exit_code == 0, streamed.output
    want = [json.loads(line)["value"] for line in at.stdout.splitlines()]
    if fmt == "json":
        got = [json.loads(line)["value"] for line in streamed.stdout.splitlines()]
    else:
        got = [float(row.split(",")[3]) for row in streamed.stdout.splitlines()[1:]]
    assert got == want == [22.0, 2 + 2 * 3 + 3 * 1]  # 1,2,3 is c=1, a=2, b=3


def test_auto_precision_in_a_stream_does_not_depend_on_how_the_input_is_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under auto, a stream re-evaluates the first lossy points of every block of BUDGET_LINES
    lines, up to the cap: the same points whatever the chunks (a file in one chunk, in pooled
    chunks of 64 KiB, or small pieces as from a pipe that pauses)."""
    import io

    from gradcli.derive import precise

    monkeypatch.setattr(precise, "MAX_AUTO", 7)  # the cap, small to keep mpmath's work short
    monkeypatch.setattr(pipeline.budget, "BUDGET_LINES", 500)
    n = 3000
    data = ("x,label\n" + "".join(f"{1e-9 * (1 + i / n)!r},point {i:<20}\n" for i in range(n))).encode()
    path = tmp_path / "in.csv"
    path.write_bytes(data)  # lines 2 to 3001, about 130 KB

    class Pieces(io.BytesIO):
        def read1(self, size: int = -1) -> bytes:  # a pipe that pauses: 1,000 bytes at a time
            return super().read1(1000)

    def run(source: Any, jobs: int, chunk_bytes: int) -> str:
        out = io.StringIO()
        pipeline.run(
            "(exp(x)-1)/x", source, out, method="central", eps=None, vanish=1e-6, explode=1e6,
            fmt="json", jobs=jobs, chunk_bytes=chunk_bytes,
        )  # fmt: skip
        return out.getvalue()

    with open(path, "rb", buffering=0) as source:
        whole = run(source, 1, 1 << 20)
    with open(path, "rb", buffering=0) as source:
        pooled = run(source, 2, 4096)
    pieces = run(Pieces(data), 1, 4096)
    assert pooled == whole and pieces == whole
    done = [r["line"] for r in map(json.loads, whole.splitlines()) if r["digits"] is not None]
    # every point here lost digits: the first 7 lines of each block of 500 (lines 1-500 hold
    # the header and 499 points, the last block only line 3001)
    assert done == [*range(2, 9)] + [b + i for b in range(501, 3001, 500) for i in range(7)] + [3001]


def test_a_turn_with_nothing_to_take_does_not_wait_for_the_turns_before_it() -> None:
    """Pooled chunks without lossy points leave a mark and go on; when the turn before them
    takes its share, the marked turns pass with it, and the next chunk with lossy points finds
    the budget as the marks left it (nothing taken by them)."""
    import multiprocessing
    import threading

    budget = pipeline.budget
    budget.reset()
    shares = budget.shared(multiprocessing.get_context(), 8)
    budget.use(shares)

    def within(seconds: float, call: Any) -> Any:  # a turn that waited would hang the suite
        out: list[Any] = []
        thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
        thread.start()
        thread.join(seconds)
        assert not thread.is_alive(), "the turn waited"
        return out[0]

    try:
        within(5, budget.Allowance([3, 4], 2).settle)  # turns 2 and 1 come first, with nothing
        within(5, budget.Allowance([2], 1).settle)
        assert shares[1].value == -1  # no turn has passed: turn 0 has not taken its share
        assert within(5, lambda: budget.Allowance([1, 5, 6], 0)(np.arange(3), 2)).tolist() == [0, 1]
        assert shares[1].value == 2  # turn 0, then the marked turns 1 and 2
        assert within(5, lambda: budget.Allowance([7], 3)(np.arange(1), 2)).tolist() == []  # block full
    finally:
        budget.reset()


def test_chunks_without_lossy_points_pass_the_budget_on_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pooled chunks with no lossy points do not wait for the budget's turn; the points chosen
    stay those of one process reading the whole file (the first few of each block of lines)."""
    from gradcli.derive import precise

    monkeypatch.setattr(precise, "MAX_AUTO", 5)
    monkeypatch.setattr(pipeline.budget, "BUDGET_LINES", 400)
    n = 3000

    def lossy(i: int) -> bool:  # (exp(x)-1)/x loses digits at x near 0, not near 1
        return i % 1000 < 150 or 2400 <= i < 2450

    xs = [1e-9 * (1 + i / n) if lossy(i) else 0.5 + i / n for i in range(n)]
    path = tmp_path / "in.csv"
    path.write_text("x,label\n" + "".join(f"{x!r},point {i:<20}\n" for i, x in enumerate(xs)))

    def run(jobs: int, chunk_bytes: int) -> str:
        import io

        out = io.StringIO()
        with open(path, "rb", buffering=0) as source:
            pipeline.run(
                "(exp(x)-1)/x", source, out, method="central", eps=None, vanish=1e-6, explode=1e6,
                fmt="json", jobs=jobs, chunk_bytes=chunk_bytes,
            )  # fmt: skip
        return out.getvalue()

    whole = run(1, 1 << 20)
    assert run(2, 2048) == whole  # about 50 lines a chunk: most chunks hold no lossy point
    done = [r["line"] for r in map(json.loads, whole.splitlines()) if r["digits"] is not None]
    firsts = []  # line of point i is i + 2; the first 5 lossy lines of each block of 400 lines
    for block in range(0, n + 2, 400):
        firsts += [i + 2 for i in range(n) if lossy(i) and block < i + 2 <= block + 400][:5]
    assert done == firsts


@given(
    gaps=st.lists(st.integers(1, 9000), max_size=60),
    start=st.integers(1, 3000),
    most=st.integers(0, 12),
    carried=st.integers(0, 12),
)
def test_the_stream_budget_keeps_the_first_points_of_every_block(
    gaps: list[int], start: int, most: int, carried: int
) -> None:
    """budget.allowed against the rule said plainly: walk the lossy lines in order, counting per
    block of BUDGET_LINES lines, and keep a line while its block has room (``carried`` points
    already taken in the block the count left off at)."""
    lines = np.cumsum([start, *gaps]).astype(np.int64)
    size = pipeline.budget.BUDGET_LINES
    block = (int(lines[0]) - 1) // size
    keep, end_block, end_used = pipeline.budget.allowed(lines, most, block, carried)
    want, b, used = [], block, carried
    for line in lines.tolist():
        here = (line - 1) // size
        if here != b:
            b, used = here, 0
        want.append(used < most)
        used += used < most
    assert keep.tolist() == want and (end_block, end_used) == (b, used)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_workers_failed_write_is_raised_by_the_main_process(tmp_path: Path) -> None:
    """A worker's writer thread that cannot write (a full disk) stops every later write, and the
    main process raises the error the write met, as one process would."""
    rng = np.random.default_rng(6)
    path = tmp_path / "in.csv"
    path.write_text("".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in rng.uniform(-9, 9, (6000, 3)).tolist()))
    for jobs in (1, 2):
        full = open("/dev/full", "w")  # closed below, where closing fails too
        with open(path, "rb", buffering=0) as source, pytest.raises(OSError) as failed:
            pipeline.run(
                EXPR, source, full, method="forward", eps=0.01, vanish=1e-6, explode=1e6, fmt="csv",
                jobs=jobs, chunk_bytes=4096,
            )  # fmt: skip
        with contextlib.suppress(OSError):  # what is still buffered cannot be written either
            full.close()
        assert failed.value.errno == errno.ENOSPC


def test_workers_reading_their_chunks_from_the_file_see_what_the_reader_sees(tmp_path: Path) -> None:
    """Workers read a file's chunks themselves (pread at each chunk's offset): a byte order mark,
    CRLF line ends and bytes that are not UTF-8 come out as in one process, bad lines too."""
    rng = np.random.default_rng(5)
    lines = [",".join(map(repr, p)) for p in rng.uniform(-9, 9, (5000, 3)).tolist()]
    data = ("a,b,c\r\n" + "\r\n".join(lines) + "\r\n").encode()
    data = b"\xef\xbb\xbf" + data.replace(lines[3000].encode(), b"1,\xff\xfe,3")
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    texts, bad = [], []
    for summary, text, seen in _one_and_two_workers(path, tmp_path):
        assert summary.points == 4999 and summary.bad == 1
        texts.append(text)
        bad.append(seen)
    assert texts[0] == texts[1] and texts[0].startswith("a,b,c,f,")
    assert bad[0] == bad[1] and bad[0][0][1].startswith("line 3002: b = ")


def test_workers_write_themselves_to_a_pipe_or_file_but_never_to_a_terminal(tmp_path: Path) -> None:
    import io

    with open(tmp_path / "f", "w") as f:
        assert pipeline.turns.direct_fd(f) == f.fileno()
    assert pipeline.turns.direct_fd(io.StringIO()) is None  # in memory: the text comes back instead
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        with os.fdopen(os.dup(follower), "w") as terminal:
            assert pipeline.turns.direct_fd(terminal) is None  # a progress bar may be drawn there
    finally:
        os.close(leader)
        os.close(follower)


def test_bad_lines_and_warnings_are_reported_in_line_order() -> None:
    result = run("grad", "sigmoid(x)", "--at", "-", "--format", "csv", input="40\nx\n40\n")
    reported = [line.split(":")[1:3] for line in result.stderr.splitlines()[:-1]]
    assert [where.split(",")[0] for _, where in reported] == [
        " line 1",
        " line 1",
        " line 2",
        " line 3",
        " line 3",
    ]
    assert [kind for kind, _ in reported] == [" warning", " warning", " error", " warning", " warning"]


def test_activation_commands_stream_x_values_too() -> None:
    streamed = run(
        "sigmoid", "--at", "-", "--method", "forward", "--eps", "0.001", "--format", "csv", input="1\n20\n"
    )
    assert streamed.exit_code == 0, streamed.output
    grad = run(
        "grad",
        "sigmoid(x)",
        "--at",
        "1",
        "--at",
        "20",
        "--method",
        "forward",
        "--eps",
        "0.001",
        "--format",
        "csv",
    )
    assert [r[1:-1] for r in csv_rows(streamed.stdout)] == [r[1:] for r in csv_rows(grad.stdout)]
    assert [r[-1] for r in csv_rows(streamed.stdout)] == ["health", "healthy", "vanishing"]
    leaky = run("leaky_relu", "--input", "-", "--alpha", "0.1", "--format", "csv", input="x,label\n-1,neg\n")
    assert csv_rows(leaky.stdout)[1][:3] == ["-1", "neg", "-0.1"]
    refused = run("sigmoid", "--at", "-", "--plot", input="1\n")
    assert refused.exit_code == 2 and "--plot and --output draw over --at values" in refused.stderr


def test_a_pause_inside_a_line_still_writes_the_lines_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import threading

    class Out(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed = threading.Event()

        def flush(self) -> None:
            if "4,5,6," in self.getvalue():
                self.flushed.set()

    monkeypatch.setattr(chunks, "READ_BYTES", 4)  # tiny reads and chunks: more input is ready
    read_fd, write_fd = os.pipe()  # after each of the first two lines, then a pause mid-line
    out = Out()
    with os.fdopen(read_fd, "rb", buffering=0) as source:
        worker = threading.Thread(
            target=pipeline.run,
            args=(EXPR, source, out),
            kwargs={
                "method": "backprop",
                "eps": None,
                "vanish": 1e-6,
                "explode": 1e6,
                "fmt": "csv",
                "chunk_bytes": 4,
            },
        )
        worker.start()
        try:
            os.write(write_fd, b"1,2,3\n4,5,6\n7,8")  # the third line is not finished yet
            assert out.flushed.wait(timeout=20), out.getvalue()
            assert "7,8" not in out.getvalue()
        finally:
            os.write(write_fd, b",9\n")
            os.close(write_fd)
            worker.join(timeout=20)
    assert [row.split(",")[:4] for row in out.getvalue().splitlines()[1:]] == [
        ["1", "2", "3", "21.0"],
        ["4", "5", "6", "102.0"],
        ["7", "8", "9", "237.0"],
    ]


# --- real processes and pipes -----------------------------------------------------------------


@needs_gradcli
@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_a_run_keeps_one_thread_unless_the_user_asks_blas_for_more() -> None:
    """numpy's OpenBLAS would start a spinning thread per core: gradcli asks it for one (its
    linear algebra is a few small matrices), unless OPENBLAS_NUM_THREADS says otherwise."""

    def threads(env: dict[str, str]) -> int:
        with subprocess.Popen(
            [GRADCLI, "grad", "x*y", "--at", "-", "--format", "csv"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        ) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(b"1,2\n")
                proc.stdin.flush()
                proc.stdout.readline()
                proc.stdout.readline()  # numpy is imported, a point computed, and it waits for more
                return len(os.listdir(f"/proc/{proc.pid}/task"))
            finally:
                proc.kill()

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    assert threads(env) == 1
    if (os.cpu_count() or 1) > 1:  # the user's own setting is kept: OpenBLAS starts its threads
        assert threads({**env, "OPENBLAS_NUM_THREADS": "2"}) == 2


@needs_gradcli
def test_complex_step_in_a_stream_does_not_depend_on_how_the_input_arrives() -> None:
    # a chunk whose only point is on relu's kink is not the whole run: its row is kept, with an
    # empty field and a warning, and the later rows still come (they were lost with exit 2)
    with subprocess.Popen(
        [GRADCLI, "relu", "--at", "-", "--method", "complex", "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for line in (b"1\n", b"0\n", b"2\n"):
                proc.stdin.write(line)
                proc.stdin.flush()
                time.sleep(0.3)  # each line arrives alone, so each is a chunk of its own
            proc.stdin.close()
            out = proc.stdout.read().decode().splitlines()
            assert proc.wait(timeout=20) == 0
        finally:
            proc.kill()
    assert out == ["x,f,grad_x,health", "1,1.0,1.0,healthy", "0,0.0,,nondifferentiable", "2,2.0,1.0,healthy"]


@needs_gradcli
def test_first_answer_arrives_before_input_ends() -> None:
    with subprocess.Popen(
        [GRADCLI, "grad", EXPR, "--at", "-", "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(b"5,3,2\n")
            proc.stdin.flush()
            got = b""
            deadline = time.monotonic() + 20
            while got.count(b"\n") < 2 and time.monotonic() < deadline:
                if select.select([proc.stdout], [], [], 0.2)[0]:
                    got += os.read(proc.stdout.fileno(), 4096)
            assert proc.poll() is None  # still waiting for more input
            assert got.split(b"\n")[1].startswith(b"5,3,2,33.0,"), got
            proc.stdin.write(b"1,2,3\n")
            proc.stdin.close()
            assert proc.stdout.read().startswith(b"1,2,3,21.0,")
            assert proc.wait(timeout=20) == 0
        finally:
            proc.kill()


@needs_gradcli
def test_head_closing_the_pipe_ends_quietly_with_status_0(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b,c\n" + "1.5,2.5,3.5\n" * 200_000)
    result = subprocess.run(
        f"set -o pipefail; '{GRADCLI}' grad '{EXPR}' --input '{path}' --format csv | head -3",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 3


@needs_gradcli
def test_ctrl_c_while_streaming_exits_130_in_one_line() -> None:
    proc = subprocess.Popen(
        [GRADCLI, "grad", EXPR, "--at", "-", "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_interruptible,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"5,3,2\n")
    proc.stdin.flush()
    proc.stdout.readline()
    proc.stdout.readline()  # it is running and waiting for input
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["gradcli: error: interrupted"]  # after Click's newline


@needs_gradcli
def test_ctrl_c_with_workers_running_exits_130_without_worker_tracebacks(tmp_path: Path) -> None:
    with _flowing_with_workers(tmp_path) as proc:
        assert proc.stdout is not None
        proc.send_signal(signal.SIGINT)
        proc.stdout.close()
        err = proc.stderr.read().decode() if proc.stderr else ""
        assert proc.wait(timeout=20) == 130
    assert err.strip().splitlines() == ["gradcli: error: interrupted"]


@needs_gradcli
def test_a_killed_worker_ends_the_run_with_one_error_line_not_a_hang(tmp_path: Path) -> None:
    # a pool loses the task of a worker killed by a signal (the out-of-memory killer, kill -9),
    # and gradcli waited for it forever
    with _flowing_with_workers(tmp_path) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "no worker processes"
        os.kill(int(children[0]), signal.SIGKILL)
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # (keep the pipe drained)
        try:
            assert proc.wait(timeout=30) == 70
        finally:
            if proc.poll() is None:  # (a hang fails the test rather than the suite)
                for pid in [
                    proc.pid,
                    *Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split(),
                ]:
                    os.kill(int(pid), signal.SIGKILL)
        err = proc.stderr.read().decode()
    assert err.strip().splitlines() == [
        "gradcli: error: a worker process died (killed by signal 9; the system may be out of memory): "
        "the output is incomplete — run it again; --jobs 1 computes in one process"
    ]


@needs_gradcli
def test_memory_stays_flat_as_the_input_grows(tmp_path: Path) -> None:
    """Peak RSS (the largest of gradcli and its workers) is bounded and does not grow with n."""
    peaks = {}
    for n in (60_000, 180_000):
        path = tmp_path / f"in{n}.csv"
        rng = np.random.default_rng(n)
        lines = (",".join(map(repr, p)) for p in rng.uniform(-9, 9, (n, 3)).tolist())
        path.write_text("a,b,c\n" + "\n".join(lines) + "\n")
        probe = (
            "import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        args = [GRADCLI, "grad", EXPR, "--input", str(path), *FORWARD, "--format", "csv", "--jobs", "2"]
        out = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        peaks[n] = int(out.stdout) / 1024  # MiB
    assert peaks[180_000] < 150, peaks
    assert peaks[180_000] < 1.10 * peaks[60_000], peaks


@pytest.mark.parametrize("text", ["5,3,2\n1,2,3\n", "a,b,c\n5,3,2\n1,2,3\n", "c,a,b\n2,5,3\n3,1,2\n"])
def test_a_utf8_byte_order_mark_is_skipped(text: str) -> None:
    """Excel's "CSV UTF-8" starts with a byte order mark: the first line is still a point or header."""
    result = run(
        "grad", EXPR, "--at", "-", *FORWARD, "--format", "csv", input=b"\xef\xbb\xbf" + text.encode()
    )
    assert (result.exit_code, result.stderr) == (0, "")
    rows = csv_rows(result.stdout)
    assert rows[0][0] in ("a", "c")  # no mark in the output header
    assert_rows_match(rows[1:], [[5, 3, 2], [1, 2, 3]])


@needs_gradcli
@pytest.mark.parametrize("args", [("grad", EXPR, "--at", "-"), ("sigmoid", "--input", "-")])
def test_stdin_closed_is_a_usage_error_not_an_internal_one(args: tuple[str, ...]) -> None:
    """`gradcli ... --at - <&-`: Python has no sys.stdin at all."""
    done = subprocess.run(
        [GRADCLI, *args], preexec_fn=lambda: os.close(0), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("gradcli: error: the points come from stdin, but stdin is closed — ")
    assert done.stderr.count("\n") == 1 and done.stdout == ""


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("text", ["5,3,2\r\n1,2,3\r", "a,b,c\r\n5,3,2\r\n1,2,3\r", "5 3 2\r\n1 2 3\r"])
def test_crlf_input_leaves_no_carriage_return_in_the_output(text: str, fmt: str) -> None:
    """The last line of a CRLF file may lose its LF but keep its CR: the CR is not part of the row."""
    result = run("grad", EXPR, "--at", "-", *FORWARD, "--format", fmt, input=text)
    assert (result.exit_code, result.stderr) == (0, "")
    assert "\r" not in result.stdout
    sep = "," if fmt == "csv" else "\t"
    lines = result.stdout.splitlines()
    assert [line.split(sep)[:3] for line in lines[1:]] == [["5", "3", "2"], ["1", "2", "3"]]
    assert_rows_match([line.split(sep) for line in lines[1:]], [[5, 3, 2], [1, 2, 3]])


def test_an_r_write_csv_file_streams_by_its_header(tmp_path: Path) -> None:
    """R's write.csv quotes every name and the row names: `"","a","b","c"` then `"1",5,3,2`."""
    path = tmp_path / "r.csv"
    path.write_text('"","c","a","b"\n"1",2,5,3\n"2",3,1,2\n')
    result = run("grad", EXPR, "--input", str(path), *FORWARD, "--format", "csv")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == ",c,a,b,f,grad_a,grad_b,grad_c"
    assert lines[1].startswith('"1",2,5,3,33.0,')
    assert_rows_match(csv_rows(result.stdout)[1:], [[5, 3, 2], [1, 2, 3]])


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_tables_and_json_hold_their_warnings_so_stderr_does_not_repeat_them(fmt: str) -> None:
    result = run("grad", "sigmoid(x)", "--at", "-", "--format", fmt, input="\n".join(["40"] * 30) + "\n")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.count("vanishing") >= 30  # each point's own warnings, with it
    strict = run("grad", "sigmoid(x)", "--at", "-", "--format", fmt, "--strict", input="40\n")
    assert strict.exit_code == 1


class NeverRead:
    """A source that must not be read (a producer that has not written anything yet)."""

    def read(self, n: int) -> bytes:
        raise AssertionError("the input was read")


def test_an_expression_without_variables_is_refused_before_waiting_for_input() -> None:
    import io

    from gradcli.errors import PointsError

    with pytest.raises(PointsError, match="no variables, so there are no points to read"):
        pipeline.run(
            "2+3", NeverRead(), io.StringIO(), method="central", eps=None, vanish=1e-6, explode=1e6, fmt="csv"
        )
    for text in ("", "1\n"):  # the same answer whatever the input
        result = run("grad", "2+3", "--at", "-", "--format", "csv", input=text)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(
            "gradcli: error: the expression has no variables, so there are no points"
        )
    # with the default table format to a pipe: the one error line, no note about CSV before it
    # (found by the fuzz run)
    result = run("grad", "cosh(mish(2))", "--at", "-", input="1\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "no variables" in result.stderr


def test_a_streamed_activation_table_has_a_row_per_x_like_the_at_table() -> None:
    """`printf '1\\n20\\n' | gradcli sigmoid --at -` draws the activation's rows, not a grad table per x."""
    args = ("--method", "forward", "--eps", "0.001")
    streamed = run("sigmoid", "--at", "-", *args, input="1\n20\n")
    at = run("sigmoid", "--at", "1", "--at", "20", *args)
    assert (streamed.exit_code, at.exit_code) == (0, 0)
    table = at.stdout.split("\nx = ")[0]  # the head and the rows, before the warnings in words
    assert streamed.stdout.startswith(table + "\nx = 1.0: inaccurate: ")
    assert "expression" not in streamed.stdout and "healthy range" not in streamed.stdout
    assert streamed.stdout.count("function  sigmoid(x)") == 1


def test_a_pandas_to_csv_file_with_its_unnamed_index_column_streams_by_its_header(tmp_path: Path) -> None:
    """`df.to_csv("p.csv")` writes the index under an empty name: `,a,b,c` then `0,5,3,2`."""
    path = tmp_path / "p.csv"
    path.write_text(",c,a,b\n0,2,5,3\n1,3,1,2\n")
    result = run("grad", EXPR, "--input", str(path), *FORWARD, "--format", "csv")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == ",c,a,b,f,grad_a,grad_b,grad_c"
    assert [line.split(",")[:4] for line in lines[1:]] == [["0", "2", "5", "3"], ["1", "3", "1", "2"]]
    assert_rows_match(csv_rows(result.stdout)[1:], [[5, 3, 2], [1, 2, 3]])


def test_jobs_0_is_documented_as_what_default_jobs_gives() -> None:
    """`--jobs 0` is one worker per core, at most 8: the help and the streams guide say the cap."""
    assert 1 <= pipeline.default_jobs() <= 8
    assert "0: one per core, at most 8." in " ".join(run("grad", "--help").stdout.split())
    guide = (Path(__file__).parent.parent / "docs" / "guide" / "streams.md").read_text()
    assert "`0` is one per core, at most 8" in guide


@contextlib.contextmanager
def _flowing_with_workers(tmp_path: Path) -> Any:
    """A real ``gradcli grad --jobs 2`` run over 400,000 lines, once its answers are flowing (the
    workers are up); Ctrl-C reaches it as from a terminal."""
    path = tmp_path / "big.csv"
    path.write_text("a,b,c\n" + "1.5,2.5,3.5\n" * 400_000)
    with subprocess.Popen(
        [GRADCLI, "grad", EXPR, "--input", str(path), "--format", "csv", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_interruptible,
    ) as proc:
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.stdout.readline()  # answers are flowing
        yield proc


def _interruptible() -> None:
    """In the child: SIGINT as a terminal delivers it, even when this test run was started in
    the background of a script (which ignores SIGINT, and a child inherits that)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


# --- the one header check: a streamed CSV/TSV header never names a column twice -------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("text", ["1\n", "f=1\n", "f\n1\n"], ids=["positional", "named", "header"])
def test_a_streamed_variable_named_f_is_refused_as_at_refuses_it(fmt: str, text: str) -> None:
    # was: the header f,f,grad_f (pipeline.py wrote its own header, unchecked)
    message = f"gradcli: error: the variable 'f' has the name of an output column of --format {fmt}"
    at = run("grad", "f*2", "--at", "f=1", "--format", fmt)
    streamed = run("grad", "f*2", "--at", "-", "--format", fmt, input=text)
    for result in (at, streamed):
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


@pytest.mark.parametrize("column", ["f", "grad_x"])
def test_a_pass_through_column_named_like_an_output_column_is_refused(column: str) -> None:
    result = run("grad", "x*2", "--at", "-", "--format", "csv", input=f"id,x,{column}\n7,1,3\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert f"the input column '{column}' has the name of an output column of --format csv" in result.stderr
    assert "rename that column of the input, or use --format json" in result.stderr


def test_pass_through_columns_with_other_names_are_kept_in_the_header() -> None:
    result = run("grad", "x*2", "--at", "-", "--format", "csv", input="id,x,label\n7,1,a\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["id,x,label,f,grad_x", "7,1,a,2.0,2.0"]


def test_a_variable_named_f_streams_as_json() -> None:
    result = run("grad", "f*2", "--at", "-", "--format", "json", input="1\n")
    assert result.exit_code == 0 and json.loads(result.stdout)["gradient"] == {"f": 2.0}


def test_errors_file_keeps_every_bad_line_and_stderr_the_first_ten(tmp_path: Path) -> None:
    lines = ["x", *(f"bad{i}" for i in range(15)), "1", "2"]
    errors = tmp_path / "errors.jsonl"
    result = run(
        "grad", "x*2", "--at", "-", "--format", "csv", "--errors", str(errors), input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 1
    assert result.stdout == "x,f,grad_x\n1,2.0,2.0\n2,4.0,2.0\n"
    shown = result.stderr.splitlines()
    assert (
        len(shown) == 12
        and shown[10] == f"gradcli: error: 5 more bad lines not shown ({errors} has them all)"
    )
    kept = [json.loads(line) for line in errors.read_text().splitlines()]
    assert [k["line"] for k in kept] == list(range(2, 17))
    assert kept[0] == {"line": 2, "text": "bad0", "reason": "x = 'bad0' is not a number"}


def test_an_unwritable_errors_file_is_an_output_failure_and_errors_needs_a_stream(tmp_path: Path) -> None:
    result = run("grad", "x", "--at", "-", "--errors", str(tmp_path / "no" / "e.jsonl"), input="1\n")
    assert result.exit_code == 74 and "cannot write --errors" in result.stderr
    result = run("grad", "x", "--at", "1", "--errors", str(tmp_path / "e.jsonl"))
    assert result.exit_code == 2 and "--errors applies to streamed points only" in result.stderr


def test_pass_through_columns_reach_json_lines_too() -> None:
    text = 'id,x,label\nfirst,1,"a, b"\nsecond,2,plain\n'
    result = run("grad", "x*2", "--at", "-", "--format", "json", input=text)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["columns"] for r in records] == [
        {"id": "first", "label": "a, b"},
        {"id": "second", "label": "plain"},
    ]
    assert [r["line"] for r in records] == [2, 3] and records[1]["gradient"] == {"x": 2.0}
    plain = run("grad", "x*2", "--at", "-", "--format", "json", input="x\n1\n")
    assert "columns" not in json.loads(plain.stdout)  # no pass-through columns: no field


def test_a_stream_to_a_pipe_with_the_default_format_is_written_as_csv() -> None:
    result = run("grad", EXPR, "--at", "-", input="5,3,2\n1,2,3\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "a,b,c,f,grad_a,grad_b,grad_c",
        "5,3,2,33.0,3.0,6.0,9.0",
        "1,2,3,21.0,3.0,9.0,6.0",
    ]
    assert (
        result.stderr
        == "gradcli: note: streamed points to a pipe are written as CSV (--format table keeps tables)\n"
    )


def test_a_bad_expression_streamed_to_a_pipe_is_one_error_line_without_the_csv_note() -> None:
    """The expression is checked before anything else is said: a usage error is one line."""
    result = run("grad", "sign(x^(x1+1ex.real16+z))", "--at", "-", input="1\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["gradcli: error: '1ex' is not valid (column 12) — write 1*ex"]


# --- JSON Lines in --------------------------------------------------------------------------------

JSON_POINTS = (
    '{"id": "first", "a": 5, "b": 3, "c": 2}\n'
    '{"id": 7, "a": 1, "b": 2, "c": 3, "z": 1}\n'
    '{"a": -1, "c": 0.5, "b": 4}\n'
    '{"id": [1, 2.50], "a": "x", "b": 2, "c": 3}\n'
)


def test_json_lines_in_give_the_rows_csv_in_gives() -> None:
    from conftest import strict_json

    streamed = run("grad", EXPR, "--at", "-", *FORWARD, "--format", "csv", input=JSON_POINTS)
    assert streamed.exit_code == 1
    rows = csv_rows(streamed.stdout)
    assert rows[0] == ["id", "a", "b", "c", "f", "grad_a", "grad_b", "grad_c"]
    assert [r[:4] for r in rows[1:]] == [["first", "5", "3", "2"], ["", "-1", "4", "0.5"]]
    assert_rows_match(rows[1:], [[5, 3, 2], [-1, 4, 0.5]])
    assert streamed.stderr.splitlines() == [
        "gradcli: error: line 2: the key 'z' is not among the first line's keys — the first line's keys "
        "are id, a, b, c; give every line the same keys",
        "gradcli: error: line 4: a = 'x' is not a number",
        "gradcli: error: 2 bad input lines left out; 2 points written",
    ]
    records = [
        strict_json(line)
        for line in run("grad", EXPR, "--at", "-", "--format", "json", input=JSON_POINTS).stdout.splitlines()
    ]
    assert [(r["line"], r["columns"]) for r in records] == [(1, {"id": "first"}), (3, {"id": None})]
    typed = run(
        "grad",
        EXPR,
        "--at",
        "-",
        "--format",
        "json",
        input='{"a": 1, "b": 2, "c": 3, "id": 7, "t": [1.50]}\n',
    )
    assert strict_json(typed.stdout)["columns"] == {"id": 7, "t": [1.5]}  # JSON values stay JSON values


def test_json_arrays_bind_in_vars_order() -> None:
    streamed = run(
        "grad", EXPR, "--at", "-", "--vars", "c,a,b", *FORWARD, "--format", "csv", input="[2, 5, 3]\n"
    )
    assert csv_rows(streamed.stdout)[1][:4] == ["2", "5", "3", "33.0"]


def test_a_json_lines_file_gives_the_same_output_with_one_and_two_workers(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": i, "a": a, "b": b, "c": c})
        for i, (a, b, c) in enumerate(rng.uniform(-9, 9, (3000, 3)).tolist())
    ]
    lines[1234] = '{"id": 1234, "a": 1, "b": 2}'
    lines[2000] = '{"id": 2000, "a": 0, "b": -0, "c": 1e-320}'
    path.write_text("\n".join(lines) + "\n")
    for fmt in ("csv", "json"):
        outputs = []
        for summary, text, seen in _one_and_two_workers(path, tmp_path, fmt):
            assert (summary.points, summary.bad) == (2999, 1)
            assert seen[0] == ("bad", "line 1235: no value for c — the expression's variables are a, b, c")
            outputs.append(text)
        assert outputs[0] == outputs[1]
    assert (
        '"line": 2001, "columns": {"id": 2000}, "expr": "3*(a+b*c)", "point": {"a": 0.0, "b": -0.0, "c": 1e-320}'
        in outputs[0]
    )


def test_activations_stream_json_lines_with_their_verdicts() -> None:
    streamed = run(
        "sigmoid",
        "--at",
        "-",
        "--format",
        "csv",
        input='{"x": 1, "label": "one"}\n{"x": 20, "label": "twenty"}\n',
    )
    assert [r[:2] + r[-1:] for r in csv_rows(streamed.stdout)] == [
        ["x", "label", "health"],
        ["1", "one", "healthy"],
        ["20", "twenty", "vanishing"],
    ]
