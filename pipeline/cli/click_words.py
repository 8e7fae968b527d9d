"""click's own words — «Usage», «Options», «Show this message and exit.», its usage
errors — in Kazakh and Russian.

click looks every one of its strings up through `gettext` at the moment it prints it, so
these are its message ids with our text; what is not here stays as click wrote it. Only
click's modules see the change: the process's gettext domain is left alone.
"""

from __future__ import annotations

import importlib

CLICK_TEXT: dict[str, str] = {
    "Usage:": "Қолданылуы / Использование:",
    "Options": "Параметрлер / Параметры",
    "Commands": "Командалар / Команды",
    "Show this message and exit.": "Осы анықтаманы көрсету / Показать эту справку.",
    "default: {default}": "әдепкісі / по умолчанию: {default}",
    "required": "міндетті / обязательный",
    "Error: {message}": "Қате / Ошибка: {message}",
    "Aborted!": "Тоқтатылды / Остановлено.",
    "Missing command.": "Команда берілмеген / Не задана команда.",
    "Missing option": "Параметр берілмеген / Не задан параметр",
    "Missing argument": "Аргумент берілмеген / Не задан аргумент",
    "Missing parameter": "Параметр берілмеген / Не задан параметр",
    "Missing parameter: {param_name}": "Параметр берілмеген / Не задан параметр: {param_name}",
    "Invalid value for {param_hint}: {message}": (
        "{param_hint} мәні дұрыс емес / Неверное значение {param_hint}: {message}"
    ),
    "Invalid value: {message}": "Мән дұрыс емес / Неверное значение: {message}",
    "No such command {name!r}.": "{name!r} командасы жоқ / Нет команды {name!r}.",
    "No such option: {name}": "{name} параметрі жоқ / Нет параметра {name}",
    "No such option {name!r}.": "{name!r} параметрі жоқ / Нет параметра {name!r}.",
    "Try '{command} {option}' for help.": "Толығырақ / Подробнее: {command} {option}",
    "{value!r} is not a valid {number_type}.": "{value!r} — сан емес / не число.",
    "{value!r} is not a valid UUID.": "{value!r} — UUID емес / не UUID.",
    "{value} is not in the range {range}.": (
        "{value} {range} аралығында емес / {value} вне диапазона {range}."
    ),
    "{name} {filename!r} does not exist.": "{filename!r} жоқ / {filename!r} не существует.",
    "{name} {filename!r} is a directory.": "{filename!r} — қалта / {filename!r} — это папка.",
    "{name} {filename!r} is a file.": "{filename!r} — файл / {filename!r} — это файл.",
    "{name} {filename!r} is not readable.": (
        "{filename!r} оқылмайды / {filename!r} недоступен для чтения."
    ),
    "{name} {filename!r} is not writable.": (
        "{filename!r} файлына жазу мүмкін емес / {filename!r} недоступен для записи."
    ),
}

# click's plural pairs: one text, as the numbers in them are not shown as words
CLICK_PLURAL: dict[str, str] = {
    "Got unexpected extra argument ({args})": "Артық аргумент / Лишний аргумент: {args}",
    "{value!r} is not {choice}.": "{value!r} — {choice} емес / {value!r} — не {choice}.",
    "{value!r} is not one of {choices}.": (
        "{value!r} мәні рұқсат етілмеген / недопустимое значение; рұқсат етілгендері / "
        "допустимые: {choices}."
    ),
    # every format option of `adal` is a date
    "{value!r} does not match the format {format}.": (
        "{value!r} — күн дұрыс жазылмаған (мысалы, 2023-11-15 немесе 15.11.2023) / дата "
        "записана неверно (например, 2023-11-15 или 15.11.2023)."
    ),
    "{value!r} does not match the formats {formats}.": (
        "{value!r} — күн дұрыс жазылмаған (мысалы, 2023-11-15 немесе 15.11.2023) / дата "
        "записана неверно (например, 2023-11-15 или 15.11.2023)."
    ),
    "Option {name!r} requires an argument.": (
        "{name!r} параметріне мән керек / Параметру {name!r} нужно значение."
    ),
    "Option {name!r} requires {nargs} arguments.": (
        "{name!r} параметріне {nargs} мән керек / Параметру {name!r} нужно значений: {nargs}."
    ),
    "Did you mean {possibility}?": "Мүмкін / Возможно: {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Мүмкін / Возможно: {possibilities}?)",
}

_CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "types",
    "termui",
    "utils",
)


def _text(message: str) -> str:
    return CLICK_TEXT.get(message, message)


def _plural(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return CLICK_PLURAL.get(chosen, chosen)


def speak_kazakh_and_russian() -> None:
    """Give click's modules our words; called once, before any command is built or run."""
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _text
        if hasattr(module, "ngettext"):
            module.ngettext = _plural
