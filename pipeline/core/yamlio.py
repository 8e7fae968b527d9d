"""Reading the department's YAML files with messages a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.messages import text
from pipeline.core.text import Text

MAX_ALIASES = 50
"""A few anchors to repeat a block are fine; a few lines of «&a [*a, *a, …]» nested deep
expand to billions of items (it crashed the process): past this many aliases, refused."""


class _Loader(yaml.SafeLoader):
    """The safe loader, bounding aliases (`MAX_ALIASES`) and naming an impossible date
    (2023-11-31) by its line instead of failing with the calendar's own error."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases = getattr(self, "aliases", 0) + 1
            if self.aliases > MAX_ALIASES:
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "alias", event.start_mark)
        return super().compose_node(parent, index)


def _timestamp(loader, node):
    """A date, or an impossible one (2023-11-31) named by its line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(None, None, "date", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

PROBLEMS = {  # what PyYAML says, as the officer is told it (`messages`: yaml_*)
    "alias": "yaml_alias",
    "date": "yaml_bad_date",
    "mapping values are not allowed here": "yaml_colon",
    "could not find expected ':'": "yaml_no_colon",
    "found character '\\t' that cannot start any token": "yaml_tab",
    "found character '\t' that cannot start any token": "yaml_tab",
    "did not find expected key": "yaml_indent",
    "expected <block end>, but found '<block mapping start>'": "yaml_indent",
    "found unexpected end of stream": "yaml_quote",
    "found undefined alias": "yaml_alias",
}


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, ten times as fast, for text with no anchor or alias to bound;
    dates as `_Loader` reads them."""


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def parse_yaml(text: str) -> Any:
    """YAML as data: the safe loader, aliases bounded (`_Loader`). Text without «&» or «*»
    holds no anchor or alias and is read by libyaml; a text it refuses is read again by
    `_Loader`, whose messages the officer is told (`PROBLEMS`)."""
    if "&" not in text and "*" not in text:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError:
            pass  # the same text through the pure loader, for its exact problem and place
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping; a syntax error names the line and column and says what is
    wrong in both languages, a missing file says what to do."""
    if not path.is_file():
        raise ConfigError.of("config_file_missing", where=str(path))
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark else "?"
        column = f"{mark.column + 1}" if mark else "?"
        problem = str(getattr(exc, "problem", "") or "")
        what = text(PROBLEMS.get(problem, "yaml_other"))
        raise ConfigError.of(
            "config_yaml_syntax", where=str(path), line=line, column=column, value=what
        ) from None
    except UnicodeDecodeError:
        raise ConfigError.of("config_not_utf8", where=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError.of("config_not_a_mapping", where=str(path))
    return data


def need(data: dict[str, Any], key: str, where: str, kind: type | tuple = object) -> Any:
    """Fetch a required key of the expected type, or say exactly which key to add or fix."""
    if key not in data or data[key] is None:
        raise ConfigError.of("config_key_missing", where=where, key=key)
    value = data[key]
    if kind is not object and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError.of("config_wrong_type", where=where, key=key, names=names, value=value)
    return value


def need_text(data: dict[str, Any], key: str, where: str) -> Text:
    """A bilingual text: a mapping with non-empty `kk` and `ru`."""
    value = need(data, key, where, dict)
    kk, ru = value.get("kk"), value.get("ru")
    if not (isinstance(kk, str) and kk.strip() and isinstance(ru, str) and ru.strip()):
        raise ConfigError.of("config_text_not_bilingual", where=where, key=key)
    return Text(kk.strip(), ru.strip())
