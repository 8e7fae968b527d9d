"""A third language is its strings, not an edit of the modules that show texts: given an
English catalogue (a ministry's summary), a workbook header, a message and a letter's line
come out in Kazakh, Russian and English from the one text system."""

from __future__ import annotations

import openpyxl
import pytest
import yaml

from pipeline.core import messages, text
from pipeline.core.messages import add_language, label, render
from pipeline.core.text import Text
from pipeline.files.xlsxout import Writer
from pipeline.letters.mail import plan_templates
from pipeline.workbooks.templates import template_name, write_template

ENGLISH = {
    "label_type": "Type",
    "empty_file": "The file is empty (0 bytes). Send the filled-in file again.",
    "mail_templates_body": "Dear colleagues,\n\nThe template for «{org}» is attached.\n\n"
    "Returns and deadlines:\n{lines}",
    "mail_templates_line": "  • {code}. {title} — due {due}",
}


@pytest.fixture
def english(monkeypatch, tmp_path):
    """The English strings come as a catalogue file of `code: template`, as a translator
    would hand them over."""
    monkeypatch.setattr(messages, "_EXTRA", {})
    monkeypatch.setattr(text, "_shown", text.BASE_LANGUAGES)
    catalogue = tmp_path / "en.yaml"
    catalogue.write_text(yaml.safe_dump(ENGLISH, allow_unicode=True), encoding="utf-8")
    add_language("en", catalogue)
    text.use_languages(("kk", "ru", "en"))


def test_a_workbook_label_a_message_and_a_letter_line_in_a_third_language(
    english, workspace, orgs, tmp_path
):
    path = tmp_path / "summary.xlsx"
    w = Writer(path)
    w.table("Sheet", [label("label_type")], [["x"]], [20], ["str"])
    w.close()
    assert openpyxl.load_workbook(path)["Sheet"]["A1"].value == "Түрі / Тип / Type"

    said = render("empty_file")
    assert said.get("en") == ENGLISH["empty_file"]
    assert said.text.endswith("/ " + ENGLISH["empty_file"])
    assert render("too_large", size=9, limit=5).get("en").startswith("Файл слишком большой")

    org = orgs[0]
    write_template(
        workspace.paths.outbox / "templates" / template_name(org, workspace.campaign),
        org,
        workspace.campaign,
        workspace.specs,
    )
    [letter] = [m for m in plan_templates(workspace) if m.bin == org.bin]
    body = letter.body
    assert "— мерзімі 15.11.2023" in body and "— срок 15.11.2023" in body
    assert "Dear colleagues," in body and "— due 15.11.2023" in body
    assert body.index("Құрметті") < body.index("Уважаемые") < body.index("Dear colleagues")


def test_a_text_is_a_mapping_shown_in_the_languages_asked(english):
    """A text missing the third language reads in Russian there."""
    director = Text("Директор", "Директор")
    assert director.join() == "Директор"
    assert dict(Text("Түрі", "Тип", en="Type")) == {"kk": "Түрі", "ru": "Тип", "en": "Type"}
    assert Text("Мұғалім", "Учитель").join() == "Мұғалім / Учитель"
    assert Text("Мұғалім", "Учитель", en="Teacher").join() == "Мұғалім / Учитель / Teacher"
