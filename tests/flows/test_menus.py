"""Menus end to end: profiles of a teacher who is a parent and of a parent of two (ROLE-1), switching
only to one's own (ACC-2), buttons always answered, and the flood limit."""

from __future__ import annotations

import asyncio
import logging

from bot.dispatcher import FLOOD_LIMIT
from services.models import Account
from tests.flows.conftest import TOKEN
from ui.callbacks import ProfileCB


async def current_profile(sessions, account_id) -> tuple[int | None, int | None]:
    async with sessions() as session:
        account = await session.get(Account, account_id)
        return account.current_person_id, account.current_student_id


async def test_parent_of_two_switches_between_children_ROLE_1(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    assert mother.keyboard() == [
        "Дневник",
        "Домашнее задание",
        "Оценки",
        "Расписание",
        "Пропуски",
        "Настройки",
        "Сменить профиль",
    ]
    assert not mother.menus_per_chat or mother.commands() == [
        "diary",
        "homework",
        "marks",
        "schedule",
        "absence",
        "settings",
        "switch",
        "help",
        "language",
        "logout",
    ]
    await mother.press("Сменить профиль")
    assert mother.buttons() == ["✓ Артём, 5А", "Ксения, 5Б"]
    await mother.tap("Ксения, 5Б")
    assert mother.texts()[-2] == "Сейчас: Ксения, 5Б."
    assert await current_profile(sessions, mother.account_id) == (
        school.parents["alekseeva_mother"],
        school.students["alekseeva"],
    )
    await mother.send("/switch")
    assert mother.buttons() == ["Артём, 5А", "✓ Ксения, 5Б"]
    await mother.send("/nosuchcommand")
    assert mother.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."


async def test_teacher_who_is_a_parent_switches_to_work_and_back(bot_world, linked):
    school, sessions = bot_world
    teacher = await linked(school.staff["math"])
    # The math teacher leads 5А: a teacher's and a class teacher's entries, and nothing to switch.
    assert teacher.keyboard() == ["Уроки", "Отметки за период", "Отчёты", "Мой класс", "Документы", "Объявление"]
    assert not teacher.menus_per_chat or teacher.commands() == [
        "today",
        "period",
        "reports",
        "class",
        "documents",
        "announce",
        "help",
        "language",
        "logout",
    ]
    await teacher.send("/switch")
    assert teacher.last_text() == "У вас один профиль: переключать нечего."
    await linked(school.parents["alekseeva_mother"], user=teacher)
    await teacher.press("Сменить профиль")
    assert teacher.buttons() == ["Работа: Школа № 7", "✓ Артём, 5А", "Ксения, 5Б"]
    await teacher.tap("Работа: Школа № 7")
    assert await current_profile(sessions, teacher.account_id) == (school.staff["math"], None)
    # the parent's entries are gone with the profile
    assert teacher.keyboard() == [
        "Уроки",
        "Отметки за период",
        "Отчёты",
        "Мой класс",
        "Документы",
        "Объявление",
        "Сменить профиль",
    ]
    assert "diary" not in teacher.commands() or not teacher.menus_per_chat
    await teacher.send("/logout")
    await teacher.tap("Выйти")
    await teacher.emulator.wait_for_bot_message(TOKEN, teacher.id)
    assert not teacher.menus_per_chat or teacher.keyboard() == [] == teacher.commands()


async def test_forged_profile_of_another_family_is_refused_and_logged_ACC_2(bot_world, linked, caplog):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/switch")
    before = await current_profile(sessions, mother.account_id)
    forged = ProfileCB(person=school.parents["alekseeva_mother"], student=school.students["borisova"]).pack()
    with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
        answer = await mother.tap_raw(forged)
    assert answer["text"] == "Вы видите только своих детей."
    assert answer["show_alert"] is True
    assert await current_profile(sessions, mother.account_id) == before
    assert mother.buttons() == ["✓ Артём, 5А", "Ксения, 5Б"]  # the screen is as it was
    assert any("student.not_yours" in r.getMessage() for r in caplog.records)


async def test_a_stale_button_is_answered_not_left_spinning(bot_world, person):
    someone = person()
    await someone.send("/language")
    answer = await someone.tap_raw("diary:2020-01-01")
    assert "устарела" in answer["text"]


async def test_a_second_tap_on_the_language_screen_changes_it_again_without_an_apology(bot_world, linked, caplog):
    """The first tap deletes the language screen (a new keyboard needs a new message); a tap on it that arrives
    after that (a double tap, a slow network) still switches the language and shows the menu."""
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/language")
    screen = mother.emulator.last_message(TOKEN, mother.id)
    await mother.tap("English")
    assert mother.last_text() == "The language is now English."
    await mother.tap_late(screen, "Русский")
    assert mother.last_text() == "Теперь язык — русский."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_flooding_user_is_slowed_and_told_others_unaffected(bot_world, person, emulator):
    flooder, neighbour = person(), person()
    for _ in range(30):  # thirty messages within a second
        emulator.user_sends_text(TOKEN, flooder.id, "/start")
    await neighbour.send("/start")
    assert neighbour.last_text().startswith("Это электронный журнал")
    warning = "Слишком много сообщений подряд. Подождите секунду, и бот снова ответит."
    await wait_until(lambda: warning in flooder.texts())
    await asyncio.sleep(1.0)  # the second is over
    await flooder.send("/start")  # answered again
    texts = flooder.texts()
    assert texts.count(warning) == 1
    assert len(texts) == FLOOD_LIMIT + 1 + 1  # the first twenty, the warning, and the one after the pause


async def wait_until(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_cancel_ends_a_wait_and_a_stray_photo_gets_a_hint(bot_world, linked, emulator):
    school, _sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/cancel")
    assert mother.last_text() == "Отменять нечего."
    await mother.press("Настройки")
    await mother.tap("🕖 Сводка в 19:00")
    await mother.tap("Другое время…")  # the bot now waits for a typed time
    await mother.send("/cancel")
    assert mother.last_text() == "Отменено."
    await mother.send("19:30")  # no longer taken for a time
    assert mother.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    emulator.user_sends_photo(TOKEN, mother.id, b"\xff\xd8\xff\xe0 not much of a photo")
    await emulator.wait_for_bot_message(TOKEN, mother.id)
    assert mother.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
