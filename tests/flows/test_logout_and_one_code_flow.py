"""/logout end to end (ACC-8): it asks first and says how to come back, since the code it was reached by is spent;
and the class teacher gives a new code to one person (a parent who logged out) without voiding the paper codes
already handed out to the rest of the class (ACC-4, ACC-6)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from services.access import system_actor
from services.invites import InviteService, hash_code
from services.models import InviteCode, PersonAccount
from tests.flows.conftest import TOKEN, plain
from ui.callbacks import LogoutCB

COME_BACK = (
    "Чтобы вернуться, понадобится новый код доступа: родителям и ученикам его выдаёт классный руководитель, "
    "сотрудникам — администратор школы. Прежний код действует только один раз."
)


async def account_of(sessions, person_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))


async def unused_codes(sessions) -> dict[int, set[str]]:
    async with sessions() as session:
        codes = (
            await session.scalars(
                select(InviteCode).where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
            )
        ).all()
        found: dict[int, set[str]] = {}
        for code in codes:
            found.setdefault(code.person_id, set()).add(code.code_hash)
        return found


async def test_logout_asks_first_and_says_how_to_come_back_ACC_8(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/logout")
    assert mother.last_text() == "Выйти из школьного дневника в этом мессенджере?\n\n" + COME_BACK
    assert mother.buttons() == ["Выйти", "Остаться"]
    assert await account_of(sessions, school.parents["alekseeva_mother"]) == mother.account_id  # nothing done yet

    await mother.tap("Остаться")
    assert mother.last_text() == "Вы остаётесь в системе."
    assert await account_of(sessions, school.parents["alekseeva_mother"]) == mother.account_id
    await mother.press("Дневник")
    assert "Дневник" in mother.last_text()

    await mother.send("/logout")
    await mother.tap("Выйти")
    await mother.emulator.wait_for_bot_message(TOKEN, mother.id)
    assert mother.last_text() == "Вы вышли.\n" + COME_BACK
    assert not mother.menus_per_chat or mother.keyboard() == [] == mother.commands()
    assert await account_of(sessions, school.parents["alekseeva_mother"]) is None
    await mother.send("/logout")
    assert mother.last_text() == "Вы и не были авторизованы."


async def test_a_logout_button_made_for_another_account_is_out_of_date_ACC_8(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    answer = await mother.tap_raw(LogoutCB(account=mother.id + 1, confirm=True).pack())
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    assert await account_of(sessions, school.parents["alekseeva_mother"]) == mother.account_id


async def test_class_teacher_gives_one_person_a_new_code_and_the_others_paper_stays_valid_ACC_6_ACC_8(
    bot_world, linked, clock
):
    school, sessions = bot_world
    async with sessions() as session:  # the class's paper codes, printed and handed out
        await InviteService(session, clock).for_class(
            system_actor(school.school_id), school.classes["5А"], timedelta(days=14)
        )
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/logout")
    await mother.tap("Выйти")
    paper = await unused_codes(sessions)
    assert school.parents["alekseeva_mother"] not in paper  # her code was spent on linking

    math = await linked(school.staff["math"])  # 5А's class teacher
    await math.press("Мой класс")
    await math.tap(next(b for b in math.buttons() if b.startswith("Не подключены")))
    assert "Алексеева Ольга Петровна (Алексеев Артём)" in math.last_text()  # she logged out: not linked
    assert math.buttons()[:2] == ["🔑 Код для одного человека", "🔑 Новые коды для всех них"]
    await math.tap("🔑 Код для одного человека")
    assert math.last_text() == "Кому нужен новый код?"
    assert "Алексеев Артём Игоревич (ученик)" in math.buttons()
    await math.tap("Алексеева Ольга Петровна (родитель: Алексеев Артём)")
    assert math.last_text() == (
        "Новый код для: Алексеева Ольга Петровна (родитель: Алексеев Артём)?\nКоды остальных не меняются."
    )
    await math.tap("Выдать код")
    await math.emulator.wait_for_bot_message(TOKEN, math.id)
    lines = plain(math.last_text()).split("\n")
    assert lines[0] == "Новые коды" and len(lines) == 4
    [code] = re.fullmatch(r"Алексеева Ольга Петровна \(родитель\): (\w{10}) — (Telegram|MAX)", lines[3]).groups()[:1]

    after = await unused_codes(sessions)
    assert after.pop(school.parents["alekseeva_mother"]) == {hash_code(code)}
    assert after == paper  # nobody else's code was touched

    # A second code for the same person replaces her first one, and only hers; the screen says so.
    await math.press("Мой класс")
    await math.tap(next(b for b in math.buttons() if b.startswith("Не подключены")))
    await math.tap("🔑 Код для одного человека")
    await math.tap("Алексеева Ольга Петровна (родитель: Алексеев Артём)")
    assert "Выданный раньше код (действует до 8 дек.) перестанет работать" in plain(math.last_text())
    await math.tap("◀ Назад")
    assert math.last_text() == "Кому нужен новый код?"

    await mother.send("/start " + code)  # the new code works
    await mother.tap("Принимаю")
    assert await account_of(sessions, school.parents["alekseeva_mother"]) == mother.account_id
