"""The streaming driver: points from a byte stream in, a row per point out, chunk by chunk.

:func:`run` reads chunks of lines as they arrive (:func:`gradcli.stream.read_chunks`), turns
each into points (:func:`gradcli.stream.parse_chunk`), computes them with
:func:`gradcli.gradient.compute` (vectorized over the chunk) and writes the formatted rows to
``out`` in input order, flushing after each chunk. Guarantees:

* Output keeps pace with input: whenever no more input is immediately available, every chunk
  read so far is written and flushed before the next read blocks.
* Memory is bounded: at most ``2 * jobs`` chunks (about 1 MiB of text each) are in flight.
* Parallel where it pays: once a full chunk arrives with more input ready, chunks go to a
  pool of ``jobs`` worker processes; results are written in input order. Each worker parses,
  computes and formats its chunk, so only text crosses between processes.
* Nothing good is lost: a bad line is reported through ``report`` with its line number and
  skipped (``on_error="continue"``), or ends the run after the rows before it (``"stop"``).

CSV/TSV rows are the input columns as given (the line itself when the separators agree;
columns that are not variables pass through), then f and the gradient, each written by
``repr`` (full round-trip precision; non-finite: an empty field). The core never prints:
messages go to the ``report`` callback and tables to ``render``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TextIO

import numpy as np

from ..derive.diagnostics import GradWarning
from ..derive.gradient import GradResult, compute
from ..derive.precise import AUTO, DEFAULT_PRECISION, Precision
from ..errors import PointsError
from ..language.nodes import Call
from ..output.delimited import header
from ..output.jsonl import json_lines, with_column_objects, with_columns
from ..output.numbers import number_rows, numbers
from ..points.reader import (
    CHUNK_BYTES,
    HEADER,
    JSON_OBJECT,
    JSON_ROWS,
    BadLine,
    Layout,
    data_line,
    detect,
    parse_chunk,
    read_chunks,
)
from . import budget, turns
from .workers import Workers

SEPARATORS = {"csv": ",", "tsv": "\t", "json": ",", "table": ","}
WARNING_LIMIT = 20  # warnings reported one by one; the rest are counted
ON_ERROR = ("continue", "stop")


class Job(NamedTuple):
    """What to compute for each point, and how to write it (picklable: sent to workers)."""

    expression: str
    method: str
    eps: float | None
    vanish: float
    explode: float
    fmt: str
    on_error: str
    layout: Layout
    precision: Precision = DEFAULT_PRECISION  # gradcli.derive.precise
    health: bool = False  # an activation's stream: each row ends with its verdict (output.activation)


class ChunkOut(NamedTuple):
    """One chunk, done: its output text (or GradResult for tables), bad lines and counts."""

    text: str
    result: GradResult | None
    lines: list[int]
    bad: list[BadLine]
    warnings: list[tuple[int, GradWarning]]  # (line, warning), the first WARNING_LIMIT
    n_warnings: int
    n_points: int
    n_nonfinite: int
    stopped: bool


class Summary(NamedTuple):
    """A finished run: how many points were written, how many lines were bad, and so on."""

    points: int
    bad: int
    nonfinite: int
    warnings: int
    shown: int  # warnings reported one by one
    stopped_at: int | None  # the bad line that stopped the run (``on_error="stop"``)


def run(
    expression: str,
    source: Any,
    out: TextIO,
    *,
    method: str,
    eps: float | None,
    vanish: float,
    explode: float,
    fmt: str,
    precision: Precision = DEFAULT_PRECISION,
    health: bool = False,
    order: tuple[str, ...] | None = None,
    on_error: str = "continue",
    jobs: int = 1,
    report: Callable[[str, str], None] | None = None,
    on_bad: Callable[[BadLine], None] | None = None,
    render: Callable[[GradResult, list[int]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Summary:
    """Stream the points of ``source`` (a binary file object) through ``expression`` to ``out``.

    ``report(kind, text)`` receives each bad line (kind ``"bad"``, text ``line 7: why``) and the
    first :data:`WARNING_LIMIT` warnings (kind ``"warning"``, text ``line 3, x: kind: message``;
    csv and tsv only: json records and tables hold their own);
    ``on_bad(bad)`` receives each bad line as a :class:`~gradcli.points.reader.BadLine` (number,
    reason and text), in input order; ``render(result, lines)`` draws a chunk when ``fmt`` is ``"table"``; ``progress(nbytes)``
    is told how many bytes each chunk consumed. Raises :class:`gradcli.errors.PointsError` for
    an expression without variables (before reading) and for a header that does not name every
    variable (before writing anything); :class:`gradcli.errors.OptionError` for CSV/TSV output
    whose header would name a column twice (a variable or an input column called ``f`` or
    ``grad_x``: :func:`gradcli.output.delimited.header`), before writing anything. ``health``
    (an activation's stream): each row and record ends with the point's verdict, as for
    ``--at`` values (:mod:`gradcli.output.activation`).
    """
    from ..language.parse import parse

    expr = parse(expression)
    require_variables(expr)  # refused before any input is awaited
    chunks = read_chunks(source, chunk_bytes)
    file_fd = _regular_file(source)  # workers read their chunk's bytes themselves (no hand-off)
    offset = 0  # of the current chunk in that file
    sep = SEPARATORS[fmt]
    job: Job | None = None
    skip = 0
    pending: deque[Any] = deque()
    pool: Workers | None = None  # the worker processes, once chunks go to them
    shared = None  # the write order they share
    turn = 0  # the next pooled chunk's place in the output (workers write in this order)
    taken = 0  # pooled chunks whose results were taken (their text is written, or will be)
    totals = {"points": 0, "bad": 0, "nonfinite": 0, "warnings": 0, "shown": 0}
    jobs = max(1, jobs)

    def finish(done: ChunkOut) -> bool:
        if fmt == "table":
            if done.result is not None and render is not None:
                render(done.result, done.lines)
        elif done.text:
            out.write(done.text)
        out.flush()
        events = [(bad.line, 0, "bad", f"line {bad.line}: {bad.reason}") for bad in done.bad]
        if fmt in ("csv", "tsv") and report is not None:  # json records and tables show their own
            for line, warning in done.warnings:
                if totals["shown"] < WARNING_LIMIT:
                    where = f"line {line}" + (f", {warning.var}" if warning.var else "")
                    events.append((line, 1, "warning", f"{where}: {warning.kind}: {warning.message}"))
                    totals["shown"] += 1
        for _, _, kind, text in sorted(events, key=lambda e: e[:2]):
            if report is not None:
                report(kind, text)
        if on_bad is not None:
            for bad in done.bad:
                on_bad(bad)
        totals["warnings"] += done.n_warnings
        totals["points"] += done.n_points
        totals["bad"] += len(done.bad)
        totals["nonfinite"] += done.n_nonfinite
        return done.stopped

    def drain(keep: int) -> int | None:
        """Write finished chunks, oldest first, until ``keep`` are in flight; the stopping line."""
        nonlocal taken
        while len(pending) > keep:
            task = pending.popleft()
            done = task.get()
            if shared is not None and not isinstance(task, _Ready):
                taken += 1
                turns.raise_write_error(shared)
            if finish(done):
                return done.bad[0].line
        return None

    stopped_at = None
    try:
        for chunk in chunks:
            at, offset = offset, offset + chunk.nbytes
            if progress is not None:
                progress(chunk.nbytes)
            if not chunk.nbytes:  # a pause inside a line: write what is done
                stopped_at = drain(0)
                if stopped_at is not None:
                    break
                continue
            if job is None:
                found = data_line(chunk.text)
                if found is None:
                    continue  # blank lines and comments only, so far
                index, line = found
                layout = detect(line, expr.variables, order)
                job = Job(expression, method, eps, vanish, explode, fmt, on_error, layout, precision, health)
                _set_job(job, expr)
                if layout.kind == HEADER:
                    skip = index + 1
                if fmt in ("csv", "tsv"):  # the one header check: no column may appear twice
                    out.write(sep.join(_header(expr.variables, layout.columns, fmt, health)) + "\n")
            full = chunk.nbytes >= chunk_bytes // 2
            if pool is None and jobs > 1 and fmt != "table" and chunk.more and full:
                out.flush()  # what this process wrote comes first: workers may write after it
                pool, shared = _pool(jobs, job, turns.direct_fd(out))
            if pool is not None:
                if file_fd is not None and at > 0:  # (the first chunk's text may have lost a BOM)
                    task = pool.submit(process_range, file_fd, at, chunk.nbytes, chunk.first, skip, turn)
                else:
                    task = pool.submit(process, chunk.text, chunk.first, skip, turn)
                pending.append(task)
                turn += 1
            else:
                pending.append(_Ready(process(chunk.text, chunk.first, skip)))
            skip = 0
            # Keep workers busy while input flows; write everything when it pauses (or inline).
            stopped_at = drain(2 * jobs if pool is not None and chunk.more else 0)
            if stopped_at is not None:
                break
        if stopped_at is None:
            stopped_at = drain(0)
        if shared is not None and pool is not None:  # the workers' writers finish the chunks taken
            turns.wait_written(shared, taken, pool.check)  # (a stop's last one too)
        if job is None and fmt in ("csv", "tsv"):  # empty input: the columns, for what reads them
            columns = detect(",".join("0" * len(expr.variables)), expr.variables, order).columns
            out.write(sep.join(_header(expr.variables, columns, fmt, health)) + "\n")
    except BaseException:
        if pool is not None:
            pool.close(abort=True)
        raise
    if pool is not None:
        pool.close(abort=bool(pending))  # (chunks after a stop: their work is not wanted)
    return Summary(
        totals["points"], totals["bad"], totals["nonfinite"], totals["warnings"], totals["shown"], stopped_at
    )


def require_variables(expr: Any) -> None:
    """Raise :class:`~gradcli.errors.PointsError` for an expression without variables: a stream
    of points has nothing to bind them to."""
    if not expr.variables:
        raise PointsError(
            "the expression has no variables, so there are no points to read",
            hint="leave out --at - and --input: its one value needs no point",
        )


def _header(variables: Any, columns: Any, fmt: str, health: bool) -> list[str]:
    if health:
        from ..output.activation import activation_header

        return activation_header(variables, columns, fmt)
    return header(variables, columns, fmt=fmt)


class _Ready:
    """A result computed in this process, shaped like a worker's :class:`~.workers.Task`."""

    def __init__(self, value: ChunkOut) -> None:
        self.value = value

    def get(self) -> ChunkOut:
        return self.value


def _pool(jobs: int, job: Job, out_fd: int | None = None) -> tuple[Workers, Any]:
    """``jobs`` worker processes for ``job``, and the order their writes share (None without
    ``out_fd``). With ``out_fd``, each worker writes its chunks' text there itself when their turn
    comes (chunks in input order; see :mod:`.turns`), which saves handing the text back through
    this process: about a quarter of a 2-worker run's time. Auto precision's budget is shared with
    them from here on (:mod:`.budget`)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    shares = budget.shared(context, 4 * jobs + 4)  # more than the 2 * jobs + 1 chunks pending at once
    order = turns.shared(context) if out_fd is not None else None
    return Workers(context, jobs, _worker_init, (job, out_fd, order, shares)), order


# --- per chunk: in this process or in a worker ------------------------------------------------

_STATE: dict[str, Any] = {}


def _set_job(job: Job, expr: Any = None) -> None:
    from ..language.parse import parse

    _STATE["job"] = job
    _STATE["expr"] = expr if expr is not None else parse(job.expression)
    budget.reset()


def _worker_init(job: Job, out_fd: int | None = None, order: Any = None, shares: Any = None) -> None:
    """A worker ignores Ctrl-C (the parent handles it and ends the pool) and parses once.

    Its stdout goes to the null device (nothing it prints reaches the output); with ``out_fd`` it
    keeps its own handle on the output, where a thread of its own writes each chunk's text in
    its turn (:func:`.turns.start_writer`), so the worker goes on to its next chunk meanwhile.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if out_fd is not None:
        turns.start_writer(out_fd, order)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
    _set_job(job)
    if shares is not None:
        budget.use(shares)


def _regular_file(source: Any) -> int | None:
    """The descriptor of ``source`` if it is a regular file read from its start (workers inherit it
    and read their chunks with ``pread``), else None (a pipe: chunks are handed to them)."""
    import stat

    try:
        fd = source.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode) and os.lseek(fd, 0, os.SEEK_CUR) == 0
    except (AttributeError, OSError, ValueError):
        return None
    return fd if regular else None


def process_range(fd: int, offset: int, nbytes: int, first: int, skip: int, turn: int | None) -> ChunkOut:
    """:func:`process` on the chunk at ``offset`` in the input file (``nbytes``, whole lines), read
    here: the same text the reader made of those bytes (UTF-8, undecodable bytes replaced)."""
    data = os.pread(fd, nbytes, offset)
    if len(data) != nbytes:  # the file changed under us: the reader's view is the one to trust
        raise OSError(f"the input file changed while it was read ({len(data)} of {nbytes} bytes at {offset})")
    return process(data.decode("utf-8", errors="replace"), first, skip, turn)


def process(text: str, first: int, skip: int = 0, turn: int | None = None) -> ChunkOut:
    """Parse, compute and format one chunk of lines (numbered from ``first``) for the current job.

    In a worker that writes the output itself, ``turn`` is the chunk's place in it: the text is
    handed to the worker's writer thread (:func:`.turns.hand_over`) and the result carries none."""
    job: Job = _STATE["job"]
    expr = _STATE["expr"]
    sep = SEPARATORS[job.fmt]
    layout = job.layout
    json_rows = job.fmt == "json" and layout.kind == JSON_OBJECT  # rows: the pass-through keys' object
    block = parse_chunk(text, first, layout, JSON_ROWS if json_rows else sep, skip, numbers)
    points, rows, lines, bad = block
    stopped = False
    if bad and job.on_error == "stop":
        stop = bad[0].line
        keep = int(np.searchsorted(np.asarray(lines, dtype=np.int64), stop))
        points, rows, lines, bad, stopped = points[:keep], rows[:keep], lines[:keep], bad[:1], True
    n = len(lines)
    allow = budget.Allowance(lines, turn) if job.precision == AUTO else None
    if not n:
        if allow is not None:
            allow.settle()
        if turn is not None and turns.writing():
            turns.hand_over(b"", turn, stopped)  # nothing to write, but the turn passes on
        return ChunkOut("", None, [], bad, [], 0, 0, 0, stopped)
    try:
        result = compute(
            expr, points, job.method, job.eps, job.vanish, job.explode, whole=False,
            precision=job.precision, allow=allow,
        )  # fmt: skip
    finally:
        if allow is not None:
            allow.settle()
    if job.health:  # an activation's warnings in its own words, as for --at values
        from ..output.activation import stream_words

        root = expr.nodes[-1]  # the activation's call: sigmoid(x), leaky_relu(x, 0.1)
        result = stream_words(result, root.op.name if isinstance(root, Call) else job.expression, job.vanish)
    if job.fmt == "json":
        text_out = json_lines(result, lines)
        if len(layout.columns) > len(layout.index):  # pass-through columns
            if json_rows:
                text_out = with_column_objects(text_out, rows)
            elif layout.kind == HEADER:
                passed = [i for i in range(len(layout.columns)) if i not in layout.index]
                text_out = with_columns(text_out, rows, passed, layout.columns)
        if job.health:
            from ..output.activation import with_health

            text_out = with_health(text_out, result)
    elif job.fmt == "table":
        text_out = ""
    else:
        answers = number_rows(np.column_stack([result.value, result.gradient]), sep)
        if job.health:
            from ..output.activation import health_rows

            text_out = "\n".join(health_rows(list(map(sep.join, zip(rows, answers))), result, sep)) + "\n"
        else:
            text_out = _lines(rows, answers, sep)
    held = n - result.warnings.count(())  # points with warnings (most share the one empty tuple)
    n_warnings = sum(map(len, result.warnings)) if held else 0
    warnings: list[tuple[int, GradWarning]] = []
    if n_warnings:
        for p in np.flatnonzero(np.fromiter(map(len, result.warnings), dtype=np.int64, count=n)):
            warnings.extend((lines[p], w) for w in result.warnings[p])
            if len(warnings) >= WARNING_LIMIT:
                break
        warnings = warnings[:WARNING_LIMIT]
    nonfinite = int(n - np.count_nonzero(result.finite))
    if turn is not None and turns.writing():  # this worker's writer writes it in its turn
        turns.hand_over(text_out.encode("utf-8"), turn, stopped)
        text_out = ""
    table = result if job.fmt == "table" else None
    lines_out = lines if table is not None else []  # only tables need them (and they stay in-process)
    return ChunkOut(text_out, table, lines_out, bad, warnings, n_warnings, n, nonfinite, stopped)


def _lines(rows: Sequence[str], answers: Sequence[str], sep: str) -> str:
    """Each row, ``sep``, its answers and a newline, as one text (one join over a list filled by
    slices: several times faster than joining each line)."""
    parts = [sep, sep, sep, "\n"] * len(rows)
    parts[0::4] = rows
    parts[2::4] = answers
    return "".join(parts)


def default_jobs() -> int:
    """Worker processes worth starting: one per available core, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


__all__ = ["ON_ERROR", "ChunkOut", "Job", "Summary", "default_jobs", "process", "require_variables", "run"]
