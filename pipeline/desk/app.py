"""The officer's desk: a local web page over the same library the commands call.

Every step is a library call (`ingest`, `write_consolidated`, `build_report`, `run_mail`):
the page adds no second implementation, only forms, progress and downloads. Safe by
default (`guard`): a random token in the first address, the Host header checked, a CSRF
token in every form, uploads bounded and saved through the inbox's own naming, downloads
only from inside the outbox, every value escaped by the templates.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.core.errors import AdalError
from pipeline.core.grammar import official_date
from pipeline.core.messages import render, text
from pipeline.core.text import BASE_LANGUAGES, Text
from pipeline.desk import charts, views
from pipeline.desk.guard import BodyTooLarge, Guard
from pipeline.desk.jobs import Jobs
from pipeline.files.atomic import created
from pipeline.intake.inbox import dropped_name
from pipeline.letters.mail import KIND_TEXT
from pipeline.specs.workspace import Paths, is_campaign, open_workspace, with_organisations
from pipeline.tracking.status import percent

HERE = Path(__file__).parent
UPLOAD_LIMIT_MB = 50
"""One dropped file at most (a zip of a district's returns fits; a school's return is
well under a megabyte): bigger ones are refused before they reach the inbox."""
CHUNK = 1 << 20


@dataclass
class Desk:
    """What every request of one desk shares: the campaign's folders, the token, the jobs."""

    paths: Paths
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    hosts: set[str] = field(default_factory=set)
    jobs: Jobs = field(default_factory=Jobs)
    today: dt.date | None = None  # a fixed day (tests, the demo's year); None: today

    def day(self) -> dt.date:
        return self.today or dt.date.today()


def make_app(desk: Desk) -> Starlette:
    """The desk's routes, behind its guard."""
    routes = [
        Route("/", board),
        Route("/org/{bin}", organisation),
        Route("/drop", drop_page),
        Route("/drop", drop, methods=["POST"]),
        Route("/ingest", ingest_inbox, methods=["POST"]),
        Route("/fetch", fetch_mailbox, methods=["POST"]),
        Route("/job/{id}.json", job_json),  # before the page, whose {id} would take «.json»
        Route("/job/{id}", job_page),
        Route("/outputs", outputs_page),
        Route("/consolidate", consolidate, methods=["POST"]),
        Route("/report", report, methods=["POST"]),
        Route("/letters", letters_page),
        Route("/templates", templates, methods=["POST"]),
        Route("/letters/{kind}", letters_run, methods=["POST"]),
        Route("/settings", settings_page),
        Route("/files/{path:path}", download),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.desk = desk
    return Guard(app, desk)


# --- pages -------------------------------------------------------------------------------

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    lang = request.cookies.get("adal_lang", "")
    return lang if lang in BASE_LANGUAGES else BASE_LANGUAGES[0]


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page in the officer's language: `t` gives a catalogue text, `say` a text value,
    `day`/`moment` a date as that language writes it in a table."""
    desk: Desk = request.app.state.desk
    lang = language(request)

    def say(value) -> str:
        if isinstance(value, Text):
            return value.get(lang)
        return "" if value is None else str(value)

    html = _env.get_template(template).render(
        lang=lang,
        other=[code for code in BASE_LANGUAGES if code != lang],
        t=lambda which, /, **fields: render(which, **fields).get(lang),
        say=say,
        day=lambda d: f"{d:%d.%m.%Y}" if d else "",
        long_day=lambda d: official_date(d, lang),
        moment=_moment,
        percent=lambda share: percent(share).get(lang),
        csrf=desk.csrf,
        today=desk.day(),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def _moment(value: str | None) -> str:
    """«10.11.2023 11:00»: an ISO time from the ledger as a table shows it."""
    if not value:
        return ""
    try:
        return f"{dt.datetime.fromisoformat(value):%d.%m.%Y %H:%M}"
    except ValueError:
        return value


def _workspace(request: Request):
    """The campaign, or the page that says why there is none (not a campaign folder, a
    campaign.yaml with a mistake): the officer reads it where they are, in both languages."""
    desk: Desk = request.app.state.desk
    if not is_campaign(desk.paths.root):
        said = render("desk_not_campaign", folder=str(desk.paths.root))
        return None, page(request, "problem.html", 200, problems=[said])
    try:
        return open_workspace(desk.paths), None
    except AdalError as exc:
        return None, page(request, "problem.html", 200, problems=[exc_text(exc)])


def exc_text(exc: AdalError) -> Text:
    where = f"{exc.where}: " if exc.where else ""
    return Text(where + exc.kk, where + exc.ru)


async def board(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    desk: Desk = request.app.state.desk
    data = views.board(workspace, desk.day())
    return page(request, "board.html", workspace=workspace, board=data)


async def organisation(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    found = views.organisation(workspace, request.path_params["bin"])
    if found is None:
        return page(request, "problem.html", 404, problems=[text("desk_unknown_org")])
    return page(
        request, "org.html", workspace=workspace, org_page=found, file_state=views.FILE_STATE
    )


async def drop_page(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    return page(request, "drop.html", workspace=workspace, limit=UPLOAD_LIMIT_MB, said=[])


async def drop(request: Request):
    """Files dropped or picked: saved into the inbox under safe names, then ingested."""
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    desk: Desk = request.app.state.desk
    form = await _form(request, max_files=2000, max_fields=10)
    if form is None:
        return _answer(
            request,
            "drop.html",
            [text("desk_refused_size")],
            workspace=workspace,
            limit=UPLOAD_LIMIT_MB,
        )
    uploads = [v for v in form.getlist("files") if isinstance(v, UploadFile) and v.filename]
    said, saved = [], 0
    for upload in uploads:
        if await _save(upload, desk.paths.inbox):
            saved += 1
        else:
            said.append(render("desk_too_large", name=upload.filename, limit=UPLOAD_LIMIT_MB))
    await form.close()
    if not uploads:
        said.append(text("desk_nothing_chosen"))
    if not saved:
        return _answer(request, "drop.html", said, workspace=workspace, limit=UPLOAD_LIMIT_MB)
    return _start(request, "ingest", lambda progress: _ingest(workspace, progress), said)


async def _form(request: Request, **limits):
    """The request's form, or None for one too large or not a form at all (the page says
    so; the server does not answer such a request with an error of its own)."""
    try:
        return await request.form(**limits)
    except (BodyTooLarge, ClientDisconnect, MultiPartException, HTTPException):
        return None


async def _save(upload: UploadFile, inbox: Path) -> bool:
    """Copy an upload into the inbox in chunks, never past the limit; False if too large.
    The name is the sender's, less what could leave the folder; a complete file is linked
    into place under a free name, never over another (two drops of one name keep both)."""
    inbox.mkdir(parents=True, exist_ok=True)
    limit = UPLOAD_LIMIT_MB * 1024 * 1024
    name = dropped_name(upload.filename or "file")
    for candidate in _names(inbox / name):
        await upload.seek(0)
        size = 0
        try:
            with created(candidate) as part, part.open("wb") as out:
                while chunk := await upload.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _TooLarge
                    out.write(chunk)
            return True
        except _TooLarge:
            return False
        except FileExistsError:
            continue
    return False


class _TooLarge(Exception):
    """An upload past the limit: its partial copy is removed, nothing reaches the inbox."""


def _names(target: Path):
    """«file.xlsx», then «file (2).xlsx»…: a drop never replaces what is waiting there."""
    yield target
    for n in range(2, 1000):
        yield target.with_name(f"{target.stem} ({n}){target.suffix}")


async def ingest_inbox(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    return _start(request, "ingest", lambda progress: _ingest(workspace, progress), [])


async def fetch_mailbox(request: Request):
    """`adal fetch`: the mailbox's new messages with files into the inbox, ingested, then
    flagged (or moved) there; the messages without files listed for the officer."""
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal

    def work(progress) -> dict:
        from pipeline.intake.mailbox import fetch, mark_taken

        report = fetch(workspace, progress=progress)
        result = _ingest(workspace, progress) if report.saved else {"files": []}
        if report.saved:
            mark_taken(workspace)
        said = render(
            "desk_fetch_done",
            saved=len(report.saved),
            without=len(report.without_files),
            known=report.known,
        )
        listed = [Text(f"{f.sender}: «{f.subject}»", f"{f.sender}: «{f.subject}»")
                  for f in report.without_files]  # fmt: skip
        return {**result, "said": [said, *listed]}

    return _start(request, "fetch", work, [])


def _ingest(workspace, progress) -> dict:
    """`adal ingest`, as the command runs it: every file's answer and its correction file."""
    from pipeline.intake.ingest import ingest
    from pipeline.intake.parallel import parallel_reader

    workers = os.cpu_count() or 1
    outcomes = ingest(
        workspace,
        progress=progress,
        reader=parallel_reader(workspace, workers),
        jobs=workers,
    )
    outbox = workspace.paths.outbox
    return {
        "files": [
            {
                "name": o.name,
                "status": o.status,
                "errors": o.errors,
                "bin": o.bin,
                "problems": [p for p in o.problems if p.severity != "warning"][:20],
                "feedback": views.inside(outbox, o.feedback),
            }
            for o in outcomes
        ]
    }


def _start(request: Request, kind: str, work, said: list) -> object:
    """Start a background step and show its page (or its id, to a script that asked JSON)."""
    desk: Desk = request.app.state.desk
    job = desk.jobs.start(kind, work)
    if job is None:
        busy = [text("desk_job_busy")]
        if _wants_json(request):
            return JSONResponse({"error": dict(busy[0])}, status_code=409)
        return page(request, "problem.html", 409, problems=busy)
    if _wants_json(request):
        return JSONResponse(job.as_json(), status_code=202)
    return RedirectResponse(f"/job/{job.id}", status_code=303)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _answer(request: Request, template: str, said: list, **context):
    if _wants_json(request):
        return JSONResponse({"said": [dict(s) for s in said]}, status_code=400)
    return page(request, template, 400, said=said, **context)


async def job_page(request: Request):
    desk: Desk = request.app.state.desk
    job = desk.jobs.get(request.path_params["id"])
    if job is None:
        return await not_found(request, None)
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    return page(request, "job.html", job=job, workspace=workspace, file_state=views.FILE_STATE)


async def job_json(request: Request):
    desk: Desk = request.app.state.desk
    job = desk.jobs.get(request.path_params["id"])
    if job is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(job.as_json())


async def outputs_page(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    desk: Desk = request.app.state.desk
    states, _, _ = views.states_of(workspace)
    offered = views.outputs(desk.paths)
    return page(
        request,
        "outputs.html",
        workspace=workspace,
        files=[f for f in offered if not f.path.startswith(views.MONITORING)],
        monitoring=[f for f in offered if f.path.startswith(views.MONITORING)],
        completeness=charts.completeness(workspace, states),
        risks=charts.risks_by_area(workspace),
        said=[],
    )


async def consolidate(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal

    def work(progress) -> dict:
        from pipeline.workbooks import frames
        from pipeline.workbooks.comparison import open_previous_year
        from pipeline.workbooks.consolidate import write_consolidated
        from pipeline.workbooks.indicators import load_indicators

        indicators = load_indicators(
            workspace.paths.schema_file("indicators.yaml"), workspace.specs
        )
        last_year = open_previous_year(workspace, None, dt.date.today())  # campaign.yaml's
        path, _ = write_consolidated(
            workspace, frames.load(workspace), indicators, previous=last_year, progress=progress
        )
        return {"outputs": [views.inside(workspace.paths.outbox, str(path))]}

    return _start(request, "consolidate", work, [])


async def report(request: Request):
    """The reference and the plan, for the dates picked; the same refusals as the CLI's."""
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    form = await _form(request, max_files=0, max_fields=10)
    if form is None:
        return _answer(request, "problem.html", [text("desk_refused_size")], problems=[])
    signed, approved = _date(form.get("signed")), _date(form.get("approved"))
    if signed is None:
        said = [text("desk_signed_needed")]
        return _answer(request, "problem.html", said, problems=said)

    def work(progress) -> dict:
        from pipeline.documents.report import build_report

        outcome = build_report(workspace, signed, approved, progress=progress)
        outbox = workspace.paths.outbox
        return {"outputs": [views.inside(outbox, str(p)) for p in outcome.files]}

    return _start(request, "report", work, [])


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def letters_page(request: Request):
    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    desk: Desk = request.app.state.desk
    return page(
        request,
        "letters.html",
        workspace=workspace,
        drafts=views.drafts(workspace),
        kind_text=KIND_TEXT,
        log=views.sent_log(desk.paths),
    )


async def letters_run(request: Request):
    """Write a kind's drafts, or send them after the page's confirmation; a letter already
    sent is never sent again (the ledger's mail log decides, as for `adal mail --send`)."""
    from pipeline.letters.mail import KINDS, run_mail

    workspace, refusal = _workspace(request)
    if refusal:
        return refusal
    kind = request.path_params["kind"]
    form = await _form(request, max_files=0, max_fields=10)
    if form is None or kind not in KINDS:
        return await not_found(request, None)
    send = form.get("send") == "yes"
    desk: Desk = request.app.state.desk

    def work(progress) -> dict:
        with_organisations(desk.paths, sending=send)  # a sample campaign sends nothing
        done = run_mail(workspace, kind, send=send, today=desk.day(), progress=progress)
        said = render("desk_mail_done", written=done.written, sent=done.sent, skipped=done.skipped)
        return {"said": [said], "failed": done.failed or []}

    return _start(request, f"mail-{kind}", work, [])


async def templates(request: Request):
    """`adal templates`: a workbook for every organisation, in outbox/templates/."""
    desk: Desk = request.app.state.desk

    def work(progress) -> dict:
        from pipeline.workbooks.templates import write_templates

        workspace = with_organisations(desk.paths, sending=True)
        folder = desk.paths.outbox / "templates"
        made = write_templates(
            folder, workspace.organisations, workspace.campaign, workspace.specs, progress
        )
        return {"said": [render("desk_templates_done", n=len(made))]}

    return _start(request, "templates", work, [])


async def settings_page(request: Request):
    desk: Desk = request.app.state.desk
    if not is_campaign(desk.paths.root):
        said = render("desk_not_campaign", folder=str(desk.paths.root))
        return page(request, "problem.html", problems=[said])
    problems = [exc_text(e) for e in views.settings(desk.paths)]
    return page(request, "settings.html", problems=problems, paths=desk.paths)


async def download(request: Request):
    """A file of the outbox, and only of the outbox: no listing, no way out of it."""
    desk: Desk = request.app.state.desk
    outbox = desk.paths.outbox.resolve()
    try:
        target = (outbox / request.path_params["path"]).resolve()
        found = target.is_relative_to(outbox) and target.is_file()
    except (OSError, ValueError):  # a NUL byte, a name longer than the disk allows
        found = False
    if not found:
        return await not_found(request, None)
    return FileResponse(target, filename=target.name)


async def not_found(request: Request, exc) -> HTMLResponse:
    return page(request, "problem.html", 404, problems=[text("desk_not_found")])
