"""The ledger's current accepted rows as one DataFrame per return, for consolidation."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline import ledger
from pipeline.specs.returns import ReturnSpec
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import Workspace
from pipeline.tracking.status import ReturnState, return_states

ROWS_AT_ONCE = 50_000


def row_tuples(frame: pd.DataFrame, at_once: int = ROWS_AT_ONCE):
    """The frame's rows as tuples for a writer: the values `itertuples` gives, except dates,
    which come as `datetime` (None where there is none), what xlsxwriter writes. Each column
    is turned into Python values in one call a slice of rows at a time (twice as quick as
    `itertuples` over text columns; memory bounded by the slice)."""
    for start in range(0, len(frame), at_once):
        part = frame.iloc[start : start + at_once]
        yield from zip(*(_python_values(part[c]) for c in part.columns), strict=True)


def _python_values(column: pd.Series) -> list:
    if column.dtype.kind == "M" and getattr(column.dtype, "tz", None) is None:
        return column.to_numpy(dtype="datetime64[us]").tolist()  # NaT: None
    return column.tolist()


@dataclass
class Consolidated:
    """Everything the consolidated workbook and the report are made of."""

    frames: dict[str, pd.DataFrame]
    states: dict[str, dict[str, ReturnState]]
    queries: list = field(default_factory=list)  # open queries (`ledger.OpenQuery`)

    def queried(self) -> set[tuple[str, str, str]]:
        """(bin, return, column) of the cells the organisation is asked to confirm: a
        conclusion rests on unconfirmed data where an indicator reads one of those columns
        (`indicators.doubted`)."""
        return {(q.bin, q.return_code, q.column_key) for q in self.queries}

    def rows(self, code: str) -> list[dict]:
        """Records of a return; none when the campaign does not collect it."""
        frame = self.frames.get(code)
        return [] if frame is None else frame.to_dict("records")

    def frame(self, code: str) -> pd.DataFrame:
        return self.frames.get(code, pd.DataFrame(columns=["bin"]))

    @property
    def available(self) -> set[tuple[str, str]]:
        """(bin, return) pairs whose data is in: accepted, on time or late."""
        return {
            (b, c)
            for b, per in self.states.items()
            for c, s in per.items()
            if s.state in (ReturnStatus.ACCEPTED, ReturnStatus.LATE)
        }


def _frame(conn: ledger.Connection, spec: ReturnSpec) -> pd.DataFrame:
    """One frame per return, built column by column from every organisation's stored sheet."""
    keys = ["bin", "_file", "_row", *spec.keys]
    columns: dict[str, list] = {k: [] for k in keys}
    for sheet in ledger.accepted_sheets(conn, spec.code):
        numbers, stored = ledger.decode_columns(sheet.excel_rows, sheet.columns)
        count = len(numbers)
        columns["bin"] += [sheet.bin] * count
        columns["_file"] += [sheet.original_name] * count
        columns["_row"] += numbers
        for key in spec.keys:
            columns[key] += stored.get(key) or [None] * count
    frame = pd.DataFrame(columns, columns=keys)
    for column in spec.columns:
        if column.type == "date":
            frame[column.key] = pd.to_datetime(frame[column.key])
    return frame


def load(workspace: Workspace) -> Consolidated:
    conn = ledger.connect(workspace.paths.ledger)
    try:
        with ledger.snapshot(conn):  # one state of the ledger, while others may ingest
            frames = {code: _frame(conn, spec) for code, spec in workspace.specs.items()}
            states = return_states(conn, workspace)
            queries = ledger.open_queries(conn)
    finally:
        conn.close()
    return Consolidated(frames, states, queries)
