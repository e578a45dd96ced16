"""The built wheel carries the type marker and the console script; its metadata passes twine."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None or importlib.util.find_spec("wheel") is None,
    reason="needs the build and wheel packages (the test extra)",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_wheel_has_py_typed_and_console_script(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "gradcli/py.typed" in names
        (entry,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        text = z.read(entry).decode()
    assert "[console_scripts]" in text
    assert "gradcli = gradcli.cli:main" in text


def test_sdist_and_wheel_pass_twine(dist: Path) -> None:
    pytest.importorskip("twine")
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    run = subprocess.run([sys.executable, "-m", "twine", "check", *files], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
