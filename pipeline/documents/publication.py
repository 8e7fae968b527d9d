"""3.2 The publication package, and the check that it holds no personal data.

The reference and the action plan go on the website; before anything is written there,
every text is scanned for IINs, e-mail addresses, phone numbers and the names of people
that appear in the returns or the registry. A hit stops the package, it is never "fixed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import AdalError
from pipeline.core.folding import fold
from pipeline.specs.workspace import Workspace
from pipeline.workbooks.frames import Consolidated

IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(
    r"(?<!\d)(?:\+7|8)[\s(]*\d{3,5}[\s)-]+\d{1,3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"  # 8 (701) 123-45-67
    r"|(?<![\d+])(?:\+7|8)7\d{9}(?!\d)"  # 87011234567, +77011234567
)


@dataclass
class Hit:
    kind: str
    value: str
    where: str


def person_names(workspace: Workspace, data: Consolidated) -> set[str]:
    """Names of people Adal knows of: full names in the returns, directors in the registry."""
    names = {o.director for o in workspace.organisations if o.director}
    for code, spec in workspace.specs.items():
        for column in spec.columns:
            if column.personal and column.type == "text" and column.key in data.frames[code]:
                names.update(str(v) for v in data.frames[code][column.key].dropna())
    return {n.strip() for n in names if len(n.strip()) >= 5}


def scan(text: str, names: set[str], where: str) -> list[Hit]:
    hits = [Hit("iin", m.group(0), where) for m in IIN.finditer(text)]
    hits += [Hit("email", m.group(0), where) for m in EMAIL.finditer(text)]
    hits += [Hit("phone", m.group(0), where) for m in PHONE.finditer(text)]
    folded = fold(text)
    hits += [Hit("name", n, where) for n in sorted(names) if fold(n) in folded]
    return hits


def check_package(files: list[Path], names: set[str], reader) -> list[Hit]:
    hits: list[Hit] = []
    for path in files:
        hits += scan(reader(path), names, path.name)
    return hits


def refuse(hits: list[Hit]) -> None:
    listing = "; ".join(f"{h.where}: {h.kind} «{h.value}»" for h in hits[:10])
    raise AdalError.of("publication_personal_data", listing=listing)
