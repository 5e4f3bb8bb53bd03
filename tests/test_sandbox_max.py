"""`schoolbot sandbox` serves MAX too: through the page's HTTP API, as the browser drives it, a parent opens their chat
in MAX, reads the menu as buttons under the bot's message (no keyboard below the input field), asks for /diary, taps
the next day and sees the same message change; a photo sent in MAX is served back by the page. The same parent opened
in Telegram is the same person in the database, with an account in each messenger.

The sandbox runs in this process (bot/sandbox.py run_sandbox, the demo school made at start); every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from sqlalchemy import select

from bot.sandbox import run_sandbox
from services.db import create_engine
from services.models import Account, Channel, PersonAccount
from tests.files import png

WAIT = 60.0  # seconds: a loaded machine, the first open links the person (a code, bot_started, the consent)


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[str]:
    """The sandbox's page address, the sandbox running until the test ends."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    running = asyncio.create_task(run_sandbox("127.0.0.1", 0, tmp_path, seed=1, ready=ready.set_result))
    try:
        done, _ = await asyncio.wait([ready, running], timeout=180, return_when=asyncio.FIRST_COMPLETED)
        assert ready in done, f"the sandbox did not start: {running.exception() if running.done() else 'timeout'}"
        yield ready.result()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def until(client: aiohttp.ClientSession, chat_url: str, seen: Callable[[dict], bool]) -> dict:
    """The chat's view, from the page's event stream, once `seen(view)` holds."""
    async with asyncio.timeout(WAIT), client.get(chat_url + "/events") as stream:
        async for line in stream.content:
            if line.startswith(b"data: ") and seen(view := json.loads(line.removeprefix(b"data: "))):
                return view
    raise AssertionError("the event stream ended")


def menu_of(view: dict) -> list[str]:
    """The words the buttons under the bot's messages send (MAX's menu)."""
    return [b["send"] for m in view["messages"] for row in m["buttons"] for b in row if "send" in b]


async def post(client: aiohttp.ClientSession, url: str, **body) -> dict:
    async with client.post(url, json=body) as response:
        answer = await response.json()
        assert response.status == 200, answer
        return answer


async def test_a_parent_in_max_opens_the_diary_and_taps_the_next_day(sandbox, tmp_path):
    async with aiohttp.ClientSession(sandbox) as client:
        async with client.get("/sandbox/web/people") as response:
            parent = {p["key"]: p for p in (await response.json())["people"]}["parent"]
        opened = await post(client, "/sandbox/web/people/parent/open", lang="ru", messenger="max")
        assert opened["user_id"] == parent["max_user_id"] != parent["user_id"]
        chat = f"/sandbox/web/chats/{parent['max_user_id']}"

        # Linked: the menu is buttons under the bot's message that send their words; nothing below the input field.
        view = await until(client, chat, lambda v: bool(menu_of(v)))
        assert "Дневник" in menu_of(view)
        assert view["keyboard"] == []
        assert "diary" in [c["command"] for c in view["commands"]]

        await post(client, chat + "/text", text="/diary", lang="ru")
        view = await until(client, chat, lambda v: "Дневник:" in v["messages"][-1]["html"])
        diary = view["messages"][-1]
        assert "сегодня" in diary["html"]
        [next_day] = [b for row in diary["buttons"] for b in row if b["text"].endswith(" ▶")]
        assert next_day["data"] and "send" not in next_day  # a callback button, tapped

        answer = await post(client, chat + "/tap", message_id=diary["id"], data=next_day["data"], lang="ru")
        assert answer["toast"] == ""  # the diary's tap is answered by the edit alone
        view = await until(client, chat, lambda v: v["messages"][-1]["html"] != diary["html"])
        edited = view["messages"][-1]
        assert edited["id"] == diary["id"] and edited["edited"]
        assert "сегодня" not in edited["html"] and "Дневник:" in edited["html"]
        assert next_day["text"] not in [b["text"] for row in edited["buttons"] for b in row]

        form = aiohttp.FormData()
        form.add_field("file", png(8, 6), filename="справка.png", content_type="image/png")
        await post_form(client, chat + "/file", form)
        view = await until(client, chat, lambda v: any("photo" in m for m in v["messages"]))
        [photo] = [m["photo"] for m in view["messages"] if "photo" in m]
        async with client.get(photo) as response:
            assert await response.read() == png(8, 6)

        # The same parent in Telegram: a chat of its own, with Telegram's keyboard below the input field.
        telegram = await post(client, "/sandbox/web/people/parent/open", lang="ru")
        assert telegram["user_id"] == parent["user_id"]
        view = await until(client, f"/sandbox/web/chats/{parent['user_id']}", lambda v: bool(v["keyboard"]))
        assert "Дневник" in [label for row in view["keyboard"] for label in row]

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'school.db'}")
    try:
        async with engine.connect() as db:
            accounts = (
                await db.execute(
                    select(Account.channel, PersonAccount.person_id)
                    .join(PersonAccount, PersonAccount.account_id == Account.id)
                    .where(Account.external_id.in_([parent["user_id"], parent["max_user_id"]]))
                )
            ).all()
    finally:
        await engine.dispose()
    assert sorted(channel for channel, _ in accounts) == [Channel.MAX, Channel.TELEGRAM]
    assert len({person for _, person in accounts}) == 1  # one person, linked in both


async def post_form(client: aiohttp.ClientSession, url: str, form: aiohttp.FormData) -> None:
    async with client.post(url, data=form) as response:
        assert response.status == 200, await response.text()


async def test_a_person_opened_in_both_messengers_at_once_is_linked_in_both(sandbox):
    """The page's first view opens the parent in Telegram and in MAX together: each pane's link asks for a fresh code,
    which revokes the person's unused one, so the two are linked one after the other and neither is told its code is
    not valid."""
    async with aiohttp.ClientSession(sandbox) as client:
        telegram, in_max = await asyncio.gather(
            post(client, "/sandbox/web/people/parent/open", lang="ru"),
            post(client, "/sandbox/web/people/parent/open", lang="ru", messenger="max"),
        )
        tg_view = await until(client, f"/sandbox/web/chats/{telegram['user_id']}", lambda v: bool(v["keyboard"]))
        max_view = await until(client, f"/sandbox/web/chats/{in_max['user_id']}", lambda v: bool(menu_of(v)))
    for view in (tg_view, max_view):
        said = " ".join(m["html"] for m in view["messages"])
        assert "Спасибо! Этот аккаунт привязан" in said and "Код не подходит" not in said
