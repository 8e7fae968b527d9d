"""Spec, campaign and registry files: every mistake names the place and says what to do."""

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.text import Text
from pipeline.specs.campaign import load_campaign
from pipeline.specs.organisations import Organisation, load_registry
from pipeline.specs.returns import load_specs, shipped_schemas
from pipeline.workbooks.registry import write_registry


def copy_schemas(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(shipped_schemas(), target)
    return target


def edit_spec(folder: Path, code: str, change) -> None:
    path = folder / "returns" / f"{code}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_specs_cover_the_plan(specs):
    assert list(specs) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "2", "5.1"]
    for spec in specs.values():
        assert spec.title.kk and spec.title.ru
        for column in spec.columns:
            assert column.label.kk and column.label.ru
    assert set(specs["2"].areas) == {"2.1", "2.2", "2.3", "2.4", "2.5"}
    assert {c.area for c in specs["2"].column("item").choices} == {
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
    }


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["columns"][0].update(type="money"), "money"),
        (lambda d: d["columns"][0].pop("label"), "label"),
        (lambda d: d["columns"][1].update(label={"kk": "Т.А.Ә."}), "label"),
        (lambda d: d.update(sheet="1/1"), "sheet"),
        (lambda d: d["columns"].append(dict(d["columns"][0])), "повторяются"),
        (lambda d: d["rules"][0].update(then=["nope"]), "nope"),
        (lambda d: d.update(applies_to=["school"]), "school"),
        (lambda d: d["columns"][0].update(within_period=True), "within_period"),
        (lambda d: d["columns"][1].update(pattern="(["), "pattern"),
        (lambda d: d["columns"][1].update(max_length="150"), "max_length"),
    ],
)
def test_bad_spec_is_refused_with_the_place(tmp_path, change, fragment):
    folder = copy_schemas(tmp_path)
    edit_spec(folder, "1.1", change)
    with pytest.raises(ConfigError) as info:
        load_specs(folder)
    assert "1.1.yaml" in str(info.value)
    assert fragment in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    folder = copy_schemas(tmp_path)
    (folder / "returns" / "1.2.yaml").write_text(
        "code: '1.2'\ncolumns: [\n  - key", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="строка"):
        load_specs(folder)


def test_campaign_defaults_reproduce_the_2023_plan(campaign):
    assert campaign.period("1.1", "general_secondary").label == "01.06.2022–31.10.2023"
    assert campaign.period("1.1", "preschool").label == "01.12.2022–31.10.2023"
    assert campaign.period("1.1", "additional").label == "01.12.2022–31.10.2023"
    assert campaign.period("1.4", "preschool").label == "01.06.2022–31.10.2023"
    assert campaign.period("1.2", "general_secondary").label == "01.09.2022–31.08.2023"
    assert str(campaign.deadline("1.2")) == str(campaign.deadline("1.3")) == "2023-11-15"
    assert str(campaign.approved_on) == "2023-11-03"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            lambda d: d["periods"]["main"].update(preschool=["2023-13-01", "2023-10-31"]),
            "2023-13-01",
        ),
        (lambda d: d["periods"]["main"].pop("additional"), "additional"),
        (lambda d: d["returns"]["1.1"].update(period="nope"), "nope"),
        (lambda d: d["periods"]["main"].update(preschool=["2023-10-31", "2022-12-01"]), "раньше"),
        (lambda d: d.pop("subject"), "subject"),
        # the red team: «../» in the code wrote a template outside outbox/templates
        (lambda d: d.update(code="../../escape"), "становится частью имён файлов"),
        (lambda d: d.update(code="CON:2023"), "только латинские буквы"),
    ],
)
def test_bad_campaign_is_refused_with_the_key(tmp_path, change, fragment):
    data = yaml.safe_load((shipped_schemas() / "campaign-2023.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_missing_campaign_says_how_to_create_it(tmp_path):
    with pytest.raises(ConfigError, match="adal init"):
        load_campaign(tmp_path / "campaign.yaml")


def test_registry_round_trip(tmp_path, campaign, orgs):
    path = tmp_path / "organisations.xlsx"
    write_registry(path, orgs, campaign.org_types)
    assert load_registry(path, campaign.org_types) == orgs


def test_registry_reports_bad_bin_and_missing_name_by_row(tmp_path, campaign, orgs):
    bad = [
        Organisation(
            orgs[0].bin[:11] + str((int(orgs[0].bin[11]) + 1) % 10), orgs[0].name, orgs[0].type
        ),
        Organisation(orgs[1].bin, Text("x", ""), orgs[1].type),
    ]
    path = tmp_path / "organisations.xlsx"
    write_registry(path, bad, campaign.org_types)
    with pytest.raises(ConfigError) as info:
        load_registry(path, campaign.org_types)
    text = str(info.value)
    assert "строка 2" in text and "контрольная цифра" in text
    assert "строка 3" in text and "Обязательное поле" in text


@pytest.mark.parametrize(
    "cell", ["a@b.kz, boss@gov.kz", "a@b.kz; boss@gov.kz", "a@b.kz\nboss@gov.kz", "не указан"]
)
def test_a_registry_email_cell_is_one_address_or_is_named(tmp_path, campaign, orgs, cell):
    """The red team: «a@b.kz, boss@gov.kz» sent the letter to both; a line break crashed
    the mail command; «a; b» silently dropped b; «не указан» passed as an address."""
    import dataclasses

    path = tmp_path / "organisations.xlsx"
    write_registry(path, [dataclasses.replace(orgs[0], email=cell), orgs[1]], campaign.org_types)
    with pytest.raises(ConfigError) as info:
        load_registry(path, campaign.org_types)
    text = str(info.value)
    assert "строка 2" in text and "не один адрес электронной почты" in text


def test_one_address_and_one_sender():
    from pipeline.core.addresses import one_address, sender_address

    assert one_address(" School1@Edu.KZ ") == "School1@edu.kz"
    assert one_address("a@b.kz, c@d.kz") is None and one_address("не указан") is None
    assert sender_address("Школа №1 <s1@edu.kz>") == "s1@edu.kz"
    assert sender_address("a@b.kz, boss@gov.kz") is None  # two: no one to answer
    assert sender_address("x <a@b.kz>\r\nBcc: boss@gov.kz") is None


def test_a_bin_given_twice_in_the_registry_says_how_many_times(tmp_path, campaign, orgs):
    """It said «повторяется (2)»; the count is now said as a count: «2 раза», «5 раз»."""
    path = tmp_path / "organisations.xlsx"
    write_registry(path, [orgs[0], orgs[0], orgs[1], orgs[1], orgs[1], orgs[1], orgs[1]],
                   campaign.org_types)  # fmt: skip
    with pytest.raises(ConfigError) as info:
        load_registry(path, campaign.org_types)
    text = str(info.value)
    assert f"БИН {orgs[0].bin}: повторяется 2 раза (строки: 2, 3)" in text  # the rows to look at
    assert f"БИН {orgs[1].bin}: повторяется 5 раз (строки: 4, 5, 6, 7, 8)" in text
    assert f"БСН {orgs[1].bin}: 5 рет қайталанады (жолдар: 4, 5, 6, 7, 8)" in text


def test_a_campaign_may_override_only_its_returns(tmp_path, orgs):
    from pipeline.specs.workspace import Paths

    own = tmp_path / "schemas" / "returns"
    own.mkdir(parents=True)
    shutil.copy(shipped_schemas() / "returns" / "1.4.yaml", own / "1.4.yaml")
    shutil.copy(shipped_schemas() / "choices.yaml", tmp_path / "schemas" / "choices.yaml")
    paths = Paths(tmp_path)
    assert paths.schemas == tmp_path / "schemas"
    assert list(load_specs(paths.schemas)) == ["1.4"]
    assert paths.schema_file("indicators.yaml") == shipped_schemas() / "indicators.yaml"
    from pipeline.workbooks.indicators import load_indicators

    kept = load_indicators(paths.schema_file("indicators.yaml"), load_specs(paths.schemas))
    assert {i.code for i in kept} == {"I14_late", "I14_refused", "I14_paper"}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (  # the red team: a few lines that expand to billions of items (signal 11, no word)
            "".join(
                f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n else 'x'] * 9)}]\n" for n in range(9)
            ),
            "слишком много ссылок (&, *)",
        ),
        ("code: x\napproved:\n  date: 2023-11-31\n", "такой даты нет"),  # «Внутренняя ошибка»
        ("code: x\nsubject: a: b\n", "здесь не может быть двоеточия"),
        ("code: x\n\tyear: 2023\n", "строка 2"),
    ],
)
def test_campaign_yaml_mistakes_are_told_in_both_languages_by_line(tmp_path, text, said):
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    message = str(info.value)
    assert said in message and "YAML" in message and "строка" in message
    assert "mapping values" not in message and "Traceback" not in message


def test_a_departments_own_spec_files_are_each_honoured_without_its_own_returns(workspace):
    """Own `choices.yaml` or `report.yaml` were silently ignored unless `schemas/returns/`
    existed too; the reference's words and the register's bases read the shipped file."""
    from pipeline.documents import reference, register
    from pipeline.specs.returns import shipped_schemas
    from pipeline.specs.workspace import open_workspace

    own = workspace.paths.root / "schemas"
    own.mkdir()
    choices = (shipped_schemas() / "choices.yaml").read_text(encoding="utf-8")
    (own / "choices.yaml").write_text(
        choices.replace('ru: "Питание"', 'ru: "Организация питания"'), encoding="utf-8"
    )
    report = (shipped_schemas() / "report.yaml").read_text(encoding="utf-8")
    (own / "report.yaml").write_text(
        report.replace('ru: "«___» ____________ 20___ года"', 'ru: "«__» ______ 20__ г."'),
        encoding="utf-8",
    )
    try:
        mine = open_workspace(workspace.paths)
        labels = {c.label.ru for s in mine.specs.values() for col in s.columns for c in col.choices}
        assert "Организация питания" in labels and "Питание" not in labels
        assert reference.word("blank_date", "ru") == "«__» ______ 20__ г."
        assert register.sources(mine)  # read from the department's report.yaml, as the words are
    finally:
        from pipeline.specs.returns import use_schemas

        use_schemas(workspace.paths.root / "no-such-folder")  # the next test: shipped words


@pytest.mark.parametrize("stray", ["indicator.yaml", "1.4.yaml", "returns.yml"])
def test_a_spec_file_adal_does_not_read_is_refused_not_ignored(workspace, stray):
    from pipeline.core.errors import ConfigError
    from pipeline.specs.returns import shipped_schemas
    from pipeline.specs.workspace import open_workspace

    own = workspace.paths.root / "schemas"
    own.mkdir()
    (own / stray).write_text((shipped_schemas() / "indicators.yaml").read_text(encoding="utf-8"))
    with pytest.raises(ConfigError) as refused:
        open_workspace(workspace.paths)
    assert stray in refused.value.where and "indicators.yaml" in refused.value.ru


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d["columns"][3].update(min="0"), "spec_bound_not_number"),
        (lambda d: d["columns"][3].update(max=True), "spec_bound_not_number"),
        (lambda d: d["columns"][3].update(width=0), "spec_whole_number"),
        (
            lambda d: d["rules"].append(
                {"code": "x", "kind": "compare", "left": ["service"], "op": "<=",
                 "right": ["applications"], "message": {"kk": "x", "ru": "x"}}
            ),
            "spec_compare_not_numbers",
        ),
    ],
)  # fmt: skip
def test_a_bound_typed_as_text_is_refused_when_the_spec_is_read(tmp_path, change, code):
    """«min: "0"» in a department's own spec made every school's sheet of that return fail
    its checks (an internal error on each, found by a review of the checks): now the spec
    is refused where it is read, in both languages, naming the option."""
    folder = copy_schemas(tmp_path)
    edit_spec(folder, "1.4", change)
    with pytest.raises(ConfigError) as info:
        load_specs(folder)
    assert info.value.code == code
    assert "1.4.yaml" in str(info.value)
    if code != "spec_compare_not_numbers":  # «"0"» looks like a number: the quotes are named
        assert "без кавычек" in str(info.value) and "тырнақшасыз" in str(info.value)
