"""A region's store: its departments' exports (`adal export --parquet`) read with DuckDB.

A department's ledger is SQLite or PostgreSQL; a region's is the Parquet folders its
departments send. DuckDB reads any number of them at once, past Excel's row limit and in
little memory, and every query over them is written here, as the ledger's are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.specs.statuses import ReturnStatus

FORMAT = 1
"""The export's layout; a rollup refuses a folder of another (both sides update Adal)."""
MANIFEST = "adal-export.json"
TABLES = ("organisations", "returns", "indicators", "scores")
LATER_TABLES = ("measures", "positions")
"""Written once the report is made (its plan.json and register.json): last year's action
plan with each measure's state, and its register of positions, for next year's comparison.
An export made before the report has them empty."""
TABLE_COLUMNS = {
    "organisations": ("department", "campaign", "bin", "organisation", "organisation_kk",
                      "org_type", "org_type_name", "org_type_name_kk", "staff", "pupils"),
    "returns": ("department", "campaign", "bin", "org_type", "return_code", "state",
                "received_at", "deadline", "rows", "nil"),
    "indicators": ("department", "campaign", "bin", "organisation", "org_type", "indicator",
                   "area", "numerator", "denominator", "value", "level", "title", "title_kk",
                   "unit", "unit_kk"),
    "scores": ("department", "campaign", "bin", "organisation", "org_type", "2.1", "2.2",
               "2.3", "2.4", "2.5", "overall"),
    "measures": ("department", "campaign", "bin", "organisation", "no", "area", "indicator",
                 "measure", "measure_kk", "severity", "deadline", "monitoring_end", "status",
                 "done_on", "state", "as_of"),
    "positions": ("department", "campaign", "bin", "code", "position", "position_kk"),
}  # fmt: skip
"""The export's tables, column for column: a file with other columns is not read (DuckDB
would fill the missing ones with nothing and the region would lose them in silence)."""
JUDGED = "level IN ('low', 'medium', 'high')"  # values with a level: enough data for a median
BATCH = 50_000
MEMORY = "512MB"

_RECEIVED = f"state IN ('{ReturnStatus.ACCEPTED}', '{ReturnStatus.LATE}')"
_COUNTS = f"""
    COUNT(*),
    COUNT(*) FILTER (WHERE {_RECEIVED}),
    COUNT(*) FILTER (WHERE state = '{ReturnStatus.ACCEPTED}'),
    COUNT(*) FILTER (WHERE state = '{ReturnStatus.LATE}'),
    COUNT(*) FILTER (WHERE state = '{ReturnStatus.REJECTED}'),
    COUNT(*) FILTER (WHERE state = '{ReturnStatus.MISSING}')"""
"""Returns due, received, on time, late, refused, not sent."""


class RegionDataError(Exception):
    """A Parquet file DuckDB cannot read as an export's table (other types or columns, cut
    short): `detail` is its first line, for the officer's message."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


def _data_error(exc: duckdb.Error) -> RegionDataError:
    lines = str(exc).strip().splitlines()
    return RegionDataError((lines[0] if lines else type(exc).__name__)[:200])


def _identifier(name: str) -> str:
    """A name from data as SQL quotes an identifier: never part of the statement."""
    return '"' + name.replace('"', '""') + '"'


def _listed(files: list[Path]) -> str:
    return ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)


class Region:
    """The departments' exports as one set of tables (`organisations`, `returns`,
    `indicators`, `scores` and one per return), joined by department, campaign and BIN."""

    def __init__(self, folders: list[Path]) -> None:
        self.folders = folders
        # bounded, spilling to disk past it: a country's returns on an office PC
        self.db = duckdb.connect(config={"memory_limit": MEMORY, "threads": 2})
        self.later: set[str] = set()  # the later tables some folder holds
        for table in TABLES:
            self._view(table, [f / f"{table}.parquet" for f in folders])
        for table in LATER_TABLES:
            if self._view(table, [f / f"{table}.parquet" for f in folders]):
                self.later.add(table)

    def _execute(self, query: str) -> duckdb.DuckDBPyConnection:
        """Every statement goes through here: DuckDB's errors come out as `RegionDataError`."""
        try:
            return self.db.execute(query)
        except duckdb.Error as exc:
            raise _data_error(exc) from exc

    def _view(self, name: str, files: list[Path]) -> bool:
        files = [f for f in files if f.exists()]
        if not files:
            return False
        self._execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{_listed(files)}],"
            " union_by_name = true)"
        )
        return True

    def count(self, table: str) -> int:
        return self._execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def table(self, name: str) -> pd.DataFrame:
        """One of the export's tables whole, its columns in the declared order (a year's
        district is small: next year's comparison reads it into memory). A later table no
        folder holds comes back empty, with its columns."""
        columns = TABLE_COLUMNS[name]  # a KeyError for any other name: never SQL from data
        if name in LATER_TABLES and name not in self.later:
            return pd.DataFrame(columns=list(columns))
        listed = ", ".join(_identifier(c) for c in columns)
        return self._execute(f"SELECT {listed} FROM {name}").df()

    def completeness(self) -> list[tuple]:
        """Per department and organisation type: its name, organisations, then `_COUNTS`."""
        return self._execute(
            f"""
            SELECT r.department, COALESCE(o.org_type_name, r.org_type),
                   COUNT(DISTINCT r.bin), {_COUNTS}
              FROM returns r LEFT JOIN organisations o USING (department, campaign, bin)
             GROUP BY ALL ORDER BY 1, 2
            """
        ).fetchall()

    def region_totals(self) -> tuple:
        """The region's organisations, then `_COUNTS`."""
        return self._execute(
            f"SELECT COUNT(DISTINCT department || '|' || bin), {_COUNTS} FROM returns"
        ).fetchone()

    def indicators(self) -> Iterator[tuple]:
        """Each organisation's indicators beside its department's median and the region's:
        department, BIN, organisation, type, area, title (KZ / RU), numerator, denominator,
        value, unit, department median, regional median, level."""
        return self._rows(
            f"""
            WITH dm AS (SELECT department, indicator, MEDIAN(value) AS m FROM indicators
                         WHERE {JUDGED} GROUP BY ALL),
                 rm AS (SELECT indicator, MEDIAN(value) AS m FROM indicators
                         WHERE {JUDGED} GROUP BY ALL)
            SELECT i.department, i.bin, i.organisation, COALESCE(o.org_type_name, i.org_type),
                   i.area, i.title_kk || ' / ' || i.title, i.numerator, i.denominator, i.value,
                   CASE WHEN i.unit_kk = i.unit THEN i.unit ELSE i.unit_kk || ' / ' || i.unit END,
                   dm.m, rm.m, i.level
              FROM indicators i
              LEFT JOIN organisations o USING (department, campaign, bin)
              LEFT JOIN dm USING (department, indicator)
              LEFT JOIN rm USING (indicator)
             ORDER BY i.department, i.bin, i.area, i.indicator
            """
        )

    def risk_map(self, areas: tuple[str, ...]) -> Iterator[tuple]:
        """Department, BIN, organisation, type, a score per area, overall; highest first."""
        listed = ", ".join(f's."{a}"' for a in areas)
        return self._rows(
            f"""
            SELECT s.department, s.bin, s.organisation, COALESCE(o.org_type_name, s.org_type),
                   {listed}, s.overall
              FROM scores s LEFT JOIN organisations o USING (department, campaign, bin)
             ORDER BY s.overall DESC NULLS LAST, s.department, s.bin
            """
        )

    def open_return(self, code: str) -> str | None:
        """The view of one return's rows across the departments that exported it (`code`
        is checked as a return code by the roll-up before it gets here)."""
        view = _identifier("r_" + code.replace(".", "_"))
        files = [f / f"return-{code}.parquet" for f in self.folders]
        return view if self._view(view, files) else None

    def _return_query(self, view: str, keys: list[str]) -> str:
        columns = ", ".join(_identifier(k) for k in ["department", "bin", "organisation", *keys,
                                                      "file", "row"])  # fmt: skip
        return f"SELECT {columns} FROM {view} ORDER BY department, bin, file, row"

    def return_rows(self, view: str, keys: list[str]) -> Iterator[tuple]:
        """Department, BIN, organisation, the return's columns, file and row, in order."""
        return self._rows(self._return_query(view, keys))

    def return_to_parquet(self, view: str, keys: list[str], target: Path) -> None:
        """A return too large for a workbook, whole, in one Parquet file."""
        where = str(target).replace("'", "''")
        query = self._return_query(view, keys)
        self._execute(f"COPY ({query}) TO '{where}' (FORMAT parquet, COMPRESSION zstd)")

    def _rows(self, query: str) -> Iterator[tuple]:
        """A query's rows a batch at a time: a national return need not fit in memory."""
        cursor = self._execute(query)
        while True:
            try:
                batch = cursor.fetchmany(BATCH)
            except duckdb.Error as exc:  # a file read only as its rows are reached
                raise _data_error(exc) from exc
            if not batch:
                return
            yield from batch

    def close(self) -> None:
        self.db.close()
