"""The HTTP face of the MAX emulator: MAX's routes, its Authorization header and its error shape."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sandbox.limits import TIMEOUT
from devtools.sandbox.max import handlers
from devtools.sandbox.max.errors import MaxError, bad_payload, http_error, not_found
from devtools.sandbox.max.messages import DOWNLOAD_PREFIX
from devtools.sandbox.max.state import MaxBotState
from devtools.sandbox.server import EMULATOR  # the Telegram sandbox's key: its page and control routes fit here

if TYPE_CHECKING:
    from devtools.sandbox.max.emulator import MaxAPIEmulator

MAX_BODY = 52 * 1024 * 1024
dumps = functools.partial(json.dumps, ensure_ascii=False)


@dataclass
class Request:
    """One authorised API call: the bot's state, the query and the JSON body."""

    emulator: MaxAPIEmulator
    state: MaxBotState
    http: web.Request
    query: dict[str, str]
    body: Any

    def int_query(self, name: str, default: int | None = None) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_payload(f"{name} must be an integer") from None


Handler = Callable[[Request], Awaitable[Any]]

# (HTTP method, path pattern) -> handler; the name "METHOD /path" is what calls() and inject_failures() use.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/me", handlers.get_me),
    ("PATCH", "/me", handlers.patch_me),
    ("PATCH", "/me/commands", handlers.set_commands),
    ("GET", "/updates", handlers.get_updates),
    ("POST", "/subscriptions", handlers.subscribe),
    ("GET", "/subscriptions", handlers.list_subscriptions),
    ("DELETE", "/subscriptions", handlers.unsubscribe),
    ("POST", "/messages", handlers.send_message),
    ("PUT", "/messages", handlers.edit_message),
    ("DELETE", "/messages", handlers.delete_message),
    ("POST", "/answers", handlers.answer_callback),
    ("POST", "/uploads", handlers.get_upload_url),
    ("POST", "/chats/{chat_id}/actions", handlers.chat_action),
]


def json_answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(payload, status=status, dumps=dumps, headers=headers)


def error_answer(err: MaxError) -> web.Response:
    return json_answer(err.payload(), err.status, err.headers())


def build_app(emulator: MaxAPIEmulator, *extra_routes: Callable[[web.Application], None]) -> web.Application:
    """MAX's routes, the upload host and file URLs, then `extra_routes(app)` callables (the sandbox page's,
    devtools/sandbox/page.py; the control routes, devtools/sandbox/control.py), then a JSON 404."""
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR] = emulator
    for verb, path, handler in ROUTES:
        app.router.add_route(verb, path, functools.partial(_serve, f"{verb} {path}", handler))
    app.router.add_post("/upload/{upload_id}", handlers.receive_upload)
    app.router.add_get(f"/{DOWNLOAD_PREFIX}/{{token}}", handlers.download)
    for add_routes in extra_routes:
        add_routes(app)
    app.router.add_route("*", "/{tail:.*}", _unknown)
    return app


def concrete_name(name: str, http: web.Request) -> str:
    """ "POST /chats/{chat_id}/actions" as the path was called, for a failure planned on either form."""
    return re.sub(r"\{(\w+)\}", lambda m: http.match_info.get(m.group(1), m.group()), name)


async def _serve(name: str, handler: Handler, http: web.Request) -> web.Response:
    emulator: MaxAPIEmulator = http.app[EMULATOR]
    try:
        state = emulator.bot_for_header(http.headers.get("Authorization"))
        body = await _json_body(http)
        query = dict(http.query)
        failure = emulator.failures.take(name) or emulator.failures.take(concrete_name(name, http))
        if failure == TIMEOUT:
            await emulator.hang(http)
            raise http_error(504)
        if failure is not None:
            raise http_error(int(failure))
        emulator.log_call(state, name, {**(body if isinstance(body, dict) else {}), **query})
        emulator.rates.check(state.token)
        result = await handler(Request(emulator, state, http, query, body))
    except MaxError as err:
        return error_answer(err)
    return json_answer(result)


async def _json_body(http: web.Request) -> Any:
    if not http.can_read_body:
        return None
    raw = await http.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_payload("request body is not JSON") from None


async def _unknown(http: web.Request) -> web.Response:
    return error_answer(not_found("path"))
