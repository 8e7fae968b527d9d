"""The catalogue of texts is data: one YAML file per kind of text, the kind of each problem
declared with its entry, a repeated code refused rather than silently overwritten."""

from __future__ import annotations

import pytest

from pipeline.core import messages
from pipeline.core.messages import CATALOGUE, catalogue, kind


def test_the_catalogue_is_split_by_what_the_texts_are():
    files = {p.stem for p in CATALOGUE.glob("*.yaml")}
    assert files == {"problems", "errors", "console", "mail", "workbooks", "documents", "desk"}
    assert len(catalogue()) > 400


def test_every_problem_declares_its_kind_and_nothing_else_does():
    problems = catalogue(CATALOGUE)
    declared = messages._UniqueKeys((CATALOGUE / "problems.yaml").read_text(encoding="utf-8"))
    try:
        entries = declared.get_single_data()
    finally:
        declared.dispose()
    assert all(entry.get("kind") in messages.KINDS for entry in entries.values())
    others = {c for c, e in problems.items() if c not in entries}
    assert not [c for c in others if problems[c].kind]
    assert kind("old_version") == "warning"
    assert kind("article_missing") == "query"
    assert kind("empty_file") == "error"


def test_a_code_written_twice_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "x:\n  kk: бір\n  ru: один\nx:\n  kk: екі\n  ru: два\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="«x» twice"):
        catalogue(tmp_path)


def test_a_code_in_two_files_or_without_russian_or_of_an_unknown_kind_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("x:\n  kk: бір\n  ru: один\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("x:\n  kk: бір\n  ru: один\n", encoding="utf-8")
    with pytest.raises(ValueError, match="also in another file"):
        catalogue(tmp_path)
    for body in ("y:\n  kk: бір\n", "y:\n  kind: fatal\n  kk: бір\n  ru: один\n"):
        folder = tmp_path / str(len(body))
        folder.mkdir()
        (folder / "c.yaml").write_text(body, encoding="utf-8")
        with pytest.raises(ValueError, match="needs kk and ru"):
            catalogue(folder)
