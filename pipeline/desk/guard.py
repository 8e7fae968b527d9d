"""What stands between the desk and anyone else on the machine or the network.

- The first address carries a random token (as notebook servers do); it is exchanged for a
  cookie (HttpOnly, SameSite=Strict) and taken out of the address bar. A request with
  neither is refused.
- The Host header must name the address served: a page elsewhere that resolves its own
  name to 127.0.0.1 (DNS rebinding) is refused.
- Every POST carries the desk's CSRF token (a form field or the X-CSRF-Token header).
- A request body over the limit is refused before it is read.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl, urlencode

from pipeline.core.messages import text

COOKIE = "adal_token"
LANG_COOKIE = "adal_lang"
BODY_LIMIT = 210 * 1024 * 1024  # a few dropped files at the per-file limit


class Guard:
    """ASGI middleware: token, Host, CSRF and body size, then the desk itself."""

    def __init__(self, app, desk) -> None:
        self.app = app
        self.desk = desk
        self.state = app.state  # for tests that reach the desk through the app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.desk.hosts:
            await _refuse(send, 403, "desk_refused_host")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token", "")
        if given and hmac.compare_digest(given, self.desk.token):
            await _enter(send, scope, query)
            return
        cookies = _cookies(headers.get("cookie", ""))
        if not hmac.compare_digest(cookies.get(COOKIE, ""), self.desk.token):
            await _refuse(send, 403, "desk_refused_token")
            return
        if "lang" in query:
            await _switch_language(send, scope, query)
            return
        if scope["method"] == "POST":
            if int(headers.get("content-length", "0") or 0) > BODY_LIMIT:
                await _refuse(send, 413, "desk_refused_form")
                return
            receive = await _checked(scope, receive, headers, self.desk.csrf)
            if receive is None:
                await _refuse(send, 403, "desk_refused_form")
                return
        await self.app(scope, receive, send)


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


async def _enter(send, scope, query: dict) -> None:
    """The token exchanged for a cookie, and the same page without it in the address."""
    rest = urlencode({k: v for k, v in query.items() if k != "token"})
    location = scope["path"] + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={query['token']}; HttpOnly; SameSite=Strict; Path=/"
    await _redirect(send, location, [cookie])


async def _switch_language(send, scope, query: dict) -> None:
    lang = query["lang"] if query["lang"] in ("kk", "ru") else "kk"
    rest = urlencode({k: v for k, v in query.items() if k != "lang"})
    location = scope["path"] + (f"?{rest}" if rest else "")
    cookie = f"{LANG_COOKIE}={lang}; SameSite=Strict; Path=/; Max-Age=31536000"
    await _redirect(send, location, [cookie])


async def _redirect(send, location: str, cookies: list[str]) -> None:
    headers = [(b"location", location.encode("utf-8")), (b"content-length", b"0")]
    headers += [(b"set-cookie", c.encode("latin-1")) for c in cookies]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send, status: int, code: str) -> None:
    said = text(code)
    body = (
        "<!doctype html><meta charset=utf-8><title>Adal</title>"
        f"<p lang=kk>{_escape(said.kk)}</p><p lang=ru>{_escape(said.ru)}</p>"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _checked(scope, receive, headers: dict, csrf: str):
    """The CSRF token from the header, or from the form in the body (read here, then
    replayed to the route): None when it is missing or wrong."""
    if hmac.compare_digest(headers.get("x-csrf-token", ""), csrf):
        return receive
    body, more = b"", True
    chunks = []
    while more:
        message = await receive()
        chunks.append(message)
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > BODY_LIMIT:
            return None
    if not _form_token_matches(body, headers.get("content-type", ""), csrf):
        return None
    replay = iter(chunks)

    async def again():
        try:
            return next(replay)
        except StopIteration:
            return {"type": "http.disconnect"}

    return again


def _form_token_matches(body: bytes, content_type: str, csrf: str) -> bool:
    """The `csrf` field of an urlencoded form, or of a multipart one (the desk's forms put
    it first, so a large upload is not parsed twice)."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = dict(parse_qsl(body.decode("latin-1")))
        return hmac.compare_digest(fields.get("csrf", ""), csrf)
    if content_type.startswith("multipart/form-data"):
        marker = b'name="csrf"'
        at = body.find(marker, 0, 4096)
        if at < 0:
            return False
        start = body.find(b"\r\n\r\n", at) + 4
        end = body.find(b"\r\n", start)
        return start > 3 and hmac.compare_digest(body[start:end].decode("latin-1"), csrf)
    return False
