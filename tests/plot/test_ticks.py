"""Axis ticks of the terminal plots: nice steps, labels as short as tell them apart."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcli.plot.ticks import tick_labels, widened, x_axis, y_axis


@pytest.mark.parametrize(
    ("lo", "hi", "width", "labels"),
    [
        (-6.0, 6.0, 60, ["-6", "-4", "-2", "0", "2", "4", "6"]),
        (-20.0, 20.0, 60, ["-20", "-10", "0", "10", "20"]),
        (0.0, 1.0, 60, ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
        (0.0, 1e-9, 60, ["0", "2e-10", "4e-10", "6e-10", "8e-10", "1e-09"]),
        (1e8, 3e8, 60, ["1e+08", "1.5e+08", "2e+08", "2.5e+08", "3e+08"]),
        (-15.0, -1.0, 60, ["-14", "-12", "-10", "-8", "-6", "-4", "-2"]),
        (0.0, 1e-4, 60, ["0", "2e-05", "4e-05", "6e-05", "8e-05", "1e-04"]),
        (0.0, 1e5, 60, ["0", "20000", "40000", "60000", "80000", "100000"]),
        (-1e308, 1e308, 60, ["-1e+308", "-5e+307", "0", "5e+307", "1e+308"]),
    ],
)
def test_x_ticks_are_nice_numbers_in_their_shortest_form(lo, hi, width, labels):
    # before: labels at even fractions of the range, such as -3.931034 and 0.2068966
    axis = x_axis(lo, hi, width)
    assert axis.labels == labels
    assert (axis.lo, axis.hi) == (lo, hi)  # the x range is the user's, kept


@pytest.mark.parametrize(
    ("lo", "hi", "height", "labels", "rows"),
    [
        (0.0024726, 0.9975274, 7, ["0", "0.5", "1"], 7),  # sigmoid over -6:6
        (0.0024726, 0.9975274, 9, ["0", "0.25", "0.5", "0.75", "1"], 9),
        (0.0024, 0.25, 7, ["0", "0.1", "0.2"], 6),  # its derivative
        (-0.17, 4.0, 7, ["0", "2", "4"], 6),  # gelu over -4:4
        (-10.9, -0.85, 16, ["-10", "-7.5", "-5", "-2.5"], 14),
        (2e8, 7e8, 16, ["2e+08", "3e+08", "4e+08", "5e+08", "6e+08", "7e+08"], 16),
        (3.0, 3.0, 7, ["2", "3", "4"], 7),  # a constant
    ],
)
def test_y_ticks_fall_on_rows_of_a_range_widened_to_whole_rows(lo, hi, height, labels, rows):
    axis, used = y_axis(lo, hi, height)
    assert axis.labels == labels
    assert used == rows <= height
    assert axis.lo <= lo and hi <= axis.hi
    row = (axis.hi - axis.lo) / (used - 1)
    on_rows = [(t - axis.lo) / row for t in axis.ticks]
    assert on_rows == pytest.approx([round(r) for r in on_rows])  # every tick on a row
    assert min(b - a for a, b in itertools.pairwise(on_rows)) >= 2 - 1e-9  # a row between labels


def test_degenerate_ranges_are_widened():
    assert widened(3.0, 3.0) == (1.5, 4.5)
    assert widened(0.0, 0.0) == (-1.0, 1.0)
    assert widened(math.nan, 1.0) == (-1.0, 1.0)
    lo, hi = widened(0.0, 5e-324)
    assert hi - lo >= 1e-300
    axis, _ = y_axis(1.0, 1.0, 5)
    assert len(axis.ticks) >= 2 and axis.lo <= 1.0 <= axis.hi
    assert tick_labels([], 1.0) == []
    for tiny in (-1e-323, 5e-324, 2.2250738585072014e-308):  # one subnormal (or tiny) value: a constant slope
        lo, hi = widened(tiny, tiny)
        assert hi - lo >= 1e-300 and lo <= tiny <= hi
        axis, used = y_axis(tiny, tiny, 8)
        assert len(axis.ticks) >= 2 and axis.lo <= tiny <= axis.hi and used <= 8


def significant(label: str) -> int:
    """Digits that carry information: no sign, no leading zeros, no exponent."""
    mantissa = label.lstrip("-").partition("e")[0].replace(".", "")
    return len(mantissa.lstrip("0")) or 1


magnitudes = st.floats(-1e300, 1e300, allow_nan=False)
widths = st.floats(1e-5, 1e5)  # the range's width relative to its size (or absolute near 0)


@given(magnitudes, widths, st.integers(40, 200))
def test_x_labels_are_increasing_inside_the_range_and_short(lo, relative, columns):
    hi = lo + max(abs(lo), 1e-290) * relative
    if not math.isfinite(hi) or hi <= lo:
        return
    axis = x_axis(lo, hi, columns)
    values = [float(t) for t in axis.labels]
    assert len(axis.labels) >= 2
    assert values == sorted(set(values))  # distinct, increasing
    slack = (hi - lo) * 1e-9  # a tick within rounding of an end counts as the end
    assert all(lo - slack <= v <= hi + slack for v in axis.ticks)
    assert all(significant(t) <= 8 and len(t) <= 15 for t in axis.labels), axis.labels
    assert all(v == pytest.approx(t, rel=1e-6, abs=1e-300) for v, t in zip(values, axis.ticks))


@given(magnitudes, widths, st.integers(3, 60))
def test_y_labels_are_increasing_cover_the_values_and_are_short(lo, relative, height):
    hi = lo + max(abs(lo), 1e-290) * relative
    if not math.isfinite(hi) or hi <= lo:
        return
    axis, rows = y_axis(lo, hi, height)
    values = [float(t) for t in axis.labels]
    assert values == sorted(set(values))
    assert axis.lo <= lo and hi <= axis.hi  # every value is drawn
    assert all(significant(t) <= 8 and len(t) <= 15 for t in axis.labels), axis.labels
    assert 2 <= rows <= height
