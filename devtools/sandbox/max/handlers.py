"""The MAX Bot API endpoints the emulator serves (the contract's list), each taking a server.Request."""

from __future__ import annotations

import copy
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from aiohttp import BodyPartReader, web

from devtools.sandbox.max.checks import check_body
from devtools.sandbox.max.errors import MaxError, bad_payload, denied, not_found
from devtools.sandbox.max.messages import add_message, body_of, normalise, resolve_attachments, store_file
from devtools.sandbox.max.state import Chat, MaxBotState, StoredMessage, Subscription, now_ms

if TYPE_CHECKING:
    from devtools.sandbox.max.server import Request

MAX_COMMANDS = 32
MAX_POLL_SECONDS = 90
MAX_POLL_LIMIT = 1000
ACTIONS = {"typing_on", "sending_photo", "sending_video", "sending_audio", "sending_file", "mark_seen"}
UPLOAD_TYPES = {"image", "file"}
_SECRET = re.compile(r"[A-Za-z0-9-]{5,256}")
DOWNLOAD_CHUNK = 1024 * 1024  # a file padded to the size the test asked for goes out a megabyte at a time


# --- the bot -------------------------------------------------------------------------------------


async def get_me(req: Request) -> dict:
    return _bot_info(req.state)


async def patch_me(req: Request) -> dict:
    """The older form: PATCH /me with {"commands": [...]} (other fields are ignored)."""
    if isinstance(req.body, dict) and "commands" in req.body:
        _store_commands(req.state, req.body["commands"])
    return _bot_info(req.state)


async def set_commands(req: Request) -> dict:
    if not isinstance(req.body, dict) or "commands" not in req.body:
        raise bad_payload("commands required")
    _store_commands(req.state, req.body["commands"])
    return _bot_info(req.state)


def _store_commands(state: MaxBotState, commands: Any) -> None:
    if not isinstance(commands, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"] for c in commands
    ):
        raise bad_payload("commands must be a list of {name, description}")
    if len(commands) > MAX_COMMANDS:
        raise bad_payload(f"at most {MAX_COMMANDS} commands, got {len(commands)}")
    state.commands = [{"name": c["name"], "description": c.get("description") or ""} for c in commands]


def _bot_info(state: MaxBotState) -> dict:
    info = copy.deepcopy(state.me)
    if state.commands:
        info["commands"] = copy.deepcopy(state.commands)
    return info


# --- updates ---------------------------------------------------------------------------------------


async def get_updates(req: Request) -> dict:
    """A long poll: the updates from `marker` on (an absent marker: from the first unconfirmed), waiting up
    to `timeout` seconds for one; the answer's marker is the next position to ask for. Updates of types not
    asked for are passed over. While a subscription exists, nothing comes."""
    state = req.state
    marker = req.int_query("marker")
    timeout = min(max(req.int_query("timeout", 30) or 0, 0), MAX_POLL_SECONDS)
    limit = min(max(req.int_query("limit", 100) or 1, 1), MAX_POLL_LIMIT)
    types = [t for t in req.query.get("types", "").split(",") if t] or None
    if marker is not None:
        state.confirm(marker)

    def matching() -> list:
        return [q for q in state.updates if types is None or q.update["update_type"] in types]

    await state.changed.wait_until(
        lambda: (matching() and not state.subscriptions) or req.emulator.stopping, float(timeout)
    )
    if state.subscriptions:
        return {"updates": [], "marker": marker if marker is not None else _first_position(state)}
    found = matching()[:limit]
    if found:
        return {"updates": [copy.deepcopy(q.update) for q in found], "marker": found[-1].position + 1}
    # Nothing asked for: the marker moves past what is queued only when types filtered all of it out.
    return {"updates": [], "marker": state.next_position if types else _first_position(state)}


def _first_position(state: MaxBotState) -> int:
    return state.updates[0].position if state.updates else state.next_position


async def subscribe(req: Request) -> dict:
    body = req.body if isinstance(req.body, dict) else {}
    url = body.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise bad_payload("url must be an http(s) URL")
    secret = body.get("secret")
    if secret is not None and not (isinstance(secret, str) and _SECRET.fullmatch(secret)):
        raise bad_payload("secret must be 5..256 characters of A-Z, a-z, 0-9 and -")
    types = body.get("update_types")
    if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        raise bad_payload("update_types must be a list of strings")
    state = req.state
    state.subscriptions = [s for s in state.subscriptions if s.url != url]
    state.subscriptions.append(Subscription(url, list(types) if types else None, secret))
    req.emulator.webhooks.start(state)
    state.changed.fire()
    return {"success": True}


async def list_subscriptions(req: Request) -> dict:
    return {
        "subscriptions": [
            {"url": s.url, "time": s.time, "update_types": list(s.update_types or [])} for s in req.state.subscriptions
        ]
    }


async def unsubscribe(req: Request) -> dict:
    url = req.query.get("url")
    if not url:
        raise bad_payload("url required")
    state = req.state
    state.subscriptions = [s for s in state.subscriptions if s.url != url]
    if not state.subscriptions:
        req.emulator.webhooks.stop(state.token)
    state.changed.fire()
    return {"success": True}


# --- messages --------------------------------------------------------------------------------------


async def send_message(req: Request) -> dict:
    state = req.state
    user_id, chat_id = req.int_query("user_id"), req.int_query("chat_id")
    if (user_id is None) == (chat_id is None):
        raise bad_payload("exactly one of user_id and chat_id is required")
    chat = state.dialog(user_id) if user_id is not None else state.chat_by_id(chat_id)  # type: ignore[arg-type]
    state.writable(chat)
    body = check_body(req.body)
    req.emulator.rates.check_chat(state.token, chat.key)
    link = body.get("link")
    linked = _link(state, link) if isinstance(link, dict) and link.get("mid") else None
    attachments = resolve_attachments(state, body.get("attachments") or [], req.emulator.base_url)
    stored = add_message(
        state,
        chat,
        state.sender(),
        outgoing=True,
        text=body.get("text"),
        fmt=body.get("format"),
        attachments=attachments,
        link=linked,
    )
    return {"message": copy.deepcopy(stored.message)}


def _link(state: MaxBotState, link: dict) -> dict[str, Any]:
    """A reply's or a forward's link as live MAX shows it: the linked message's body, sender and chat_id."""
    chat, target = state.find_mid(str(link["mid"]))
    return {
        "type": link.get("type", "reply"),
        "message": copy.deepcopy(target.message["body"]),
        "sender": copy.deepcopy(target.message.get("sender")),
        "chat_id": chat.chat_id,
    }


async def edit_message(req: Request) -> dict:
    state = req.state
    chat, stored = state.find_mid(_mid(req))
    if not stored.outgoing:
        raise denied("a bot edits only its own messages")
    state.writable(chat)
    apply_edit(req, chat, stored, check_body(req.body, edit=True))
    return {"success": True}


def apply_edit(req: Request, chat: Chat, stored: StoredMessage, body: dict) -> None:
    """Replace the message in place: text null/absent keeps the text ("" removes it), attachments null/absent
    keep them, [] removes them all."""
    state = req.state
    old = stored.message["body"]
    attachments = old.get("attachments") or []
    if body.get("attachments") is not None:
        attachments = resolve_attachments(state, body["attachments"], req.emulator.base_url)
    if body.get("text") is not None:
        new = body_of(body["text"], body.get("format"), attachments, old["seq"], old["mid"])
    else:
        new = {key: value for key, value in old.items() if key != "attachments"}
        if attachments:
            new["attachments"] = attachments
    stored.message["body"] = new
    stored.edit_date = now_ms() // 1000
    chat.events.append(normalise(state, chat, stored))
    state.changed.fire()


async def delete_message(req: Request) -> dict:
    _chat, stored = req.state.find_mid(_mid(req))
    stored.deleted = True
    req.state.changed.fire()
    return {"success": True}


def _mid(req: Request) -> str:
    mid = req.query.get("message_id")
    if not mid:
        raise bad_payload("message_id required")
    return mid


async def answer_callback(req: Request) -> dict:
    state = req.state
    callback = state.callbacks.get(req.query.get("callback_id") or "")
    if callback is None:
        raise not_found("callback")
    body = req.body if isinstance(req.body, dict) else {}
    notification, message = body.get("notification"), body.get("message")
    if not notification and not message:
        raise bad_payload("message or notification required")
    chat = state.chats[callback.chat_key]
    req.emulator.rates.check_chat(state.token, chat.key)
    if message:
        stored = chat.messages.get(callback.seq) if callback.seq is not None else None
        if stored is None or stored.deleted:
            raise not_found("message")
        apply_edit(req, chat, stored, check_body(message, edit=True))
    answer: dict[str, Any] = {"callback_query_id": callback.id}
    if notification:
        answer["text"] = notification
    if message:
        answer["message"] = copy.deepcopy(message)
    callback.answer = answer
    state.changed.fire()
    return {"success": True}


async def chat_action(req: Request) -> dict:
    try:
        chat_id = int(req.http.match_info["chat_id"])
    except ValueError:
        raise bad_payload("chat_id must be an integer") from None
    chat = req.state.writable(req.state.chat_by_id(chat_id))
    action = req.body.get("action") if isinstance(req.body, dict) else None
    if action not in ACTIONS:
        raise bad_payload(f"unknown action {action!r}")
    chat.actions.append(action)
    req.state.changed.fire()
    return {"success": True}


# --- files -----------------------------------------------------------------------------------------


async def get_upload_url(req: Request) -> dict:
    kind = req.query.get("type")
    if kind not in UPLOAD_TYPES:
        raise bad_payload(f"upload type must be one of {sorted(UPLOAD_TYPES)}, not {kind!r}")
    upload_id = secrets.token_urlsafe(16)
    req.emulator.uploads[upload_id] = (req.state.token, kind)
    return {"url": f"{req.emulator.base_url}/upload/{upload_id}"}


async def receive_upload(http: web.Request) -> web.Response:
    """The upload host: a multipart POST with the file in the field `data` (anything else: 415)."""
    from devtools.sandbox.max.server import error_answer, json_answer
    from devtools.sandbox.server import EMULATOR

    emulator = http.app[EMULATOR]
    planned = emulator.uploads.get(http.match_info["upload_id"])
    if planned is None:
        return error_answer(not_found("upload"))
    token, kind = planned
    state = emulator.state(token)
    if not http.content_type.startswith("multipart/"):
        return error_answer(MaxError(415, "proto.payload", "multipart/form-data with the field data expected"))
    reader = await http.multipart()
    found = None
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == "data":
            # aiohttp's client percent-encodes a non-ASCII file name; MAX keeps the name as meant.
            found = (unquote(part.filename) if part.filename else None, await part.read())
            break
    if found is None:
        return error_answer(MaxError(415, "proto.payload", "no field data in the upload"))
    file_name, data = found
    stored = store_file(state, kind, bytes(data), file_name)
    emulator.uploads.pop(http.match_info["upload_id"], None)
    if emulator.not_ready_count:
        state.not_ready[stored.file_id] = emulator.not_ready_count
    if kind == "image":
        return json_answer({"photos": {secrets.token_hex(8): {"token": stored.file_id}}})
    return json_answer({"token": stored.file_id})


async def download(http: web.Request) -> web.StreamResponse:
    """A file's URL, as MAX's CDN serves it: no token needed, the URL is the secret. A file the test made bigger
    than its bytes (user_sends_photo's `size`) is that big here too: its bytes, then zeros, streamed."""
    from devtools.sandbox.max.server import error_answer
    from devtools.sandbox.server import EMULATOR

    token = http.match_info["token"]
    for state in http.app[EMULATOR].bots():
        stored = state.files.get(token)
        if stored is not None:
            return await _serve(http, stored.data, stored.size, stored.mime_type or "application/octet-stream")
    return error_answer(not_found("file"))


async def _serve(http: web.Request, data: bytes, size: int, content_type: str) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.content_length = max(size, len(data))
    await response.prepare(http)
    await response.write(data)
    zeros = bytes(DOWNLOAD_CHUNK)
    left = size - len(data)
    while left > 0:
        await response.write(zeros[: min(left, DOWNLOAD_CHUNK)])
        left -= DOWNLOAD_CHUNK
    await response.write_eof()
    return response
