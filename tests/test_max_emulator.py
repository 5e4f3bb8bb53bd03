"""The MAX emulator (devtools/sandbox/max) driven over its wire with aiohttp, as a MAX client would call it,
and its test-side API read as the flow-test driver reads the Telegram one. Everything runs on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web

from devtools.sandbox.max import MaxAPIEmulator
from devtools.sandbox.max.state import DIALOG_OFFSET
from tests.files import png

PNG = png(40, 30)

TOKEN = "max-token-A"
OTHER = "max-token-B"
USER = 5001


@pytest.fixture
async def max_emu():
    async with MaxAPIEmulator() as emulator:
        emulator.add_user(TOKEN, USER, first_name="Анна", language_code="ru")
        yield emulator


@pytest.fixture
async def http(max_emu):
    async with aiohttp.ClientSession(base_url=max_emu.base_url, headers={"Authorization": TOKEN}) as session:
        yield session


async def call(http: aiohttp.ClientSession, verb: str, path: str, body=None, **query) -> tuple[int, dict]:
    params = {key: str(value) for key, value in query.items()}
    async with http.request(verb, path, params=params, json=body) as resp:
        return resp.status, await resp.json()


def keyboard(*rows) -> dict:
    return {"type": "inline_keyboard", "payload": {"buttons": [list(row) for row in rows]}}


def callback(text: str, payload: str) -> dict:
    return {"type": "callback", "text": text, "payload": payload}


async def send(http, text="Привет", **body) -> dict:
    status, answer = await call(http, "POST", "/messages", {"text": text, **body}, user_id=USER)
    assert status == 200, answer
    return answer["message"]


async def poll(http, **query) -> dict:
    status, answer = await call(http, "GET", "/updates", timeout=query.pop("timeout", 0), **query)
    assert status == 200, answer
    return answer


# --- authorisation and the bot ------------------------------------------------------------------------


async def test_every_token_is_a_bot_of_its_own_until_rejected(max_emu, http):
    status, me = await call(http, "GET", "/me")
    assert status == 200 and me["is_bot"] is True and isinstance(me["user_id"], int)
    max_emu.add_bot(OTHER, user_id=777, username="other_bot")
    async with aiohttp.ClientSession(base_url=max_emu.base_url, headers={"Authorization": OTHER}) as other:
        assert (await call(other, "GET", "/me"))[1]["username"] == "other_bot"
        # The other bot has no dialog with the first bot's user.
        assert (await call(other, "POST", "/messages", {"text": "x"}, user_id=USER))[1]["code"] == "not.found"
    max_emu.reject_token(TOKEN)
    assert await call(http, "GET", "/me") == (401, {"code": "verify.token", "message": "Invalid access_token"})
    async with aiohttp.ClientSession(base_url=max_emu.base_url) as anonymous:
        assert (await call(anonymous, "GET", "/me"))[1]["code"] == "verify.token"


async def test_commands_are_one_list_of_at_most_32(max_emu, http):
    commands = [{"name": "start", "description": "Начать"}, {"name": "help", "description": "Помощь"}]
    status, info = await call(http, "PATCH", "/me/commands", {"commands": commands})
    assert status == 200 and info["commands"] == commands
    assert max_emu.visible_commands(TOKEN, USER, "en") == [
        {"command": "start", "description": "Начать"},
        {"command": "help", "description": "Помощь"},
    ]
    too_many = [{"name": f"c{i}", "description": "d"} for i in range(33)]
    status, error = await call(http, "PATCH", "/me/commands", {"commands": too_many})
    assert (status, error["code"]) == (400, "proto.payload")
    assert len(max_emu.commands(TOKEN)) == 2


# --- messages -------------------------------------------------------------------------------------------


async def test_a_sent_message_has_a_mid_a_large_seq_and_the_dialogs_own_chat_id(max_emu, http):
    first = await send(http, "<b>Оценки</b> за &lt;сегодня&gt;", format="html")
    second = await send(http, "ещё")
    assert first["body"]["mid"].startswith("mid.") and int(first["body"]["mid"][4:], 16) >= 0
    assert 2**40 < first["body"]["seq"] < second["body"]["seq"] < 2**63
    assert first["recipient"] == {"chat_id": USER + DIALOG_OFFSET, "chat_type": "dialog", "user_id": USER}
    assert first["body"]["text"] == "Оценки за <сегодня>"
    assert first["body"]["markup"] == [{"type": "strong", "from": 0, "length": 6}]
    # The same dialog by its chat_id.
    status, _ = await call(http, "POST", "/messages", {"text": "по chat_id"}, chat_id=USER + DIALOG_OFFSET)
    assert status == 200
    assert [m["text"] for m in max_emu.messages(TOKEN, USER)] == ["Оценки за <сегодня>", "ещё", "по chat_id"]
    # A reply links the replied message as live MAX does; an unknown mid is refused before anything is sent.
    reply = await send(http, "ответ", link={"type": "reply", "mid": second["body"]["mid"]})
    assert reply["link"]["message"]["text"] == "ещё" and reply["link"]["chat_id"] == USER + DIALOG_OFFSET
    assert max_emu.last_message(TOKEN, USER)["reply_to_message"]["message_id"] == second["body"]["seq"]
    bad_link = {"text": "x", "link": {"type": "reply", "mid": "mid.00"}}
    assert (await call(http, "POST", "/messages", bad_link, user_id=USER))[0] == 404
    assert len(max_emu.messages(TOKEN, USER)) == 4
    # A user id that is no dialog's chat_id is refused.
    assert (await call(http, "POST", "/messages", {"text": "x"}, chat_id=USER))[1]["code"] == "not.found"


async def test_the_test_side_sees_messages_in_telegrams_shape(max_emu, http):
    rows = [callback("Сохранить", "save:1"), {"type": "link", "text": "Сайт", "url": "https://example.org"}]
    sent = await send(http, "Меню", attachments=[keyboard(rows, [{"type": "message", "text": "Дневник"}])])
    seen = await max_emu.wait_for_bot_message(TOKEN, USER)
    assert seen["message_id"] == sent["body"]["seq"] and seen["mid"] == sent["body"]["mid"]
    assert seen["chat"] == {"id": USER, "type": "private"}
    assert seen["text"] == "Меню"
    assert seen["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Сохранить", "callback_data": "save:1"}, {"text": "Сайт", "url": "https://example.org"}]
        ]
    }
    assert max_emu.reply_keyboard(TOKEN, USER) == [["Дневник"]]
    assert max_emu.last_message(TOKEN, USER) == seen
    await send(http, "<b>Жирный</b> 😀 <a href='https://example.org'>ссылка</a>", format="html")
    shown = max_emu.last_message(TOKEN, USER)
    assert shown["text"] == "Жирный 😀 ссылка"
    assert shown["entities"] == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 10, "length": 6, "url": "https://example.org"},  # 😀 is 2 UTF-16 units
    ]
    assert "edit_date" not in shown


async def test_edit_replaces_in_place_and_keeps_or_removes_attachments(max_emu, http):
    sent = await send(http, "Черновик", attachments=[keyboard([callback("Да", "yes")])])
    mid = sent["body"]["mid"]
    status, answer = await call(http, "PUT", "/messages", {"text": "Правка"}, message_id=mid)
    assert (status, answer) == (200, {"success": True})
    [shown] = max_emu.messages(TOKEN, USER)
    assert isinstance(shown["edit_date"], int)
    assert shown["text"] == "Правка" and shown["reply_markup"]["inline_keyboard"][0][0]["text"] == "Да"
    assert shown["message_id"] == sent["body"]["seq"]
    await call(http, "PUT", "/messages", {"text": "Готово", "attachments": None}, message_id=mid)
    assert "reply_markup" in max_emu.last_message(TOKEN, USER)
    await call(http, "PUT", "/messages", {"text": "Готово", "attachments": []}, message_id=mid)
    [shown] = max_emu.messages(TOKEN, USER)
    assert shown["text"] == "Готово" and "reply_markup" not in shown
    # wait_for_bot_message hands over the message and then each edit, in order.
    texts = [(await max_emu.wait_for_bot_message(TOKEN, USER))["text"] for _ in range(4)]
    assert texts == ["Черновик", "Правка", "Готово", "Готово"]
    status, error = await call(http, "PUT", "/messages", {"text": "x"}, message_id="mid.0000")
    assert (status, error["code"]) == (404, "not.found")


async def test_delete_hides_the_message(max_emu, http):
    sent = await send(http, "Удалить меня")
    await send(http, "Остаться")
    status, answer = await call(http, "DELETE", "/messages", message_id=sent["body"]["mid"])
    assert (status, answer) == (200, {"success": True})
    assert [m["text"] for m in max_emu.messages(TOKEN, USER)] == ["Остаться"]
    assert (await call(http, "DELETE", "/messages", message_id=sent["body"]["mid"]))[0] == 404


async def test_text_and_format_limits(max_emu, http):
    status, error = await call(http, "POST", "/messages", {"text": "я" * 4001}, user_id=USER)
    assert (status, error["code"]) == (400, "text.too.long")
    assert (await call(http, "POST", "/messages", {"text": "я" * 4000}, user_id=USER))[0] == 200
    for bad in ("<blockquote>цитата</blockquote>", "<b>не закрыт", "<tg-spoiler>x</tg-spoiler>", "<b>x</i>"):
        status, error = await call(http, "POST", "/messages", {"text": bad, "format": "html"}, user_id=USER)
        assert (status, error["code"]) == (400, "proto.payload"), bad
    allowed = "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><del>d</del><code>c</code>"
    allowed += '<pre>p</pre><a href="https://example.org">a</a>'
    assert (await call(http, "POST", "/messages", {"text": allowed, "format": "html"}, user_id=USER))[0] == 200
    # Without the html format the tags are plain text.
    plain = await send(http, "<blockquote>как есть</blockquote>")
    assert plain["body"]["text"] == "<blockquote>как есть</blockquote>"
    assert (await call(http, "POST", "/messages", {}, user_id=USER))[1]["code"] == "proto.payload"


@pytest.mark.parametrize(
    "rows",
    [
        [[callback(str(i), str(i)) for i in range(8)]],  # 8 in a row
        [[callback(str(7 * r + i), "x") for i in range(7)] for r in range(30)] + [[callback("211", "x")]],
        [[callback("x", "x")] for _ in range(31)],  # 31 rows
        [[callback("я" * 65, "x")]],
        [[callback("", "x")]],
        [[callback("x", "я" * 513)]],  # 1026 bytes
        [[{"type": "telepathy", "text": "x"}]],
        [[{"type": "link", "text": "x", "url": "ftp://example.org"}]],
    ],
    ids=["8-in-a-row", "211-buttons", "31-rows", "long-text", "empty-text", "payload-1026-bytes", "type", "url"],
)
async def test_keyboards_over_the_limits_are_refused(max_emu, http, rows):
    status, error = await call(http, "POST", "/messages", {"text": "x", "attachments": [keyboard(*rows)]}, user_id=USER)
    assert (status, error["code"]) == (400, "keyboard.invalid")
    assert max_emu.messages(TOKEN, USER) == []


async def test_keyboards_at_the_limits_pass(max_emu, http):
    full = [[callback(str(7 * r + i), "я" * 512) for i in range(7)] for r in range(30)]
    await send(http, "210", attachments=[keyboard(*full)])
    assert len(max_emu.last_message(TOKEN, USER)["reply_markup"]["inline_keyboard"]) == 30


async def test_a_stopped_or_gone_user_is_refused_with_chat_denied(max_emu, http):
    max_emu.block(TOKEN, USER)
    status, error = await call(http, "POST", "/messages", {"text": "x"}, user_id=USER)
    assert (status, error["code"]) == (403, "chat.denied")
    max_emu.unblock(TOKEN, USER)
    await send(http, "снова")
    max_emu.deactivate(TOKEN, 5002)
    assert (await call(http, "POST", "/messages", {"text": "x"}, user_id=5002))[1]["code"] == "chat.denied"


# --- callbacks --------------------------------------------------------------------------------------------


async def test_a_tap_is_answered_with_a_notification_or_a_new_message(max_emu, http):
    sent = await send(http, "Сохранить оценки?", attachments=[keyboard([callback("Да", "save")])])
    callback_id = max_emu.user_taps(TOKEN, USER, sent["body"]["seq"], "save")
    [update] = (await poll(http))["updates"]
    assert update["update_type"] == "message_callback" and update["user_locale"] == "ru"
    assert update["callback"]["callback_id"] == callback_id and update["callback"]["payload"] == "save"
    assert update["callback"]["user"]["user_id"] == USER
    assert update["message"]["body"]["mid"] == sent["body"]["mid"]

    status, error = await call(http, "POST", "/answers", {}, callback_id=callback_id)
    assert (status, error["code"]) == (400, "proto.payload")
    assert (await call(http, "POST", "/answers", {"notification": "x"}, callback_id="nope"))[0] == 404

    body = {"notification": "Сохранено.", "message": {"text": "Оценки сохранены", "attachments": []}}
    assert await call(http, "POST", "/answers", body, callback_id=callback_id) == (200, {"success": True})
    answer = await max_emu.wait_for_callback_answer(TOKEN, callback_id)
    assert answer["text"] == "Сохранено." and answer["callback_query_id"] == callback_id
    [shown] = max_emu.messages(TOKEN, USER)
    assert shown["text"] == "Оценки сохранены" and "reply_markup" not in shown
    assert max_emu.answered_callbacks(TOKEN) == [answer]


async def test_user_taps_refuses_a_button_the_user_cannot_see(max_emu, http):
    sent = await send(http, "Меню", attachments=[keyboard([callback("Да", "yes")])])
    with pytest.raises(LookupError, match="no callback button"):
        max_emu.user_taps(TOKEN, USER, sent["body"]["seq"], "admin:drop")
    with pytest.raises(LookupError, match="sees no bot message"):
        max_emu.user_taps(TOKEN, USER, sent["body"]["seq"] + 1, "yes")
    await call(http, "PUT", "/messages", {"attachments": []}, message_id=sent["body"]["mid"])
    with pytest.raises(LookupError):
        max_emu.user_taps(TOKEN, USER, sent["body"]["seq"], "yes")
    # A forged one goes through, with no message when there is none.
    max_emu.user_sends_callback_raw(TOKEN, USER, 42, "admin:drop")
    [update] = (await poll(http))["updates"]
    assert update["message"] is None and update["callback"]["payload"] == "admin:drop"
    assert (await poll(http))["updates"] == [update]  # not confirmed yet


async def test_a_message_button_posts_its_text_as_the_users_message(max_emu, http):
    await send(http, "Главное меню", attachments=[keyboard([{"type": "message", "text": "Расписание"}])])
    with pytest.raises(LookupError):
        max_emu.user_taps_message_button(TOKEN, USER, "Оценки")
    max_emu.user_taps_message_button(TOKEN, USER, "Расписание")
    [update] = (await poll(http))["updates"]
    assert update["update_type"] == "message_created"
    assert update["message"]["body"]["text"] == "Расписание"
    assert update["message"]["sender"]["user_id"] == USER
    assert update["message"]["recipient"]["chat_id"] == USER + DIALOG_OFFSET


# --- updates ------------------------------------------------------------------------------------------------


async def test_long_poll_waits_for_an_update_and_the_marker_confirms(max_emu, http):
    waiting = asyncio.create_task(poll(http, timeout=5))
    await max_emu.wait_for_call(TOKEN, "GET /updates")
    assert not waiting.done()
    max_emu.user_sends_text(TOKEN, USER, "/start")
    first = await waiting
    [update] = first["updates"]
    assert update["message"]["body"]["text"] == "/start" and update["user_locale"] == "ru"
    assert isinstance(update["timestamp"], int)
    max_emu.user_sends_text(TOKEN, USER, "второе")
    again = await poll(http)  # no marker: from the first unconfirmed
    assert [u["message"]["body"]["text"] for u in again["updates"]] == ["/start", "второе"]
    confirmed = await poll(http, marker=first["marker"])
    assert [u["message"]["body"]["text"] for u in confirmed["updates"]] == ["второе"]
    done = await poll(http, marker=confirmed["marker"])
    assert done == {"updates": [], "marker": confirmed["marker"]}
    assert max_emu.pending_updates(TOKEN) == []


async def test_limit_and_types(max_emu, http):
    for text in ("один", "два", "три"):
        max_emu.user_sends_text(TOKEN, USER, text)
    page = await poll(http, limit=2)
    assert len(page["updates"]) == 2
    rest = await poll(http, marker=page["marker"])
    assert [u["message"]["body"]["text"] for u in rest["updates"]] == ["три"]
    max_emu.user_starts(TOKEN, USER, "invite-42")
    max_emu.user_sends_text(TOKEN, USER, "текст")
    started = await poll(http, marker=rest["marker"], types="bot_started")
    assert [u["update_type"] for u in started["updates"]] == ["bot_started"]
    assert started["updates"][0]["payload"] == "invite-42"
    assert started["updates"][0]["chat_id"] == USER + DIALOG_OFFSET


async def test_bot_stopped_and_bot_started(max_emu, http):
    max_emu.block(TOKEN, USER)
    max_emu.block(TOKEN, USER)  # already stopped: nothing new
    max_emu.unblock(TOKEN, USER)
    updates = (await poll(http))["updates"]
    assert [u["update_type"] for u in updates] == ["bot_stopped", "bot_started"]
    assert updates[0]["user"]["user_id"] == USER and updates[0]["chat_id"] == USER + DIALOG_OFFSET
    assert updates[1]["payload"] is None
    with pytest.raises(ValueError, match="at most 128"):
        max_emu.user_starts(TOKEN, USER, "x" * 129)


async def test_webhook_delivers_with_the_secret_and_polling_gets_nothing(max_emu, http):
    received: list[tuple[dict, str | None]] = []
    got = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Max-Bot-Api-Secret")))
        got.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        status, answer = await call(http, "POST", "/subscriptions", {"url": url, "secret": "s3cret-key"})
        assert (status, answer) == (200, {"success": True})
        assert (await call(http, "POST", "/subscriptions", {"url": url, "secret": "bad!"}))[0] == 400
        max_emu.user_sends_text(TOKEN, USER, "в вебхук")
        await asyncio.wait_for(got.wait(), 5)
        [(update, secret)] = received
        assert update["update_type"] == "message_created" and update["message"]["body"]["text"] == "в вебхук"
        assert secret == "s3cret-key"
        assert (await poll(http))["updates"] == []
        [listed] = (await call(http, "GET", "/subscriptions"))[1]["subscriptions"]
        assert listed["url"] == url
        assert await call(http, "DELETE", "/subscriptions", url=url) == (200, {"success": True})
        assert (await call(http, "GET", "/subscriptions"))[1] == {"subscriptions": []}
        max_emu.user_sends_text(TOKEN, USER, "в опрос")
        assert [u["message"]["body"]["text"] for u in (await poll(http))["updates"]] == ["в опрос"]
    finally:
        await runner.cleanup()


async def test_webhook_retries_a_failing_receiver_and_sends_only_the_types_asked_for(max_emu, http):
    received: list[dict] = []
    statuses = iter([500])  # the first delivery fails, the rest succeed
    got = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        status = next(statuses, 200)
        if status == 200:
            received.append(await request.json())
            got.set()
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        await call(http, "POST", "/subscriptions", {"url": url, "update_types": ["message_callback"]})
        max_emu.user_sends_text(TOKEN, USER, "не нужен вебхуку")
        sent = await send(http, "Меню", attachments=[keyboard([callback("Да", "yes")])])
        max_emu.user_taps(TOKEN, USER, sent["body"]["seq"], "yes")
        await asyncio.wait_for(got.wait(), 5)
        assert [u["update_type"] for u in received] == ["message_callback"]
        assert max_emu.webhooks.errors == [f"{url}: 500 Internal Server Error"]
    finally:
        await runner.cleanup()


# --- files ----------------------------------------------------------------------------------------------------


async def upload(http, kind: str, data: bytes, name: str, field: str = "data") -> tuple[int, dict]:
    status, answer = await call(http, "POST", "/uploads", type=kind)
    assert status == 200
    form = aiohttp.FormData()
    form.add_field(field, data, filename=name)
    async with aiohttp.ClientSession() as bare, bare.post(answer["url"], data=form) as resp:
        return resp.status, await resp.json()


async def test_uploads_give_tokens_and_a_send_right_after_is_not_ready(max_emu, http):
    status, error = await upload(http, "file", b"%PDF", "r.pdf", field="file")
    assert (status, error["code"]) == (415, "proto.payload")
    max_emu.not_ready(2)
    status, uploaded = await upload(http, "file", b"%PDF-1.7 report", "отчёт.pdf")
    assert status == 200 and set(uploaded) == {"token"}
    attachment = {"type": "file", "payload": {"token": uploaded["token"]}}
    for _ in range(2):
        status, error = await call(
            http, "POST", "/messages", {"text": "Отчёт", "attachments": [attachment]}, user_id=USER
        )
        assert (status, error["code"]) == (400, "attachment.not.ready")
    sent = await send(http, "Отчёт", attachments=[attachment])
    assert sent["body"]["attachments"][0]["filename"] == "отчёт.pdf"
    shown = max_emu.last_message(TOKEN, USER)
    assert shown["caption"] == "Отчёт"
    assert shown["document"]["file_name"] == "отчёт.pdf" and shown["document"]["file_size"] == 15
    assert max_emu.state(TOKEN).files[shown["document"]["file_id"]].data == b"%PDF-1.7 report"

    max_emu.not_ready(0)
    status, photos = await upload(http, "image", PNG, "p.png")
    [photo] = photos["photos"].values()
    await send(http, "", attachments=[{"type": "image", "payload": {"token": photo["token"]}}])
    shown = max_emu.last_message(TOKEN, USER)
    assert max_emu.state(TOKEN).files[shown["photo"][-1]["file_id"]].data == PNG
    assert (shown["photo"][-1]["width"], shown["photo"][-1]["height"]) == (40, 30)
    # A file token is no image.
    wrong = {"type": "image", "payload": {"token": uploaded["token"]}}
    assert (await call(http, "POST", "/messages", {"attachments": [wrong]}, user_id=USER))[0] == 400


async def test_a_users_file_comes_with_a_url_the_bot_can_download(max_emu, http):
    max_emu.user_sends_document(TOKEN, USER, b"scan", "справка.pdf", "application/pdf", caption="Справка")
    [update] = (await poll(http))["updates"]
    [attachment] = update["message"]["body"]["attachments"]
    assert attachment["type"] == "file" and attachment["filename"] == "справка.pdf" and attachment["size"] == 4
    assert update["message"]["body"]["text"] == "Справка"
    async with aiohttp.ClientSession() as bare, bare.get(attachment["payload"]["url"]) as resp:
        assert await resp.read() == b"scan"
    max_emu.user_sends_photo(TOKEN, USER, PNG)
    [_, update] = (await poll(http))["updates"]
    [image] = update["message"]["body"]["attachments"]
    assert image["type"] == "image" and {"url", "token", "photo_id"} <= set(image["payload"])


async def test_an_image_made_big_is_that_big_to_download_and_declares_no_size(max_emu, http):
    """MAX tells no image's size: a test's big photo is as big as it says where the bot downloads it."""
    max_emu.user_sends_photo(TOKEN, USER, PNG, size=3 * 1024 * 1024 + 1)
    [update] = (await poll(http))["updates"]
    [image] = update["message"]["body"]["attachments"]
    assert "size" not in image
    async with aiohttp.ClientSession() as bare, bare.get(image["payload"]["url"]) as resp:
        data = await resp.read()
    assert len(data) == 3 * 1024 * 1024 + 1 and data.startswith(PNG) and not data[len(PNG) :].strip(b"\0")


async def test_a_video_a_voice_and_a_sticker_come_as_maxs_attachments(max_emu, http):
    for kind in ("video", "voice", "sticker"):
        max_emu.user_sends_media(TOKEN, USER, kind)
    updates = (await poll(http))["updates"]
    kinds = [u["message"]["body"]["attachments"][0]["type"] for u in updates]
    assert kinds == ["video", "audio", "sticker"]


async def test_chat_actions_are_recorded(max_emu, http):
    path = f"/chats/{USER + DIALOG_OFFSET}/actions"
    assert await call(http, "POST", path, {"action": "typing_on"}) == (200, {"success": True})
    assert (await call(http, "POST", path, {"action": "dancing"}))[0] == 400
    assert (await call(http, "POST", "/chats/-1/actions", {"action": "typing_on"}))[0] == 404
    assert max_emu.chat_actions(TOKEN, USER) == ["typing_on"]


# --- trouble on demand ------------------------------------------------------------------------------------------


async def test_rate_limits_answer_429_with_retry_after(max_emu, http):
    max_emu.limits(enabled=True, per_second=30, per_chat_per_second=2)
    await send(http, "1")
    await send(http, "2")
    async with http.post("/messages", params={"user_id": str(USER)}, json={"text": "3"}) as resp:
        assert resp.status == 429
        assert (await resp.json())["code"] == "too.many.requests"
        assert int(resp.headers["Retry-After"]) >= 1
    # Another chat is not held up by this one's limit.
    max_emu.add_user(TOKEN, 5002)
    assert (await call(http, "POST", "/messages", {"text": "x"}, user_id=5002))[0] == 200


async def test_rate_limit_per_bot(max_emu, http):
    max_emu.limits(enabled=True, per_second=3, per_chat_per_second=100)
    await send(http, "a send counts once")
    statuses = [(await call(http, "GET", "/me"))[0] for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_injected_failures_and_the_call_log(max_emu, http):
    max_emu.inject_failures("POST /messages", 1, 502)
    max_emu.inject_failures("POST /chats/{chat_id}/actions", 1, 503)
    assert (await call(http, "POST", "/messages", {"text": "x"}, user_id=USER))[0] == 502
    await send(http, "после сбоя")
    path = f"/chats/{USER + DIALOG_OFFSET}/actions"
    assert (await call(http, "POST", path, {"action": "typing_on"}))[0] == 503
    assert max_emu.calls(TOKEN, "POST /messages") == [{"text": "после сбоя", "user_id": str(USER)}]
    assert (await max_emu.wait_for_call(TOKEN, "POST /messages", user_id=USER))["text"] == "после сбоя"


async def test_group_chats_have_negative_ids(max_emu, http):
    assert max_emu.add_group(TOKEN, -70001, "5А") == {"id": -70001, "type": "group", "title": "5А"}
    with pytest.raises(ValueError, match="negative"):
        max_emu.add_group(TOKEN, 70001)
    max_emu.user_posts_in_group(TOKEN, -70001, USER, "всем привет")
    [update] = (await poll(http))["updates"]
    assert update["message"]["recipient"] == {"chat_id": -70001, "chat_type": "chat"}
    assert (await call(http, "POST", "/messages", {"text": "и вам"}, chat_id=-70001))[0] == 200
    seen = await max_emu.wait_for_bot_message(TOKEN, -70001)
    assert seen["chat"] == {"id": -70001, "type": "group"} and seen["text"] == "и вам"
    assert [m.get("text") for m in max_emu.history(TOKEN, -70001)] == ["всем привет", "и вам"]
    assert [m["body"]["text"] for m in max_emu.wire_messages(TOKEN, -70001)] == ["всем привет", "и вам"]


async def test_errors_are_in_maxs_shape_for_unknown_paths(http):
    async with http.get("/nowhere") as resp:
        assert resp.status == 404 and json.loads(await resp.text())["code"] == "not.found"


# --- the flow-test driver, unchanged, against a tiny bot speaking MAX --------------------------------------------


async def tiny_max_bot(base_url: str, token: str) -> None:
    """A MAX bot in a dozen lines: /menu shows a callback button and a menu button; a tap is answered with a
    notification and an edit; any other text is echoed."""
    menu = [keyboard([callback("Да", "yes")], [{"type": "message", "text": "Дневник"}])]
    async with aiohttp.ClientSession(base_url=base_url, headers={"Authorization": token}) as http:
        marker = None
        while True:
            query = {"timeout": 1, **({"marker": marker} if marker else {})}
            _, answer = await call(http, "GET", "/updates", **query)
            marker = answer["marker"]
            for update in answer["updates"]:
                if update["update_type"] == "message_callback":
                    body = {"notification": "Принято.", "message": {"text": "Вы ответили «Да»"}}
                    await call(http, "POST", "/answers", body, callback_id=update["callback"]["callback_id"])
                    continue
                text = update["message"]["body"]["text"]
                user_id = update["message"]["sender"]["user_id"]
                reply = {"text": "Меню", "attachments": menu} if text == "/menu" else {"text": f"echo: {text}"}
                await call(http, "POST", "/messages", reply, user_id=user_id)


async def test_the_flow_driver_drives_the_max_emulator(max_emu):
    from tests.flows.conftest import TelegramUser

    bot = asyncio.create_task(tiny_max_bot(max_emu.base_url, TOKEN))
    try:
        user = TelegramUser(max_emu, 6001, "ru", token=TOKEN)
        assert (await user.send("/menu"))["text"] == "Меню"
        assert user.buttons() == ["Да"] and user.keyboard() == ["Дневник"]
        answer = await user.tap("Да")
        assert answer["text"] == "Принято."
        assert user.last_text() == "Вы ответили «Да»"
        assert user.keyboard() == ["Дневник"]  # the edit kept the keyboard (attachments absent)
        assert (await user.press("Дневник"))["text"] == "echo: Дневник"
        assert user.texts() == ["Вы ответили «Да»", "echo: Дневник"]
    finally:
        bot.cancel()
        await asyncio.gather(bot, return_exceptions=True)


async def test_the_sandbox_page_serves_a_max_chat():
    """The Telegram sandbox's page (devtools/sandbox/page.py) mounted on the MAX emulator, unchanged."""
    from devtools.sandbox.page import PageConfig, Person, page_routes

    async def no_code(person: Person) -> str:
        raise AssertionError("the person is not linked through the page here")

    anna = Person("parent", "parent", "Анна Петрова", "5А", 6101)
    config = PageConfig(TOKEN, [anna], no_code)
    async with MaxAPIEmulator(extra_routes=(page_routes(config),)) as max_emu:
        max_emu.add_user(TOKEN, anna.user_id, first_name="Анна", language_code="ru")
        bot = asyncio.create_task(tiny_max_bot(max_emu.base_url, TOKEN))
        chat_url = f"{max_emu.base_url}/sandbox/web/chats/{anna.user_id}"
        try:
            async with aiohttp.ClientSession() as browser:
                async with browser.post(chat_url + "/text", json={"text": "/menu"}) as resp:
                    assert resp.status == 200
                menu = await max_emu.wait_for_bot_message(TOKEN, anna.user_id)
                async with browser.get(chat_url) as resp:
                    view = await resp.json()
                assert view["keyboard"] == [["Дневник"]]
                assert view["messages"][-1]["buttons"] == [[{"text": "Да", "data": "yes", "url": None}]]
                tap = {"message_id": menu["message_id"], "data": "yes"}
                async with browser.post(chat_url + "/tap", json=tap) as resp:
                    assert (await resp.json())["toast"] == "Принято."
                async with browser.get(chat_url) as resp:
                    view = await resp.json()
                assert [m["html"] for m in view["messages"]] == ["/menu", "Вы ответили «Да»"]
                assert view["messages"][-1]["edited"] is True
                max_emu.user_sends_photo(TOKEN, anna.user_id, PNG)
                async with browser.get(chat_url) as resp:
                    photo_url = (await resp.json())["messages"][-1]["photo"]
                async with browser.get(max_emu.base_url + photo_url) as resp:
                    assert resp.content_type == "image/png" and await resp.read() == PNG
        finally:
            bot.cancel()
            await asyncio.gather(bot, return_exceptions=True)
