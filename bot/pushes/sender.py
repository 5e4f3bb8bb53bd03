"""One push to one chat: its text (cut to Telegram's size) and files, within the bot's rate limiter.

A file goes by its reference when that is this bot's; else by this bot's own reference to the kept bytes, or as the
bytes themselves, uploaded once per bot (handlers/stored_files.send_stored): an announcement made in Telegram reaches a
parent on MAX.

What Telegram answers decides the outcome:
- 429: wait its retry_after and send the same message again;
- 403 (blocked, deactivated, ...) and "chat not found": GONE, the caller marks the account inactive;
- any other refusal: FAILED, not retried (resending would be refused again);
- 5xx, network errors and timeouts: retried with growing pauses, then RETRY_LATER.

Once the first part of a push went, the push is SENT even if a later part (a second page of text, a
file) fails: sending it again later would repeat what the user already has. The parts that did not go
are counted in Outcome.undelivered and logged. A push that meets GONE midway is GONE.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InputFile, LinkPreviewOptions, Message

from bot.pushes.limiter import RateLimiter
from handlers.stored_files import FileRefs, StoredFile, send_stored
from services.models import AttachmentKind
from services.pushes.payloads import FileRef
from ui.formatting import split_text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Status(StrEnum):
    SENT = "sent"
    GONE = "gone"  # the chat is out of reach for good: blocked, deleted account, unknown chat
    FAILED = "failed"  # Telegram refused this push; sending it again would not help
    RETRY_LATER = "retry_later"  # Telegram or the network kept failing; nothing of the push went


@dataclass
class Outcome:
    status: Status
    message_ids: list[int] = field(default_factory=list)  # of the parts delivered, in order
    retries_429: int = 0  # 429 answers met (each followed by a wait and the same request again)
    attempts: int = 0  # requests made, every try of every part
    undelivered: int = 0  # parts (pages of text, files) that did not go although the push is SENT


@dataclass(frozen=True)
class RetryPolicy:
    """Pauses before a request is tried again after a 5xx, a network error or a timeout."""

    first_pause: float = 0.5
    max_pause: float = 8.0
    attempts: int = 5  # tries per request before RETRY_LATER
    flood_waits: int = 10  # 429 answers per request before RETRY_LATER

    def pause(self, failures: int) -> float:
        return min(self.max_pause, self.first_pause * 2 ** (failures - 1))


DEFAULT_POLICY = RetryPolicy()
CHAT_NOT_FOUND = "chat not found"

Request = Callable[[], Awaitable[Message]]


async def send(
    bot: Bot,
    limiter: RateLimiter,
    chat_id: int,
    text: str,
    files: Sequence[FileRef | Mapping[str, Any]] = (),
    *,
    uploads: Sequence[InputFile] = (),
    kept: FileRefs | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Sends `text` (HTML, the bot's default, without link previews), then each file (a FileRef, or its fields:
    `{"kind": "photo" | "document", "file_id": ...}`), then each of `uploads` as a document (a report made for
    this push) to `chat_id`, one request after another. `kept`: the school's kept files, for a file whose reference
    is another bot's (None: every file goes by its reference)."""
    requests = [_text_request(bot, chat_id, page) for page in split_text(text)]
    requests += [_file_request(bot, chat_id, _file_ref(file), kept) for file in files]
    requests += [_upload_request(bot, chat_id, upload) for upload in uploads]
    if not requests:
        raise ValueError("a push needs a text or a file")
    outcome = Outcome(Status.SENT)
    async with limiter.turn(chat_id):
        for number, request in enumerate(requests):
            status = await _deliver(request, limiter, chat_id, policy, outcome)
            if status is Status.SENT:
                continue
            if status is Status.GONE or not outcome.message_ids:
                outcome.status = status
                return outcome
            log.warning("push to chat %s: part %s of %s not delivered (%s)", chat_id, number + 1, len(requests), status)
            if status is Status.RETRY_LATER:  # Telegram is down: the rest would fail the same way, slowly
                outcome.undelivered += len(requests) - number
                return outcome
            outcome.undelivered += 1
    return outcome


def _text_request(bot: Bot, chat_id: int, page: str) -> Request:
    return lambda: bot.send_message(chat_id, page, link_preview_options=NO_PREVIEW)


def _file_ref(file: FileRef | Mapping[str, Any]) -> FileRef:
    return file if isinstance(file, FileRef) else FileRef(**file)


def _file_request(bot: Bot, chat_id: int, file: FileRef, kept: FileRefs | None) -> Request:
    """The file by its reference, by this bot's own or as the kept bytes: tried again as a whole after a 429 or a
    network error, so an upload that failed is made again (and one that went is not: its reference is remembered)."""
    try:
        kind = AttachmentKind(file.kind)
    except ValueError:
        raise ValueError(f"unknown file kind {file.kind!r}") from None
    stored = StoredFile(kind, file.file_id, file.bot_id, file.sha256, file.file_name or "")
    return lambda: send_stored(bot, chat_id, kept, stored)


def _upload_request(bot: Bot, chat_id: int, upload: InputFile) -> Request:
    return lambda: bot.send_document(chat_id, upload)


async def _deliver(
    request: Request, limiter: RateLimiter, chat_id: int, policy: RetryPolicy, outcome: Outcome
) -> Status:
    """One message, tried until Telegram takes it, refuses it or keeps failing; its id goes to `outcome`."""
    failures = floods = 0
    while True:
        outcome.attempts += 1
        try:
            async with limiter.slot(chat_id):
                message = await request()
        except TelegramRetryAfter as err:
            outcome.retries_429 += 1
            floods += 1
            if floods >= policy.flood_waits:
                log.warning("push to chat %s: still 429 after %s waits", chat_id, floods)
                return Status.RETRY_LATER
            limiter.pause(chat_id, err.retry_after)  # slot() waits it out, and so does any other push
            continue
        except TelegramForbiddenError as err:
            log.info("chat %s is gone: %s", chat_id, err.message)
            return Status.GONE
        except TelegramBadRequest as err:
            if CHAT_NOT_FOUND in err.message.lower():
                log.info("chat %s is gone: %s", chat_id, err.message)
                return Status.GONE
            return _refused(chat_id, err)
        except TelegramEntityTooLarge as err:  # a network error in aiogram's tree, yet final
            return _refused(chat_id, err)
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as err:
            failures += 1
            if failures >= policy.attempts:
                log.warning("push to chat %s: giving up after %s tries: %s", chat_id, failures, err)
                return Status.RETRY_LATER
            await asyncio.sleep(policy.pause(failures))
            continue
        except TelegramUnauthorizedError:
            raise  # a wrong token: nothing to do with this chat, every push would fail
        except TelegramAPIError as err:
            return _refused(chat_id, err)
        outcome.message_ids.append(message.message_id)
        return Status.SENT


def _refused(chat_id: int, err: TelegramAPIError) -> Status:
    # Telegram's description names the problem (a tag, a byte offset), never the text itself.
    log.warning("push to chat %s refused by %s: %s", chat_id, err.method.__api_method__, err.message)
    return Status.FAILED
