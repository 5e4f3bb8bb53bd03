"""/period end to end: the sheet of a class and subject's period marks with the weighted averages, the suggested
marks and the accumulation warnings (PER-3, PER-4); setting a mark one by one and the suggested ones at once
(PER-2); the read-only sheet after the period's end (PER-5); and the refusals: another teacher's class in a forged
button (ACC-3), a mark off the scale (J-8), a first-grade class (J-8)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from services.access import load_actor
from services.journal import JournalService
from services.models import EventKind, FinalMark, OutboxEvent
from services.pushes.queue import Item, Outgoing
from tests.factories import MONDAY, TODAY
from tests.flows.conftest import plain
from ui.callbacks import PeriodBulkCB, PeriodMarkCB, PeriodSheetCB
from ui.pushes.render import render


async def marks_of_math_5a(sessions, clock, school) -> None:
    """Borisova has 14 marks (enough for 5 hours a week, PER-4); Alekseev two, one of them a test (weight 2);
    Vasiliev one; Grigorieva none."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])
        monday = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
        today = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
        kid = school.students
        await journal.add_marks(
            math,
            monday.lesson_id,
            school.work_types["answer"],
            [(kid["alekseev"], 5), (kid["vasiliev"], 3)] + [(kid["borisova"], 5)] * 7,
        )
        await journal.add_marks(
            math, today.lesson_id, school.work_types["test"], [(kid["alekseev"], 4)] + [(kid["borisova"], 4)] * 7
        )


async def final_marks(sessions) -> dict[int, int]:
    async with sessions() as session:
        return dict((await session.execute(select(FinalMark.student_id, FinalMark.value))).all())


POLICY = (
    "Округление с 0,5 (4,5 → 5). Пропуски по уважительной причине уменьшают это число пропорционально. "
    "За каждую письменную работу, на которой ученик был, нужна отметка."
)
SHEET_HEAD = (
    "Математика, 5А\n"
    "2 четверть: 5 нояб. – 28 дек.\n"
    "По правилам школы для объективной отметки за период нужно не менее 14 отметок.\n" + POLICY + "\n\n"
)


async def test_teacher_sets_period_marks_one_by_one_and_the_suggested_at_once_PER_2_PER_3_PER_4(
    bot_world, linked, clock
):
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    math = await linked(school.staff["math"])
    assert "Отметки за период" in math.keyboard()
    await math.press("Отметки за период")  # one class and subject: its sheet at once, the current quarter
    assert plain(math.last_text()) == SHEET_HEAD + (
        "1. Алексеев Артём Игоревич\n"
        "    5, 4 · средний 4,33 → 4\n"
        "    ⚠ 2 из 14 отметок\n"
        "2. Борисова Вера Олеговна\n"
        "    5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4 · средний 4,33 → 4\n"
        "3. Васильев Глеб Денисович\n"
        "    3 · средний 3,00 → 3\n"
        "    ⚠ 1 из 14 отметок\n"
        "    ⚠ нет отметки за 1 письменную работу\n"
        "4. Григорьева Дина Ефимовна\n"
        "    отметок нет\n"
        "    ⚠ 0 из 14 отметок\n"
        "    ⚠ нет отметки за 1 письменную работу\n"
        "\n"
        "Нажмите на ученика, чтобы поставить или изменить отметку за период. «Поставить предложенные» ставит "
        "их всем, у кого ещё нет отметки за период, кроме учеников с ⚠: им поставьте по одному."
    )
    assert math.buttons() == [
        "⚠ 1 Алексеев → 4",
        "2 Борисова → 4",
        "⚠ 3 Васильев → 3",
        "⚠ 4 Григорьева",
        "Поставить предложенные",
        "1 четверть",
        "✓ 2 четверть",
        "Годовые и итоговые отметки",
        "◀ Классы",
    ]

    await math.tap("⚠ 1 Алексеев → 4")
    assert plain(math.last_text()) == (
        "Математика, 5А\n"
        "2 четверть: 5 нояб. – 28 дек.\n"
        "Алексеев Артём Игоревич\n"
        "\n"
        "23 нояб.: 5 (Ответ на уроке)\n"
        "24 нояб.: 4 (Контрольная работа, вес 2)\n"
        "Средний взвешенный балл: 4,33; предложенная отметка: 4\n"
        "⚠ 2 из 14 отметок: слишком мало для объективной отметки за период.\n"
        "Ученику без достаточного числа отметок можно поставить «н/а» (не аттестован).\n"
        "Отметка за период: пока не поставлена\n"
        "\n"
        "Выберите отметку за период:"
    )
    assert math.buttons() == ["4 (предложено)", "5", "3", "2", "н/а (не аттестован)", "◀ Ведомость"]
    await math.tap("5")  # the teacher decides against the suggestion; five weeks of the quarter are left
    assert plain(math.last_text()) == (
        "Математика, 5А\n2 четверть: 5 нояб. – 28 дек.\n\n"
        "⚠ Период заканчивается 28 дек., до конца больше недели: отметки ещё могут появиться.\n"
        "Алексеев Артём Игоревич: поставить отметку за период 5 уже сейчас?"
    )
    assert math.buttons() == ["Да, поставить", "Отмена"]
    answer = await math.tap("Да, поставить")
    assert answer["text"] == "Алексеев Артём Игоревич: отметка за период 5."
    assert plain(math.last_text()).startswith(SHEET_HEAD + "1. Алексеев Артём Игоревич — за период 5\n")
    assert math.buttons()[0] == "⚠ 1 Алексеев: 5 ✅"

    await math.tap("Поставить предложенные")
    assert plain(math.last_text()) == (
        "Математика, 5А\n"
        "2 четверть: 5 нояб. – 28 дек.\n"
        "\n"
        "⚠ Период заканчивается 28 дек., до конца больше недели: отметки ещё могут появиться.\n"
        "Поставить предложенную отметку за период 1 ученику?\n"
        "\n"
        "Борисова Вера Олеговна — 4\n"
        "\n"
        "⚠ Не ставятся: слишком мало отметок для объективной отметки за период. Проверьте и поставьте "
        "по одному: Васильев Глеб Денисович, Григорьева Дина Ефимовна."
    )
    assert math.buttons() == ["Да, поставить", "Отмена"]
    answer = await math.tap("Да, поставить")
    assert answer["text"] == "Поставлена 1 отметка за период."
    assert "2. Борисова Вера Олеговна — за период 4\n" in math.last_text()
    assert "Поставить предложенные" not in math.buttons()  # nobody is left for it
    assert await final_marks(sessions) == {school.students["alekseev"]: 5, school.students["borisova"]: 4}

    # PER-4's warned students are set one by one, on purpose
    await math.tap("⚠ 3 Васильев → 3")
    await math.tap("3 (предложено)")
    await math.tap("Да, поставить")
    assert (await final_marks(sessions))[school.students["vasiliev"]] == 3


async def test_double_taps_set_each_period_mark_once_and_say_what_is_true_PER_2(bot_world, linked, clock):
    """Two taps at once on a value, then on «Да, поставить»: each mark is set and sent to the family once."""
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.press("Отметки за период")
    await math.tap("⚠ 1 Алексеев → 4")
    await math.tap("5")
    answers = await math.double_tap("Да, поставить")
    assert [answer["text"] for answer in answers] == ["Алексеев Артём Игоревич: отметка за период 5."] * 2
    await math.tap("Поставить предложенные")
    answers = await math.double_tap("Да, поставить")
    assert sorted(answer["text"] for answer in answers) == [  # the second found none left to set
        "Не осталось предложенных отметок, которые можно поставить.",
        "Поставлена 1 отметка за период.",
    ]
    assert await final_marks(sessions) == {school.students["alekseev"]: 5, school.students["borisova"]: 4}
    async with sessions() as session:
        assert (
            await session.scalars(
                select(OutboxEvent.payload["value"].as_integer())
                .where(OutboxEvent.kind == EventKind.PERIOD_MARK_SET)
                .order_by(OutboxEvent.id)
            )
        ).all() == [5, 4]


async def test_refusals_another_teachers_class_and_a_mark_off_the_scale_ACC_3_J_8(bot_world, linked, clock):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await math.send("/period")
    for forged in (
        PeriodSheetCB(assignment=school.assignments["math5B"], period=school.q2),
        PeriodMarkCB(
            assignment=school.assignments["math5B"], period=school.q2, student=school.students["zaitsev"], value=5
        ),
        PeriodBulkCB(assignment=school.assignments["math5B"], period=school.q2, confirm=True),
    ):
        answer = await math.tap_raw(forged.pack())
        assert (answer["text"], answer["show_alert"]) == ("Вы не ведёте этот класс или предмет.", True)
    answer = await math.tap_raw(
        PeriodMarkCB(
            assignment=school.assignments["math5A"], period=school.q2, student=school.students["alekseev"], value=7
        ).pack()
    )
    assert answer["text"] == "Отметка 7 вне шкалы: от 2 до 5."
    answer = await math.tap_raw(
        PeriodMarkCB(
            assignment=school.assignments["math5A"], period=school.q2, student=school.students["zaitsev"], value=5
        ).pack()
    )
    assert answer["text"] == "Этот ученик не из класса или группы урока."
    assert await final_marks(sessions) == {}

    primary = await linked(school.staff["primary"])  # 1А only: grade 1 gets no marks (J-8)
    await primary.send("/period")
    assert primary.last_text() == (
        "Ни в одном из ваших классов не ставятся отметки за период (в первых классах отметок нет)."
    )
    answer = await primary.tap_raw(PeriodSheetCB(assignment=school.assignments["read1A"], period=school.q2).pack())
    assert answer["text"] == "В 1 классе отметки не ставятся."


async def test_a_teacher_of_two_classes_chooses_one_and_switches_periods(bot_world, linked):
    school, _sessions = bot_world
    russian = await linked(school.staff["russian"])
    await russian.send("/period")
    assert russian.last_text() == "Отметки за период: выберите класс и предмет."
    assert russian.buttons() == ["5А, Русский язык", "5Б, Математика"]
    await russian.tap("5Б, Математика")
    assert plain(russian.last_text()).startswith(
        "Математика, 5Б\n2 четверть: 5 нояб. – 28 дек.\n"
        "По правилам школы для объективной отметки за период нужно не менее 8 отметок.\n" + POLICY + "\n\n"
        "1. Алексеева Ксения Игоревна\n    отметок нет\n    ⚠ 0 из 8 отметок\n"
    )
    await russian.tap("1 четверть")  # over: read only
    assert plain(russian.last_text()).endswith(
        "🔒 1 четверть закончилась 24 октября 2026 г.: её отметки меняются только приказом директора."
    )
    assert russian.buttons() == ["✓ 1 четверть", "2 четверть", "◀ Классы"]
    await russian.tap("◀ Классы")
    assert russian.buttons() == ["5А, Русский язык", "5Б, Математика"]


async def test_after_the_period_ends_the_sheet_reads_only_PER_5(bot_world, linked, clock):
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    math = await linked(school.staff["math"])
    clock.at(date(2026, 12, 29))  # the winter vacation: the second quarter is over
    await math.send("/period")
    text = plain(math.last_text())
    assert text.startswith(SHEET_HEAD + "1. Алексеев Артём Игоревич\n")
    assert text.endswith("🔒 2 четверть закончилась 28 декабря 2026 г.: её отметки меняются только приказом директора.")
    assert math.buttons() == ["1 четверть", "✓ 2 четверть", "Годовые и итоговые отметки", "◀ Классы"]
    for forged in (
        PeriodMarkCB(
            assignment=school.assignments["math5A"], period=school.q2, student=school.students["alekseev"], value=4
        ),
        PeriodBulkCB(assignment=school.assignments["math5A"], period=school.q2, confirm=True),
    ):
        answer = await math.tap_raw(forged.pack())
        assert plain(answer["text"]) == (
            "2 четверть закончилась 28 декабря 2026 г.: её отметки меняются только приказом директора."
        )
    assert await final_marks(sessions) == {}


RULE_ID = re.compile(r"\b(ROLE|ACC|J|ABS|PER|DIA|REP|DATA)-[0-9]")


async def test_teachers_and_the_deputys_screens_show_no_rule_ids(bot_world, linked, clock):
    """The accumulation rule is said in words («по правилам школы … не менее 14 отметок»), never «(PER-4)»."""
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.press("Отметки за период")
    seen = [math.last_text()]
    await math.tap("⚠ 1 Алексеев → 4")
    seen.append(math.last_text())
    await math.tap("◀ Ведомость")
    await math.tap("Поставить предложенные")
    seen.append(math.last_text())
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Контроль журнала")
    seen.append(deputy.last_text())
    for button in list(deputy.buttons()):
        if button not in ("◀ Прошлая неделя", "Выбрать класс", "Вся школа"):
            await deputy.tap(button)
            seen.append(deputy.last_text())
            if "◀ Сводка" in deputy.buttons():
                await deputy.tap("◀ Сводка")
    assert "по правилам школы" in seen[0].lower()
    assert [text for text in seen if RULE_ID.search(text)] == []


async def test_a_student_without_enough_marks_is_left_not_attested_and_the_family_reads_n_a_PER_4(
    bot_world, linked, clock
):
    """Grigorieva has no marks: «н/а» is offered (asked about first, five weeks before the quarter's end), the sheet
    and the parent's marks say «н/а (не аттестован)», and so does the push. Borisova, with enough marks, is offered
    no «н/а»."""
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.press("Отметки за период")
    await math.tap("2 Борисова → 4")
    assert "н/а (не аттестован)" not in math.buttons()
    await math.tap("◀ Ведомость")
    await math.tap("⚠ 4 Григорьева")
    assert math.buttons() == ["5", "4", "3", "2", "н/а (не аттестован)", "◀ Ведомость"]
    await math.tap("н/а (не аттестован)")
    assert plain(math.last_text()).endswith(
        "Григорьева Дина Ефимовна: поставить отметку за период н/а (не аттестован) уже сейчас?"
    )
    answer = await math.tap("Да, поставить")
    assert answer["text"] == "Григорьева Дина Ефимовна: отметка за период н/а (не аттестован)."
    assert "4. Григорьева Дина Ефимовна — за период н/а (не аттестован)\n" in plain(math.last_text())
    assert "⚠ 4 Григорьева: н/а (не аттестован) ✅" in math.buttons()
    assert await final_marks(sessions) == {school.students["grigorieva"]: None}
    await math.tap("Поставить предложенные")  # she is not among the students it would set, nor its warnings
    assert "Григорьева" not in math.last_text()

    async with sessions() as session:
        [payload] = (
            await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.kind == EventKind.PERIOD_MARK_SET))
        ).all()
    item = Item(
        delivery_id=1,
        event_id=1,
        kind=EventKind.PERIOD_MARK_SET,
        student_id=payload["student_id"],
        payload={**payload, "facts": {"subject": "Математика", "period": "2 четверть"}},
        topic="final",
        digest=False,
        told_before=False,
    )
    rendered = render(Outgoing(account_id=1, locale="ru", items=(item,), names={payload["student_id"]: "Дина"}))
    assert "🏁 2 четверть, Математика: н/а (не аттестован)" in rendered.text

    dina = await linked(school.student_persons["grigorieva"])  # her own marks (DIA-1)
    await dina.send("/marks")
    assert "Математика — оценок пока нет, за период: н/а (не аттестован)\n" in plain(dina.last_text())
    await dina.tap("Математика")
    assert "\nОценок пока нет.\nОценка за 2 четверть: н/а (не аттестован)\n" in plain(dina.last_text())


async def test_in_the_periods_last_week_a_period_mark_is_set_at_once_PER_2(bot_world, linked, clock):
    school, sessions = bot_world
    await marks_of_math_5a(sessions, clock, school)
    clock.at(date(2026, 12, 22))  # the quarter ends on 28 December
    math = await linked(school.staff["math"])
    await math.press("Отметки за период")
    await math.tap("2 Борисова → 4")
    answer = await math.tap("4 (предложено)")
    assert answer["text"] == "Борисова Вера Олеговна: отметка за период 4."
    assert await final_marks(sessions) == {school.students["borisova"]: 4}
