"""Property: fill a template with any valid rows, ingest it, get the same rows back."""

import datetime as dt
import json
import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.ids import complete_id
from pipeline.intake.ingest import ingest
from tests.helpers import fill

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice

TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="'"
        ),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@st.composite
def iins(draw):
    born = draw(st.dates(dt.date(1950, 1, 1), dt.date(2008, 12, 31)))
    century = 3 if born.year < 2000 else 5
    for serial in draw(st.lists(st.integers(0, 9999), min_size=5, max_size=5)):
        full = complete_id(f"{born:%y%m%d}{century}{serial:04d}")
        if full:
            return full
    return complete_id("85010230001") or "850102300014"


@st.composite
def rows_11(draw, specs):
    count = draw(st.integers(1, 6))
    column = specs["1.1"].column("has_record")
    seen, rows = set(), []
    for _ in range(count):
        iin = draw(iins())
        if iin in seen:
            continue
        seen.add(iin)
        record = draw(st.sampled_from(column.choices))
        rows.append(
            {
                "iin": draw(st.sampled_from([iin, int(iin)])),  # typed as text or as a number
                "full_name": draw(TEXT),
                "position": draw(TEXT),
                "checked_on": dt.datetime.combine(
                    draw(st.dates(dt.date(2022, 6, 1), dt.date(2023, 10, 31))), dt.time()
                ),
                "has_record": draw(
                    st.sampled_from([record.label.both, record.label.ru, record.label.kk])
                ),
                "article": draw(TEXT) if record.code == "yes" else None,
                "corruption": "Жоқ / Нет" if record.code == "yes" else None,
                "_iin": iin,
                "_record": record.code,
            }
        )
    return rows


def test_fill_ingest_same_rows(workspace, orgs, specs):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows_11(specs))
    def check(rows):
        for folder in (
            workspace.paths.inbox,
            workspace.paths.archive,
            workspace.paths.outbox / "feedback",
        ):
            shutil.rmtree(folder, ignore_errors=True)
        workspace.paths.inbox.mkdir()
        workspace.paths.ledger.unlink(missing_ok=True)
        typed = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
        fill(workspace, orgs[0], {"1.1": typed}, "r.xlsx")
        [outcome] = ingest(workspace)
        assert outcome.status == "accepted", outcome.problems
        conn = sqlite3.connect(workspace.paths.ledger)
        stored = [
            json.loads(r[0])
            for r in conn.execute(
                "SELECT data FROM rows JOIN submissions s ON s.id = submission_id"
                " WHERE s.return_code = '1.1' ORDER BY excel_row"
            )
        ]
        conn.close()
        assert [s["iin"] for s in stored] == [r["_iin"] for r in rows]
        assert [s["full_name"] for s in stored] == [r["full_name"] for r in rows]
        assert [s["position"] for s in stored] == [r["position"] for r in rows]
        assert [s["has_record"] for s in stored] == [r["_record"] for r in rows]
        assert [s["checked_on"] for s in stored] == [
            r["checked_on"].date().isoformat() for r in rows
        ]

    check()
