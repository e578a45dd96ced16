"""The numpy code the documented outputs come from, the same on every x86-64 machine.

numpy picks SIMD code for the CPU it runs on. With AVX-512 some float64 functions (pow, tanh,
cosh, arcsin, atan2, ...) use other kernels, which round differently in the last bit (within
about one ulp of the true value either way), and a finite difference magnifies that: a fifth
derivative of ``x**5`` moves in its ninth significant digit. The examples in the docs and the
golden files are produced and checked with numpy's AVX-512 code turned off
(``NPY_DISABLE_CPU_FEATURES``), so they read the same on every x86-64 machine. gradcli itself
never does this: users get their machine's fastest code.

:func:`pin` must run before numpy is first imported (tests/conftest.py, scripts/update_docs.py,
scripts/update_golden.py); a value the user set is kept.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

VARIABLE = "NPY_DISABLE_CPU_FEATURES"


def features() -> str:
    """numpy's name for its AVX-512 code: ``X86_V4`` (the x86-64-v4 level) from numpy 2.4 on;
    before, ``AVX512_SKX``, the group its AVX-512 math kernels were built for."""
    try:
        major, minor = (int(part) for part in version("numpy").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return "X86_V4"
    return "X86_V4" if (major, minor) >= (2, 4) else "AVX512_SKX"


def pin() -> None:
    """Turn numpy's AVX-512 code off for this process and its children, on x86-64 (elsewhere the
    names mean nothing to numpy, which would warn); raises RuntimeError if numpy is already
    imported (then it is too late, and the outputs would depend on the CPU)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return
    if "numpy" in sys.modules and VARIABLE not in os.environ:
        raise RuntimeError(
            f"numpy was imported before {VARIABLE} was set: documented outputs would depend on the CPU"
        )
    os.environ.setdefault(VARIABLE, features())
