"""The thematic plan (КТП, J-14) end to end: the template filled in and imported, then the teacher is offered the
plan's topics one by one on each lesson's card (a double lesson's topic twice); the deputy director's control
(REP-3) shows the programme's completion and the topic that departs from the plan; a teacher gets neither."""

from __future__ import annotations

import csv

from sqlalchemy import select

from services.access import system_actor
from services.models import Lesson
from services.plan import PlanService
from services.school_import import read_plan, write_plan_templates
from tests.flows.conftest import open_card, plain
from ui.callbacks import ControlCB, ControlView

SLOT = "⚠️ 2. 5Б, Математика"
ROWS = [  # teacher, class, subgroup, subject, lesson, planned date, topic, hours
    ["Кузнецов Олег Петрович", "5Б", "", "Математика", "1", "19.11.2026", "Делимость чисел", ""],
    ["Кузнецов Олег Петрович", "5Б", "", "Математика", "2", "20.11.2026", "Признаки делимости", "2"],
    ["Кузнецов Олег Петрович", "5Б", "", "Математика", "4", "26.11.2026", "Простые и составные числа", ""],
]


def filled_template(tmp_path):
    """The CSV template as a school fills it: its header kept, the example row replaced by the plan."""
    template = next(p for p in write_plan_templates(tmp_path) if p.suffix == ".csv")
    with template.open(encoding="utf-8-sig", newline="") as file:
        header = next(csv.reader(file, delimiter=";"))
    with template.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(header)
        out.writerows(ROWS)
    return template


async def import_plan(sessions, clock, school, tmp_path) -> None:
    async with sessions() as session:
        report = await PlanService(session, clock).import_plan(
            system_actor(school.school_id), read_plan(filled_template(tmp_path))
        )
    assert (report.created, report.topics, report.warnings) == (1, 4, ())


async def topics(sessions) -> list[tuple[str, int, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Lesson.date, Lesson.lesson_number, Lesson.topic).order_by(Lesson.date, Lesson.lesson_number)
        )
        return [(day.strftime("%d.%m"), number, topic) for day, number, topic in rows]


async def test_the_imported_plan_offers_its_topics_one_by_one_J_14(bot_world, linked, clock, tmp_path):
    school, sessions = bot_world
    await import_plan(sessions, clock, school, tmp_path)
    teacher = await linked(school.staff["russian"])  # Кузнецов teaches maths in 5Б
    for day, offered in (("19.11", "Делимость чисел"), ("20.11", "Признаки делимости"), ("", "Признаки делимости")):
        slot = "⚠️ 1. 5Б, Математика" if day == "20.11" else SLOT  # Friday's maths is the first lesson
        await open_card(teacher, slot, day)
        await teacher.tap("Тема")
        assert f"Следующая тема по тематическому плану: {offered}\n" in teacher.last_text()
        assert teacher.buttons() == [offered, "◀ Урок"]
        if day:
            await teacher.tap(offered)
            assert f"Тема: {offered}\n" in teacher.last_text()
    await teacher.send("Самостоятельная работа")  # today: another topic than the plan's
    assert await topics(sessions) == [
        ("19.11", 2, "Делимость чисел"),
        ("20.11", 1, "Признаки делимости"),
        ("24.11", 2, "Самостоятельная работа"),
    ]

    deputy = await linked(school.staff["deputy"])
    await deputy.press("Контроль журнала")
    await deputy.tap("Выполнение программы")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: вся школа\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Выполнение программы на 24 нояб.\n"
        "Проведено — уроки с записанной темой; по плану к сегодняшнему дню — уроки по расписанию с начала года, "
        "но не больше тем в КТП.\n"
        "\n"
        "Отстают от плана: 2; идут по плану: 0\n"
        "• 5А, Математика — Смирнова Е. В.: 0 из 53 (0%); в КТП 79\n"
        "• 5Б, Математика — Кузнецов О. П.: 3 из 4 (75%); в КТП 4\n"
        "\n"
        "КТП не загружено: 4\n"
        "• 1А, Литературное чтение — Соколова М. И.\n"
        "• 5А, Английский язык (Англ. 1) — Белова А. С.\n"
        "• 5А, Английский язык (Англ. 2) — Орлов И. А.\n"
        "• 5А, Русский язык — Кузнецов О. П."
    )
    await deputy.tap("◀ Сводка")
    await deputy.tap("Темы не по плану")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: вся школа\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Темы не по плану: 1\n"
        "• 24 нояб., 2-й урок, 5Б, Математика — Кузнецов О. П.: «Самостоятельная работа»; "
        "по КТП (урок 3): «Признаки делимости»"
    )
    await deputy.tap("◀ Сводка")
    await deputy.tap("◀ Прошлая неделя")
    await deputy.tap("Темы не по плану")  # the week of 16 November followed the plan
    assert plain(deputy.last_text()).endswith("✅ Все темы уроков этой недели — по тематическому плану.")

    await deputy.tap("◀ Сводка")
    await deputy.tap("Выбрать класс")
    await deputy.tap("5Б")
    await deputy.tap("Выполнение программы")
    assert plain(deputy.last_text()) == (  # a class: every subject, on schedule or not, and no other class
        "Контроль журнала: 5Б\n"
        "Неделя 16 нояб. – 22 нояб.\n"  # the week chosen before; the completion is of today
        "\n"
        "Выполнение программы на 24 нояб.\n"
        "Проведено — уроки с записанной темой; по плану к сегодняшнему дню — уроки по расписанию с начала года, "
        "но не больше тем в КТП.\n"
        "\n"
        "• 5Б, Математика — Кузнецов О. П.: 3 из 4 (75%); в КТП 4"
    )


async def test_a_teacher_gets_no_plan_control_ROLE_2(bot_world, linked):
    school, _sessions = bot_world
    teacher = await linked(school.staff["math"])
    for view in (ControlView.plan, ControlView.topics):
        answer = await teacher.tap_raw(ControlCB(view=view).pack())
        assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
