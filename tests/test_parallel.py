"""Ingest in several reader processes: each file gets the answer it gets alone, and a
reader or writer process that dies takes only its own file with it."""

import datetime as dt
import shutil
import sqlite3

import pytest

from pipeline.intake.ingest import ingest
from pipeline.intake.parallel import parallel_reader
from tests.helpers import fill, good_11, good_14, make_iin

pytestmark = pytest.mark.slow  # end to end: commands, workbooks read back, LibreOffice


@pytest.mark.parametrize("workers", [0, 2])
def test_a_file_in_a_batch_gets_the_errors_it_gets_alone(workspace, orgs, workers):
    """In process, and in worker processes with a chunk per file (each chunk validated on
    its own, the ledger written while the next is read): the same errors, the same rows."""
    bad = {
        **good_11(make_iin(3)),
        "checked_on": dt.datetime(2021, 1, 1),
        "has_record": "может быть",
    }
    files = {
        "a.xlsx": (
            orgs[0],
            {"1.1": [good_11(), bad], "1.4": [good_14(), {**good_14(), "late": 40}]},
        ),
        "b.xlsx": (
            orgs[1],
            {"1.1": [bad, {**good_11(), "position": None}], "1.4": [good_14(), good_14()]},
        ),
        "c.xlsx": (orgs[2], {"1.4": [{**good_14(), "service": "Иная услуга"}]}),
    }

    def problems(outcome):
        return sorted((p.sheet, p.cell, p.code, p.ru) for p in outcome.problems)

    def stored():
        conn = sqlite3.connect(workspace.paths.ledger)
        rows = conn.execute(
            "SELECT f.original_name, s.return_code, s.status, r.excel_row, r.data FROM rows r"
            " JOIN submissions s ON s.id = r.submission_id JOIN files f ON f.id = s.file_id"
            " WHERE s.return_code IN ('1.1', '1.4') ORDER BY 1, 2, 4"
        ).fetchall()
        conn.close()
        return rows

    alone = {}
    for name, (org, rows) in files.items():
        fill(workspace, org, rows, name)
        [outcome] = ingest(workspace)
        alone[name] = problems(outcome)
    alone_rows = stored()
    shutil.rmtree(workspace.paths.archive)
    workspace.paths.ledger.unlink()
    for name, (org, rows) in files.items():
        fill(workspace, org, rows, name)
    reader = parallel_reader(workspace, workers, min_batch=1, chunk=1) if workers else None
    together = {o.name: problems(o) for o in ingest(workspace, reader=reader, jobs=max(workers, 1))}
    assert together == alone
    assert stored() == alone_rows and {r[0] for r in alone_rows} == {"c.xlsx"}
    assert alone["a.xlsx"] and alone["b.xlsx"] and alone["c.xlsx"] == []


def test_a_file_that_kills_its_reader_process_is_answered_and_the_rest_go_on(
    workspace, orgs, monkeypatch
):
    """A reader process that dies (killed, or crashed in compiled code) once broke the pool
    and the whole ingest, on every rerun. Now the rest is read one file per process."""
    import multiprocessing
    import os as _os

    from pipeline.intake import parallel

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the deadly reader reaches the workers only by fork (not on Windows)")
    # asked for, not taken from the default (forkserver from Python 3.14 on Linux)
    monkeypatch.setattr(parallel, "START", multiprocessing.get_context("fork"))

    real = parallel.read_and_check

    def deadly(items, context):
        if any(i.name == "poison.xlsx" for i in items):
            _os._exit(3)  # inherited by the forked workers: only they die
        return real(items, context)

    monkeypatch.setattr(parallel, "read_and_check", deadly)
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "a.xlsx")
    fill(workspace, orgs[1], {"1.4": [good_14()]}, "poison.xlsx")
    fill(workspace, orgs[2], {"1.4": [{**good_14(), "service": "Иная услуга"}]}, "c.xlsx")
    reader = parallel_reader(workspace, 2, min_batch=1, chunk=1)
    out = {o.name: o for o in ingest(workspace, reader=reader, jobs=2)}
    assert out["a.xlsx"].status == "accepted" and out["c.xlsx"].status == "accepted"
    assert out["poison.xlsx"].status == "rejected"
    assert [p.code for p in out["poison.xlsx"].problems] == ["internal_error"]
    assert list(workspace.paths.inbox.iterdir()) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_workbook_lying_about_its_size_is_contained_in_its_reader_process(
    workspace, orgs, tmp_path, jobs
):
    """A sheet that declares itself one cell but fills XFD1048576 once got past the
    precheck; calamine then aborted its process. The precheck now counts the cells, so it
    is given limits that let the file through, to keep a real crash of compiled code in
    the reader: the ingest goes on and the file is answered, also with `--jobs 1` (a
    one-core PC), which once read in the ingest's own process."""
    from pipeline.files.safety import Limits
    from tests.helpers import far_cell

    liar = far_cell(tmp_path / "liar.xlsx", b'<dimension ref="A1"/>')
    liar.rename(workspace.paths.inbox / "liar.xlsx")
    fill(workspace, orgs[0], {"1.4": [good_14()]}, "good.xlsx")
    reader = parallel_reader(workspace, jobs, Limits(max_cells=10**13))
    out = {o.name: o for o in ingest(workspace, reader=reader, jobs=jobs)}
    assert out["good.xlsx"].status == "accepted"
    assert out["liar.xlsx"].status == "rejected"
    assert [p.code for p in out["liar.xlsx"].problems] == ["internal_error"]
    assert list(workspace.paths.inbox.iterdir()) == []


def test_a_correction_workbook_writer_that_dies_does_not_stop_the_ingest(
    workspace, orgs, monkeypatch
):
    import multiprocessing
    import os as _os

    from pipeline.intake import feedback

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the deadly writer reaches the workers only by fork (not on Windows)")
    monkeypatch.setattr(feedback, "START", multiprocessing.get_context("fork"))
    real = feedback.write_feedback

    def deadly(original, problems, folder, name, key=""):
        if name == "poison.xlsx":
            _os._exit(3)
        return real(original, problems, folder, name, key)

    monkeypatch.setattr(feedback, "write_feedback", deadly)
    for org, name in zip(orgs, ["a.xlsx", "poison.xlsx", "c.xlsx"], strict=True):
        fill(workspace, org, {"1.4": [{**good_14(), "late": 50}]}, name)
    out = {o.name: o for o in ingest(workspace, jobs=2)}
    assert {o.status for o in out.values()} == {"partial"}  # 1.4 rejected, the rest accepted
    assert out["poison.xlsx"].feedback is None
    assert "feedback_not_written" in [p.code for p in out["poison.xlsx"].problems]
    assert list(workspace.paths.inbox.iterdir()) == []
