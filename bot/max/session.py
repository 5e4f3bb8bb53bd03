"""MaxSession: an aiogram session that speaks MAX's Bot API, so the same Dispatcher, handlers and session
middlewares (bot/pushes/limiter.SharedLimits, bot/alerts.TokenWatch) serve MAX.

aiogram's method objects come in (make_request, behind the middlewares' chain of BaseSession.__call__); MAX's HTTP
calls go out; MAX's answers come back as what each method promises (a Message, True, Updates…), its errors as
aiogram's exceptions (bot/max/errors.py). What MAX gives that the bot needs again (a message's mid, a file's
address, a dialog's chat id) is kept in `refs` (bot/max/refs.py) under the bot's aiogram id.

The MAX token goes in the Authorization header of the calls to MAX's API (and of an upload or a download on the
same host), never in a URL, a log line or repr().
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import certifi
from aiogram.client.default import Default
from aiogram.client.session.base import DEFAULT_TIMEOUT, BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import ClientDecodeError, TelegramBadRequest, TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    DeleteWebhook,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    GetUpdates,
    GetWebhookInfo,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BotCommandScopeDefault,
    File,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
    User,
    WebhookInfo,
)
from aiohttp import ClientError, ClientSession, ClientTimeout, FormData, TCPConnector
from aiohttp.hdrs import USER_AGENT

from bot.channels import to_max
from bot.max.errors import NOT_READY, UnsupportedInMax, exception_for, max_code
from bot.max.outgoing import Markup, message_body, recipient, split_message
from bot.max.refs import DIALOG, FILE_URL, MID, MaxRefs, mid_key
from bot.max.updates import (
    UPDATE_TYPES,
    IncomingRefs,
    Json,
    add_message_refs,
    files_data,
    message_data,
    refs_of,
    to_update,
)

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://platform-api2.max.ru"
CHAT_ACTIONS = {"upload_document": "sending_file", "upload_photo": "sending_photo"}  # any other: typing_on


def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The system's trusted roots, certifi's, and `ca_file` (the Минцифры root that MAX's hosts may chain to);
    verification always on."""
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=certifi.where())
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


class MaxSession(BaseSession):
    """aiogram's BaseSession over aiohttp, towards MAX's API at `api_url`."""

    def __init__(
        self,
        token: str,
        *,
        refs: MaxRefs,
        api_url: str = DEFAULT_API_URL,
        ca_file: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        not_ready_first_wait: float = 0.25,
        not_ready_budget: float = 5.0,
    ) -> None:
        # Bot.download_file() asks api.file_url(token, file_path): GetFile's file_path is the address itself.
        super().__init__(api=TelegramAPIServer(base=api_url.rstrip("/") + "/{method}", file="{path}"), timeout=timeout)
        self.__token = token
        self.api_url = api_url.rstrip("/")
        self.refs = refs
        self.not_ready_first_wait = not_ready_first_wait
        self.not_ready_budget = not_ready_budget  # seconds at most spent waiting for an upload to be processed
        self.max_user_id: int | None = None  # the bot's own MAX id, known after GetMe
        self._ssl = ssl_context(ca_file)
        self._session: ClientSession | None = None
        self._dialogs: dict[str, str] = {}  # the dialogs' chat ids this session wrote already
        self._marker: int | None = None  # the next position of MAX's updates, as far as this session has read
        self._handlers: dict[type, Callable[[Bot, Any, float], Awaitable[Any]]] = {
            SendMessage: self._send_message,
            EditMessageText: self._edit_message_text,
            EditMessageReplyMarkup: self._edit_message_reply_markup,
            DeleteMessage: self._delete_message,
            AnswerCallbackQuery: self._answer_callback_query,
            SendDocument: self._send_document,
            SendPhoto: self._send_photo,
            SendChatAction: self._send_chat_action,
            GetMe: self._get_me,
            SetMyCommands: self._set_my_commands,
            DeleteMyCommands: self._delete_my_commands,
            GetUpdates: self._get_updates,
            SetWebhook: self._set_webhook,
            DeleteWebhook: self._delete_webhook,
            GetWebhookInfo: self._get_webhook_info,
            GetFile: self._get_file,
        }

    def __repr__(self) -> str:
        return f"MaxSession(api_url={self.api_url!r})"

    # --- aiogram's BaseSession ---

    async def create_session(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(
                connector=TCPConnector(ssl=self._ssl, limit=100, ttl_dns_cache=3600),
                headers={USER_AGENT: "schoolbot (aiogram over MAX)"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        handler = self._handlers.get(type(method))
        if handler is None:
            raise UnsupportedInMax(method)
        return cast(TelegramType, await handler(bot, method, self.timeout if timeout is None else timeout))

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        session = await self.create_session()
        headers = {**(headers or {}), **self._auth_for(url)}
        async with session.get(
            url, headers=headers, timeout=ClientTimeout(total=timeout), raise_for_status=raise_for_status
        ) as resp:
            async for chunk in resp.content.iter_chunked(chunk_size):
                yield chunk

    # --- HTTP ---

    def _auth_for(self, url: str) -> dict[str, str]:
        """The token for MAX's own host only: an upload or download elsewhere (a CDN) never sees it."""
        same = urlsplit(url)[:2] == urlsplit(self.api_url)[:2]
        return {"Authorization": self.__token} if same else {}

    async def _call(
        self,
        method: TelegramMethod[Any],
        verb: str,
        path: str,
        *,
        timeout: float,
        params: dict[str, Any] | None = None,
        body: Json | None = None,
    ) -> Json:
        """One call of MAX's API; its JSON answer, or the aiogram exception of its error."""
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        return await self._http(method, verb, self.api_url + path, timeout=timeout, params=query, json=body)

    async def _http(self, method: TelegramMethod[Any], verb: str, url: str, *, timeout: float, **kwargs: Any) -> Json:
        session = await self.create_session()
        try:
            async with session.request(
                verb, url, headers=self._auth_for(url), timeout=ClientTimeout(total=timeout), **kwargs
            ) as resp:
                status, text, retry = resp.status, await resp.text(), resp.headers.get("Retry-After")
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        if not 200 <= status < 300:
            raise exception_for(method, status, text, retry)
        try:
            answer = self.json_loads(text) if text else {}
        except ValueError as e:
            raise ClientDecodeError("MAX's answer is not JSON", e, text[:200]) from e
        return answer if isinstance(answer, dict) else {"result": answer}

    # --- messages ---

    async def _send_message(self, bot: Bot, m: SendMessage, timeout: float) -> Message:
        parse_mode = _default(bot, m.parse_mode)
        reply_to = await self._reply_mid(bot, m.chat_id, m.reply_parameters, m.reply_to_message_id)
        parts = split_message(m.text)
        sent = None
        for i, part in enumerate(parts):
            markup = m.reply_markup if i == len(parts) - 1 else None
            body = message_body(
                part,
                parse_mode=parse_mode,
                markup=markup,
                notify=not m.disable_notification,
                reply_to=reply_to if i == 0 else None,
            )
            answer = await self._call(m, "POST", "/messages", timeout=timeout, params=recipient(m.chat_id), body=body)
            sent = await self._sent(bot, m.chat_id, answer, markup)
        assert sent is not None  # split_message gives at least one part
        return sent

    async def _send_document(self, bot: Bot, m: SendDocument, timeout: float) -> Message:
        return await self._send_file(bot, m, "file", m.document, timeout)

    async def _send_photo(self, bot: Bot, m: SendPhoto, timeout: float) -> Message:
        return await self._send_file(bot, m, "image", m.photo, timeout)

    async def _send_file(
        self, bot: Bot, m: SendDocument | SendPhoto, kind: str, file: InputFile | str, timeout: float
    ) -> Message:
        """An upload (unless `file` is a token MAX gave before), then the message with it, tried again while MAX
        says the upload is not processed yet (at most not_ready_budget seconds of waiting, doubling from
        not_ready_first_wait)."""
        name = None
        if isinstance(file, InputFile):
            payload = {"token": await self._upload(bot, m, kind, file, timeout)}
            name = file.filename
        elif kind == "image" and file.startswith(("http://", "https://")):
            payload = {"url": file}
        else:
            payload = {"token": file}
        reply_to = await self._reply_mid(bot, m.chat_id, m.reply_parameters, m.reply_to_message_id)
        body = message_body(
            m.caption or None,
            parse_mode=_default(bot, m.parse_mode),
            markup=m.reply_markup,
            files=[{"type": kind, "payload": payload}],
            notify=not m.disable_notification,
            reply_to=reply_to,
        )
        wait, waited = self.not_ready_first_wait, 0.0
        while True:
            try:
                answer = await self._call(
                    m, "POST", "/messages", timeout=timeout, params=recipient(m.chat_id), body=body
                )
                break
            except TelegramBadRequest as err:
                if max_code(err) != NOT_READY or waited + wait > self.not_ready_budget:
                    raise
            await asyncio.sleep(wait)
            waited, wait = waited + wait, wait * 2
        sent = await self._sent(
            bot, m.chat_id, answer, m.reply_markup, files=[{**body["attachments"][0], "filename": name}]
        )
        return sent

    async def _upload(self, bot: Bot, m: TelegramMethod[Any], kind: str, file: InputFile, timeout: float) -> str:
        """MAX's token of `file`: an upload address asked for, then the file posted there as `data`."""
        target = await self._call(m, "POST", "/uploads", timeout=timeout, params={"type": kind})
        data = b"".join([chunk async for chunk in file.read(bot)])
        form = FormData()
        form.add_field("data", data, filename=file.filename or "file")
        answer = await self._http(m, "POST", target["url"], timeout=timeout, data=form)
        if kind == "image" and answer.get("photos"):
            return str(next(iter(answer["photos"].values()))["token"])
        token = answer.get("token") or target.get("token")
        if not token:
            raise ClientDecodeError("MAX's upload answer has no token", ValueError(kind), answer)
        return str(token)

    async def _sent(
        self, bot: Bot, chat_id: int | str, answer: Json, markup: Markup, *, files: list[Json] | None = None
    ) -> Message:
        """The Message MAX's answer to a send describes; its mid (and its dialog's chat id) kept. The file sent
        (`files`, as attached) is its document or photo when the answer does not show it: the bot keeps its token
        to send it again (handlers/stored_files.py)."""
        message = answer.get("message") or answer
        partner = to_max(int(chat_id)) if int(chat_id) < 0 else None
        refs = IncomingRefs()
        add_message_refs(refs, message, partner=partner)
        await self.keep(bot, refs)
        data = message_data(message, partner=partner)
        if files and "document" not in data and "photo" not in data:
            data.update(files_data(files))
            if "text" in data:
                data["caption"] = data.pop("text")
        if isinstance(markup, InlineKeyboardMarkup):
            data["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
        return Message.model_validate(data, context={"bot": bot})

    async def _edit_message_text(self, bot: Bot, m: EditMessageText, timeout: float) -> Message:
        mid = await self._mid(bot, m, m.chat_id, m.message_id)
        body = message_body(m.text, parse_mode=_default(bot, m.parse_mode), markup=m.reply_markup, editing=True)
        await self._call(m, "PUT", "/messages", timeout=timeout, params={"message_id": mid}, body=body)
        return self._edited(bot, m.chat_id, m.message_id, m.text, m.reply_markup)

    async def _edit_message_reply_markup(self, bot: Bot, m: EditMessageReplyMarkup, timeout: float) -> Message:
        mid = await self._mid(bot, m, m.chat_id, m.message_id)
        body = message_body(None, parse_mode=None, markup=m.reply_markup, editing=True)
        del body["text"], body["format"]  # absent: MAX keeps the text
        await self._call(m, "PUT", "/messages", timeout=timeout, params={"message_id": mid}, body=body)
        return self._edited(bot, m.chat_id, m.message_id, None, m.reply_markup)

    def _edited(
        self, bot: Bot, chat_id: Any, message_id: Any, text: str | None, markup: InlineKeyboardMarkup | None
    ) -> Message:
        """MAX answers an edit with success only: the Message is what the bot asked for."""
        data: Json = {
            "message_id": message_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": int(chat_id), "type": "private" if int(chat_id) < 0 else "group"},
            "from": {"id": bot.id, "is_bot": True, "first_name": "bot"},
        }
        if text is not None:
            data["text"] = text
        if markup is not None:
            data["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
        return Message.model_validate(data, context={"bot": bot})

    async def _delete_message(self, bot: Bot, m: DeleteMessage, timeout: float) -> bool:
        mid = await self._mid(bot, m, m.chat_id, m.message_id)
        await self._call(m, "DELETE", "/messages", timeout=timeout, params={"message_id": mid})
        return True

    async def _answer_callback_query(self, bot: Bot, m: AnswerCallbackQuery, timeout: float) -> bool:
        """A tap answered without a text needs nothing on MAX (an empty answer is refused there)."""
        if m.text:
            await self._call(
                m,
                "POST",
                "/answers",
                timeout=timeout,
                params={"callback_id": m.callback_query_id},
                body={"notification": m.text},
            )
        return True

    async def _send_chat_action(self, bot: Bot, m: SendChatAction, timeout: float) -> bool:
        """Typing… in the chat; a dialog is named by MAX's own chat id, known once a message of it came or went."""
        chat = int(m.chat_id)
        max_chat = await self.refs.recall(bot.id, DIALOG, str(chat)) if chat < 0 else str(to_max(chat))
        if max_chat is not None:
            action = CHAT_ACTIONS.get(m.action, "typing_on")
            await self._call(m, "POST", f"/chats/{max_chat}/actions", timeout=timeout, body={"action": action})
        return True

    async def _mid(self, bot: Bot, m: TelegramMethod[Any], chat_id: Any, message_id: Any) -> str:
        """MAX's mid of the message aiogram knows as (chat_id, message_id); a message never seen is Telegram's
        "message to edit not found"."""
        if chat_id is None or message_id is None:
            raise UnsupportedInMax(m)  # inline messages do not exist on MAX
        mid = await self.refs.recall(bot.id, MID, mid_key(int(chat_id), int(message_id)))
        if mid is None:
            raise TelegramBadRequest(method=m, message=f"MAX: message not found: no mid kept for message {message_id}")
        return mid

    async def _reply_mid(
        self, bot: Bot, chat_id: Any, reply: ReplyParameters | None, reply_to_message_id: int | None
    ) -> str | None:
        message_id = reply.message_id if reply is not None else reply_to_message_id
        if message_id is None:
            return None
        return await self.refs.recall(bot.id, MID, mid_key(int(chat_id), int(message_id)))

    async def keep(self, bot: Bot, refs: IncomingRefs) -> None:
        """Keeps what an update or an answer told (its mids, file addresses, dialogs) under `bot`'s id."""
        await self.refs.remember(bot.id, MID, refs.mids)
        await self.refs.remember(bot.id, FILE_URL, refs.urls)
        # A dialog's chat id never changes: written once per process, not with every message.
        new = {chat: ref for chat, ref in refs.dialogs.items() if self._dialogs.get(chat) != ref}
        await self.refs.remember(bot.id, DIALOG, new)
        if len(self._dialogs) > 100_000:
            self._dialogs.clear()
        self._dialogs.update(new)

    # --- the bot ---

    async def _get_me(self, bot: Bot, m: GetMe, timeout: float) -> User:
        """The bot as aiogram knows it: its id stays the number of its aiogram token, its names are MAX's."""
        me = await self._call(m, "GET", "/me", timeout=timeout)
        self.max_user_id = me.get("user_id")
        return User(
            id=bot.id,
            is_bot=True,
            first_name=me.get("first_name") or me.get("name") or "bot",
            last_name=me.get("last_name"),
            username=me.get("username"),
        )

    async def _set_my_commands(self, bot: Bot, m: SetMyCommands, timeout: float) -> bool:
        """MAX keeps one list of commands per bot: only the bot's default list (no scope, no language) is set; a
        chat's or a language's own list has no place there and is let go."""
        if _own_list(m.scope, m.language_code):
            commands = [{"name": c.command, "description": c.description} for c in m.commands]
            await self._call(m, "PATCH", "/me/commands", timeout=timeout, body={"commands": commands})
        return True

    async def _delete_my_commands(self, bot: Bot, m: DeleteMyCommands, timeout: float) -> bool:
        if _own_list(m.scope, m.language_code):
            await self._call(m, "PATCH", "/me/commands", timeout=timeout, body={"commands": []})
        return True

    # --- updates ---

    async def _get_updates(self, bot: Bot, m: GetUpdates, timeout: float) -> list[Update]:
        """MAX's long poll. aiogram's offset is MAX's marker: the updates are numbered so that the last one's id + 1
        is the marker MAX gave back. An update the bot cannot read (or does not handle) is skipped, and the marker
        still moves past it (kept here, so a batch of only those does not come back forever)."""
        marker = m.offset
        if self._marker is not None and (marker is None or marker < self._marker):
            marker = self._marker
        params = {"marker": marker, "timeout": m.timeout, "limit": m.limit, "types": ",".join(UPDATE_TYPES)}
        answer = await self._call(m, "GET", "/updates", timeout=timeout, params=params)
        raw_updates = answer.get("updates") or []
        next_marker = answer.get("marker")
        first = (int(next_marker) if next_marker is not None else (marker or 0)) - len(raw_updates)
        updates, kept = [], IncomingRefs()
        for number, raw in enumerate(raw_updates, start=first):
            try:
                update = to_update(raw, update_id=number, bot_id=bot.id, bot=bot)
                refs = refs_of(raw)
            except (KeyError, TypeError, ValueError) as err:
                log.warning(
                    "MAX update of kind %s not understood, skipped: %s", raw.get("update_type"), type(err).__name__
                )
                continue
            kept.mids.update(refs.mids)
            kept.urls.update(refs.urls)
            kept.dialogs.update(refs.dialogs)
            if update is not None:
                updates.append(update)
        await self.keep(bot, kept)
        if next_marker is not None:
            self._marker = int(next_marker)
        return updates

    async def _subscriptions(self, m: TelegramMethod[Any], timeout: float) -> list[Json]:
        answer = await self._call(m, "GET", "/subscriptions", timeout=timeout)
        return list(answer.get("subscriptions") or [])

    async def _set_webhook(self, bot: Bot, m: SetWebhook, timeout: float) -> bool:
        """MAX's subscriptions are a list: any other address is unsubscribed first, as Telegram has one webhook."""
        for subscription in await self._subscriptions(m, timeout):
            if subscription.get("url") != m.url:
                await self._call(m, "DELETE", "/subscriptions", timeout=timeout, params={"url": subscription["url"]})
        body: Json = {"url": m.url, "update_types": list(UPDATE_TYPES)}
        if m.secret_token:
            body["secret"] = m.secret_token
        await self._call(m, "POST", "/subscriptions", timeout=timeout, body=body)
        return True

    async def _delete_webhook(self, bot: Bot, m: DeleteWebhook, timeout: float) -> bool:
        for subscription in await self._subscriptions(m, timeout):
            await self._call(m, "DELETE", "/subscriptions", timeout=timeout, params={"url": subscription["url"]})
        return True

    async def _get_webhook_info(self, bot: Bot, m: GetWebhookInfo, timeout: float) -> WebhookInfo:
        subscriptions = await self._subscriptions(m, timeout)
        first = subscriptions[0] if subscriptions else {}
        return WebhookInfo(
            url=first.get("url", ""),
            has_custom_certificate=False,
            pending_update_count=0,
            allowed_updates=first.get("update_types"),
        )

    # --- files ---

    async def _get_file(self, bot: Bot, m: GetFile, timeout: float) -> File:
        """A file the bot received, by its token: its file_path is the address its update carried (Bot.download
        reads it through stream_content)."""
        url = await self.refs.recall(bot.id, FILE_URL, m.file_id)
        if url is None:
            raise TelegramBadRequest(method=m, message="MAX: file not found: its address was never received")
        return File(file_id=m.file_id, file_unique_id=m.file_id, file_path=url)


def _default(bot: Bot, value: Any) -> Any:
    return bot.default[value.name] if isinstance(value, Default) else value


def _own_list(scope: Any, language_code: str | None) -> bool:
    return (scope is None or isinstance(scope, BotCommandScopeDefault)) and not language_code


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
