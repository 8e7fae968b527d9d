"""The `adal` command: thin click commands over the library (logging: `cli_support`)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

import click

from pipeline.cli.options import day_option, json_option, previous_option, today_option
from pipeline.cli.support import (
    BilingualGroup,
    friendly,
    log_beside,
    progress_bar,
    setup_logging,
)
from pipeline.core.errors import RefusedError
from pipeline.core.kazakh import word_ending
from pipeline.core.messages import render
from pipeline.core.numerals import (
    DEPARTMENT,
    FILE,
    MEASURE,
    ORGANISATION,
    REPORT,
    RISK,
    ROW,
    SHEET,
    WORKING_DAY,
    count,
    counted,
)
from pipeline.core.text import Text
from pipeline.specs.statuses import ReturnStatus
from pipeline.specs.workspace import (
    Paths,
    carry_over,
    find_campaign,
    is_campaign,
    open_workspace,
    with_organisations,
)


def _label(code: str) -> str:
    """A label from the message catalogue as the console shows it: «Жиынтық / Свод»."""
    return render(code).text


def _say(code: str, err: bool = False, **fields: object) -> None:
    """One line from the message catalogue, Kazakh then Russian."""
    click.echo(render(code, **fields).text, err=err)


@click.group(cls=BilingualGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="ҚАЛТА/ПАПКА",
    default=".",
    show_default=True,
    help="Науқан қалтасы (campaign/, inbox/, outbox/) / Папка кампании.",
)
@click.option(
    "--db",
    envvar="ADAL_DB",
    metavar="ФАЙЛ/URL",
    default=None,
    help="Журнал: файл немесе PostgreSQL сервері (postgresql://хост/дерекқор; құпиясөз"
    " PGPASSWORD немесе .pgpass арқылы) / Журнал: файл или сервер PostgreSQL"
    " (postgresql://хост/база; пароль через PGPASSWORD или .pgpass). Әдепкісі / По умолчанию:"
    " ҚАЛТА/ПАПКА/adal.sqlite. ADAL_DB орта айнымалысы арқылы да беріледі / Можно задать"
    " переменной окружения ADAL_DB.",
)
@click.option("-v", "--verbose", is_flag=True, help="Толық хабарлар / Подробные сообщения.")
@click.pass_context
def main(ctx: click.Context, root: Path, db: str | None, verbose: bool) -> None:
    """Adal — сыбайлас жемқорлық тәуекелдеріне ішкі талдау / внутренний анализ коррупционных рисков.

    Жұмыс реті / Порядок работы: init → templates → mail templates → ingest → status →
    mail reminders, mail feedback → consolidate → report → ingest (5.1) → status.
    """
    where: Path | str | None = None
    if db:
        from pipeline.ledger import is_server  # the ledger's code only when a command runs

        where = db if is_server(db) else Path(db).resolve()
    root = root.resolve()
    if ctx.invoked_subcommand not in ("init", "demo", "rollup"):
        root = find_campaign(root) or root  # as git finds its repository
    paths = Paths(root, where)
    ctx.obj = paths
    setup_logging(paths, verbose)


@main.command()
@click.option(
    "--from",
    "previous",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="ҚАЛТА/ПАПКА",
    help="Өткен жылғы науқаннан бастау / Начать с кампании прошлого года.",
)
@click.pass_obj
@friendly
def init(paths: Paths, previous: Path | None) -> None:
    """Науқанды бастау / Начать кампанию.

    campaign.yaml (2023 жылғы үлгі бойынша немесе --from: өткен жылғы науқаннан) және
    ұйымдар тізілімі / campaign.yaml (по образцу 2023 года или --from: с прошлогодней
    кампании) и реестр организаций.
    """
    from pipeline.desk.shortcut import write_shortcut
    from pipeline.specs.campaign import load_campaign, mark_as_sample
    from pipeline.specs.returns import shipped_schemas
    from pipeline.workbooks.next_year import is_export, start_from_export
    from pipeline.workbooks.registry import write_registry

    above = find_campaign(paths.root.parent)
    if above is not None and not is_campaign(paths.root):
        raise RefusedError.of("init_inside_campaign", where=str(paths.root), campaign=above)
    registries = paths.registries()
    kept = [p for p in (paths.campaign_file, *registries) if p.exists()]
    paths.campaign_dir.mkdir(parents=True, exist_ok=True)
    carried = []
    if previous is not None and is_export(previous):
        carried = start_from_export(previous.resolve(), paths)
    elif previous is not None:
        carried = carry_over(Paths(previous.resolve()), paths)
    registries = paths.registries()
    if not paths.campaign_file.exists():
        sample = (shipped_schemas() / "campaign-2023.yaml").read_text(encoding="utf-8")
        paths.campaign_file.write_text(mark_as_sample(sample), encoding="utf-8")
    campaign = load_campaign(paths.campaign_file)
    if not registries:
        write_registry(paths.registry_file, [], campaign.org_types)
    for folder in (paths.inbox, paths.outbox):
        folder.mkdir(parents=True, exist_ok=True)
    write_shortcut(paths.root)  # Adal.cmd: the desk by a double click on Windows
    if kept:
        _say("init_kept", kept=", ".join(str(p) for p in kept))
        return
    click.echo(f"{_label('say_ready')}: {paths.campaign_file}\n  {paths.registry_file}")
    if carried:
        from_export = previous is not None and is_export(previous)
        said = render("say_carried_from_export" if from_export else "say_carried_over")
        click.echo(f"{said.kk}\n{said.ru}")
        _next("next_carried_over")
        return
    _next("next_init")


@main.command()
@click.option(
    "--inbox-only",
    is_flag=True,
    help="inbox/ толтырылған соң тоқтау / Остановиться, заполнив inbox/.",
)
@click.option(
    "--seed",
    default=2023,
    metavar="САН/ЧИСЛО",
    show_default=True,
    help="Демо-деректердің бастапқы саны (бір сан — бір аудан) / Начальное число генератора демо-данных (одно число — один район).",
)
@click.pass_context
@friendly
def demo(ctx: click.Context, inbox_only: bool, seed: int) -> None:
    """Демо-аудан / Демо-район.

    Ойдан шығарылған аудан, оның үлгілері мен inbox/, содан кейін барлық қадамдар орындалады /
    Вымышленный район, его шаблоны и inbox/, затем выполняются все шаги.
    """
    from pipeline.desk.shortcut import write_shortcut
    from pipeline.devtools.demo import build_demo, build_next_year

    paths: Paths = ctx.obj.local  # the demo is the district's own: it never uses a server
    ctx.obj = paths
    counts = build_demo(paths, seed)
    write_shortcut(paths.root)
    orgs, files = counts["organisations"], counts["files"]
    demo_line = render(
        "say_demo", orgs=counted(orgs, ORGANISATION), files=counted(files, FILE)
    ).text
    click.echo(f"{demo_line} → {paths.root}")
    _echo_nil_rule(paths)
    if inbox_only:
        return
    _demo_steps(ctx, _DEMO_STEPS)
    nxt, counts = build_next_year(paths)
    ctx.obj = nxt
    said = render("say_demo_next_year", orgs=counted(counts["organisations"], ORGANISATION),
                  files=counted(counts["files"], FILE))  # fmt: skip
    click.echo(f"\n{said.kk}\n{said.ru} → {nxt.root}")
    _demo_steps(ctx, _DEMO_NEXT_YEAR)
    desk = render("say_desk", root=paths.root)
    click.echo(f"\n{desk.kk}\n{desk.ru}")


def _demo_steps(ctx: click.Context, steps: list) -> None:
    """Each step as the officer would type it, then its output."""
    for command, kwargs in steps:
        typed = " ".join([command.name, *(f"--{k} {v:%Y-%m-%d}" for k, v in kwargs.items())])
        click.echo(f"\n== adal {typed} ==")
        ctx.invoke(command, **kwargs)


def _next(code: str, **fields: object) -> None:
    """The command's last lines: what to do next, in Kazakh, then in Russian."""
    message = render(code, **fields)
    click.echo(message.join("\n"))


def _warn_missing_contact(workspace, mail: bool = False) -> None:
    """Templates, letters and the reference print the department's contact: say what the
    campaign lacks instead of printing blanks."""
    campaign = workspace.campaign
    missing = [name for name, value in (("e-mail", campaign.contact_email),
               ("телефон", campaign.contact_phone)) if not value]  # fmt: skip
    if missing:
        click.echo(render("contact_missing", fields=", ".join(missing)).text, err=True)
    if mail and not (campaign.smtp.get("from") or campaign.contact_email):
        click.echo(render("sender_missing").text, err=True)


def _echo_nil_rule(paths: Paths) -> None:
    """What an empty sheet means in this campaign, as the templates' instruction says it."""
    from pipeline.specs.nil_rule import instruction_lines

    workspace = open_workspace(paths)
    click.echo(f"{_label('say_empty_sheets')}:")
    for line in instruction_lines(list(workspace.collected.values())):
        click.echo(f"  {line.kk}\n  {line.ru}")


def _with_organisations(paths: Paths, *, sending: bool = False):
    return with_organisations(paths, sending=sending)


@main.command()
@click.pass_obj
@friendly
def templates(paths: Paths) -> None:
    """Үлгілер / Шаблоны.

    Әр ұйымға оның деректері толтырылған екі тілдегі Excel файлы / Для каждой организации —
    двуязычный файл Excel с её данными (outbox/templates/).
    """
    from pipeline.workbooks.templates import write_templates

    workspace = _with_organisations(paths, sending=True)
    _warn_missing_contact(workspace)
    with progress_bar(_label("say_templates")) as progress:
        written = write_templates(
            paths.outbox / "templates",
            workspace.organisations,
            workspace.campaign,
            workspace.specs,
            progress,
        )
    click.echo(f"{_label('say_templates')}: {len(written)} → {paths.outbox / 'templates'}")
    _next("next_templates")


@main.command()
@json_option(help="Нәтиже JSON түрінде / Результат в JSON.")
@day_option(
    "--received",
    help="Файлдар inbox/ қалтасына кейін сақталса, олардың нақты келген уақыты / Фактическое время поступления файлов, если они сохранены в inbox/ позже.",
    moment=True,
)
@click.option(
    "--jobs",
    type=int,
    metavar="САН/ЧИСЛО",
    default=None,
    help="Оқитын процестер саны (әдепкісі: ядролар саны) / Число процессов чтения (по умолчанию: число ядер).",
)
@click.option(
    "--accept-from",
    "accept_from",
    metavar="МЕКЕНЖАЙ/АДРЕС",
    multiple=True,
    help="Осы мекенжайдан жіберілген басқа ұйымның файлдарын қабылдау / Принимать файлы другой организации, присланные с этого адреса.",
)
@click.option(
    "--again",
    metavar="ФАЙЛ",
    multiple=True,
    help="Тіркелген файлды қайта оқу (атауы немесе SHA-256 басы) / Перечитать уже зарегистрированный файл (имя или начало SHA-256).",
)
@click.pass_obj
@friendly
def ingest(
    paths: Paths,
    as_json: bool,
    received: dt.datetime | None,
    jobs: int | None,
    accept_from: tuple[str, ...],
    again: tuple[str, ...],
) -> None:
    """Есептерді қабылдау / Приём отчётов.

    inbox/ файлдарын оқу, тексеру, журналға жазу, мұрағаттау, түзету файлдарын дайындау /
    Чтение файлов из inbox/, проверка, запись в журнал, архивирование, подготовка файлов для
    исправления.
    """
    from pipeline.intake.ingest import ingest as run_ingest
    from pipeline.intake.outcome import outcome_lines
    from pipeline.intake.parallel import parallel_reader

    workspace = open_workspace(paths)
    workers = jobs or os.cpu_count() or 1
    with progress_bar(_label("say_reading"), quiet=as_json) as progress:
        elsewhere: list[str] = []
        outcomes = run_ingest(
            workspace,
            received=received,
            progress=progress,
            reader=parallel_reader(workspace, workers),
            jobs=workers,
            accept_from=frozenset(a.lower() for a in accept_from),
            again=again,
            elsewhere=elsewhere,
        )
    from loguru import logger

    logger.info("ingested {} files", len(outcomes))
    if as_json:
        click.echo(
            json.dumps(
                {"files": [o.as_json() for o in outcomes], "elsewhere": elsewhere},
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    if elsewhere:
        _say("say_elsewhere", n=len(elsewhere))
    if not outcomes:
        if not elsewhere:
            _say("say_inbox_empty")
        return
    for line in outcome_lines(workspace, outcomes):
        click.echo(line)
    fb = [o.feedback for o in outcomes if o.feedback]
    if fb:
        click.echo(f"{_label('say_corrections')}: {len(fb)} → {paths.outbox / 'feedback'}")
    _next("next_ingest_feedback" if fb else "next_ingest")


@main.command()
@click.option(
    "--no-ingest", is_flag=True, help="Тек сақтау, қабылдамау / Только сохранить, не принимать."
)
@day_option(
    "--since",
    help="Осы күннен бастап келген хаттар ғана / Только письма, полученные с этой даты.",
)
@json_option(help="Нәтиже JSON түрінде / Результат в JSON.")
@click.pass_context
@friendly
def fetch(ctx: click.Context, no_ingest: bool, since: dt.datetime | None, as_json: bool) -> None:
    """Поштадан алу / Получить из почты.

    Бөлімнің пошта жәшігінен (IMAP) файлдары бар жаңа хаттарды inbox/ ішіне .eml түрінде
    сақтау, содан кейін қабылдау / Сохранить новые письма с файлами из почтового ящика
    отдела (IMAP) в inbox/ как .eml, затем принять их.
    """
    from pipeline.intake.mailbox import fetch as run_fetch
    from pipeline.intake.mailbox import mark_taken

    paths: Paths = ctx.obj
    workspace = open_workspace(paths)
    with progress_bar(_label("say_fetching"), quiet=as_json) as progress:
        report = run_fetch(workspace, since=since.date() if since else None, progress=progress)
    known = {o.email.lower() for o in workspace.organisations if o.email}
    unknown = sorted({f.sender for f in report.saved if f.sender and f.sender not in known})
    if as_json:
        click.echo(json.dumps(_fetch_json(report, unknown), ensure_ascii=False, indent=1))
    else:
        _say_fetched(report, unknown, workspace)
    if no_ingest or not report.saved:
        return
    ctx.invoke(ingest, as_json=as_json, received=None, jobs=None, accept_from=(), again=())
    marked = mark_taken(workspace)
    if marked and not as_json:
        _say("say_fetched_marked", n=marked)


def _fetch_json(report, unknown: list[str]) -> dict:
    def listed(found):
        return [
            {"from": f.sender, "subject": f.subject, "received": f.received, "file": f.saved,
             "sender_clock_ahead": f.clock_ahead}
            for f in found
        ]  # fmt: skip

    return {
        "saved": listed(report.saved),
        "without_files": listed(report.without_files),
        "too_large": listed(report.too_large),
        "duplicates": report.duplicates,
        "known": report.known,
        "unknown_senders": unknown,
    }


def _say_fetched(report, unknown: list[str], workspace) -> None:
    said = render(
        "say_fetched", saved=len(report.saved), known=report.known, duplicates=report.duplicates
    )
    click.echo(f"{said.kk}\n{said.ru}")
    for found in report.saved:
        click.echo(f"  {found.received[:16].replace('T', ' ')}  {found.sender}  {found.saved}")
        if found.clock_ahead:
            ahead = render("say_fetched_clock", sender=found.sender, date=found.said_date)
            click.echo(f"    {ahead.text}")
    for code, found_list, fields in (
        ("say_fetched_without_files", report.without_files, {}),
        (
            "say_fetched_too_large",
            report.too_large,
            {"limit": workspace.campaign.imap.get("max_mb", 25)},
        ),
    ):
        if found_list:
            _say(code, **fields)
            for found in found_list:
                click.echo(
                    f"  {found.received[:16].replace('T', ' ')}  {found.sender}  «{found.subject}»"
                )
    if unknown:
        _say("say_fetched_unknown", senders=", ".join(unknown))


@main.command()
@json_option(help="Күйі JSON түрінде / Состояние в JSON.")
@today_option(
    help="5.1 бағалау күні (әдепкісі: бүгінгі күн) / Дата оценки 5.1 (по умолчанию: сегодня)."
)
@click.pass_obj
@friendly
def status(paths: Paths, as_json: bool, today: dt.datetime | None) -> None:
    """Кім тапсырды / Кто сдал.

    Әр ұйымның әр есебінің күйі және ұйым түрі бойынша тапсыру деңгейі / Состояние каждого
    отчёта каждой организации и уровень сдачи по типам организаций.
    """
    from pipeline import ledger
    from pipeline.specs.plan import read_plan
    from pipeline.tracking.measures import STATE_TEXT as MEASURE_TEXT
    from pipeline.tracking.measures import reports
    from pipeline.tracking.measures import states as measure_states
    from pipeline.tracking.status import return_states, status_json, status_lines

    workspace = open_workspace(paths)
    conn = ledger.connect(paths.ledger)
    try:
        with ledger.snapshot(conn):  # one state of the ledger: returns, queries, 5.1 reports
            states = return_states(conn, workspace)
            queries = ledger.open_queries(conn)
            reported = reports(conn)
    finally:
        conn.close()
    data = status_json(workspace, states)
    data["queries"] = [
        {"bin": q.bin, "return": q.return_code, "file": q.file, "cell": q.cell,
         "code": q.code, "fields": q.fields, "message_kk": q.message.kk,
         "message_ru": q.message.ru}
        for q in queries
    ]  # fmt: skip
    plan = read_plan(paths.outbox)
    measures = []
    if plan:
        day = today.date() if today else dt.date.today()
        measures = measure_states(plan, reported, day)
        data["monitoring"] = [
            {"bin": m.bin, "measure": m.no, "deadline": m.deadline.isoformat(), "state": m.state}
            for m in measures
        ]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    counts = Counter(m.state for m in measures)
    measured = [(MEASURE_TEXT[k], n) for k, n in counts.most_common()]
    for line in status_lines(workspace, data, queries, measured):
        click.echo(line)
    missing = any(
        state == ReturnStatus.MISSING
        for org in data["organisations"]
        for state in org["returns"].values()
    )
    if not plan:
        _next("next_status_missing" if missing else "next_status_complete")


@main.command()
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="ЖСН толық көрсетілсін (кадр қызметі үшін) / Показывать ИИН полностью (для кадровой службы).",
)
@json_option(help="Балдар JSON түрінде / Баллы в JSON.")
@today_option(help="5.1 бағалау күні (әдепкісі: бүгін) / Дата оценки 5.1 (по умолчанию: сегодня).")
@previous_option()
@click.pass_obj
@friendly
def consolidate(
    paths: Paths,
    with_personal_data: bool,
    as_json: bool,
    today: dt.datetime | None,
    previous: Path | None,
) -> None:
    """Жиынтық / Свод.

    Көрсеткіштер, тәуекелдер картасы және диаграммалар бар жиынтық Excel файлы / Сводный файл
    Excel с показателями, картой рисков и диаграммами (outbox/consolidated-….xlsx).
    """
    from pipeline.specs.plan import read_plan
    from pipeline.workbooks import frames
    from pipeline.workbooks.comparison import open_previous_year
    from pipeline.workbooks.consolidate import write_consolidated
    from pipeline.workbooks.indicators import load_indicators, scores

    workspace = _with_organisations(paths)
    indicators = load_indicators(paths.schema_file("indicators.yaml"), workspace.specs)
    day = today.date() if today else None
    last_year = open_previous_year(workspace, previous, day or dt.date.today())
    with progress_bar(_label("say_consolidated"), quiet=as_json) as progress:
        data = frames.load(workspace)
        path, table = write_consolidated(
            workspace,
            data,
            indicators,
            with_personal_data=with_personal_data,
            today=day,
            previous=last_year,
            progress=progress,
        )
    wide = scores(table)
    if as_json:
        out = {
            b: {k: (None if v != v else v) for k, v in row.items()}
            for b, row in wide.to_dict("index").items()
        }
        click.echo(json.dumps({"workbook": str(path), "scores": out}, ensure_ascii=False, indent=1))
        return
    click.echo(f"{_label('say_consolidated')}: {path}")
    top = wide["overall"].dropna().sort_values(ascending=False).head(5)
    names = workspace.by_bin
    if len(top):
        _say("say_top_scores")
    for bin_, value in top.items():
        score = f"{value:5.1f}".replace(".", ",")  # a decimal comma, as both languages write it
        click.echo(f"  {score}  {names[bin_].name.both}")
    if not read_plan(paths.outbox):
        _next("next_consolidate")


@main.command()
@click.argument(
    "kind", type=click.Choice(["templates", "reminders", "feedback", "all"]), default="all"
)
@click.option(
    "--send",
    is_flag=True,
    help="SMTP арқылы жіберу (әйтпесе outbox/mail/ ішіне .eml) / Отправить через SMTP (иначе .eml в outbox/mail/).",
)
@click.option(
    "--limit", type=int, default=None, metavar="САН/ЧИСЛО", help="Ең көбі N хат / Не более N писем."
)
@click.option(
    "--pause",
    type=float,
    metavar="СЕКУНД",
    default=1.0,
    show_default=True,
    help="Хаттар арасындағы үзіліс, секунд / Пауза между письмами, секунд.",
)
@today_option(help="Еске салу күні (әдепкісі: бүгін) / Дата напоминаний (по умолчанию: сегодня).")
@click.pass_obj
@friendly
def mail(
    paths: Paths, kind: str, send: bool, limit: int | None, pause: float, today: dt.datetime | None
) -> None:
    """Пошта / Почта.

    Ұйымдарға үлгілерді, еске салуларды және түзету файлдарын жіберу / Рассылка организациям
    шаблонов, напоминаний и файлов для исправления.
    """
    from pipeline.letters.mail import KIND_TEXT, KINDS, run_mail

    workspace = _with_organisations(paths, sending=send)
    _warn_missing_contact(workspace, mail=not send)
    for one in KINDS if kind == "all" else (kind,):
        with progress_bar(_label(KIND_TEXT[one])) as progress:
            report = run_mail(
                workspace,
                one,
                send=send,
                limit=limit,
                pause=pause if send else 0,
                today=today.date() if today else None,
                progress=progress,
            )
        done = (
            render("say_mail_sent", n=report.sent)
            if send
            else render("say_mail_written", n=report.written)
        )
        earlier = render("say_mail_earlier", n=report.skipped)
        click.echo(f"{_label(KIND_TEXT[one])}: {done.text}; {earlier.text}")
        for to, error in report.failed or []:
            click.echo(f"  ✗ {to}: {error}", err=True)
    if not send:
        click.echo(f"{_label('say_look')}: {paths.outbox / 'mail'}")
        command = "adal mail --send" if kind == "all" else f"adal mail {kind} --send"
        _next("next_mail_preview", folder=paths.outbox / "mail", command=command)
    else:
        _next("next_mail_sent")


@main.command()
@day_option(
    "--signed",
    help="Талдамалық анықтамаға қол қойылған күн / Дата подписания аналитической справки.",
    required=True,
)
@day_option(
    "--approved",
    help="Іс-шаралар жоспары бекітілген күн (әдепкісі: бекітудің соңғы мерзімі) / Дата утверждения плана мероприятий (по умолчанию: крайний срок утверждения).",
)
@previous_option()
@click.pass_obj
@friendly
def report(
    paths: Paths, signed: dt.datetime, approved: dt.datetime | None, previous: Path | None
) -> None:
    """Анықтама мен жоспар / Справка и план.

    3.1 талдамалық анықтама, 3.2 жариялау, 4.1 іс-шаралар жоспары, 5.1 үлгілері, 6.1 тізілім /
    3.1 аналитическая справка, 3.2 публикация, 4.1 план мероприятий, шаблоны 5.1, 6.1 реестр.
    """
    from pipeline.documents.report import build_report

    workspace = _with_organisations(paths)
    _warn_missing_contact(workspace)
    with progress_bar(_label("say_reference")) as progress:
        outcome = build_report(
            workspace,
            signed.date(),
            approved.date() if approved else None,
            progress,
            previous=previous,
        )
    plan = outcome.plan
    found, measures = len(outcome.findings), len(plan.measures)
    found_line = render(
        "say_reference_found", risks=counted(found, RISK), measures=counted(measures, MEASURE)
    )
    click.echo(f"{_label('say_reference')}: {found_line.text}")
    days = workspace.campaign.report.get("action_plan_working_days", 10)
    pub = workspace.campaign.report.get("publication_working_days", 3)
    due = render("say_plan_due", days=counted(days, WORKING_DAY), due=f"{plan.plan_due:%d.%m.%Y}")
    click.echo(f"  {due.text}")
    published = render(
        "say_publication_due",
        days=counted(pub, WORKING_DAY),
        due=f"{plan.publication_due:%d.%m.%Y}",
    )
    click.echo(f"  {published.text}")
    monitoring = render(
        "say_monitoring", start=f"{plan.signed:%d.%m.%Y}", end=f"{plan.monitoring_end:%d.%m.%Y}"
    )
    click.echo(f"  {monitoring.kk}")  # the same words in both languages
    if plan.late_approval:
        click.echo(f"  {render('say_late_approval', due=f'{plan.plan_due:%d.%m.%Y}').text}")
    files = len(outcome.files)
    click.echo(
        f"  {count(files, FILE, 'kk')} / {count(files, FILE, 'ru')} → {paths.outbox / 'report'}"
    )
    floor = workspace.campaign.report.get("min_completeness", 0)
    for org_type, rate in outcome.low:
        name = workspace.campaign.org_types[org_type]
        low = render("say_low_completeness", type=name, rate=round(rate * 100), floor=floor)
        click.echo(f"  {low.text}")
    if outcome.blanks:
        click.echo(f"  {_label('say_blanks')}")
        for key in outcome.blanks:
            click.echo(f"    {key}")
    _next("next_report", folder=paths.outbox / "report")


@main.command()
@click.option(
    "--parquet",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="ҚАЛТА/ПАПКА",
    required=True,
    help="Parquet файлдарының қалтасы / Папка для файлов Parquet.",
)
@json_option(help="Нәтиже JSON түрінде / Итог в JSON.")
@today_option(help="5.1 бағалау күні (әдепкісі: бүгін) / Дата оценки 5.1 (по умолчанию: сегодня).")
@click.pass_obj
@friendly
def export(paths: Paths, folder: Path, as_json: bool, today: dt.datetime | None) -> None:
    """Облысқа экспорт / Выгрузка для области.

    Әр есептің қабылданған жолдары, ұйымдар, есептердің күйі, көрсеткіштер мен тәуекел
    балдары Parquet форматында; әр жолда бөлім, науқан және ұйым / Принятые строки каждого
    отчёта, организации, состояние отчётов, показатели и баллы риска в формате Parquet; в
    каждой строке отдел, кампания и организация.
    """
    from pipeline.workbooks import frames
    from pipeline.workbooks.export import export_parquet
    from pipeline.workbooks.indicators import load_indicators

    workspace = _with_organisations(paths)
    indicators = load_indicators(paths.schema_file("indicators.yaml"), workspace.specs)
    with progress_bar(_label("say_export"), quiet=as_json) as progress:
        data = frames.load(workspace)
        done = export_parquet(
            workspace,
            data,
            indicators,
            folder.resolve(),
            today=today.date() if today else None,
            progress=progress,
        )
    if as_json:
        click.echo(json.dumps({"folder": str(done.folder), "files": done.files}, indent=1))
        return
    rows = sum(n for name, n in done.files.items() if name.startswith("return-"))
    files = len(done.files)
    click.echo(
        f"{_label('say_export')}: {count(files, FILE, 'kk')}, {count(rows, ROW, 'kk')} / "
        f"{count(files, FILE, 'ru')}, {count(rows, ROW, 'ru')} → {done.folder}"
    )
    _next("next_export", folder=done.folder)


@main.command()
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="ҚАЛТА/ПАПКА...",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="ФАЙЛ.xlsx",
    required=True,
    help="Өңірлік жиынтық файлы / Файл регионального свода.",
)
@json_option(help="Нәтиже JSON түрінде / Итог в JSON.")
@friendly
def rollup(folders: tuple[Path, ...], out: Path, as_json: bool) -> None:
    """Өңірлік жиынтық / Региональный свод.

    Аудандық (қалалық) білім бөлімдерінің экспорттарынан (adal export --parquet): бөлімдер
    мен ұйым түрлері бойынша толықтық пен уақытылық, бөлім және өңір медианалары бар
    көрсеткіштер, өңірлік тәуекел картасы / Из выгрузок районных (городских) отделов
    образования (adal export --parquet): полнота и своевременность по отделам и типам
    организаций, показатели с медианами отдела и региона, региональная карта рисков.
    """
    from pipeline.workbooks.rollup import rollup as write_rollup

    log_beside(out.resolve())
    with progress_bar(_label("say_regional"), quiet=as_json) as progress:
        done = write_rollup([f.resolve() for f in folders], out.resolve(), progress=progress)
    if as_json:
        data = {
            "workbook": str(done.path),
            "departments": [d.name.ru for d in done.departments],
            "organisations": done.organisations,
            "rows": done.rows,
            "sheets": done.sheets,
            "parquet": {code: str(p) for code, p in done.left_in_parquet.items()},
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    departments, orgs = len(done.departments), done.organisations
    click.echo(
        f"{_label('say_regional')}: {count(departments, DEPARTMENT, 'kk')}, "
        f"{count(orgs, ORGANISATION, 'kk')} / {count(departments, DEPARTMENT, 'ru')}, "
        f"{count(orgs, ORGANISATION, 'ru')} → {done.path}"
    )
    for code, sheets in done.sheets.items():
        rows, parts = done.rows[code], len(sheets)
        if parts > 1:
            into = Text(
                f"{count(parts, SHEET, 'kk')}{word_ending(SHEET.kk, 'dative')}",
                count(parts, SHEET, "ru"),
            )
            click.echo(
                f"  {render('say_split', code=code, rows=counted(rows, ROW), sheets=into).text}"
            )
    for code, path in done.left_in_parquet.items():
        rows = done.rows[code]
        left = render("say_left_in_parquet", code=code, rows=counted(rows, ROW), path=path)
        click.echo(f"  {left.text}")


@main.command(hidden=True)  # a developer tool: `make bench`
@click.option("--orgs", default=2000, show_default=True, help="Organisation workbooks to generate.")
@click.option(
    "--jobs", type=int, default=None, help="Processes for ingest (default: number of cores)."
)
@click.option(
    "--baseline-sample", default=200, show_default=True, help="Files the slow naive baseline reads."
)
@click.option("--seed", default=7, show_default=True)
@click.pass_obj
@friendly
def bench(paths: Paths, orgs: int, jobs: int | None, baseline_sample: int, seed: int) -> None:
    """Measure ingest and consolidation against a naive baseline and a floor (Markdown table)."""
    from pipeline.devtools.bench import run_bench

    run_bench(paths.local.outbox / "bench", orgs, seed, jobs, baseline_sample, echo=click.echo)


_DEMO_SIGNED = dt.datetime(2023, 12, 8)  # the demo's reference is signed after all deadlines


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Тыңдайтын мекенжай (әдепкісі тек осы компьютер) / Адрес прослушивания (по умолчанию"
    " только этот компьютер).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Порт (0 — кез келген бос порт) / Порт (0 — любой свободный).",
)
@click.option("--no-browser", is_flag=True, help="Браузерді ашпау / Не открывать браузер.")
@click.pass_obj
@friendly
def serve(paths: Paths, host: str, port: int, no_browser: bool) -> None:
    """Жұмыс үстелі / Рабочий стол.

    Науқанның жергілікті веб-беті: бірінші жолда оның мекенжайы / Локальная веб-страница
    кампании: её адрес в первой строке вывода.
    """
    from pipeline.desk.serve import serve as run_desk

    run_desk(paths, host=host, port=port, browser=not no_browser, say=click.echo)


_DEMO_TODAY = dt.datetime(2024, 3, 1)  # monitoring is shown as of three months after signing


@main.command(name="demo-monitoring", hidden=True)
@click.pass_obj
@friendly
def demo_monitoring(paths: Paths) -> None:
    """Drop the demo's returned 5.1 execution reports into the inbox."""
    from pipeline.devtools.demo import fill_monitoring

    _say("say_demo_monitoring", reports=counted(fill_monitoring(paths), REPORT))


_DEMO_STEPS = [
    (ingest, {}),
    (status, {}),
    (report, {"signed": _DEMO_SIGNED}),
    (demo_monitoring, {}),
    (ingest, {}),
    (status, {"today": _DEMO_TODAY}),
    (consolidate, {"today": _DEMO_TODAY}),
    (mail, {"today": dt.datetime(2023, 11, 20)}),
]
_DEMO_NEXT_YEAR = [  # the second year, compared with the first (its `previous:`)
    (ingest, {}),
    (consolidate, {"today": dt.datetime(2024, 12, 6)}),
    (report, {"signed": dt.datetime(2024, 12, 9)}),
]
