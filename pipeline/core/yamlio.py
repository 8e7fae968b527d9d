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
        raise ConfigError(
            "файл табылмады. `adal init` іске қосыңыз немесе жолды тексеріңіз.",
            "файл не найден. Запустите `adal init` или проверьте путь.",
            where=str(path),
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark else "?"
        raise ConfigError(
            f"YAML қатесі, {line}-жол: {getattr(exc, 'problem', exc)}. Шегіністер мен қос нүктені тексеріңіз.",
            f"ошибка YAML, строка {line}: {getattr(exc, 'problem', exc)}. Проверьте отступы и двоеточия.",
            where=str(path),
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            "файл UTF-8 кодтауында емес. Оны UTF-8 ретінде сақтаңыз.",
            "файл не в кодировке UTF-8. Сохраните его как UTF-8.",
            where=str(path),
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            "файлда кілт: мән жұптары болуы керек.",
            "файл должен содержать пары ключ: значение.",
            where=str(path),
        )
    return data


def need(data: dict[str, Any], key: str, where: str, kind: type | tuple = object) -> Any:
    """Fetch a required key of the expected type, or say exactly which key to add or fix."""
    if key not in data or data[key] is None:
        raise ConfigError(
            f"«{key}» кілті жоқ. Оны қосыңыз.",
            f"нет ключа «{key}». Добавьте его.",
            where=where,
        )
    value = data[key]
    if kind is not object and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(
            f"«{key}» мәні {names} түрінде болуы керек, берілгені: {value!r}.",
            f"значение «{key}» должно быть типа {names}, указано: {value!r}.",
            where=where,
        )
    return value


def need_text(data: dict[str, Any], key: str, where: str) -> Text:
    """A bilingual text: a mapping with non-empty `kk` and `ru`."""
    value = need(data, key, where, dict)
    kk, ru = value.get("kk"), value.get("ru")
    if not (isinstance(kk, str) and kk.strip() and isinstance(ru, str) and ru.strip()):
        raise ConfigError(
            f"«{key}» мәтіні екі тілде болуы керек: {{kk: ..., ru: ...}}.",
            f"текст «{key}» должен быть на двух языках: {{kk: ..., ru: ...}}.",
            where=where,
        )
    return Text(kk.strip(), ru.strip())
