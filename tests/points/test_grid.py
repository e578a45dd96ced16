"""--at x=0:1:5,y=2: a grid of points, the cartesian product over the ranged variables."""

from __future__ import annotations

import pytest

from gradcli.errors import PointsError
from gradcli.points.spec import MAX_GRID, bind, parse_spec


def test_grid_is_the_cartesian_product_first_name_slowest() -> None:
    spec = parse_spec("x=0:1:3,y=2,z=-1:1:2", grid=True)
    assert spec.size() == 6
    rows = bind([spec], ("x", "y", "z"))
    assert rows.tolist() == [
        [0.0, 2.0, -1.0], [0.0, 2.0, 1.0], [0.5, 2.0, -1.0],
        [0.5, 2.0, 1.0], [1.0, 2.0, -1.0], [1.0, 2.0, 1.0],
    ]  # fmt: skip


def test_grids_and_points_mix_in_order() -> None:
    rows = bind([parse_spec("x=5,y=6"), parse_spec("y=0:1:2,x=1", grid=True)], ("x", "y"))
    assert rows.tolist() == [[5.0, 6.0], [1.0, 0.0], [1.0, 1.0]]


def test_without_grid_a_range_is_not_a_value() -> None:
    with pytest.raises(PointsError):
        parse_spec("x=0:1:3")


def test_grid_cap_suggests_streams() -> None:
    with pytest.raises(PointsError, match="--at -"):
        parse_spec("x=0:1:101,y=0:1:100", grid=True)
    small = parse_spec("x=0:1:100,y=0:1:60", grid=True)
    assert small.size() == 6000 < MAX_GRID
    with pytest.raises(PointsError, match="more than 10,000"):
        bind([small, small], ("x", "y"))  # the cap counts every --at of the run
