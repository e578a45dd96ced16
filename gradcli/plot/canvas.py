"""A grid of characters to draw curves on, for the terminal plots: braille dots (2 across and 4 down
in each character, so a line is smooth) or one glyph per character (``*``, ``+``: legible in a log
or without colour), each cell in the colour of the last curve drawn through it.

Colour is ANSI codes, added only when asked (:mod:`gradcli.output.color` decides). Empty cells are
spaces, and each row ends at its last mark: no trailing blanks. numpy only.
"""

from __future__ import annotations

import itertools

import numpy as np

BRAILLE = "braille"  # the glyph that means braille dots
EMPTY_BRAILLE = 0x2800
# bit of the braille dot at (dot row from the cell's bottom, dot column): ISO/TR 11548-1
_BITS = np.array([[0x40, 0x80], [0x04, 0x20], [0x02, 0x10], [0x01, 0x08]])
ANSI = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}
SAMPLE = "⠤⠤"  # how a braille curve is shown in a legend


def paint(text: str, colour: str | None) -> str:
    """``text`` in ``colour`` (an :data:`ANSI` name), or as it is for None."""
    return f"\x1b[{ANSI[colour]}m{text}\x1b[0m" if colour and text else text


def sample(glyph: str) -> str:
    """Two characters of ``glyph`` for a legend."""
    return SAMPLE if glyph == BRAILLE else glyph * 2


class Grid:
    """``width`` x ``height`` characters showing ``x`` (lo, hi) across and ``y`` (lo, hi) up; the
    first and last dot of each direction are at the limits."""

    def __init__(self, width: int, height: int, x: tuple[float, float], y: tuple[float, float]) -> None:
        self.width, self.height = width, height
        self.x, self.y = x, y
        self.bits = np.zeros((height, width), dtype=np.int64)  # row 0 at the top
        self.glyphs: dict[tuple[int, int], str] = {}
        self.colours: dict[tuple[int, int], str] = {}

    def dots_x(self, values: np.ndarray) -> np.ndarray:
        return _dots(values, self.x, 2 * self.width)

    def dots_y(self, values: np.ndarray) -> np.ndarray:
        return _dots(values, self.y, 4 * self.height)

    def column(self, value: float) -> int:
        """The character column ``value`` falls in (it may be outside the grid)."""
        return int(self.dots_x(np.array([value]))[0]) // 2

    def row(self, value: float) -> int:
        """The character row, counted from the top, ``value`` falls in."""
        return self.height - 1 - int(self.dots_y(np.array([value]))[0]) // 4

    def curve(self, x: np.ndarray, y: np.ndarray, glyph: str = BRAILLE, colour: str | None = None) -> None:
        """The samples joined by straight lines, broken where a value is not finite."""
        ok = np.isfinite(x) & np.isfinite(y)
        dx, dy = self.dots_x(np.where(ok, x, 0.0)), self.dots_y(np.where(ok, y, 0.0))
        joined = ok[:-1] & ok[1:]
        a, b = np.flatnonzero(joined), np.flatnonzero(joined) + 1
        count = np.maximum(np.abs(dx[b] - dx[a]), np.abs(dy[b] - dy[a])).astype(np.int64) + 1
        seg = np.repeat(np.arange(len(a)), count)
        start = np.cumsum(count) - count
        t = (np.arange(int(count.sum())) - start[seg]) / np.maximum(count[seg] - 1, 1)
        px = np.rint(dx[a][seg] + (dx[b][seg] - dx[a][seg]) * t)
        py = np.rint(dy[a][seg] + (dy[b][seg] - dy[a][seg]) * t)
        self._set(np.concatenate([px, dx[ok]]), np.concatenate([py, dy[ok]]), glyph, colour)

    def points(self, x: np.ndarray, y: np.ndarray, glyph: str, colour: str | None = None) -> None:
        """A mark at each finite sample."""
        ok = np.isfinite(x) & np.isfinite(y)
        self._set(self.dots_x(x[ok]), self.dots_y(y[ok]), glyph, colour)

    def _set(self, dx: np.ndarray, dy: np.ndarray, glyph: str, colour: str | None) -> None:
        inside = (dx >= 0) & (dx < 2 * self.width) & (dy >= 0) & (dy < 4 * self.height)
        dx, dy = dx[inside].astype(np.int64), dy[inside].astype(np.int64)
        rows, cols = self.height - 1 - dy // 4, dx // 2
        if glyph == BRAILLE:
            np.bitwise_or.at(self.bits, (rows, cols), _BITS[dy % 4, dx % 2])
        cells = set(zip(rows.tolist(), cols.tolist()))
        for cell in cells:
            if glyph != BRAILLE:
                self.glyphs[cell] = glyph
            if colour:
                self.colours[cell] = colour
            else:
                self.colours.pop(cell, None)

    def cell(self, row: int, col: int) -> str:
        if (row, col) in self.glyphs:
            return self.glyphs[row, col]
        bits = int(self.bits[row, col])
        return chr(EMPTY_BRAILLE + bits) if bits else " "

    def lines(self, color: bool = False) -> list[str]:
        """The rows, top first, each ending at its last mark."""
        out = []
        for r in range(self.height):
            cells = [self.cell(r, c) for c in range(self.width)]
            while cells and cells[-1] == " ":
                cells.pop()
            if color:  # one code for each run of cells in the same colour
                runs = itertools.groupby(enumerate(cells), key=lambda cell: self.colours.get((r, cell[0])))
                cells = [paint("".join(ch for _, ch in run), colour) for colour, run in runs]
            out.append("".join(cells))
        return out


def _dots(values: np.ndarray, limits: tuple[float, float], dots: int) -> np.ndarray:
    """Dot positions 0..dots-1 of ``values`` between ``limits`` (halved first: no overflow)."""
    lo, hi = limits
    with np.errstate(all="ignore"):
        where = (np.asarray(values, dtype=float) / 2 - lo / 2) / (hi / 2 - lo / 2) * (dots - 1)
    return np.rint(np.clip(np.nan_to_num(where, nan=-1.0), -1.0, float(dots)))
