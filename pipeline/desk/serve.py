"""`adal serve`: bind the port, print the address (with its token) first, open the
browser, and serve the desk until Ctrl+C."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from pipeline.core.errors import AdalError
from pipeline.core.messages import render, text
from pipeline.desk.app import Desk, make_app
from pipeline.intake.parallel import use_start_method
from pipeline.specs.workspace import Paths, is_campaign

LOOPBACK = "127.0.0.1"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket; port 0 takes any free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise AdalError.of(
            "desk_port_busy", host=host, port=port, detail=exc.strerror or str(exc)
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def hosts_for(host: str, port: int) -> set[str]:
    """The Host headers the desk answers: the address it listens on, and on loopback the
    names a browser on this machine uses for it. Any other name is refused (a page that
    rebinds its own name to 127.0.0.1 cannot reach the desk)."""
    names = {f"{host}:{port}"}
    if _loopback(host):
        names |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return names


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _open(url: str) -> None:
    """Open the page through a file only this user can read that forwards to it, so the
    token is not on the browser's command line for other users of the machine to see (as
    notebook servers do)."""
    folder = Path(tempfile.mkdtemp(prefix="adal-desk-"))
    page = folder / "open.html"
    page.write_text(
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={url}">'
        f'<a href="{url}">Adal</a>',
        encoding="utf-8",
    )
    page.chmod(0o600)
    webbrowser.open(page.as_uri())


def serve(
    paths: Paths,
    *,
    host: str = LOOPBACK,
    port: int = 8765,
    browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the desk for the campaign at `paths` until interrupted."""
    use_start_method("spawn")  # the desk answers in threads: no fork under them
    sock = bind(host, port)
    port = sock.getsockname()[1]
    desk = Desk(paths)
    desk.hosts = hosts_for(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={desk.token}"
    say(url)  # the first line: a script or a shortcut reads the address from it
    said = render("desk_serving", url=url)
    say(said.kk)
    say(said.ru)
    if not is_campaign(paths.root):
        refused = render("desk_not_campaign", folder=str(paths.root))
        say(refused.kk)
        say(refused.ru)
    stop = text("desk_serving_stop")
    say(f"{stop.kk} / {stop.ru}")
    if browser:
        _open(url)
    config = uvicorn.Config(make_app(desk), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@contextlib.contextmanager
def in_thread(paths: Paths, today: dt.date | None = None) -> Iterator[tuple[Desk, str]]:
    """A desk on a free port of loopback, served by a thread of this process until the
    block ends: the guide's pictures and the browser tests run it as `serve` does."""
    sock = bind(LOOPBACK, 0)
    port = sock.getsockname()[1]
    desk = Desk(paths, today=today)
    desk.hosts = hosts_for(LOOPBACK, port)
    server = uvicorn.Server(uvicorn.Config(make_app(desk), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    try:
        yield desk, f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
