"""One declarative spec per return: the single source of truth for templates,
validation, error messages and consolidated sheets.

A spec is data (YAML under `pipeline/shipped_schemas/returns/`); this module only loads and checks it.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.core.folding import fold
from pipeline.core.messages import text
from pipeline.core.text import Text
from pipeline.core.yamlio import load_yaml, need, need_text
from pipeline.specs.offences import Offences, load_offences

TYPES = ("text", "integer", "decimal", "date", "iin", "bin", "choice", "yesno")
OPS = ("<=", "<", "==", ">=", ">")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
ORG_TYPES = ("general_secondary", "preschool", "additional")
NIL_KINDS = ("empty_sheet", "mark", "never")
"""What a return sheet that arrives with no data rows means (`nil:` in a spec):
`empty_sheet` — a nil return ("no cases"), as the sheet note tells the school;
`mark` — a nil return only if the yellow «Иә, деректер жоқ / Да, данных нет» cell is chosen;
`never` — an error: the sheet cannot be empty (a staff list, a checklist)."""
WINDOWS = ("period", "analysis", "any", "planned")
"""The dates a date column may hold (`window:` in a spec), never after the file was received:
`period` — the reporting period (events: hiring orders, measures, applications);
`analysis` — from the period's start up to the day the file was received (checks, certificates);
`any` — any date up to the day the file was received;
`planned` — a date set in advance (a measure's deadline): it may lie in the future."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text
    area: str | None = None
    corruption: bool = False  # a topic that is corruption-related (choices.yaml declares it)
    types: tuple[str, ...] = ()  # the organisation types it is offered to; none: every type

    def offered_to(self, org_type: str) -> bool:
        return not self.types or org_type in self.types


YES_NO = (Choice("yes", text("choice_yes")), Choice("no", text("choice_no")))


@dataclass(frozen=True)
class ArticleOf:
    """An article column read against the declared corruption offences (`offences:` in a
    spec): the code a bare number belongs to is `law`, or the code named by the choice of
    the `law_from` column (1.3: criminal → the Criminal Code); where no code applies (a
    disciplinary measure) the `otherwise` choice column's `corruption` mark decides; the
    `flag` column, if any, is what the sender said, to be asked about when it disagrees."""

    law: str | None = None
    law_from: str | None = None
    otherwise: str | None = None
    flag: str | None = None
    register: Any = field(default=None, compare=False)  # the folder's `Offences`

    def keys(self, key: str) -> list[str]:
        """The cells a reading of the article column `key` needs."""
        return [key, *(k for k in (self.law_from, self.otherwise, self.flag) if k)]


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    type: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_help: Text | None = None
    window: str = "any"  # one of WINDOWS (date columns)
    month: bool = False  # a date column that records a month: "02.2023", "ақпан 2023" accepted
    personal: bool = False
    help: Text | None = None
    width: int | None = None
    # a text column's offered list (`suggest: positions`): the template's dropdown shows it
    # with «басқа — жазыңыз / другое — укажите», and any other text may still be typed
    suggest: tuple[Choice, ...] = ()
    offences: ArticleOf | None = None

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)


@dataclass(frozen=True)
class Rule:
    """A cross-column rule: `compare` (sum of left op sum of right) or `required_if`."""

    code: str
    kind: str
    message: Text
    left: tuple[str, ...] = ()
    op: str = "<="
    right: tuple[str, ...] = ()
    if_column: str = ""
    if_in: tuple[str, ...] = ()
    then: tuple[str, ...] = ()
    severity: str = "error"  # error: the return is refused; query: accepted, the sender asked
    words: tuple[str, ...] = ()  # `mentions`: what the column should name, folded
    also: tuple[tuple[str, tuple[str, ...]], ...] = ()  # further conditions (column, codes)

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            self.left
            + self.right
            + ((self.if_column,) if self.if_column else ())
            + tuple(c for c, _ in self.also)
            + self.then
        )


@dataclass(frozen=True, eq=False)
class ReturnSpec:
    """Compared and hashed by identity: a spec is loaded once and used as a cache key."""

    code: str
    version: int
    sheet: str
    applies_to: tuple[str, ...]
    title: Text
    description: Text
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    unique: tuple[str, ...] = ()
    fixed_rows: str | None = None
    areas: dict[str, Text] = field(default_factory=dict)
    stage: str = (
        "collection"  # collection (1.1–2.5) | monitoring (5.1, after the reference is signed)
    )
    nil: str = "mark"  # one of NIL_KINDS

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def _choices(raw: Any, shared: dict[str, tuple[Choice, ...]], where: str) -> tuple[Choice, ...]:
    if isinstance(raw, str):
        if raw not in shared:
            raise ConfigError.of("spec_unknown_choices_list", where=where, raw=raw)
        return shared[raw]
    if not isinstance(raw, list) or not raw:
        raise ConfigError.of("spec_choices_invalid", where=where)
    out = []
    for i, item in enumerate(raw):
        here = f"{where}.choices[{i}]"
        code = str(need(item, "code", here))
        types = tuple(item.get("types") or ())
        if any(t not in ORG_TYPES for t in types):
            raise ConfigError.of(
                "config_wrong_type", where=here, key="types", names=", ".join(ORG_TYPES),
                value=list(types),
            )  # fmt: skip
        out.append(
            Choice(
                code,
                Text(str(need(item, "kk", here)), str(need(item, "ru", here))),
                item.get("area"),
                bool(item.get("corruption", False)),
                types,
            )
        )
    codes = [c.code for c in out]
    if len(set(codes)) != len(codes):
        raise ConfigError.of("spec_choice_codes_repeat", where=where)
    return tuple(out)


def _column(
    raw: dict[str, Any], shared: dict[str, tuple[Choice, ...]], where: str, register: Any = None
) -> Column:
    key = need(raw, "key", where, str)
    where = f"{where} ({key})"
    ctype = need(raw, "type", where, str)
    if ctype not in TYPES:
        raise ConfigError.of("spec_unknown_type", where=where, ctype=ctype, value=", ".join(TYPES))
    if ctype == "yesno":  # sugar: a choice of yes / no
        ctype, choices = "choice", YES_NO
    else:
        choices = _choices(raw["choices"], shared, where) if ctype == "choice" else ()
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError.of("spec_bad_pattern", where=where, exc=exc) from None
    if ctype == "choice" and not choices:
        raise ConfigError.of("spec_choice_without_choices", where=where)
    for option in ("within_period", "month", "window"):
        if raw.get(option) and ctype != "date":
            raise ConfigError.of("spec_option_not_date", where=where, option=option)
    _numbers_given(raw, where)
    return Column(
        key=key,
        label=need_text(raw, "label", where),
        type=ctype,
        required=bool(raw.get("required", False)),
        choices=choices,
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
        pattern=pattern,
        pattern_help=need_text(raw, "pattern_help", where) if "pattern_help" in raw else None,
        window=_window(raw, where),
        month=bool(raw.get("month", False)),
        personal=bool(raw.get("personal", False)) or ctype == "iin",
        help=need_text(raw, "help", where) if "help" in raw else None,
        width=raw.get("width"),
        suggest=_suggest(raw, ctype, shared, where),
        offences=_article_of(raw, ctype, where, register),
    )


def _numbers_given(raw: dict[str, Any], where: str) -> None:
    """`min`, `max` are numbers and `max_length`, `width` whole numbers above zero: a bound
    typed as text («min: "0"») would make every school's sheet of the return fail to be
    checked, long after the department saved its spec."""
    for option in ("min", "max", "max_length", "width"):
        value = raw.get(option)
        if value is None:
            continue
        whole = option in ("max_length", "width")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (whole and (not isinstance(value, int) or value < 1)):
            code = "spec_whole_number" if whole else "spec_bound_not_number"
            shown = f'"{value}"' if isinstance(value, str) else str(value).lower()  # as in YAML
            raise ConfigError.of(code, where=where, option=option, value=shown)


def _article_of(
    raw: dict[str, Any], ctype: str, where: str, register: Any = None
) -> ArticleOf | None:
    declared = raw.get("offences")
    if declared is None:
        return None
    if ctype != "text" or not isinstance(declared, dict):
        raise ConfigError.of("spec_offences_not_text", where=where)
    return ArticleOf(
        declared.get("law"), declared.get("law_from"), declared.get("otherwise"),
        declared.get("flag"), register,
    )  # fmt: skip


OTHER = Choice("other", text("choice_other"))


def _suggest(raw, ctype: str, shared, where: str) -> tuple[Choice, ...]:
    if not raw.get("suggest"):
        return ()
    if ctype != "text":
        raise ConfigError.of("spec_suggest_not_text", where=where)  # fmt: skip
    return (*_choices(raw["suggest"], shared, where), OTHER)


def _window(raw: dict[str, Any], where: str) -> str:
    """A date column's window; `within_period: true` (older specs) means `window: period`."""
    window = raw.get("window", "period" if raw.get("within_period") else "any")
    if window not in WINDOWS:
        raise ConfigError.of("spec_unknown_window", where=where, value=", ".join(WINDOWS))
    return window


SEVERITIES = ("error", "query")
"""A rule's `severity:` — `error`: the return cannot be right (refused until corrected);
`query`: the data may be right but contradict themselves (accepted; the sender is asked to
confirm or correct, and the reference says which conclusions rest on unconfirmed data)."""


def _condition(
    column: str, codes: Any, columns: dict[str, Column], where: str
) -> tuple[str, tuple[str, ...]]:
    """(column, codes) of a condition; `topic@corruption: [yes]` becomes the topic codes
    marked corruption: true, so a rule reads plain values."""
    key, _, attr = str(column).partition("@")
    wanted = tuple(str(c) for c in (codes or ()))
    if key not in columns:
        raise ConfigError.of("spec_rule_unknown_columns", where=where, value=key)
    if not attr:
        return key, wanted
    choices = columns[key].choices
    if attr not in ("corruption", "area") or not choices:
        raise ConfigError.of("spec_rule_unknown_columns", where=where, value=str(column))
    marked = [
        c.code
        for c in choices
        if (("yes" if c.corruption else "no") if attr == "corruption" else str(c.area)) in wanted
    ]
    return key, tuple(marked)


def _folded(word: object) -> str:
    return fold(str(word))


def _offence_choices(register: Offences, law: str) -> tuple[Choice, ...]:
    """The declared offences of a code as a dropdown offers them, one line per part that
    counts; the cell reads back as its article (`offences.Offences.read`)."""
    return tuple(Choice(code, Text(kk, ru)) for code, kk, ru in register.dropdown(law))


def _rule(raw: dict[str, Any], columns: dict[str, Column], where: str) -> Rule:
    keys = set(columns)
    code = need(raw, "code", where, str)
    kind = need(raw, "kind", where, str)
    where = f"{where} ({code})"
    message = need_text(raw, "message", where)
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise ConfigError.of("spec_unknown_rule", where=where, kind=f"severity: {severity}")
    also = tuple(_condition(c, v, columns, where) for c, v in (raw.get("and") or {}).items())
    if kind == "compare":
        op = need(raw, "op", where, str)
        if op not in OPS:
            raise ConfigError.of("spec_unknown_op", where=where, OPS=OPS)
        rule = Rule(
            code,
            kind,
            message,
            left=tuple(need(raw, "left", where, list)),
            op=op,
            right=tuple(need(raw, "right", where, list)),
        )
    elif kind in ("required_if", "empty_if", "mentions"):
        cond = need(raw, "if", where, dict)
        if_column, if_in = _condition(
            need(cond, "column", where, str), need(cond, "in", where, list), columns, where
        )
        then = (
            (need(raw, "column", where, str),)
            if kind == "mentions"
            else tuple(need(raw, "then", where, list))
        )
        words = (
            tuple(_folded(w) for w in need(raw, "words", where, list)) if kind == "mentions" else ()
        )
        rule = Rule(code, kind, message, if_column=if_column, if_in=if_in, then=then, words=words)
    else:
        raise ConfigError.of("spec_unknown_rule", where=where, kind=kind)
    unknown = [c for c in rule.columns if c not in keys]
    if unknown:
        raise ConfigError.of("spec_rule_unknown_columns", where=where, value=", ".join(unknown))
    if kind == "compare":  # sums of numbers, or dates against dates: nothing else compares
        types = {columns[c].type for c in rule.columns}
        if not (types <= {"integer", "decimal"} or types == {"date"}):
            value = ", ".join(f"{c} ({columns[c].type})" for c in rule.columns)
            raise ConfigError.of("spec_compare_not_numbers", where=where, value=value)
    return replace(rule, severity=severity, also=also)


def load_spec(
    path: Path, shared: dict[str, tuple[Choice, ...]], register: Any = None
) -> ReturnSpec:
    """Load and check one spec file; every mistake names the file and the key.
    `register` is the folder's declared corruption offences (`offences.yaml`)."""
    data = load_yaml(path)
    where = str(path)
    columns_raw = need(data, "columns", where, list)
    columns = tuple(
        _column(c, shared, f"{where}: columns[{i}]", register) for i, c in enumerate(columns_raw)
    )
    keys = [c.key for c in columns]
    if len(set(keys)) != len(keys):
        raise ConfigError.of("spec_column_keys_repeat", where=where)
    for column in columns:
        declared = column.offences
        if declared is None:
            continue
        named = [k for k in (declared.law_from, declared.otherwise, declared.flag) if k]
        if any(k not in keys for k in named) or (
            declared.law is not None and register is not None and declared.law not in register.laws
        ):
            raise ConfigError.of("spec_offences_not_text", where=f"{where} ({column.key})")
    applies = tuple(need(data, "applies_to", where, list))
    bad = [t for t in applies if t not in ORG_TYPES]
    if bad:
        raise ConfigError.of(
            "spec_unknown_org_type", where=where, value=", ".join(bad), value2=", ".join(ORG_TYPES)
        )
    sheet = str(need(data, "sheet", where))
    if len(sheet) > 31 or _SHEET_BAD.search(sheet) or sheet.startswith("_"):
        raise ConfigError.of("spec_bad_sheet_name", where=f"{where}: sheet")
    unique = tuple(data.get("unique") or ())
    fixed = data.get("fixed_rows")
    for key in (*unique, *([fixed] if fixed else [])):
        if key not in keys:
            raise ConfigError.of("spec_unknown_key", where=where, key=key)
    areas = {str(k): need_text(data["areas"], k, where) for k in (data.get("areas") or {})}
    return ReturnSpec(
        code=str(need(data, "code", where)),
        version=int(need(data, "version", where, int)),
        sheet=sheet,
        applies_to=applies,
        title=need_text(data, "title", where),
        description=need_text(data, "description", where),
        columns=columns,
        rules=tuple(
            _rule(r, {c.key: c for c in columns}, f"{where}: rules[{i}]")
            for i, r in enumerate(data.get("rules") or [])
        ),
        unique=unique,
        fixed_rows=fixed,
        areas=areas,
        stage=_stage(data.get("stage", "collection"), where),
        nil=_nil(data.get("nil", "never" if fixed else "mark"), where),
    )


def _nil(value: str, where: str) -> str:
    if value not in NIL_KINDS:
        raise ConfigError.of("spec_unknown_nil", where=f"{where}: nil", value=", ".join(NIL_KINDS))
    return value


def _stage(value: str, where: str) -> str:
    if value not in ("collection", "monitoring"):
        raise ConfigError.of("spec_unknown_stage", where=where)
    return value


def shipped_schemas() -> Path:
    """The specs that ship inside the package (`pipeline/shipped_schemas/`), used when a campaign
    has none of its own: found through the package, so an installed wheel has them too."""
    return Path(str(importlib.resources.files("pipeline") / "shipped_schemas"))


def plan_item(spec: ReturnSpec) -> str:
    """The work plan's item a return answers: its code, or the range of its areas («2.1–2.5»
    for the internal-acts checklist)."""
    if spec.areas:
        areas = list(spec.areas)
        return areas[0] if len(areas) == 1 else f"{areas[0]}–{areas[-1]}"
    return spec.code


def plan_items(specs) -> str:
    """The plan's items the declared returns answer, runs of one section joined: «1.1–1.8,
    2.1–2.5». A department that declares a 1.9 sees «1.1–1.9» without editing any text."""
    runs: list[list[str]] = []
    for spec in specs:
        item = plan_item(spec)
        section, _, number = item.partition(".")
        last = runs[-1][-1] if runs else ""
        last_section, _, last_number = last.partition(".")
        follows = (
            "–" not in item
            and "–" not in last
            and section == last_section
            and number.isdigit()
            and last_number.isdigit()
            and int(number) == int(last_number) + 1
        )
        if follows:
            runs[-1].append(item)
        else:
            runs.append([item])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


OVERRIDABLE = ("returns", "choices.yaml", "offences.yaml", "indicators.yaml", "report.yaml")
"""What a department may declare its own of, in its campaign folder's `schemas/`: each is
taken whole from there when it is there, from the shipped specs when it is not."""


def schemas_dir(root: Path) -> Path:
    """A campaign's own specs folder (it may not exist: then every spec is the shipped one)."""
    return root / "schemas"


def pick(own: Path, name: str) -> Path:
    """One spec file (or the `returns` folder): the department's own if it has it."""
    mine = own / name
    return mine if mine.exists() else shipped_schemas() / name


def check_own_schemas(own: Path) -> None:
    """A file in `schemas/` that no part of Adal reads («indicator.yaml», a spec left at the
    top instead of in `returns/`) was silently ignored: the department thought its rule was
    in force. It is refused, naming what may be declared there."""
    if not own.is_dir():
        return
    for entry in sorted(own.iterdir()):
        if entry.name in OVERRIDABLE or entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix.lower() in (".yaml", ".yml"):
            raise ConfigError.of(
                "schema_file_unknown", where=str(entry), names=", ".join(OVERRIDABLE)
            )


_OWN: Path | None = None


def use_schemas(own: Path) -> None:
    """The campaign's own specs folder, for the fixed wording read far from any workspace
    (the reference's words, the register's bases), as `clock.use_zone` sets the zone."""
    global _OWN
    _OWN = own


def schema_path(name: str) -> Path:
    return pick(_OWN, name) if _OWN is not None else shipped_schemas() / name


def load_specs(folder: Path) -> dict[str, ReturnSpec]:
    """All return specs, keyed by code, in plan order: `folder` is a campaign's own specs
    folder (each file of it taken when it is there) or the shipped one."""
    choices = pick(folder, "choices.yaml")
    shared_raw = load_yaml(choices) if choices.exists() else {}
    shared = {name: _choices(items, {}, f"{choices}: {name}") for name, items in shared_raw.items()}
    register = load_offences(pick(folder, "offences.yaml"))
    for law in register.laws.values():  # a dropdown of the declared offences (`suggest:`)
        shared.setdefault(f"offences_{law.code}", _offence_choices(register, law.code))
    specs: dict[str, ReturnSpec] = {}
    returns = pick(folder, "returns")
    for path in sorted(returns.glob("*.yaml")):
        spec = load_spec(path, shared, register)
        if spec.code in specs:
            raise ConfigError.of("spec_code_repeats", where=str(path), code=spec.code)
        specs[spec.code] = spec
    if not specs:
        raise ConfigError.of("spec_none", where=str(returns))
    sheets = [s.sheet for s in specs.values()]
    if len(set(sheets)) != len(sheets):
        raise ConfigError.of("spec_sheet_names_repeat", where=str(folder))
    return dict(sorted(specs.items(), key=lambda kv: _plan_order(kv[0])))


def _plan_order(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))
