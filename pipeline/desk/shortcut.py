"""A campaign folder's double-clickable desk on Windows: `Adal.cmd` starts `adal serve`
for the folder it sits in, so the officer never opens a terminal to reach the page."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipeline.core.messages import text

NAME = "Adal.cmd"


def adal_command() -> str:
    """The `adal` program of the Python that runs now (a venv's Scripts\\adal.exe)."""
    found = Path(sys.executable).with_name("adal.exe" if os.name == "nt" else "adal")
    return str(found) if found.exists() else "adal"


def write_shortcut(root: Path) -> Path | None:
    """`Adal.cmd` in the campaign folder; one already there (the officer's own) is kept."""
    target = root / NAME
    if target.exists():
        return None
    lines = [
        "@echo off",
        f"rem Adal: {text('desk_shortcut_note').join()}",
        "chcp 65001 >nul",
        f'"{adal_command()}" --root "%~dp0." serve',
        "pause",
    ]
    target.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return target
