"""Options several commands share, declared once: the date type each date is typed in,
`--json`, `--today`. A command lists them as decorators; what they mean is written here."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.core.messages import label, render

DAY = click.DateTime(["%Y-%m-%d", "%d.%m.%Y"])
"""A day as the officer types it: 2023-12-08 or 08.12.2023."""
MOMENT = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%d.%m.%Y"])
"""A day, or a day and a time (2023-11-10T14:30)."""
_day = render("option_day")
DAY_METAVAR = _day.join("/")  # ЖЖЖЖ-АА-КК/ГГГГ-ММ-ДД


def day_option(name: str, *, help: str, required: bool = False, moment: bool = False):  # noqa: A002
    """`--NAME DAY`: a date (or a date and time) typed in either of the officer's forms."""
    # no `default` at all: click 8.3 counts an explicit `default=None` as a value given,
    # and a required date would then arrive as None
    return click.option(
        name, type=MOMENT if moment else DAY, metavar=DAY_METAVAR, required=required, help=help
    )


def json_option(help: str = ""):  # noqa: A002
    """`--json`: the command's result as JSON on standard output, for scripts."""
    return click.option("--json", "as_json", is_flag=True, help=help or label("option_json"))


def today_option(*, help: str):  # noqa: A002
    """`--today DAY`: the day the command counts from (default: today), for a report
    written later or a test."""
    return day_option("--today", help=help)


def previous_option():
    """`--previous FOLDER`: last year's campaign folder or its export, compared with this
    year's (default: campaign.yaml's `previous:`)."""
    return click.option(
        "--previous",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="ҚАЛТА/ПАПКА",
        help=label("option_previous"),
    )
