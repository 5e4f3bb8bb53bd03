"""The sandbox's HTTP face for people: JSON with Cyrillic as it is, 400 for a body that is not JSON, hints with the
real token, and the web page (its HTML rendering of a message's entities, its files, its chat view)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from devtools.sandbox import BotAPIEmulator
from devtools.sandbox.__main__ import hints
from devtools.sandbox.page import PageConfig, Person, page_routes
from devtools.sandbox.rendering import entities_to_html
from tests.files import png

TOKEN = "123456:page-test"


def test_entities_become_nested_tags_and_the_text_is_escaped():
    text = "Оценка 5 <script>alert(1)</script> & всё"
    # «Оценка 5» bold (offset 0, 8 units), «5» also italic inside it (offset 7, 1 unit).
    entities = [{"type": "bold", "offset": 0, "length": 8}, {"type": "italic", "offset": 7, "length": 1}]
    assert entities_to_html(text, entities) == (
        "<b>Оценка <i>5</i></b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; всё"
    )


def test_offsets_count_utf16_units_so_an_emoji_takes_two():
    text = "📅 Пн 23.11"  # the calendar emoji is a surrogate pair: «Пн» starts at unit 3
    assert entities_to_html(text, [{"type": "bold", "offset": 3, "length": 2}]) == "📅 <b>Пн</b> 23.11"


def test_overlapping_entities_are_closed_and_reopened_so_the_html_stays_well_formed():
    # bold 0..4 «abcd», italic 2..6 «cdef»: the italic is cut at the bold's end and reopened.
    assert entities_to_html(
        "abcdef", [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    ) == ("<b>ab<i>cd</i></b><i>ef</i>")


def test_links_only_to_safe_addresses_and_their_quotes_escaped():
    safe = entities_to_html("site", [{"type": "text_link", "offset": 0, "length": 4, "url": 'https://x.ru/?a="b"'}])
    assert safe == '<a href="https://x.ru/?a=&quot;b&quot;" target="_blank" rel="noopener noreferrer">site</a>'
    unsafe = entities_to_html("click", [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:alert(1)"}])
    assert unsafe == "click"


def test_blocks_spoilers_and_code():
    text = "цитата\nкод"
    entities = [
        {"type": "expandable_blockquote", "offset": 0, "length": 6},
        {"type": "code", "offset": 7, "length": 3},
    ]
    assert entities_to_html(text, entities) == '<blockquote class="expandable">цитата</blockquote>\n<code>код</code>'
    assert entities_to_html("тайна", [{"type": "spoiler", "offset": 0, "length": 5}]) == (
        '<span class="spoiler">тайна</span>'
    )


def test_the_hints_name_the_real_token():
    printed = hints("http://127.0.0.1:8081", "42:abc")
    assert "/sandbox/bot42:abc/users/1/text" in printed
    assert "/sandbox/bot42:abc/chats/1" in printed
    assert "BOT_TOKEN=42:abc" in printed
    assert "<TOKEN>" not in printed


async def test_the_control_api_answers_cyrillic_as_it_is(emulator):
    emulator.add_user(TOKEN, 1, first_name="Анна")
    await _bot_says(emulator, 1, "Привет, <b>Анна</b>")
    url = f"{emulator.base_url}/sandbox/bot{TOKEN}/chats/1"
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        raw = await response.text()
    assert "Привет, Анна" in raw
    assert "\\u041f" not in raw  # not escaped to \uXXXX


async def test_the_bot_api_answers_cyrillic_as_it_is(emulator):
    emulator.add_user(TOKEN, 1)
    async with aiohttp.ClientSession() as client:
        url = f"{emulator.base_url}/bot{TOKEN}/sendMessage"
        async with client.post(url, json={"chat_id": 1, "text": "Дневник"}) as response:
            raw = await response.text()
    assert '"text": "Дневник"' in raw


@pytest.mark.parametrize("body", ["not json", "{broken", "[1, 2]"])
async def test_a_body_that_is_not_a_json_object_is_refused_with_400(emulator, body):
    async with aiohttp.ClientSession() as client:
        url = f"{emulator.base_url}/sandbox/bot{TOKEN}/users/1/text"
        async with client.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
            answer = await response.json()
            status = response.status
    assert status == 400
    assert answer["ok"] is False
    assert emulator.pending_updates(TOKEN) == []  # nothing reached the bot


async def test_an_empty_body_still_means_no_fields(emulator):
    url = f"{emulator.base_url}/sandbox/bot{TOKEN}/users/1/block"
    async with aiohttp.ClientSession() as client, client.post(url) as response:
        assert response.status == 200


@pytest.fixture
async def page_server():
    """The emulator with the page for two people; the codes are handed out by a stub (no bot here)."""
    people = [
        Person("parent", "parent", "Ирина Петрова", "5А", 501),
        Person("teacher", "teacher", "Олег Смирнов", "", 502),
    ]

    async def code_for(person: Person) -> str:
        return f"CODE{person.user_id}"

    emulator = await BotAPIEmulator(extra_routes=(page_routes(PageConfig(TOKEN, people, code_for)),)).start()
    yield emulator
    await emulator.stop()


async def test_the_root_serves_the_page_and_its_files(page_server):
    async with aiohttp.ClientSession() as client:
        async with client.get(page_server.base_url + "/") as response:
            assert response.status == 200
            assert "/web/app.js" in await response.text()
        for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
            async with client.get(f"{page_server.base_url}/web/{name}") as response:
                assert (response.status, response.content_type) == (200, kind)
        async with client.get(page_server.base_url + "/web/../page.py") as response:
            assert response.status == 404
        async with client.get(page_server.base_url + "/sandbox/web/people") as response:
            people = (await response.json())["people"]
    assert [(p["key"], p["name"]) for p in people] == [("parent", "Ирина Петрова"), ("teacher", "Олег Смирнов")]


async def test_the_chat_view_renders_html_keyboards_and_files(page_server):
    page_server.add_user(TOKEN, 501, first_name="Ирина")
    await _bot_says(
        page_server,
        501,
        "<b>Вт 24.11</b> 1 &lt; 2",
        reply_markup={"inline_keyboard": [[{"text": "Завтра ▶", "callback_data": "day:+1"}]]},
    )
    await _bot_says(page_server, 501, "Меню", reply_markup={"keyboard": [[{"text": "Дневник"}]]})
    page_server.user_sends_document(TOKEN, 501, b"%PDF-1.4", "справка.pdf", "application/pdf")
    page_server.user_sends_photo(TOKEN, 501, png(4, 3))
    async with aiohttp.ClientSession() as client:
        async with client.get(page_server.base_url + "/sandbox/web/chats/501") as response:
            view = await response.json()
        document, photo = view["messages"][2]["document"], view["messages"][3]["photo"]
        async with client.get(page_server.base_url + document["url"]) as response:
            assert await response.read() == b"%PDF-1.4"
            assert "attachment" in response.headers["Content-Disposition"]
        async with client.get(page_server.base_url + photo) as response:
            assert response.content_type == "image/png"
        async with client.get(page_server.base_url + "/sandbox/web/chats/999") as response:
            assert response.status == 404  # only the sandbox's people
    first = view["messages"][0]
    assert first["html"] == "<b>Вт 24.11</b> 1 &lt; 2"
    assert first["buttons"] == [[{"text": "Завтра ▶", "data": "day:+1", "url": None}]]
    assert view["keyboard"] == [["Дневник"]]
    assert document["name"] == "справка.pdf"


async def test_the_event_stream_sends_the_chat_then_each_change(page_server):
    page_server.add_user(TOKEN, 502)
    url = page_server.base_url + "/sandbox/web/chats/502/events"
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        assert response.content_type == "text/event-stream"
        first = json.loads((await response.content.readline()).decode().removeprefix("data: "))
        await response.content.readline()  # the blank line ending the event
        await _bot_says(page_server, 502, "Новая оценка: 5")
        second = json.loads((await response.content.readline()).decode().removeprefix("data: "))
    assert first["messages"] == []
    assert [m["html"] for m in second["messages"]] == ["Новая оценка: 5"]


async def test_typing_and_tapping_through_the_page_reach_the_bot(page_server):
    page_server.add_user(TOKEN, 501)
    sent = await _bot_says(
        page_server, 501, "День", reply_markup={"inline_keyboard": [[{"text": "▶", "callback_data": "next"}]]}
    )
    async with aiohttp.ClientSession() as client:
        base = page_server.base_url + "/sandbox/web/chats/501"
        async with client.post(base + "/text", json={"text": "/diary", "lang": "en"}) as response:
            assert response.status == 200
        async with client.post(base + "/tap", json={"message_id": sent["message_id"], "data": "forged"}) as response:
            assert response.status == 400  # a button the person never saw
        async with client.post(base + "/text", data="{oops") as response:
            assert response.status == 400
    [update] = page_server.pending_updates(TOKEN)
    assert update["message"]["text"] == "/diary"
    assert update["message"]["from"]["language_code"] == "en"


async def _bot_says(emulator: BotAPIEmulator, chat_id: int, text: str, reply_markup: dict | None = None) -> dict:
    body: dict = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if reply_markup:
        body["reply_markup"] = reply_markup
    url = f"{emulator.base_url}/bot{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as client, client.post(url, json=body) as response:
        return (await response.json())["result"]


async def test_a_file_from_the_page_is_a_photo_when_an_image_and_a_document_otherwise(page_server):
    page_server.add_user(TOKEN, 501)
    async with aiohttp.ClientSession() as client:
        url = page_server.base_url + "/sandbox/web/chats/501/file"
        for name, data, kind in (("скан.png", png(8, 6), "image/png"), ("справка.pdf", b"%PDF-1.4", "application/pdf")):
            form = aiohttp.FormData()
            form.add_field("file", data, filename=name, content_type=kind)
            form.add_field("caption", "Справка от врача")
            async with client.post(url, data=form) as response:
                assert response.status == 200
        async with client.post(url, data=b"no form") as response:
            assert response.status == 400
    photo, document = (u["message"] for u in page_server.pending_updates(TOKEN))
    assert photo["photo"][-1]["width"] == 8 and photo["caption"] == "Справка от врача"
    assert document["document"]["file_name"] == "справка.pdf"
