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


def test_the_wheel_installed_in_its_own_venv_runs_the_seed(dist: Path, tmp_path: Path) -> None:
    """What pipx and uv tool do: a venv of its own, the wheel installed, the gradcli command run
    from anywhere. (Dependencies come from this Python's site-packages: no network.)"""
    import venv

    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    bindir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    where = subprocess.run(
        [str(python), "-c", "import gradcli; print(gradcli.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    if not where.startswith(str(env_dir)):
        pytest.skip(f"an editable install of gradcli shadows the wheel here ({where})")
    run = subprocess.run(
        [
            str(bindir / "gradcli"),
            "grad",
            "3*(a+b*c)",
            "--at",
            "a=5,b=3,c=2",
            "--method",
            "forward",
            "--eps",
            "0.01",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (
        run.stdout.splitlines()[1] == "5.0,3.0,2.0,33.0,3.0000000000001137,6.000000000000227,8.99999999999963"
    )
