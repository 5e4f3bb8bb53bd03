"""/class end to end: the class teacher's class today (who missed which lesson, where attendance is not taken),
the absences without a reason oldest first with their ABS-3 deadline, setting a reason for a day or one lesson
(ABS-2), who has not linked Telegram and fresh codes for them (ACC-6, ACC-7), and the refusals: another class in a
forged button and another class's absence (ACC-4)."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from sqlalchemy import select

from services.absences import AbsenceService
from services.access import load_actor, system_actor
from services.invites import InviteService, hash_code
from services.journal import JournalService
from services.models import Absence, AbsenceReason, DocumentKind, InviteCode, Lesson
from tests.factories import MONDAY, TODAY, account_of, open_lesson
from tests.flows.conftest import in_max, plain
from tests.flows.test_attendance_flow import set_edit_window
from ui.callbacks import ClassCB, ClassReasonCB

THURSDAY = date(2026, 11, 19)
MAIN = (
    "Мой класс: 5А\n"
    "\n"
    "Вторник, 24 ноября: посещаемость\n"
    "1. Русский язык — отсутствует: Алексеев Артём\n"
    "2. Математика — отсутствуют: Алексеев Артём, Борисова Вера\n"
    "3. Английский язык (Англ. 1) — все на месте\n"
    "3. Английский язык (Англ. 2) — посещаемость не отмечена\n"
    "\n"
    "Пропусков без причины: 5 (просрочено: 1 ⚠️)\n"
    "Не подключены к боту: 5"
)


async def a_week_of_absences(sessions, clock, school) -> None:
    """5А's absences as the subject teachers saved them; none has a reason yet (J-12)."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        for teacher, assignment, day, number, absent in (
            ("math", "math5A", THURSDAY, 1, ["borisova"]),
            ("math", "math5A", MONDAY, 1, ["vasiliev"]),
            ("russian", "rus5A", TODAY, 1, ["alekseev"]),
            ("math", "math5A", TODAY, 2, ["alekseev", "borisova"]),
            ("eng1", "eng5A1", TODAY, 3, []),
            ("russian", "math5B", TODAY, 2, ["zaitsev"]),
        ):  # 5Б: the russian teacher's class
            actor, view = await open_lesson(journal, school, teacher, assignment, day, number)
            await journal.save_attendance(actor, view.lesson_id, [school.students[s] for s in absent])


async def reasons(sessions) -> dict[tuple[str, date, int], AbsenceReason | None]:
    async with sessions() as session:
        rows = await session.execute(
            select(Absence.student_id, Lesson.date, Lesson.lesson_number, Absence.reason).join(
                Lesson, Lesson.id == Absence.lesson_id
            )
        )
        return {(student, day, number): reason for student, day, number, reason in rows}


async def test_class_today_and_reasons_set_for_a_day_and_for_one_lesson_ABS_2_ABS_3(bot_world, linked, clock):
    school, sessions = bot_world
    await a_week_of_absences(sessions, clock, school)
    await linked(school.parents["borisov_father"])  # linked: not among those to invite
    math = await linked(school.staff["math"])
    assert "Мой класс" in math.keyboard() and "class" in math.commands()
    await math.press("Мой класс")
    assert plain(math.last_text()) == MAIN
    assert math.buttons() == ["Пропуски без причины (5)", "Не подключены (5)", "📊 Отчёты", "🔄 Обновить"]

    await math.tap("Пропуски без причины (5)")
    assert plain(math.last_text()) == (
        "Пропуски без причины\n"
        "Сначала давние; у каждого — срок, до которого нужно указать причину.\n"
        "\n"
        "Борисова Вера, 19 нояб.: 1. Математика; срок — 23 нояб. ⚠️ просрочено\n"  # Thu → Fri, Mon: the weekend skipped
        "Васильев Глеб, 23 нояб.: 1. Математика; срок — 25 нояб.\n"
        "Алексеев Артём, 24 нояб.: 1. Русский язык, 2. Математика; срок — 26 нояб.\n"
        "Борисова Вера, 24 нояб.: 2. Математика; срок — 26 нояб."
    )
    assert [plain(b) for b in math.buttons()] == [
        "Борисова Вера · 19 нояб.",
        "Васильев Глеб · 23 нояб.",
        "Алексеев Артём · 24 нояб.",
        "Борисова Вера · 24 нояб.",
        "◀ Мой класс",
    ]

    await math.tap(next(b for b in math.buttons() if plain(b) == "Алексеев Артём · 24 нояб."))
    assert plain(math.last_text()) == (
        "Алексеев Артём, Вторник, 24 ноября\n"
        "\n"
        "1. Русский язык: причина не указана\n"
        "2. Математика: причина не указана\n"
        "\n"
        "Срок — 26 нояб.\n"
        "\n"
        "Какую причину поставить пропускам этого дня, у которых её нет?"
    )
    assert math.buttons() == [
        "Уважительная причина",
        "По болезни",
        "Неуважительная причина",
        "Только 1-й урок, Русский язык",
        "Только 2-й урок, Математика",
        "◀ Назад",
    ]
    await math.tap("Только 1-й урок, Русский язык")
    assert math.last_text().endswith("Какую причину поставить за 1-й урок, Русский язык?")
    answer = await math.tap("Неуважительная причина")
    assert answer["text"] == "Причина проставлена в 1 пропуске."
    assert "Алексеев Артём, 24 нояб.: 2. Математика; срок — 26 нояб." in plain(math.last_text())

    await math.tap(next(b for b in math.buttons() if plain(b) == "Алексеев Артём · 24 нояб."))
    assert "1. Русский язык: неуважительная причина\n2. Математика: причина не указана" in math.last_text()
    answer = await math.tap("По болезни")  # the day's absences without a reason: Математика only
    assert answer["text"] == "Причина проставлена в 1 пропуске."
    await math.tap(next(b for b in math.buttons() if plain(b) == "Борисова Вера · 24 нояб."))
    assert math.buttons() == ["Уважительная причина", "По болезни", "Неуважительная причина", "◀ Назад"]
    await math.tap("Уважительная причина")

    found = await reasons(sessions)
    s = school.students
    assert found == {
        (s["borisova"], THURSDAY, 1): None,
        (s["vasiliev"], MONDAY, 1): None,
        (s["alekseev"], TODAY, 1): AbsenceReason.UNEXCUSED,
        (s["alekseev"], TODAY, 2): AbsenceReason.ILLNESS,
        (s["borisova"], TODAY, 2): AbsenceReason.EXCUSED,
        (s["zaitsev"], TODAY, 2): None,
    }
    await math.tap("◀ Мой класс")
    assert "Пропусков без причины: 2 (просрочено: 1 ⚠️)" in plain(math.last_text())


async def test_another_class_and_its_absences_are_refused_ACC_4(bot_world, linked, clock):
    school, sessions = bot_world
    await a_week_of_absences(sessions, clock, school)
    async with sessions() as session:
        foreign = await session.scalar(select(Absence.id).where(Absence.student_id == school.students["zaitsev"]))
    math = await linked(school.staff["math"])  # leads 5А, teaches nothing in 5Б
    await math.press("Мой класс")
    for data in (
        ClassCB(cls=school.classes["5Б"], view="main"),
        ClassCB(cls=school.classes["5Б"], view="codes"),
        ClassReasonCB(cls=school.classes["5А"], absence=foreign, scope="day", reason="illness"),
        ClassReasonCB(cls=school.classes["5А"], absence=foreign, scope="one"),
    ):
        answer = await math.tap_raw(data.pack())
        assert answer["text"] == "Это не ваш класс."
    answer = await math.tap_raw(
        ClassReasonCB(cls=school.classes["5А"], absence=foreign + 100, scope="day", reason="illness").pack()
    )
    assert answer["text"] == "Этого пропуска уже нет в журнале."
    assert set((await reasons(sessions)).values()) == {None}
    async with sessions() as session:
        assert (
            await session.scalars(
                select(InviteCode).where(  # no codes for 5Б either
                    InviteCode.issued_by == school.staff["math"]
                )
            )
        ).all() == []

    russian = await linked(school.staff["russian"])  # leads 5Б: its own class only
    await russian.press("Мой класс")
    assert plain(russian.last_text()).startswith(
        "Мой класс: 5Б\n\nВторник, 24 ноября: посещаемость\n2. Математика — отсутствует: Зайцев Лев"
    )


async def test_unlinked_people_get_fresh_codes_shown_to_the_class_teacher_only_ACC_6_ACC_7(
    bot_world, linked, person, clock, caplog
):
    school, sessions = bot_world
    await linked(school.parents["borisov_father"])
    async with sessions() as session:  # Васильев got a code and said no to the consent
        invites = InviteService(session, clock)
        [old] = await invites.for_person(
            system_actor(school.school_id), school.student_persons["vasiliev"], timedelta(days=7)
        )
        await invites.decline(555, old.code)
    math = await linked(school.staff["math"])
    await math.press("Мой класс")
    await math.tap("Не подключены (5)")
    assert plain(math.last_text()) == (
        "Не подключены к боту\n"
        "\n"
        "Ученики (4):\n"
        "• Алексеев Артём Игоревич\n"
        "• Борисова Вера Олеговна\n"
        "• Васильев Глеб Денисович — отказ от согласия на обработку данных; код выдан, действует до 1 дек.\n"
        "• Григорьева Дина Ефимовна\n"
        "\n"
        "Родители (1):\n"
        "• Алексеева Ольга Петровна (Алексеев Артём)"
    )
    assert math.buttons() == ["🔑 Код для одного человека", "🔑 Новые коды для всех них", "◀ Мой класс"]
    await math.tap("🔑 Новые коды для всех них")
    assert math.last_text() == (
        "Выдать новые коды тем, кто не подключён (5)?\n"
        "Коды, выданные им раньше и ещё не использованные, перестанут действовать."
    )
    assert math.buttons() == ["Выдать коды", "◀ Назад"]
    with caplog.at_level(logging.DEBUG):
        await math.tap("Выдать коды")

    shown = math.texts()
    assert "код выдан, действует до 8 дек." in plain(shown[-2])  # the list, edited in place
    lines = shown[-1].split("\n")
    # The bot the class teacher writes to, and a link to it with each code: «… — Telegram» or «… — MAX».
    name, messenger = math.bot_username(), ("MAX" if in_max(math.emulator) else "Telegram")
    bot, link = (f"{name} (MAX)", "https://max.ru/") if messenger == "MAX" else (f"@{name}", "https://t.me/")
    assert lines[:3] == [
        "Новые коды",
        (
            "Каждый код действует 14 дней и срабатывает один раз. Передайте каждому только его код: человек "
            f"открывает бота {bot}, нажимает «Старт» и отправляет код."
        ),
        "",
    ]
    codes = dict(re.fullmatch(rf"(.+): (\w{{10}}) — {messenger}", line).groups() for line in lines[3:])
    assert math.links() == [f"{link}{name}?start={code}" for code in codes.values()]
    assert list(codes) == [
        "Алексеев Артём Игоревич (ученик)",
        "Борисова Вера Олеговна (ученик)",
        "Васильев Глеб Денисович (ученик)",
        "Григорьева Дина Ефимовна (ученик)",
        "Алексеева Ольга Петровна (родитель)",
    ]
    assert math.buttons() == []  # nothing to tap that would edit the codes away
    assert not any(code in record.getMessage() for code in codes.values() for record in caplog.records)

    async with sessions() as session:
        valid = (
            await session.scalars(
                select(InviteCode).where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
            )
        ).all()
        assert {c.code_hash for c in valid} == {hash_code(code) for code in codes.values()}
        assert {c.person_id for c in valid} == {
            *(school.student_persons[k] for k in ("alekseev", "borisova", "vasiliev", "grigorieva")),
            school.parents["alekseeva_mother"],
        }
        assert all(c.issued_by == school.staff["math"] for c in valid)

    student = person()  # a code handed over works
    await student.send("/start " + codes["Григорьева Дина Ефимовна (ученик)"])
    await student.tap("Принимаю")
    async with sessions() as session:
        assert await account_of(session, school.student_persons["grigorieva"]) == student.account_id
    await math.press("Мой класс")
    assert math.last_text().endswith("Не подключены к боту: 4")


async def test_an_absence_whose_note_came_later_is_not_overdue_before_two_working_days_ABS_3(bot_world, linked, clock):
    """Thursday's absence was overdue on Monday; the father brings the note on Monday: due Wednesday."""
    school, sessions = bot_world
    await a_week_of_absences(sessions, clock, school)
    async with sessions() as session:
        clock.at(MONDAY)
        father = await load_actor(session, school.parents["borisov_father"])
        await AbsenceService(session, clock).submit_document(
            father, school.students["borisova"], THURSDAY, THURSDAY, DocumentKind.ILLNESS
        )
        clock.at(TODAY)
    math = await linked(school.staff["math"])
    await math.press("Мой класс")
    assert "Пропусков без причины: 5\n" in plain(math.last_text()) and "просрочено" not in math.last_text()
    await math.tap("Пропуски без причины (5)")
    assert "Борисова Вера, 19 нояб.: 1. Математика; срок — 25 нояб.\n" in plain(math.last_text())
    assert "просрочено" not in math.last_text()


async def test_absences_past_the_schools_window_get_no_button_and_the_lock_says_its_days_J_9(bot_world, linked, clock):
    school, sessions = bot_world
    await a_week_of_absences(sessions, clock, school)
    await set_edit_window(sessions, school, 1)  # Thursday's absence is locked, Monday's still open
    math = await linked(school.staff["math"])
    await math.press("Мой класс")
    await math.tap("Пропуски без причины (5)")
    assert plain(math.last_text()).endswith(
        "Борисова Вера, 24 нояб.: 2. Математика; срок — 26 нояб.\n"
        "\n"
        "🔒 Прошло больше 1 дня: здесь причину уже не поставить."
    )
    assert [plain(b) for b in math.buttons()] == [
        "Васильев Глеб · 23 нояб.",
        "Алексеев Артём · 24 нояб.",
        "Борисова Вера · 24 нояб.",
        "◀ Мой класс",
    ]
