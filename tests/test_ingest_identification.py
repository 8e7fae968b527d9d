"""Which organisation and which return a received sheet is, however the school made the file."""

import datetime as dt
from email.message import EmailMessage

import openpyxl
import pytest

from pipeline.intake.ingest import ingest
from tests.helpers import by_name, db, fill, good_11, good_14

pytestmark = pytest.mark.both_ledgers  # on both ledgers (the server's runs are slow)


def test_sheet_copied_into_a_fresh_workbook_is_identified(workspace, orgs, specs):
    spec = specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet["A1"], sheet["A2"], sheet["B2"] = spec.title.ru, "БИН", orgs[1].bin
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(4, c).value = column.label.ru.upper()
    row = {**good_14(), "service": "Приём в дошкольную организацию"}
    for c, key in enumerate(reversed(spec.keys), start=1):  # columns in another order
        sheet.cell(4, c).value = spec.column(key).label.ru
        sheet.cell(5, c).value = row.get(key)
    book.save(workspace.paths.inbox / "copy.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.bin == orgs[1].bin and outcome.returns == {"1.4": "accepted"}


def test_headers_in_two_rows_kazakh_then_russian(workspace, orgs, specs):
    spec = specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"] = "БСН", orgs[0].bin
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(3, c).value = column.label.kk
        sheet.cell(4, c).value = column.label.ru
    for c, key in enumerate(spec.keys, start=1):
        sheet.cell(5, c).value = {**good_14(), "late": "–", "on_time": 9}.get(key)
    book.save(workspace.paths.inbox / "two-rows.xlsx")
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted", outcome.problems


def test_unknown_bin_and_unrecognisable_sheets_are_rejected_with_reason(workspace, orgs, specs):
    book = openpyxl.Workbook()
    book.active["A1"] = "Просто таблица"
    book.active["A2"] = "ничего общего"
    book.save(workspace.paths.inbox / "junk.xlsx")
    book = openpyxl.Workbook()
    for c, column in enumerate(specs["1.4"].columns, start=1):
        book.active.cell(1, c).value = column.label.kk
    book.active["A2"] = "x"
    book.save(workspace.paths.inbox / "nobin.xlsx")
    out = by_name(ingest(workspace))
    assert out["junk.xlsx"].status == "rejected"
    assert [p.code for p in out["junk.xlsx"].problems] == ["no_return_sheets"]
    assert [p.code for p in out["nobin.xlsx"].problems] == ["unknown_organisation"]


@pytest.mark.slow
def test_files_as_schools_really_make_them(workspace, orgs, specs):
    """Rows inserted above the header, a numbering row, a total row, notes in headers,
    a renamed and hidden sheet, "Да." with a dot: all read; the total row is a warning."""
    path = fill(
        workspace,
        orgs[0],
        {"1.4": [good_14(), {**good_14(), "month": dt.datetime(2023, 3, 15)}]},
        "real.xlsx",
    )
    book = openpyxl.load_workbook(path)
    sheet = book["1.4"]
    sheet.protection.sheet = False
    sheet.insert_rows(1, 2)  # two rows typed above everything
    header = 11
    sheet.cell(
        header, 1
    ).value = "Мемлекеттік қызмет (тізімнен)\nГосударственная услуга (из списка)"
    sheet.insert_rows(header + 1)
    for c in range(1, 10):
        sheet.cell(header + 1, c).value = c  # 1 2 3 … numbering row
    sheet.cell(header + 4, 1).value = "Барлығы / Итого"
    sheet.cell(header + 4, 3).value = 20
    sheet.title = "Мемлекеттік қызметтер"
    sheet.sheet_state = "hidden"
    b11 = book["1.1"]
    b11.cell(10, 1).value, b11.cell(10, 2).value = good_11()["iin"], "Ахметов Ерлан"
    b11.cell(10, 3).value, b11.cell(10, 5).value = "Учитель", dt.datetime(2023, 3, 1)
    b11.cell(10, 7).value = "Нет."
    book.save(path)
    [outcome] = ingest(workspace)
    assert outcome.status == "accepted", outcome.problems
    assert outcome.returns["1.4"] == "accepted" and outcome.returns["1.1"] == "accepted"
    assert [(p.code, p.row) for p in outcome.problems] == [("total_row_ignored", header + 4)]
    rows = (
        db(workspace)
        .execute(
            "SELECT COUNT(*) FROM rows JOIN submissions s ON s.id = submission_id"
            " WHERE s.return_code = '1.4'"
        )
        .fetchone()[0]
    )
    assert rows == 2


def test_sheet_copied_without_its_bin_is_identified_by_the_senders_address(
    workspace, orgs, tmp_path
):
    """A secretary copies the sheet into a new workbook and loses the BIN with it; by e-mail
    from the registry's address the organisation is still known."""
    spec = workspace.specs["1.4"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    for c, column in enumerate(spec.columns, start=1):
        sheet.cell(1, c).value = f"{column.label.kk}\n{column.label.ru}"
        value = good_14().get(column.key)
        sheet.cell(2, c).value = value
    path = tmp_path / "copy.xlsx"
    book.save(path)

    def mail(sender: str, name: str) -> None:
        message = EmailMessage()
        message["From"] = sender
        message.set_content("Отчёт")
        message.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=name
        )
        (workspace.paths.inbox / f"{name}.eml").write_bytes(bytes(message))

    mail(orgs[0].email, "a.xlsx")
    sheet.cell(2, 3).value = 11  # other bytes: not a duplicate of the first
    book.save(path)
    mail("stranger@x.example", "b.xlsx")
    out = by_name(ingest(workspace))
    assert out["a.xlsx"].status == "accepted", out["a.xlsx"].problems
    assert [p.code for p in out["a.xlsx"].problems] == ["identified_by_sender"]
    assert [p.code for p in out["b.xlsx"].problems] == ["unknown_organisation"]
