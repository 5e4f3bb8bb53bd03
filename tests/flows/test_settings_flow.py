"""/settings end to end: per child, which pushes arrive and how; the digest time and the quiet
hours; a parent of two children (ROLE-1), a forged button for another family's child (ACC-2), English."""

from __future__ import annotations

import logging
from datetime import time

from sqlalchemy import select

from services.models import Account, NotificationSetting, NotifyKind, NotifyMode, Student
from ui.callbacks import DigestTimeCB, NotifyModeCB, QuietHoursCB, SettingsView, SettingsViewCB

DEFAULT_BUTTONS = [
    "🔔 Новые оценки: сразу",
    "🔔 Пропуски: сразу",
    "🗓 Домашнее задание: в сводке",
    "🔔 Решения по документам: сразу",
    "🔔 Объявления: сразу",
    "🔕 Задания на завтра, вечером: выкл.",
    "🔔 Итоги недели и прогноз: сразу",
    "🕖 Сводка в 19:00",
    "🌙 Тихие часы 21:00–08:00",
    "Отозвать согласие",
]


async def stored_modes(sessions) -> set[tuple[int, int, str, str]]:
    async with sessions() as session:
        rows = await session.scalars(select(NotificationSetting))
        return {(r.account_id, r.student_id, r.kind.value, r.mode.value) for r in rows}


async def account_times(sessions, account_id) -> tuple[time, time, time]:
    async with sessions() as session:
        account = await session.get(Account, account_id)
        return account.digest_time, account.quiet_from, account.quiet_to


async def test_parent_of_two_sets_each_childs_pushes_apart_ROLE_1_ACC_2(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Настройки")
    screen = mother.last_text()
    assert screen.startswith("Уведомления: Артём Алексеев, 5А\n")
    assert "У каждого ребёнка свои настройки" in screen
    assert "Сводка: каждый день в 19:00." in screen
    assert "Тихие часы: 21:00–08:00; уведомления в это время ждут до 08:00." in screen
    assert "Время — по часам школы (Москва)." in screen
    assert mother.buttons() == DEFAULT_BUTTONS
    shown = len(mother.texts())
    await mother.tap("🔔 Новые оценки: сразу")
    assert mother.buttons()[0] == "🗓 Новые оценки: в сводке"
    await mother.tap("🗓 Новые оценки: в сводке")
    assert mother.buttons()[0] == "🔕 Новые оценки: выкл."
    assert len(mother.texts()) == shown  # one message, edited in place
    assert await stored_modes(sessions) == {(mother.account_id, school.students["alekseev"], "marks", "off")}

    await mother.send("/switch")
    await mother.tap("Ксения, 5Б")
    await mother.press("Настройки")
    assert mother.last_text().startswith("Уведомления: Ксения Алексеева, 5Б\n")
    assert mother.buttons() == DEFAULT_BUTTONS  # the son's choice is his alone
    await mother.tap("🗓 Домашнее задание: в сводке")
    await mother.tap("🔔 Пропуски: сразу")
    assert mother.buttons()[:3] == ["🔔 Новые оценки: сразу", "🗓 Пропуски: в сводке", "🔕 Домашнее задание: выкл."]
    await mother.tap("🔕 Задания на завтра, вечером: выкл.")  # the evening reminder is opt-in
    assert mother.buttons()[5:7] == ["🔔 Задания на завтра, вечером: сразу", "🔔 Итоги недели и прогноз: сразу"]
    assert await stored_modes(sessions) == {
        (mother.account_id, school.students["alekseev"], "marks", "off"),
        (mother.account_id, school.students["alekseeva"], "homework", "off"),
        (mother.account_id, school.students["alekseeva"], "absences", "digest"),
        (mother.account_id, school.students["alekseeva"], "tomorrow", "instant"),
    }
    await mother.send("/switch")
    await mother.tap("Артём, 5А")
    await mother.send("/settings")
    assert mother.buttons()[:3] == ["🔕 Новые оценки: выкл.", "🔔 Пропуски: сразу", "🗓 Домашнее задание: в сводке"]


async def test_digest_time_and_quiet_hours_by_buttons_are_stored(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/settings")
    await mother.tap("🕖 Сводка в 19:00")
    assert "В какое время присылать сводку за день? Сейчас — в 19:00." in mother.last_text()
    assert mother.buttons() == ["07:00", "15:00", "✓ 19:00", "21:00", "Другое время…", "◀ Назад"]
    await mother.tap("07:00")
    assert "Сводка: каждый день в 07:00." in mother.last_text()
    assert "🕖 Сводка в 07:00" in mother.buttons()
    assert await account_times(sessions, mother.account_id) == (time(7), time(21), time(8))

    await mother.tap("🌙 Тихие часы 21:00–08:00")
    assert "Сейчас: 21:00–08:00." in mother.last_text()
    assert mother.buttons() == [
        "✓ 21:00–08:00",
        "22:00–07:00",
        "23:00–07:00",
        "Без тихих часов",
        "Другие часы…",
        "◀ Назад",
    ]
    await mother.tap("22:00–07:00")
    assert "Тихие часы: 22:00–07:00; уведомления в это время ждут до 07:00." in mother.last_text()
    assert await account_times(sessions, mother.account_id) == (time(7), time(22), time(7))

    await mother.tap("🌙 Тихие часы 22:00–07:00")
    await mother.tap("Без тихих часов")
    assert "Тихие часы: нет." in mother.last_text()
    assert mother.buttons()[-2] == "🌙 Без тихих часов"
    _digest, quiet_from, quiet_to = await account_times(sessions, mother.account_id)
    assert quiet_from == quiet_to  # an empty span: none

    await mother.tap("🌙 Без тихих часов")
    assert mother.buttons()[3] == "✓ Без тихих часов"
    await mother.tap("21:00–08:00")
    await mother.tap("🕖 Сводка в 07:00")
    await mother.tap("21:00")  # within the quiet hours: said so
    assert "Сводка приходит в своё время, даже в тихие часы." in mother.last_text()
    await mother.tap("🕖 Сводка в 21:00")
    await mother.tap("◀ Назад")
    assert mother.buttons() == [
        *DEFAULT_BUTTONS[:7],
        "🕖 Сводка в 21:00",
        "🌙 Тихие часы 21:00–08:00",
        "Отозвать согласие",
    ]
    assert await account_times(sessions, mother.account_id) == (time(21), time(21), time(8))
    assert await stored_modes(sessions) == set()  # the kinds are untouched


async def test_typed_times_are_stored_and_wrong_ones_explained(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/settings")
    await mother.tap("🕖 Сводка в 19:00")
    await mother.tap("Другое время…")
    assert mother.last_text().endswith("Отправьте время сводки в виде ЧЧ:ММ, например 18:30.")
    for wrong in ("25:00", "в семь", "18:3"):
        await mother.send(wrong)
        assert mother.last_text() == "Это не время: отправьте его в виде ЧЧ:ММ, например 18:30."
    assert await account_times(sessions, mother.account_id) == (time(19), time(21), time(8))
    await mother.send("18:30")  # the user tries again: still asked for
    assert mother.last_text().startswith("Уведомления: Артём Алексеев, 5А\n")
    assert "Сводка: каждый день в 18:30." in mother.last_text()
    assert not any("Отправьте время сводки" in text for text in mother.texts())  # the prompt gave way
    assert await account_times(sessions, mother.account_id) == (time(18, 30), time(21), time(8))
    await mother.send("19:45")  # no longer asked for: not taken as a time
    assert mother.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."

    await mother.send("/settings")
    await mother.tap("🌙 Тихие часы 21:00–08:00")
    await mother.tap("Другие часы…")
    assert mother.last_text().endswith("Отправьте тихие часы в виде ЧЧ:ММ–ЧЧ:ММ, например 22:30–07:00.")
    await mother.send("22:00")
    assert mother.last_text() == ("Это не промежуток времени: отправьте его в виде ЧЧ:ММ–ЧЧ:ММ, например 22:30–07:00.")
    await mother.send("22:00–22:00")
    assert mother.last_text() == (
        "Тихие часы должны начинаться и заканчиваться в разное время. "
        "Чтобы обойтись без них, выберите «Без тихих часов» в /settings."
    )
    assert await account_times(sessions, mother.account_id) == (time(18, 30), time(21), time(8))
    await mother.send("22:30 - 6:45")
    assert "Тихие часы: 22:30–06:45; уведомления в это время ждут до 06:45." in mother.last_text()
    assert await account_times(sessions, mother.account_id) == (time(18, 30), time(22, 30), time(6, 45))

    # «Back» from a prompt: nothing is waited for any more.
    await mother.tap("🕖 Сводка в 18:30")
    await mother.tap("Другое время…")
    await mother.tap("◀ Назад")
    assert mother.last_text().startswith("Уведомления: Артём Алексеев, 5А\n")
    await mother.send("07:00")
    assert mother.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    assert await account_times(sessions, mother.account_id) == (time(18, 30), time(22, 30), time(6, 45))


async def test_forged_buttons_for_another_familys_child_are_refused_and_logged_ACC_2(bot_world, linked, caplog):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/settings")
    screen, buttons = mother.last_text(), mother.buttons()
    borisova = school.students["borisova"]
    forged = [
        NotifyModeCB(student=borisova, kind=NotifyKind.MARKS, mode=NotifyMode.OFF),
        DigestTimeCB(student=borisova, at="0700"),
        QuietHoursCB(student=borisova, span="off"),
        SettingsViewCB(student=borisova, view=SettingsView.digest),
    ]
    with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
        for data in forged:
            answer = await mother.tap_raw(data.pack())
            assert (answer["text"], answer["show_alert"]) == ("Вы видите только своих детей.", True)
    assert await stored_modes(sessions) == set()
    assert await account_times(sessions, mother.account_id) == (time(19), time(21), time(8))
    assert (mother.last_text(), mother.buttons()) == (screen, buttons)  # nothing of hers shown
    refusals = [r for r in caplog.records if "student.not_yours" in r.getMessage()]
    assert len(refusals) == len(forged)

    # Her own child, but values no button offers: refused with a reason, nothing changed.
    own = school.students["alekseev"]
    answer = await mother.tap_raw(f"setm:{own}:weather:off")  # no such kind: the button does not unpack
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    answer = await mother.tap_raw(DigestTimeCB(student=own, at="2599").pack())
    assert answer["text"] == "Это не время: отправьте его в виде ЧЧ:ММ, например 18:30."
    assert await stored_modes(sessions) == set()
    assert await account_times(sessions, mother.account_id) == (time(19), time(21), time(8))


async def test_settings_in_english_for_a_parent_of_one(bot_world, linked):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"], language_code="en")
    await father.press("Settings")
    screen = father.last_text()
    assert screen.splitlines()[:3] == [
        "Notifications: Вера Борисова, 5А",
        "",
        "Tap a kind of notification to change how it arrives: at once → in the digest → off.",
    ]
    assert "Each child" not in screen  # one child: nothing to tell apart
    assert "Digest: every day at 19:00." in screen
    assert "Quiet hours: 21:00–08:00; notifications wait until 08:00." in screen
    assert "Times are by the school's clock (Moscow)." in screen
    assert father.buttons() == [
        "🔔 New marks: at once",
        "🔔 Absences: at once",
        "🗓 Homework: in the digest",
        "🔔 Documents decided: at once",
        "🔔 Announcements: at once",
        "🔕 Homework for tomorrow, in the evening: off",
        "🔔 Week's results and forecast: at once",
        "🕖 Digest at 19:00",
        "🌙 Quiet hours 21:00–08:00",
        "Withdraw consent",
    ]
    await father.tap("🔔 Announcements: at once")
    assert father.buttons()[4] == "🗓 Announcements: in the digest"
    await father.tap("🕖 Digest at 19:00")
    assert father.buttons() == ["07:00", "15:00", "✓ 19:00", "21:00", "Other time…", "◀ Back"]
    await father.tap("Other time…")
    await father.send("noon")
    assert father.last_text() == "This is not a time: send it as HH:MM, for example 18:30."
    await father.send("12:00")
    assert "Digest: every day at 12:00." in father.last_text()
    assert await stored_modes(sessions) == {(father.account_id, school.students["borisova"], "announcements", "digest")}
    assert await account_times(sessions, father.account_id) == (time(12), time(21), time(8))


async def test_a_student_sets_their_own_pushes_ACC_1(bot_world, linked):
    school, sessions = bot_world
    async with sessions() as session:
        person_id = (await session.get(Student, school.students["zaitsev"])).person_id
    student = await linked(person_id)
    await student.press("Настройки")
    assert student.last_text().startswith("Уведомления: Лев Зайцев, 5Б\n")
    await student.tap("🗓 Домашнее задание: в сводке")
    assert await stored_modes(sessions) == {(student.account_id, school.students["zaitsev"], "homework", "off")}
