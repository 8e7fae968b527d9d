"""A region made from one export, for `make bench` and the tests.

`clone_export`: a copy becomes another district, its department named anew, its
organisations given BINs of their own and their scores shifted a little, so that medians
and the risk map have something to rank. `split_export`: the bench's 2,000 organisations
dealt into districts of a region (20 × 100), every row kept.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.ledger.regional import MANIFEST

DISTRICTS = (
    "Аршалы", "Астрахан", "Атбасар", "Аққайың", "Бұланды", "Егіндікөл", "Ерейментау",
    "Есіл", "Жақсы", "Жарқайың", "Зеренді", "Қорғалжын", "Сандықтау", "Целиноград",
    "Шортанды", "Бурабай", "Биржан сал", "Сарыағаш", "Мақтаарал", "Түлкібас",
)  # fmt: skip


def clone_export(source: Path, target: Path, number: int, seed: int = 7) -> Path:
    """Department `number` of the region: `source`'s export under another name and BINs."""
    rng = random.Random(seed * 1000 + number)
    place = DISTRICTS[number % len(DISTRICTS)] + ("" if number < len(DISTRICTS) else f" {number}")
    name = {
        "kk": f"«{place} ауданының білім бөлімі» ММ",
        "ru": f"ГУ «Отдел образования района {place}»",
    }
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    manifest["department"] = name
    for path in sorted(source.glob("*.parquet")):
        table = pq.read_table(path)
        table = _set(table, "department", pa.array([name["ru"]] * table.num_rows, pa.string()))
        bins = pa.array([f"{number:02d}{b[2:]}" for b in table["bin"].to_pylist()], pa.string())
        table = _set(table, "bin", bins)
        if path.name == "scores.parquet":
            for column in table.column_names[-6:]:
                shift = rng.uniform(-15, 15)
                moved = pc.min_element_wise(
                    pc.max_element_wise(pc.add(table[column], shift), 0), 100
                )
                table = _set(table, column, pc.round(moved, 1))
        pq.write_table(table, target / path.name, compression="zstd")
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return target


def _set(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(column), column, values)


def make_region(source: Path, folder: Path, departments: int) -> list[Path]:
    return [clone_export(source, folder / f"department-{n:02d}", n) for n in range(departments)]


def _district(number: int) -> dict[str, str]:
    place = DISTRICTS[number % len(DISTRICTS)] + ("" if number < len(DISTRICTS) else f" {number}")
    return {
        "kk": f"«{place} ауданының білім бөлімі» ММ",
        "ru": f"ГУ «Отдел образования района {place}»",
    }


def split_export(source: Path, folder: Path, departments: int) -> list[Path]:
    """`source`'s organisations dealt into `departments` districts, each its own export."""
    manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    bins = sorted(pq.read_table(source / "organisations.parquet")["bin"].to_pylist())
    district = {b: i * departments // len(bins) for i, b in enumerate(bins)}
    targets = []
    tables = {p.name: pq.read_table(p) for p in sorted(source.glob("*.parquet"))}
    for number in range(departments):
        target = folder / f"department-{number:02d}"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        name = _district(number)
        rows = {}
        for file, table in tables.items():
            mine = [district.get(b) == number for b in table["bin"].to_pylist()]
            part = table.filter(pa.array(mine, pa.bool_()))  # typed: an empty table too
            part = _set(part, "department", pa.array([name["ru"]] * part.num_rows, pa.string()))
            pq.write_table(part, target / file, compression="zstd")
            rows[file] = part.num_rows
        own = {**manifest, "department": name, "files": rows}  # its own rows, as checked
        (target / MANIFEST).write_text(json.dumps(own, ensure_ascii=False, indent=1), "utf-8")
        targets.append(target)
    return targets
