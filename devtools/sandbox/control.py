"""Playing the user over HTTP, for a demo with the sandbox running alone (tests call the emulator directly).

POST /sandbox/bot<token>/users/<user_id>/text   {"text": "/start", "first_name": "Anna", "language_code": "ru"}
POST /sandbox/bot<token>/users/<user_id>/tap    {"message_id": 2, "callback_data": "ok"}
POST /sandbox/bot<token>/users/<user_id>/block
POST /sandbox/bot<token>/groups/<chat_id>/text  {"text": "/marks", "user_id": 5, "title": "5А", "kind": "supergroup"}
                                                (no user_id: on behalf of "sender_chat", with no `from`)
GET  /sandbox/bot<token>/chats/<chat_id>        the bot's messages as the user sees them

Answers are JSON with Cyrillic as it is; a body that is not a JSON object is refused with 400.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sandbox.errors import ApiError
from devtools.sandbox.server import EMULATOR, json_answer

if TYPE_CHECKING:
    from devtools.sandbox.emulator import BotAPIEmulator

PREFIX = "/sandbox/bot{token}"


class NotJson(Exception):
    """The request's body is not a JSON object: answered 400, not taken for an empty one."""


def add_control_routes(app: web.Application) -> None:
    app.router.add_post(PREFIX + "/users/{user_id:-?\\d+}/text", _refusing_bad_bodies(_text))
    app.router.add_post(PREFIX + "/users/{user_id:-?\\d+}/tap", _refusing_bad_bodies(_tap))
    app.router.add_post(PREFIX + "/users/{user_id:-?\\d+}/block", _block)
    app.router.add_get(PREFIX + "/chats/{chat_id:-?\\d+}", _chat)
    app.router.add_post(PREFIX + "/groups/{chat_id:-\\d+}/text", _refusing_bad_bodies(_group_text))


def _refusing_bad_bodies(handler):
    async def handle(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except NotJson as err:
            return json_answer({"ok": False, "description": str(err)}, 400)

    return handle


async def _text(request: web.Request) -> web.Response:
    body = await _body(request)
    text = body.pop("text", "")
    return _run(lambda emu, token, user_id: emu.user_sends_text(token, user_id, text, **body), request)


async def _tap(request: web.Request) -> web.Response:
    body = await _body(request)
    return _run(
        lambda emu, token, user_id: {
            "callback_query_id": emu.user_taps(
                token, user_id, int(body.get("message_id", 0)), str(body.get("callback_data", ""))
            )
        },
        request,
    )


async def _block(request: web.Request) -> web.Response:
    return _run(lambda emu, token, user_id: emu.block(token, user_id) or True, request)


async def _chat(request: web.Request) -> web.Response:
    emu: BotAPIEmulator = request.app[EMULATOR]
    token, chat_id = request.match_info["token"], int(request.match_info["chat_id"])
    return _answer(lambda: emu.messages(token, chat_id))


async def _group_text(request: web.Request) -> web.Response:
    """A text in a group (made on first use) or a channel, to see that the bot keeps out of it."""
    emu: BotAPIEmulator = request.app[EMULATOR]
    token, chat_id, body = request.match_info["token"], int(request.match_info["chat_id"]), await _body(request)

    def post() -> dict:
        emu.add_group(token, chat_id, str(body.get("title", "5А")), str(body.get("kind", "supergroup")))
        user_id = body.get("user_id")
        return emu.user_posts_in_group(
            token,
            chat_id,
            None if user_id is None else int(user_id),
            str(body.get("text", "")),
            body.get("sender_chat"),
        )

    return _answer(post)


def _run(action, request: web.Request) -> web.Response:
    emu: BotAPIEmulator = request.app[EMULATOR]
    token, user_id = request.match_info["token"], int(request.match_info["user_id"])
    return _answer(lambda: action(emu, token, user_id))


def _answer(action) -> web.Response:
    try:
        return json_answer({"ok": True, "result": action()})
    except (ApiError, LookupError, RuntimeError, TypeError) as err:
        return json_answer({"ok": False, "description": str(err)}, 400)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    raw = await request.text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise NotJson("Bad Request: the body is not JSON") from None
    if not isinstance(body, dict):
        raise NotJson("Bad Request: the body is not a JSON object")
    return body
