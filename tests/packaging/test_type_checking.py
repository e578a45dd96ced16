"""The public modules are type-checked under every flag of ``mypy --strict`` that mypy takes per module.

``--strict`` cannot be set for some modules only, so pyproject.toml spells its flags out in the
public modules' override; this test keeps that list from shrinking unnoticed. (``warn_redundant_casts``,
the one strict flag mypy takes only globally, is checked in ``[tool.mypy]`` itself.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
PUBLIC = {
    "gradcli",
    "gradcli.api",
    "gradcli.errors",
    "gradcli.derive.gradient",
    "gradcli.analysis.hessian",
    "gradcli.analysis.jacobian",
    "gradcli.analysis.sweep",
    "gradcli.analysis.trace",
    "gradcli.language.nodes",
    "gradcli.language.parse",
    "gradcli.points.spec",
}
# What --strict turns on, as per-module settings (``extra_checks`` took over ``strict_concatenate``).
STRICT = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "check_untyped_defs": True,
    "disallow_untyped_decorators": True,
    "warn_unused_ignores": True,
    "warn_return_any": True,
    "implicit_reexport": False,
    "strict_equality": True,
    "extra_checks": True,
}


def _mypy() -> dict[str, Any]:
    with PYPROJECT.open("rb") as f:
        config: dict[str, Any] = tomllib.load(f)["tool"]["mypy"]
    return config


def _public_override() -> dict[str, Any]:
    found = [o for o in _mypy().get("overrides", []) if PUBLIC & set(_modules(o))]
    assert len(found) == 1, "the public modules share one override"
    return found[0]


def _modules(override: dict[str, Any]) -> list[str]:
    module = override["module"]
    return [module] if isinstance(module, str) else list(module)


def test_the_public_override_lists_every_public_module() -> None:
    assert set(_modules(_public_override())) == PUBLIC


@pytest.mark.parametrize("flag", sorted(STRICT))
def test_the_public_modules_are_checked_under_each_strict_flag(flag: str) -> None:
    assert _public_override().get(flag) == STRICT[flag], f"{flag} = {str(STRICT[flag]).lower()} is missing"


def test_redundant_casts_are_refused_everywhere() -> None:
    assert _mypy().get("warn_redundant_casts") is True


def test_no_module_is_exempt_from_type_checking() -> None:
    for override in _mypy().get("overrides", []):
        assert override.get("ignore_errors") is not True, _modules(override)
