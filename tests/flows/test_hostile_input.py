"""Hostile input end to end: forged buttons with ids past the database's integers, typed texts with NUL bytes
and invisible characters. The user gets a clear answer, and the database holds nothing of it."""

from __future__ import annotations

import inspect
from enum import Enum

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from services.models import Lesson
from tests.flows.conftest import open_card, type_marks
from ui import callbacks

STALE = "Эта кнопка устарела. Меню — по команде /help."
HUGE = (2**31, 2**63, -1)  # past PostgreSQL's INTEGER, past SQLite's, below any id


async def lessons(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Lesson))


async def test_buttons_with_ids_out_of_range_are_out_of_date_like_unknown_ones(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    await open_card(math)
    before = await lessons(sessions)
    for big in HUGE:
        for user, data in (
            (mother, f"diary:{big}:today"),
            (mother, f"mkp:{school.students['alekseev']}:{big}"),
            (mother, f"profile:{big}:"),
            (math, f"tles:{big}:card"),
            (math, f"tslot:{big}:2026-11-24:2"),
            (math, (f"tslot:{school.assignments['math5A']}:2026-11-24:{big}")),
            (math, f"tmrk:1:type:{big}:0:0:0"),
        ):
            assert (await user.tap_raw(data))["text"] == STALE, data
    assert await lessons(sessions) == before


async def test_buttons_with_values_no_button_offers_are_out_of_date_like_unknown_ones(bot_world, linked):
    """A value outside a field's enum (an action, a view, a kind, a language) fails to unpack: the tap is answered
    as a stale button, and no handler runs."""
    school, _sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Пропуски")
    await mother.tap("📎 Отправить справку")
    await mother.tap("Артём, 5А")
    await mother.send("25.11")
    prompt = mother.last_text()  # the form waits for the reason: a button of this step would be taken
    child = school.students["alekseev"]
    for data in (
        "abskind:holiday",
        "absstep:tomorrow",
        f"absdoc:delete:{child}:0",
        f"setv:{child}:admin",
        f"setm:{child}:marks:loud",
        "lang:de",
    ):
        assert (await mother.tap_raw(data))["text"] == STALE, data
    assert mother.last_text() == prompt
    await mother.tap("Болезнь")
    assert mother.buttons() == ["Пропустить", "Отмена"]


async def test_buttons_with_an_action_no_screen_has_are_out_of_date(bot_world, linked):
    """An action, a part or a step that no button carries fails to unpack and is answered as an unknown button."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    lesson = callbacks.LessonCB.unpack(
        math.button_data(math.emulator.last_message("123456:TEST-token", math.id), "Посещаемость")
    ).lesson
    before = await lessons(sessions)
    for data in (
        f"tles:{lesson}:grades",
        f"tatt:{lesson}:wipe:0",
        f"tmrk:{lesson}:purge:0:0:0:0",
        f"tltx:{lesson}:erase",
        "tcorr:send",
        f"tatt:{lesson}:Save:0",
    ):
        assert (await math.tap_raw(data))["text"] == STALE, data
    assert await lessons(sessions) == before


@pytest.mark.parametrize("big", HUGE)
def test_every_number_in_every_button_is_bounded(big):
    """Each callback class refuses a number out of range in each of its int fields, as aiogram's filter expects."""
    classes = [
        c
        for c in vars(callbacks).values()
        if inspect.isclass(c) and issubclass(c, callbacks.CallbackData) and c is not callbacks.CallbackData
    ]
    checked = 0
    for cls in classes:
        for name, field in cls.model_fields.items():
            if "int" not in str(field.annotation) or _within_bounds(field, big):  # a Telegram id is wider
                continue
            values = {key: big if key == name else _sample(other) for key, other in cls.model_fields.items()}
            data = ":".join([cls.__prefix__, *map(str, values.values())])
            with pytest.raises(ValidationError):
                cls.unpack(data)
            checked += 1
    assert checked > 40


def _within_bounds(field, value: int) -> bool:
    return all(getattr(bound, "ge", value) <= value <= getattr(bound, "le", value) for bound in field.metadata)


def _sample(field) -> object:
    """A valid value for a field: with an enum or a flag as "x", every number would be refused for the wrong
    reason."""
    if isinstance(field.annotation, type) and issubclass(field.annotation, Enum):
        return next(iter(field.annotation)).value
    if field.annotation is bool:
        return 0
    return 1 if "int" in str(field.annotation) else (field.default if isinstance(field.default, str) else "x")


async def lesson_row(sessions) -> Lesson:
    async with sessions() as session:
        return (await session.scalars(select(Lesson))).one()


async def test_typed_topic_and_homework_nul_invisible_or_blank_J_3(bot_world, linked):
    """A NUL is dropped; a text that shows nothing is refused with a sentence and the step waits; blank homework
    is not taken for «не задано» (J-3)."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    await math.send("\u200b\u200b")
    assert math.last_text() == "Тема урока пуста."
    await math.send("Дроби\x00")
    assert "Тема: Дроби\n" in math.last_text()
    await math.tap("Домашнее задание")
    for blank in ("   ", "\u200b\u2060", "\u3164"):
        await math.send(blank)
        assert math.last_text() == (
            "В домашнем задании нет текста: напишите, что задано, или нажмите «Не задано», если ничего не задано."
        )
    lesson = await lesson_row(sessions)
    assert (lesson.topic, lesson.homework, lesson.no_homework) == ("Дроби", "", False)
    await math.send("№ 12\x00, № 14")
    assert math.last_text().startswith("Домашнее задание сохранено.")
    assert (await lesson_row(sessions)).homework == "№ 12, № 14"


async def test_typed_marks_and_dates_with_odd_characters_are_read_or_refused_not_a_crash(bot_world, linked):
    school, _sessions = bot_world
    math = await linked(school.staff["math"])
    await math.send("/today \u200b23.11\x00")
    assert "23 ноября" in math.last_text()
    await type_marks(math, "Алексеев\x00 5\nБорисова ²\n² 4")
    text = math.last_text()
    assert "1. Алексеев Артём Игоревич — 5" in text and "«Борисова ²»" in text and "«² 4»" in text
    assert "\x00" not in text


async def test_buttons_with_a_view_or_an_action_no_button_has_are_out_of_date(bot_world, linked):
    """A value past a field's choices (a view, a scope, a reason, a step) fails to unpack: answered as any unknown
    button, before any handler or query runs."""
    school, _sessions = bot_world
    math = await linked(school.staff["math"])  # 5А's class teacher
    deputy = await linked(school.staff["deputy"])
    cls = school.classes["5А"]
    for user, data in (
        (math, f"ctc:{cls}:everything:0:0"),
        (math, f"ctr:{cls}:1:week:"),
        (math, f"ctr:{cls}:1:day:holiday"),
        (math, "ctd:1:approve:"),
        (math, "anns:publish:0"),
        (math, "ann:everyone:0:0"),
        (deputy, "dcorr:1:approve"),
        (deputy, "dctl:0::teachers"),
    ):
        assert (await user.tap_raw(data))["text"] == STALE, data
