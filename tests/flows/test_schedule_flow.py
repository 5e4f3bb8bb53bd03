"""/schedule end to end (DIA-1): the week's lessons with bell times, subjects, rooms and teachers; weeks moved
in place; holidays and days off (PER-1); only one's own children (ACC-2); a long week comes as several
messages, never cut off at Telegram's 4,096 characters."""

from __future__ import annotations

import logging
import re
from datetime import date, time, timedelta

from sqlalchemy import select

from services.models import Assignment, Bell, Subject, TimetableEntry
from tests.factories import TODAY
from tests.flows.conftest import TOKEN, plain, span
from ui.callbacks import ScheduleCB

ARTYOM_WEEK = """Расписание: Артём, 5А
{week}

Понедельник, 23 ноября
1. 09:00–09:45 Математика — каб. 12, Смирнова Е. В.

Вторник, 24 ноября, сегодня
1. 09:00–09:45 Русский язык — Кузнецов О. П.
2. 10:00–10:45 Математика — Смирнова Е. В.
3. 11:00–11:45 Английский язык — Белова А. С.

Среда, 25 ноября
1. 09:00–09:45 Математика — Смирнова Е. В.

Четверг, 26 ноября
1. 09:00–09:45 Математика — Смирнова Е. В.
3. 11:00–11:45 Английский язык — Белова А. С.

Пятница, 27 ноября
2. 10:00–10:45 Математика — Смирнова Е. В.

Суббота, 28 ноября
Выходной: уроков нет."""

MONDAY, SATURDAY = TODAY - timedelta(days=1), TODAY + timedelta(days=4)
NEXT_MONDAY, NEXT_SATURDAY = MONDAY + timedelta(weeks=1), SATURDAY + timedelta(weeks=1)

# Real school subjects, long names and all, nine lessons a day from Monday to Saturday (more than a fifth
# form has, so that the week is long for certain).
SUBJECTS = (
    "Основы духовно-нравственной культуры народов России",
    "Основы безопасности и защиты Родины",
    "Изобразительное искусство",
    "Физическая культура",
    "Труд (технология)",
    "Литература",
    "Русский язык и литература: практикум",
    "История России. Всеобщая история",
    "География",
    "Биология",
    "Музыка",
    "Информатика и информационные технологии",
)


def screen(user) -> dict:
    return user.emulator.last_message(TOKEN, user.id)


async def room_for_mondays_math(sessions, school, room: str) -> None:
    async with sessions() as session:
        entry = await session.scalar(
            select(TimetableEntry).where(
                TimetableEntry.assignment_id == school.assignments["math5A"], TimetableEntry.weekday == 0
            )
        )
        entry.room = room
        await session.commit()


async def test_the_weeks_timetable_with_bells_rooms_and_a_day_off_DIA_1(bot_world, linked):
    school, sessions = bot_world
    await room_for_mondays_math(sessions, school, "12")
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Расписание")
    assert plain(mother.last_text()) == ARTYOM_WEEK.format(week=span(MONDAY, SATURDAY))
    assert mother.buttons() == ["◀◀ Прошлая неделя", "Следующая неделя ▶▶"]


async def test_weeks_move_in_place_and_holidays_say_so_PER_1(bot_world, linked):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/schedule")
    message_id, count = screen(mother)["message_id"], len(mother.texts())

    await mother.tap("Следующая неделя ▶▶")
    assert plain(mother.last_text()).startswith(
        f"Расписание: Артём, 5А\n{span(NEXT_MONDAY, NEXT_SATURDAY)}\n\nПонедельник, 30 ноября"
    )
    assert mother.buttons() == ["◀◀ Прошлая неделя", "Следующая неделя ▶▶", "Текущая неделя"]
    for _ in range(4):
        await mother.tap("◀◀ Прошлая неделя")  # to the week of the autumn holidays
    text = plain(mother.last_text())
    assert text.startswith(f"Расписание: Артём, 5А\n{span(date(2026, 11, 2), date(2026, 11, 7))}")
    for day in ("Понедельник, 2 ноября", "Вторник, 3 ноября", "Среда, 4 ноября"):
        assert f"{day}\nОсенние каникулы: уроков нет." in text
    assert "Четверг, 5 ноября\n1. 09:00–09:45 Математика" in text  # the second quarter begins
    await mother.tap("Текущая неделя")
    assert plain(mother.last_text()).startswith(f"Расписание: Артём, 5А\n{span(MONDAY, SATURDAY)}")
    assert screen(mother)["message_id"] == message_id and len(mother.texts()) == count


async def test_on_a_sunday_the_coming_week_is_shown(bot_world, linked, clock):
    school, _ = bot_world
    student = await linked(school.student_persons["alekseeva"])
    clock.at(date(2026, 11, 29))
    await student.send("/schedule")
    assert plain(student.last_text()).startswith(
        f"Расписание: Ксения, 5Б\n{span(NEXT_MONDAY, NEXT_SATURDAY)}\n\n"
        "Понедельник, 30 ноября\nУроков нет.\n\n"
        "Вторник, 1 декабря\n2. 10:00–10:45 Математика — Кузнецов О. П."
    )


async def test_english_timetable(bot_world, linked):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"], language_code="en")
    await mother.send("/schedule")
    assert plain(mother.last_text()).startswith(
        f"Timetable: Артём, 5А\n{span(MONDAY, SATURDAY, locale='en')}\n\n"
        "Monday, 23 November\n1. 09:00–09:45 Математика — Смирнова Е. В."
    )
    assert mother.last_text().endswith("Saturday, 28 November\nA day off: no lessons.")
    assert mother.buttons() == ["◀◀ Previous week", "Next week ▶▶"]


async def test_forged_child_of_another_family_is_refused_and_logged_ACC_2(bot_world, linked, caplog):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/schedule")
    before = screen(mother)
    for day in (TODAY.isoformat(), "today"):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
            answer = await mother.tap_raw(ScheduleCB(student=school.students["borisova"], day=day).pack())
        assert answer["text"] == "Вы видите только своих детей." and answer["show_alert"] is True
        assert screen(mother) == before
        assert any("student.not_yours" in r.getMessage() for r in caplog.records)
    answer = await mother.tap_raw(ScheduleCB(student=school.students["alekseev"], day="2026-11-31").pack())
    assert answer["text"] == "В кнопке нет правильной даты. Отправьте команду ещё раз." and answer["show_alert"]
    assert screen(mother) == before


async def a_long_timetable(sessions, school) -> list[tuple[int, int, str]]:
    """5Б gets nine lessons a day, Monday to Saturday, of twelve subjects with long names and rooms."""
    async with sessions() as session:
        session.add_all(
            [
                Bell(school_id=school.school_id, lesson_number=n, starts_at=time(8 + n, 0), ends_at=time(8 + n, 45))
                for n in (7, 8, 9)
            ]
        )
        teachers = list(school.staff.values())
        assignments = []
        for i, name in enumerate(SUBJECTS):
            subject = Subject(school_id=school.school_id, name=name)
            session.add(subject)
            await session.flush()
            a = Assignment(
                school_id=school.school_id,
                teacher_id=teachers[i % len(teachers)],
                class_id=school.classes["5Б"],
                subject_id=subject.id,
                hours_per_week=4,
            )
            session.add(a)
            await session.flush()
            assignments.append(a.id)
        slots = []
        taken = {(1, 2), (3, 2), (4, 1)}  # 5Б's math
        free = [(weekday, number) for weekday in range(6) for number in range(1, 10) if (weekday, number) not in taken]
        for k, (weekday, number) in enumerate(free):
            session.add(
                TimetableEntry(
                    assignment_id=assignments[k % len(assignments)],
                    weekday=weekday,
                    lesson_number=number,
                    room=f"{200 + k} (корпус 2)",
                    valid_from=date(2026, 9, 1),
                )
            )
            slots.append((weekday, number, SUBJECTS[k % len(SUBJECTS)]))
        await session.commit()
    return slots


async def test_a_long_week_comes_as_several_messages_never_cut_item_8(bot_world, linked):
    school, sessions = bot_world
    slots = await a_long_timetable(sessions, school)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/switch")
    await mother.tap("Ксения, 5Б")
    count = len(mother.texts())
    await mother.send("/schedule", replies=2)
    texts = mother.texts()[count:]
    assert len(texts) == 2 and all(len(t) <= 4096 for t in texts)
    assert plain(texts[0]).startswith(f"Расписание: Ксения, 5Б\n{span(MONDAY, SATURDAY)}")
    assert re.match(r"(Понедельник|Вторник|Среда|Четверг|Пятница|Суббота), \d+ ноября", texts[1])  # cut between days
    whole = "\n".join(texts)
    lines = re.findall(r"^(\d)\. \d\d:\d\d–\d\d:\d\d (.+) — каб\. (\d+) \(корпус 2\)", whole, re.MULTILINE)
    assert len(lines) == len(slots) == 51  # every lesson of the week, each whole on its line
    assert sorted((int(n), s) for n, s, _ in lines) == sorted((n, s) for _, n, s in slots)
    assert mother.buttons() == ["◀◀ Прошлая неделя", "Следующая неделя ▶▶"]  # under the last message
    ids = [m["message_id"] for m in mother.emulator.messages(TOKEN, mother.id)[count:]]

    await mother.tap("Следующая неделя ▶▶")  # also long: both messages edited in place, none added
    assert [m["message_id"] for m in mother.emulator.messages(TOKEN, mother.id)[count:]] == ids
    assert "\n".join(mother.texts()[count:]).count(" (корпус 2)") == 51
    assert plain(mother.texts()[count]).startswith(f"Расписание: Ксения, 5Б\n{span(NEXT_MONDAY, NEXT_SATURDAY)}")
