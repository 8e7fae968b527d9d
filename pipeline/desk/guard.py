"""What stands between the desk and anyone else on the machine or the network.

- The first address carries a random token (as notebook servers do); it is exchanged for a
  cookie (HttpOnly, SameSite=Strict, named for the desk's port so two desks keep theirs)
  and taken out of the address bar. A request with neither is refused.
- The Host header must name the address served: a page elsewhere that resolves its own
  name to 127.0.0.1 (DNS rebinding) is refused.
- Every POST carries the desk's CSRF token (a form field or the X-CSRF-Token header).
- A request body over the limit is refused, whether it says its length or not.
- Every answer forbids caching, framing by another page and sending the address on.

What a cookie cannot do: browsers send cookies of 127.0.0.1 to every port of it, so a
program of the same user listening on another local port, visited by the browser, would
receive it. The desk is for the officer's own PC; the README says so.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl, quote, urlencode

from pipeline.core.messages import text

LANG_COOKIE = "adal_lang"
BODY_LIMIT = 210 * 1024 * 1024  # a few dropped files at the per-file limit
HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none';"
        b" form-action 'self'; base-uri 'none'",
    ),
]
"""The bars of the pictures are sized by an inline style; no inline script is allowed."""


def cookie_name(desk) -> str:
    port = next(iter(sorted(desk.hosts)), ":0").rsplit(":", 1)[-1]
    return f"adal_token_{port}" if port.isdigit() else "adal_token"


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
        send = _with_headers(send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.desk.hosts:
            await _refuse(send, 403, "desk_refused_host")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookie = cookie_name(self.desk)
        if _same(query.get("token", ""), self.desk.token):
            await _enter(send, scope, query, cookie)
            return
        if not _same(_cookies(headers.get("cookie", "")).get(cookie, ""), self.desk.token):
            await _refuse(send, 403, "desk_refused_token")
            return
        if "lang" in query:
            await _switch_language(send, scope, query)
            return
        if scope["method"] == "POST":
            if _length(headers) > BODY_LIMIT:
                await _refuse(send, 413, "desk_refused_form")
                return
            receive = await _checked(receive, headers, self.desk.csrf)
            if receive is None:
                await _refuse(send, 403, "desk_refused_form")
                return
        await self.app(scope, receive, send)


def _same(given: str, expected: str) -> bool:
    """Constant-time, and never an error on a value that is not ASCII (a forged cookie)."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _length(headers: dict) -> int:
    try:
        return int(headers.get("content-length", "0") or 0)
    except ValueError:
        return BODY_LIMIT + 1


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
        await send(message)

    return sending


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


def _here(scope, query: dict, drop: str) -> str:
    """The same page without `drop` in its query: always a path of this site (never
    «//elsewhere» or «/\\elsewhere», which a browser would read as another host)."""
    path = "/" + scope["path"].lstrip("/\\")
    location = quote(path, safe="/-._~!$&'()*+,;=:@")
    rest = urlencode({k: v for k, v in query.items() if k != drop})
    return location + (f"?{rest}" if rest else "")


async def _enter(send, scope, query: dict, cookie: str) -> None:
    """The token exchanged for a cookie, and the same page without it in the address."""
    value = f"{cookie}={query['token']}; HttpOnly; SameSite=Strict; Path=/"
    await _redirect(send, _here(scope, query, "token"), [value])


async def _switch_language(send, scope, query: dict) -> None:
    lang = query["lang"] if query["lang"] in ("kk", "ru") else "kk"
    cookie = f"{LANG_COOKIE}={lang}; SameSite=Strict; Path=/; Max-Age=31536000"
    await _redirect(send, _here(scope, query, "lang"), [cookie])


async def _redirect(send, location: str, cookies: list[str]) -> None:
    headers = [(b"location", location.encode("ascii")), (b"content-length", b"0")]
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


async def _checked(receive, headers: dict, csrf: str):
    """The body's reader, counting what it reads (a body that does not say its length is
    stopped at the limit too), once the CSRF token is found: in the header, or in the
    form, which is then read here and replayed to the route. None when it is wrong."""
    counted = _counting(receive)
    if _same(headers.get("x-csrf-token", ""), csrf):
        return counted
    chunks = []
    while True:
        message = await counted()
        chunks.append(message)
        if message.get("type") != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in chunks)
    if not _form_token_matches(body, headers.get("content-type", ""), csrf):
        return None
    replay = iter(chunks)

    async def again():
        try:
            return next(replay)
        except StopIteration:
            return {"type": "http.disconnect"}

    return again


class BodyTooLarge(Exception):
    """A body past the limit, found while it is read: the route answers 413."""


def _counting(receive):
    read = 0

    async def counted():
        nonlocal read
        message = await receive()
        read += len(message.get("body", b""))
        if read > BODY_LIMIT:
            raise BodyTooLarge
        return message

    return counted


def _form_token_matches(body: bytes, content_type: str, csrf: str) -> bool:
    """The `csrf` field of an urlencoded form, or of a multipart one (the desk's forms put
    it first, so a large upload is not parsed twice)."""
    kind = content_type.lower()
    if kind.startswith("application/x-www-form-urlencoded"):
        fields = dict(parse_qsl(body.decode("latin-1")))
        return _same(fields.get("csrf", ""), csrf)
    if kind.startswith("multipart/form-data"):
        at = body.find(b'name="csrf"', 0, 4096)
        if at < 0:
            return False
        start = body.find(b"\r\n\r\n", at) + 4
        end = body.find(b"\r\n", start)
        return start > 3 and _same(body[start:end].decode("latin-1"), csrf)
    return False
