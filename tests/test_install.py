"""Adal as an IT person installs it: a wheel, a new virtual environment, an empty folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_runs_init_and_the_demo_outside_the_repository(tmp_path):
    """`pip install .` once gave an `adal` that could not find its own specs (the wheel held
    no YAML). The specs ship inside the package and are found through it."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPOSITORY), "--no-deps", "-q", "-w", str(wheels)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    [wheel] = wheels.glob("adal-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run(
        [str(scripts / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True, capture_output=True, timeout=1200,
    )  # fmt: skip
    work = tmp_path / "office"  # an empty folder, far from the repository
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["--root", "campaign", "init"], ["--root", "demo", "demo"]):
        result = subprocess.run(
            [str(scripts / "adal"), *args], cwd=work, env=env, capture_output=True, timeout=900
        )
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    assert (work / "campaign" / "campaign" / "campaign.yaml").is_file()
    assert (work / "demo" / "outbox" / "report" / "3.1-reference-ru.docx").is_file()
