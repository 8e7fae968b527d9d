"""Reading the department's YAML files with messages a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.text import Text


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping; a syntax error names the line, a missing file says what to do."""
    if not path.is_file():
        raise ConfigError.of("config_file_missing", where=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark else "?"
        raise ConfigError.of(
            "config_yaml_syntax", where=str(path), line=line, value=getattr(exc, "problem", exc)
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
