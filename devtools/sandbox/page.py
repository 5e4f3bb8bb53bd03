"""The sandbox's web page: be one of a few people and chat with the bot as in Telegram, or in MAX, in a browser on
127.0.0.1.

GET  /                                   the page (devtools/sandbox/web/: plain HTML, CSS and a script, offline)
GET  /sandbox/web/people                 the people to be: {"people": [{key, role, name, note, user_id, max_user_id}, …]}
POST /sandbox/web/people/<key>/open      {"lang": "ru", "messenger": "max"}: links the person's Telegram (or MAX)
                                         on first use (/start <code>, consent), answers {"user_id": …}
GET  /sandbox/web/chats/<user_id>        the chat as the person sees it (messages rendered to safe HTML, keyboards)
GET  /sandbox/web/chats/<user_id>/events the same, streamed as server-sent events whenever it changes
POST /sandbox/web/chats/<user_id>/text   {"text": "/diary", "lang": "ru"}
POST /sandbox/web/chats/<user_id>/tap    {"message_id": 5, "data": "…", "lang": "ru"}: answers the bot's toast
POST /sandbox/web/chats/<user_id>/file   a form with `file` and `caption`: a photo (an image) or a document
GET  /sandbox/web/files/<file_id>        a file of the chat, to show or download

The page knows nothing of the bot: the people and how to get a person's access code are given to it. A person's
MAX chat has a user id of its own (Person.max_user_id) in the MAX emulator (PageConfig.max): the chat routes find the
messenger by the id, and draw MAX's chat with the same view (its menu as buttons under a message, no keyboard below).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from aiohttp import web

from devtools.sandbox.markup import inline_buttons
from devtools.sandbox.rendering import entities_to_html
from devtools.sandbox.server import EMULATOR, dumps, json_answer

if TYPE_CHECKING:
    from devtools.sandbox.emulator import BotAPIEmulator
    from devtools.sandbox.max import MaxAPIEmulator

WEB = Path(__file__).parent / "web"
STATIC = {"index.html": "text/html", "app.css": "text/css", "app.js": "text/javascript"}
ACCEPT = {"ru": "Принимаю", "en": "I accept"}  # the consent's button (ACC-2), the way a person links
LINK_TIMEOUT = 30.0  # seconds for each of the bot's answers while a person links, on a loaded machine too
KEEPALIVE = 15.0  # seconds between comments on a quiet event stream, so that proxies keep it open


@dataclass(frozen=True)
class Person:
    key: str  # "parent", "student", "teacher", "class_teacher", "deputy"
    role: str  # the same, for the page's label
    name: str
    note: str  # e.g. the class: «5А»
    user_id: int  # the person's Telegram user in the emulator
    max_user_id: int | None = None  # the person's MAX user in PageConfig.max's emulator


@dataclass(frozen=True)
class MaxSide:
    emulator: MaxAPIEmulator
    token: str  # the MAX bot's


@dataclass
class PageConfig:
    token: str
    people: list[Person]
    code_for: Callable[[Person], Awaitable[str]]  # a fresh one-time access code for the person
    after_link: Callable[[Person], Awaitable[None]] | None = None  # the bot's side of the sandbox, once linked
    max: MaxSide | None = None  # people open in MAX too


@dataclass(frozen=True)
class Chat:
    """A person's chat in one messenger: its emulator (the same test-side API in both), the bot's token, the user."""

    person: Person
    emulator: Any
    token: str
    user_id: int
    in_max: bool


PAGE: web.AppKey[Any] = web.AppKey("sandbox_page")


def page_routes(config: PageConfig) -> Callable[[web.Application], None]:
    """For BotAPIEmulator(extra_routes=…): the page's routes on the emulator's server."""

    def add(app: web.Application) -> None:
        app[PAGE] = _Page(config)
        app.router.add_get("/", _index)
        app.router.add_get("/web/{name}", _static)
        app.router.add_get("/sandbox/web/people", _people)
        app.router.add_post("/sandbox/web/people/{key}/open", _open)
        app.router.add_get("/sandbox/web/chats/{user_id:\\d+}", _chat)
        app.router.add_get("/sandbox/web/chats/{user_id:\\d+}/events", _events)
        app.router.add_post("/sandbox/web/chats/{user_id:\\d+}/text", _text)
        app.router.add_post("/sandbox/web/chats/{user_id:\\d+}/tap", _tap)
        app.router.add_post("/sandbox/web/chats/{user_id:\\d+}/file", _file)
        app.router.add_get("/sandbox/web/files/{file_id}", _download)

    return add


class _Page:
    def __init__(self, config: PageConfig) -> None:
        self.config = config
        self.linking: dict[int, asyncio.Future] = {}  # user id -> the linking, done or under way
        # A person opened in Telegram and in MAX at once links one messenger after the other: a fresh code revokes
        # the person's code not used yet, which the other pane would then send.
        self.codes_in_use: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def chat(self, request: web.Request, user_id: int) -> Chat:
        """The chat of a person's Telegram user id, or of their MAX user id; 404 for anyone else."""
        for p in self.config.people:
            if p.user_id == user_id:
                return Chat(p, request.app[EMULATOR], self.config.token, user_id, False)
            if self.config.max is not None and p.max_user_id == user_id:
                return Chat(p, self.config.max.emulator, self.config.max.token, user_id, True)
        raise web.HTTPNotFound(text="no such person in the sandbox")

    async def link(self, chat: Chat, lang: str) -> None:
        """The person's first visit: the invite link with a fresh code (Telegram's «/start code», MAX's
        bot_started), then the consent. Done once, in a task of its own: a page that goes away while it runs (its
        request cancelled) does not leave it half done."""
        task = self.linking.get(chat.user_id)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self.linking[chat.user_id] = asyncio.ensure_future(self._link(chat, lang))
        await asyncio.shield(task)

    async def _link(self, chat: Chat, lang: str) -> None:
        emu, token, uid, person = chat.emulator, chat.token, chat.user_id, chat.person
        first, _, last = person.name.partition(" ")
        emu.add_user(token, uid, first_name=first, last_name=last or None, language_code=lang)
        async with self.codes_in_use[person.key]:
            code = await self.config.code_for(person)
            if chat.in_max:
                emu.user_starts(token, uid, code, language_code=lang)
            else:
                emu.user_sends_text(token, uid, "/start " + code, language_code=lang)
            message = await emu.wait_for_bot_message(token, uid, timeout=LINK_TIMEOUT)
            data = next(
                (
                    b["callback_data"]
                    for b in inline_buttons(message.get("reply_markup"))
                    if b["text"] in ACCEPT.values()
                ),
                None,
            )
            if data is not None:
                query = emu.user_taps(token, uid, message["message_id"], data)
                await emu.wait_for_callback_answer(token, query, timeout=LINK_TIMEOUT)
        if self.config.after_link is not None:
            await self.config.after_link(person)


def chat_view(emu: BotAPIEmulator | MaxAPIEmulator, token: str, user_id: int, in_max: bool = False) -> dict[str, Any]:
    """The chat as the page draws it: both sides' messages, the reply keyboard and the command menu. MAX has no
    keyboard below the input field: its menu is the buttons under the bot's message, that send their words."""
    messages = [_message_view(m) for m in emu.history(token, user_id)]
    if in_max:
        for view, wire in zip(messages, emu.wire_messages(token, user_id), strict=True):
            view["buttons"] = _max_buttons(wire)
    return {
        "messages": messages,
        "keyboard": [] if in_max else emu.reply_keyboard(token, user_id),
        "commands": [
            {"command": c["command"], "description": c.get("description", "")}
            for c in emu.visible_commands(token, user_id, _language(emu, token, user_id))
        ],
    }


def _language(emu: BotAPIEmulator | MaxAPIEmulator, token: str, user_id: int) -> str:
    chat = emu.state(token).chats.get(user_id)
    return (chat.user.get("language_code") or "") if chat and chat.user else ""


def _max_buttons(message: dict) -> list[list[dict[str, Any]]]:
    """A MAX message's buttons as the page draws them: a callback's payload is tapped, a link opened, a `message`
    button sends its text."""
    keyboards = [
        a["payload"]["buttons"] for a in message["body"].get("attachments", []) if a["type"] == "inline_keyboard"
    ]
    return [
        [
            {"text": b["text"], "data": b.get("payload"), "url": b.get("url")}
            | ({"send": b["text"]} if b["type"] == "message" else {})
            for b in row
        ]
        for rows in keyboards
        for row in rows
    ]


def _message_view(message: dict) -> dict[str, Any]:
    text = message.get("text", message.get("caption", ""))
    entities = message.get("entities", message.get("caption_entities"))
    view: dict[str, Any] = {
        "id": str(message["message_id"]),  # a MAX seq is past what a JavaScript number holds exactly
        "out": message.get("from", {}).get("is_bot", False),
        "html": entities_to_html(text, entities),
        "edited": "edit_date" in message,
        "buttons": [
            [
                {"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
                for b in row
                if isinstance(b, dict)
            ]
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
    }
    if message.get("photo"):
        view["photo"] = "/sandbox/web/files/" + message["photo"][-1]["file_id"]
    if document := message.get("document"):
        view["document"] = {
            "name": document.get("file_name") or "file",
            "size": document.get("file_size", 0),
            "url": "/sandbox/web/files/" + document["file_id"],
        }
    return view


async def _index(request: web.Request) -> web.Response:
    return web.FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC:
        return json_answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    return web.FileResponse(WEB / name, headers={"Content-Type": STATIC[name], "Cache-Control": "no-cache"})


async def _people(request: web.Request) -> web.Response:
    page: _Page = request.app[PAGE]
    return json_answer({"people": [asdict(p) for p in page.config.people]})


async def _open(request: web.Request) -> web.Response:
    page: _Page = request.app[PAGE]
    person = next((p for p in page.config.people if p.key == request.match_info["key"]), None)
    if person is None:
        return json_answer({"ok": False, "description": "no such person in the sandbox"}, 404)
    body = await _json(request)
    user_id = person.max_user_id if body.get("messenger") == "max" else person.user_id
    if user_id is None:
        return json_answer({"ok": False, "description": "the sandbox runs no MAX bot"}, 404)
    try:
        await page.link(page.chat(request, user_id), _lang(body))
    except TimeoutError as err:
        return json_answer({"ok": False, "description": str(err)}, 504)
    return json_answer({"ok": True, "user_id": user_id})


def _chat_of(request: web.Request) -> Chat:
    return request.app[PAGE].chat(request, int(request.match_info["user_id"]))


async def _chat(request: web.Request) -> web.Response:
    chat = _chat_of(request)
    return json_answer(chat_view(chat.emulator, chat.token, chat.user_id, chat.in_max))


async def _events(request: web.Request) -> web.StreamResponse:
    """The chat whenever it changes (a reply, an edit, a push), as server-sent events of the whole view."""
    chat = _chat_of(request)
    emu = chat.emulator
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    state = emu.state(chat.token)
    sent = ""

    def view() -> str:
        return dumps(chat_view(emu, chat.token, chat.user_id, chat.in_max))

    def changed() -> bool:
        return emu.stopping or view() != sent

    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
        while not emu.stopping:
            now = view()
            if now != sent:
                await response.write(f"data: {now}\n\n".encode())
                sent = now
            elif not await state.changed.wait_until(changed, KEEPALIVE):
                await response.write(b": still here\n\n")
    return response


async def _text(request: web.Request) -> web.Response:
    chat = _chat_of(request)
    body = await _json(request)
    text = str(body.get("text", "")).strip()
    if not text:
        return json_answer({"ok": False, "description": "Bad Request: message text is empty"}, 400)
    message = chat.emulator.user_sends_text(chat.token, chat.user_id, text, language_code=_lang(body))
    return json_answer({"ok": True, "message_id": message["message_id"]})


async def _tap(request: web.Request) -> web.Response:
    chat = _chat_of(request)
    emu, token = chat.emulator, chat.token
    body = await _json(request)
    try:
        query = emu.user_taps(token, chat.user_id, int(body.get("message_id", 0)), str(body.get("data", "")))
    except (LookupError, RuntimeError, ValueError) as err:
        return json_answer({"ok": False, "description": str(err)}, 400)
    try:
        answer = await emu.wait_for_callback_answer(token, query, timeout=10)
    except TimeoutError:
        answer = {}
    return json_answer({"ok": True, "toast": answer.get("text") or "", "alert": bool(answer.get("show_alert"))})


async def _file(request: web.Request) -> web.Response:
    chat = _chat_of(request)
    emu, token, user_id = chat.emulator, chat.token, chat.user_id
    try:
        form = await request.post()
    except ValueError:
        form = {}
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return json_answer({"ok": False, "description": "Bad Request: a form with a `file` is expected"}, 400)
    data = upload.file.read()
    if not data:
        return json_answer({"ok": False, "description": "Bad Request: file must be non-empty"}, 400)
    caption = str(form.get("caption", "")).strip() or None
    lang = str(form.get("lang", "")) or None
    mime = upload.content_type or mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    if mime in ("image/jpeg", "image/png"):
        message = emu.user_sends_photo(token, user_id, data, caption=caption, language_code=lang)
    else:
        # Browsers send a name in UTF-8 as it is; some clients (aiohttp's) percent-encode it.
        name = unquote(upload.filename) if upload.filename.isascii() else upload.filename
        message = emu.user_sends_document(token, user_id, data, name, mime, caption, language_code=lang)
    return json_answer({"ok": True, "message_id": message["message_id"]})


async def _download(request: web.Request) -> web.Response:
    page: _Page = request.app[PAGE]
    file_id = request.match_info["file_id"]
    stored = request.app[EMULATOR].state(page.config.token).files.get(file_id)
    if stored is None and page.config.max is not None:
        stored = page.config.max.emulator.state(page.config.max.token).files.get(file_id)
    if stored is None:
        return json_answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    mime = stored.mime_type or "application/octet-stream"
    if stored.kind == "photo":
        mime = "image/png" if stored.data.startswith(b"\x89PNG") else "image/jpeg"
    headers = {}
    if stored.kind == "document":
        name = stored.file_name or "file"
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return web.Response(body=stored.data, content_type=mime, headers=headers)


def _lang(body: dict) -> str:
    return "en" if body.get("lang") == "en" else "ru"


async def _json(request: web.Request) -> dict:
    raw = await request.text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(
            text=dumps({"ok": False, "description": "Bad Request: the body is not JSON"}),
            content_type="application/json",
        ) from None
    return body if isinstance(body, dict) else {}
