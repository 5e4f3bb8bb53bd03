"""The HTTP face of the sandbox: Bot API routes and file downloads, answered as Telegram answers."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sandbox.errors import ApiError, http_error, not_found
from devtools.sandbox.limits import TIMEOUT
from devtools.sandbox.params import Params

if TYPE_CHECKING:
    from devtools.sandbox.emulator import BotAPIEmulator

# Room for a 50 MB document plus the form around it; larger bodies get Telegram's 413.
MAX_BODY = 52 * 1024 * 1024
EMULATOR: web.AppKey[Any] = web.AppKey("emulator")
# Cyrillic stays readable in every answer (a newcomer reads them with curl), as Telegram's own do.
dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_answer(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=dumps)


def build_app(emulator: BotAPIEmulator, *extra_routes) -> web.Application:
    """The Bot API routes, then `extra_routes(app)` callables, then a JSON 404 for everything else."""
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR] = emulator
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_download)
    for add_routes in extra_routes:
        add_routes(app)
    app.router.add_route("*", "/{tail:.*}", handle_unknown)
    return app


async def handle_method(request: web.Request) -> web.Response:
    emulator: BotAPIEmulator = request.app[EMULATOR]
    try:
        state = emulator.state(request.match_info["token"])
        name = request.match_info["method"]
        failure = emulator.failures.take(name)
        if failure == TIMEOUT:
            await emulator.hang(request)
            raise http_error(504)
        if failure is not None:
            raise http_error(failure)
        result = await emulator.execute(state, name, await Params.from_request(request))
    except ApiError as err:
        return json_answer(err.payload(), err.code)
    return json_answer({"ok": True, "result": result})


async def handle_download(request: web.Request) -> web.Response:
    emulator: BotAPIEmulator = request.app[EMULATOR]
    try:
        state = emulator.state(request.match_info["token"])
    except ApiError as err:
        return json_answer(err.payload(), err.code)
    stored = state.file_paths.get(request.match_info["path"])
    if stored is None:
        return json_answer(not_found().payload(), 404)
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


async def handle_unknown(request: web.Request) -> web.Response:
    return json_answer(not_found().payload(), 404)
