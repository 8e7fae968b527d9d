"""Last year's export checked before anything is compared with it.

An export is a folder of files another office (or an old PC) made: its manifest and its
tables are data, never trusted. A damaged one is refused with a message naming the file
and what is wrong in it; nothing damaged is ever read as «a risk that is new» or «gone».
The roll-up's own checks (files listed, their columns) run first (`rollup.read_exports`).
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.core.errors import ConfigError
from pipeline.core.messages import text
from pipeline.ledger.regional import MANIFEST
from pipeline.tracking.measures import STATE_TEXT

LEVELS = ("low", "medium", "high", "no_data", "insufficient")
FIRST_YEAR, LAST_YEAR = 2000, 2100
LONGEST = {"title": 1000, "name": 500, "measure": 4000}
"""Longer than any title, name or measure a plan holds: a text past these is damage, and
would only slow every document it is written into."""


def _bad(folder, file: str, what: str, **fields: object) -> ConfigError:
    return ConfigError.of(
        "previous_bad", where=str(folder / file), file=file, what=text(what), **fields
    )


def check_manifest(folder, manifest: object) -> tuple[int, dict | None]:
    """The export's year (a plausible one) and its indicators' declarations (a mapping of
    mappings, or absent in an export made before they were kept)."""
    if not isinstance(manifest, dict):
        raise _bad(folder, MANIFEST, "previous_bad_manifest")
    year = manifest.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise _bad(folder, MANIFEST, "previous_bad_year")
    declared = manifest.get("indicators")
    if declared is None:
        return year, None
    if not isinstance(declared, dict) or not all(
        isinstance(code, str)
        and isinstance(d, dict)
        and all(isinstance(d.get(k), str) for k in ("kk", "ru", "definition"))
        and all(len(d[k]) <= LONGEST["title"] for k in ("kk", "ru"))
        for code, d in declared.items()
    ):
        raise _bad(folder, MANIFEST, "previous_bad_indicators")
    return year, declared


def check_organisations(folder, orgs: pd.DataFrame) -> None:
    """Each organisation once, by a BIN, its names within a name's length."""
    if orgs["bin"].isna().any() or orgs["bin"].duplicated().any():
        raise _bad(folder, "organisations.parquet", "previous_bad_bin")
    if _too_long(orgs, ("organisation", "organisation_kk"), LONGEST["name"]):
        raise _bad(folder, "organisations.parquet", "previous_bad_text")
    for column in ("staff", "pupils"):
        numbers = pd.to_numeric(orgs[column], errors="coerce").dropna()
        if not all(math.isfinite(v) and 0 <= v < 10**7 for v in numbers):
            raise _bad(folder, "organisations.parquet", "previous_bad_number")


def check_tables(folder, tables: dict[str, pd.DataFrame]) -> None:
    """Every row the comparison reads: an organisation's BIN, an indicator's level among
    the known ones and one row per organisation and indicator, numbers finite, a measure's
    number, dates and state, and no text longer than a plan ever holds."""
    check_organisations(folder, tables["organisations"])
    inds = tables["indicators"]
    if inds["bin"].isna().any() or inds["indicator"].isna().any():
        raise _bad(folder, "indicators.parquet", "previous_bad_bin")
    if not inds["level"].isin(LEVELS).all():
        raise _bad(folder, "indicators.parquet", "previous_bad_level")
    if inds.duplicated(["bin", "indicator"]).any():
        raise _bad(folder, "indicators.parquet", "previous_bad_twice")
    for column in ("value", "numerator", "denominator"):
        numbers = pd.to_numeric(inds[column], errors="coerce")
        if inds[column].notna().ne(numbers.notna()).any() or not all(
            math.isfinite(v) for v in numbers.dropna()
        ):
            raise _bad(folder, "indicators.parquet", "previous_bad_number")
    if _too_long(inds, ("title", "title_kk"), LONGEST["title"]):
        raise _bad(folder, "indicators.parquet", "previous_bad_text")
    _check_measures(folder, tables["measures"])


def _check_measures(folder, measures: pd.DataFrame) -> None:
    if measures.empty:
        return
    file = "measures.parquet"
    if measures["no"].isna().any() or measures["bin"].isna().any():
        raise _bad(folder, file, "previous_bad_measure")
    for column in ("deadline", "monitoring_end", "as_of"):
        if pd.to_datetime(measures[column], errors="coerce").isna().any():
            raise _bad(folder, file, "previous_bad_date")
    if not measures["state"].isin(tuple(STATE_TEXT)).all():
        raise _bad(folder, file, "previous_bad_state")
    if _too_long(measures, ("measure", "measure_kk"), LONGEST["measure"]):
        raise _bad(folder, file, "previous_bad_text")


def _too_long(frame: pd.DataFrame, columns: tuple[str, ...], limit: int) -> bool:
    return any(frame[c].dropna().astype(str).str.len().gt(limit).any() for c in columns)
