"""Template contents, read back from the written file with openpyxl and python-calamine."""

import datetime as dt

import openpyxl
import python_calamine as pc

from pipeline.core.text import Text
from pipeline.files.identity_sheet import IDENTITY_SHEET
from pipeline.specs import layout as L
from pipeline.specs.organisations import Organisation
from pipeline.workbooks.templates import INSTRUCTIONS_SHEET, write_template
from tests.helpers import make_bin


def test_workbook_structure(tmp_path, specs, campaign, orgs):
    path = tmp_path / "t.xlsx"
    write_template(path, orgs[1], campaign, specs)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == INSTRUCTIONS_SHEET
    for spec in specs.values():
        assert (spec.sheet in book.sheetnames) == (spec.stage == "collection")
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"
    identity = [[c.value for c in row] for row in book[IDENTITY_SHEET].iter_rows()]
    assert ["bin", orgs[1].bin] == identity[2][:2]
    assert ["sheet", "1.4", "1.4", str(specs["1.4"].version), str(L.HEADER_ROW)] == identity[5 + 3][
        :5
    ]
    calamine = pc.CalamineWorkbook.from_path(str(path))
    hidden = {m.name: m.visible for m in calamine.sheets_metadata}
    assert hidden[IDENTITY_SHEET] == pc.SheetVisibleEnum.VeryHidden


def test_return_sheet_is_prefilled_locked_and_validated(tmp_path, specs, campaign, orgs):
    path = tmp_path / "t.xlsx"
    org = orgs[1]  # preschool: its own period
    write_template(path, org, campaign, specs)
    sheet = openpyxl.load_workbook(path)[specs["1.1"].sheet]
    assert sheet.cell(L.BIN_ROW, 2).value == org.bin
    assert sheet.cell(L.BIN_ROW, 2).data_type == "s"
    assert sheet.cell(L.PERIOD_ROW, 2).value == "01.12.2022–31.10.2023"
    assert sheet.cell(L.DEADLINE_ROW, 2).value == "15.11.2023"
    assert org.name.kk in sheet.cell(L.ORG_ROW, 2).value
    assert sheet.protection.sheet
    assert sheet.cell(L.BIN_ROW, 2).protection.locked
    assert sheet.freeze_panes == f"A{L.FIRST_DATA_ROW}"
    header = [sheet.cell(L.HEADER_ROW, c + 1).value for c in range(len(specs["1.1"].columns))]
    assert header[0] == "ЖСН *\nИИН *"
    rules = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    iin = rules[f"A{L.FIRST_DATA_ROW}"]
    assert iin.type == "custom" and "LEN" in iin.formula1
    checked = rules[f"E{L.FIRST_DATA_ROW}"]
    assert checked.type == "date"
    assert (int(checked.formula1), checked.formula2) == (44896, "TODAY()")  # 01.12.2022–today
    has_record = rules[f"G{L.FIRST_DATA_ROW}"]
    assert has_record.type == "list" and has_record.formula1.startswith("'_lists'!")
    assert f"B{L.NIL_ROW}" not in rules  # a staff list is never a nil return: no yellow cell
    assert sheet.column_dimensions["A"].number_format == "@"  # IINs typed here stay text


def test_numeric_columns_accept_whole_numbers_from_zero(tmp_path, specs, campaign, orgs):
    path = tmp_path / "t.xlsx"
    write_template(path, orgs[0], campaign, specs)
    sheet = openpyxl.load_workbook(path)[specs["1.4"].sheet]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    applications = rules[f"C{L.FIRST_DATA_ROW}"]
    assert applications.type == "whole" and float(applications.formula1) == 0


def test_checklists_list_every_item(tmp_path, specs, campaign, orgs):
    path = tmp_path / "t.xlsx"
    write_template(path, orgs[0], campaign, specs)
    sheet = openpyxl.load_workbook(path)[specs["2"].sheet]
    items = [
        sheet.cell(L.FIRST_DATA_ROW + i, 1).value
        for i in range(len(specs["2"].column("item").choices))
    ]
    assert items == [c.label.both for c in specs["2"].column("item").choices]


def test_user_strings_never_become_formulas(tmp_path, specs, campaign):
    org = Organisation(
        make_bin(9),
        Text('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0"),
        "preschool",
    )
    path = tmp_path / "t.xlsx"
    write_template(path, org, campaign, specs)
    sheet = openpyxl.load_workbook(path)[specs["1.1"].sheet]
    cell = sheet.cell(L.ORG_ROW, 2)
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_instructions_are_bilingual(tmp_path, specs, campaign, orgs):
    path = tmp_path / "t.xlsx"
    write_template(path, orgs[0], campaign, specs, now=dt.datetime(2023, 11, 3))
    rows = (
        pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(INSTRUCTIONS_SHEET).to_python()
    )
    text = "\n".join(str(c) for row in rows for c in row)
    assert "Как заполнять" in text and "Қалай толтыру керек" in text
    assert "Период: 01.06.2022–31.10.2023. Срок: 15.11.2023." in text


def test_positions_are_offered_from_the_declared_list_but_may_be_typed(workspace, orgs):
    """The register needs positions it can recognise: the template offers the declared list
    with «Басқа — жазыңыз / Другое — укажите», and a position not on it may still be typed."""
    from pipeline.intake.ingest import ingest
    from tests.helpers import fill, good_12, template_for

    book = openpyxl.load_workbook(template_for(workspace, orgs[0]))
    sheet = book[workspace.specs["1.2"].sheet]
    column = openpyxl.utils.get_column_letter(workspace.specs["1.2"].keys.index("position") + 1)
    [rule] = [v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(column)]
    assert rule.type == "list" and rule.errorStyle == "information"
    offered = [
        c.value for c in book["_lists"][rule.formula1.split("$")[1]] if c.value
    ]  # the column of the hidden list sheet
    assert "Директордың орынбасары / Заместитель директора" in offered
    assert offered[-1] == "Басқа — жазыңыз / Другое — укажите"
    rows = [
        {**good_12(), "position": "Жүргізуші / Водитель", "order_no": "1-к"},
        {**good_12(), "position": "Басқа — жазыңыз / Другое — укажите", "order_no": "2-к"},
    ]
    fill(workspace, orgs[0], {"1.2": rows}, "typed.xlsx")
    [outcome] = ingest(workspace)
    on_12 = [(p.code, p.column_key, p.row) for p in outcome.problems if p.sheet == "1.2"]
    assert on_12 == [("required", "position", L.FIRST_DATA_ROW + 1)]


def test_a_kindergarten_is_offered_its_own_services_not_a_schools(workspace, orgs):
    from tests.helpers import template_for

    offered = {}
    for org in orgs:
        book = openpyxl.load_workbook(template_for(workspace, org))
        sheet = book[workspace.specs["1.4"].sheet]
        column = openpyxl.utils.get_column_letter(workspace.specs["1.4"].keys.index("service") + 1)
        [rule] = [
            v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(column)
        ]
        letter = rule.formula1.split("$")[1]
        offered[org.type] = [c.value for c in book["_lists"][letter][1:] if c.value]
        book.close()
    assert (
        "Мектепке дейінгі ұйымға қабылдау / Приём в дошкольную организацию" in offered["preschool"]
    )
    assert not any("зачисление в школу" in o for o in offered["preschool"])
    assert any("зачисление в школу" in o for o in offered["general_secondary"])
    assert not any("дошкольную" in o for o in offered["general_secondary"])
    assert all(o[-1] == "Басқа қызмет / Иная услуга" for o in offered.values())
