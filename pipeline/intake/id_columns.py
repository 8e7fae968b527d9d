"""IIN/BIN checks over a whole column at once, for the validation of a return: a staff
list has thousands of IINs, and a Python call per value was most of the time pandera spent
on it. The rules are `core.ids`' (checked one by one there, and against these in tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.core.ids import (
    MAX_AGE,
    MIN_AGE,
    WEIGHTS_FIRST,
    WEIGHTS_SECOND,
    id_problem,
    is_valid_id,
)


def valid_ids(values: pd.Series) -> pd.Series:
    """`is_valid_id` over a whole column at once: a staff list has thousands of IINs, and a
    Python call per value was most of the time pandera spent on it."""
    result = np.zeros(len(values), dtype=bool)
    texts = values.map(lambda v: v if isinstance(v, str) else "").to_numpy(dtype="U13")
    codes = texts.view(np.uint32).reshape(len(values), 13)  # one code point per character
    digits = codes[:, :12].astype(np.int64) - 48
    ascii12 = ((digits >= 0) & (digits <= 9)).all(axis=1) & (codes[:, 12] == 0)
    if ascii12.any():
        ok = digits[ascii12]
        first = ok[:, :11] @ np.array(WEIGHTS_FIRST) % 11
        second = ok[:, :11] @ np.array(WEIGHTS_SECOND) % 11
        check = np.where(first == 10, second, first)
        result[ascii12] = (check != 10) & (check == ok[:, 11])
    rest = ~ascii12 & (texts != "")
    if rest.any():  # other Unicode digits, or text longer than 13: judged one by one
        result[rest] = [is_valid_id(v) for v in values[rest]]
    return pd.Series(result, index=values.index)


def id_problems(values: pd.Series, kind: str, period_end: dt.date | None) -> pd.Series:
    """`id_problem` over a whole column, vectorised like `valid_ids`: a staff list has
    thousands of IINs. Returns the message code per value ("" where nothing is wrong)."""
    valid = valid_ids(values).to_numpy()
    texts = values.map(lambda v: v if isinstance(v, str) else "").to_numpy(dtype="U13")
    codes = np.full(len(values), "", dtype=object)
    filled = texts != ""
    codes[filled & ~valid] = "id_checksum"
    points = texts.view(np.uint32).reshape(len(values), 13)  # one code point per character
    digits = points[:, :12].astype(np.int64) - 48
    ascii12 = ((digits >= 0) & (digits <= 9)).all(axis=1) & (points[:, 12] == 0)
    digits[~ascii12] = 0
    bin_like = (digits[:, 4] >= 4) & (digits[:, 4] <= 6)
    century = np.select(
        [digits[:, 6] <= 0, digits[:, 6] <= 2, digits[:, 6] <= 4, digits[:, 6] <= 6],
        [0, 1800, 1900, 2000],
        0,
    )
    year = century + digits[:, 0] * 10 + digits[:, 1]
    month, day = digits[:, 2] * 10 + digits[:, 3], digits[:, 4] * 10 + digits[:, 5]
    born = pd.to_datetime(
        pd.DataFrame({"year": np.where(century > 0, year, 1), "month": month, "day": day}),
        errors="coerce",
    ).to_numpy()
    real_date = (century > 0) & ~pd.isna(born)
    checked = valid & ascii12
    if kind == "bin":
        codes[checked & ~bin_like & real_date] = "iin_not_bin"
        codes[checked & ~bin_like & ~real_date] = "bin_entity"
    else:
        codes[checked & bin_like] = "bin_not_iin"
        codes[checked & ~bin_like & ~real_date] = "iin_birth_date"
        if period_end is not None:
            stamp = year * 10000 + month * 100 + day
            end = period_end.year * 10000 + period_end.month * 100 + period_end.day
            person = checked & ~bin_like & real_date
            codes[person & (stamp > end)] = "iin_future"
            codes[person & (stamp <= end) & (stamp + MIN_AGE * 10000 > end)] = "iin_too_young"
            codes[person & (stamp + MAX_AGE * 10000 <= end)] = "iin_too_old"
    rest = filled & valid & ~ascii12  # judged one by one (should not happen after normalise)
    for position in np.flatnonzero(rest):
        codes[position] = id_problem(str(texts[position]), kind, period_end) or ""
    return pd.Series(codes, index=values.index)
