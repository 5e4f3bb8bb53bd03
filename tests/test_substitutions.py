"""Substitutions (ACC-5): the deputy director assigns a substitute for an absent teacher's lessons, the substitute
keeps those lessons on those days only, the diary names the substitute, and a change for today or tomorrow is
pushed to the class's families (SUB-2). Refused: a teacher or a parent assigning, another school's teacher ids,
a forged class, a range ending before it starts or outside the school year, and an overlapping substitution of
the same lessons (SUB-1: refused, not replaced). A draft is saved once; every change is audited (DATA-3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.diary import DiaryService
from services.errors import AlreadySaved, Conflict, Forbidden, InvalidInput, NotFound
from services.journal import JournalService
from services.models import (
    Account,
    AuditEntry,
    Delivery,
    EventKind,
    NotifyKind,
    OutboxEvent,
    Substitution,
)
from services.pushes.fanout import plan_pending
from services.pushes.payloads import TimetableChanged, payload_of
from services.substitutions import Draft, SubstitutionService
from tests.factories import TODAY, add_link, build_school
from ui.pushes.render import text_of

TOMORROW = TODAY + timedelta(days=1)  # a Wednesday: 5А has maths 1st
THURSDAY = TODAY + timedelta(days=2)  # English 3rd for both subgroups of 5А
NEXT_THURSDAY = THURSDAY + timedelta(days=7)


async def actor(session, person_id):
    return await load_actor(session, person_id)


def draft(school, absent="eng1", first=THURSDAY, last=THURSDAY, assignment=None, substitute="math") -> Draft:
    return Draft(
        teacher_id=school.staff[absent],
        starts_on=first,
        ends_on=last,
        assignment_id=school.assignments[assignment] if assignment else None,
        substitute_id=school.staff[substitute],
    )


async def rows(session) -> list[Substitution]:
    await session.rollback()
    return list((await session.scalars(select(Substitution).order_by(Substitution.id))).all())


async def events(session) -> list[TimetableChanged]:
    found = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.kind == EventKind.TIMETABLE_CHANGED).order_by(OutboxEvent.id)
    )
    return [payload_of(e.kind, e.payload) for e in found]  # type: ignore[misc]


async def test_the_deputy_assigns_a_substitute_who_then_keeps_those_lessons_on_those_days_only_ACC_5(
    session, school, clock
):
    deputy = await actor(session, school.staff["deputy"])
    service = SubstitutionService(session, clock)
    absentees = await service.absent_candidates(deputy)
    assert absentees.today == TODAY
    assert "Белова А. С." in [t.name for t in absentees.teachers]
    taught = await service.taught(deputy, school.staff["eng1"], THURSDAY, THURSDAY)
    assert [(t.class_name, t.subgroup, t.subject) for t in taught] == [("5А", "Англ. 1", "Английский язык")]
    candidates = await service.substitutes(deputy, draft(school))
    assert "Белова А. С." not in [t.name for t in candidates]  # not for themselves
    assert "Смирнова Е. В." in [t.name for t in candidates]

    preview = await service.preview(deputy, draft(school))
    overview = await service.assign(deputy, draft(school), "d1")
    assert [(i.absent, i.substitute, i.starts_on) for i in overview.items] == [
        ("Белова А. С.", "Смирнова Е. В.", THURSDAY)
    ]
    assert (preview.absent.name, preview.substitute.name, preview.clashes, preview.short_notice) == (
        "Белова А. С.",
        "Смирнова Е. В.",
        (),
        False,
    )
    [row] = await rows(session)
    assert (row.assignment_id, row.substitute_id, row.starts_on, row.ends_on) == (
        school.assignments["eng5A1"],
        school.staff["math"],
        THURSDAY,
        THURSDAY,
    )
    [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "substitution"))).all()
    assert (entry.action, entry.actor_id, entry.after["starts_on"]) == ("add", school.staff["deputy"], "2026-11-26")
    assert await events(session) == []  # two days ahead: no push (SUB-2)

    # The substitute's day lists the lesson marked, and the lesson opens; a week later it is not theirs.
    math = await actor(session, school.staff["math"])
    journal = JournalService(session, clock)
    slots = await journal.teacher_day(math, THURSDAY)
    [english] = [s for s in slots if s.subject == "Английский язык"]
    assert (english.number, english.substitution, english.teacher) == (3, True, "Белова А. С.")
    view = await journal.open_lesson(math, school.assignments["eng5A1"], THURSDAY, 3)
    assert view.subject == "Английский язык"
    assert "Английский язык" not in [s.subject for s in await journal.teacher_day(math, NEXT_THURSDAY)]
    with pytest.raises(Forbidden):
        await journal.open_lesson(math, school.assignments["eng5A1"], NEXT_THURSDAY, 3)

    # The subgroup's families see the substitute in the diary that day; the other subgroup does not.
    mother = await actor(session, school.parents["alekseeva_mother"])
    diary = DiaryService(session, clock)
    day = await diary.day(mother, school.students["alekseev"], THURSDAY)
    [lesson] = [x for x in day.lessons if x.subject == "Английский язык"]
    assert (lesson.teacher, lesson.substitute) == ("Белова А. С.", "Смирнова Е. В.")
    [later] = [
        x for x in (await diary.day(mother, school.students["alekseev"], NEXT_THURSDAY)).lessons if x.number == 3
    ]
    assert later.substitute == ""
    admin = await actor(session, school.staff["admin"])
    other = await diary.day(admin, school.students["vasiliev"], THURSDAY)
    assert [x.substitute for x in other.lessons if x.number == 3] == [""]


async def test_a_double_save_writes_once_and_an_overlap_is_refused_not_replaced_ACC_5_SUB_1(session, school, clock):
    deputy = await actor(session, school.staff["deputy"])
    service = SubstitutionService(session, clock)
    await service.assign(deputy, draft(school, first=THURSDAY, last=NEXT_THURSDAY), "same-draft")
    with pytest.raises(AlreadySaved):
        await service.assign(deputy, draft(school, first=THURSDAY, last=NEXT_THURSDAY), "same-draft")
    assert len(await rows(session)) == 1
    # SUB-1: the same lessons on an overlapping day, whoever the substitute: refused, the first one stays.
    with pytest.raises(Conflict) as refused:
        await service.assign(deputy, draft(school, first=NEXT_THURSDAY, last=NEXT_THURSDAY, substitute="russian"), "d2")
    assert refused.value.code == "substitution.overlaps"
    with pytest.raises(Conflict):
        await service.preview(deputy, draft(school, first=TODAY, last=THURSDAY, substitute="russian"))
    [row] = await rows(session)
    assert row.substitute_id == school.staff["math"]
    # Another teacher's lessons on the same days are free.
    await service.assign(deputy, draft(school, absent="eng2", substitute="russian"), "d3")
    assert len(await rows(session)) == 2


async def test_a_substitute_teaching_at_the_same_time_is_warned_of_but_allowed_ACC_5(session, school, clock):
    admin = await actor(session, school.staff["admin"])  # the administrator may too (ROLE-2)
    service = SubstitutionService(session, clock)
    preview = await service.preview(admin, draft(school, first=TODAY, last=THURSDAY, substitute="eng2"))
    assert [(c.day, c.number, c.class_name, c.subject) for c in preview.clashes] == [
        (TODAY, 3, "5А", "Английский язык"),
        (THURSDAY, 3, "5А", "Английский язык"),
    ]
    await service.assign(admin, draft(school, first=TODAY, last=THURSDAY, substitute="eng2"), "d1")
    assert len(await rows(session)) == 1


@pytest.mark.parametrize("who", ["math", "alekseeva_mother"])
async def test_a_teacher_or_a_parent_cannot_assign_list_or_cancel_ACC_5(session, school, clock, who):
    person = school.staff.get(who) or school.parents[who]
    someone = await actor(session, person)
    service = SubstitutionService(session, clock)
    deputy = await actor(session, school.staff["deputy"])
    await service.assign(deputy, draft(school), "d1")
    [row] = await rows(session)
    for call in (
        service.overview(someone),
        service.absent_candidates(someone),
        service.taught(someone, school.staff["eng1"], THURSDAY, THURSDAY),
        service.assign(someone, draft(school, absent="eng2"), "d2"),
        service.cancel(someone, row.id),
    ):
        with pytest.raises(Forbidden):
            await call
    assert len(await rows(session)) == 1


async def test_another_schools_teachers_and_substitutions_are_refused_ACC_5(session, school, clock):
    other = await build_school(session, "Школа № 8")
    deputy = await actor(session, school.staff["deputy"])
    service = SubstitutionService(session, clock)
    with pytest.raises(NotFound):
        await service.teacher(deputy, other.staff["eng1"])
    with pytest.raises(NotFound):
        await service.taught(deputy, other.staff["eng1"], THURSDAY, THURSDAY)
    theirs = Draft(school.staff["eng1"], THURSDAY, THURSDAY, None, other.staff["math"])  # their teacher as substitute
    with pytest.raises(NotFound):
        await service.assign(deputy, theirs, "d1")
    forged = Draft(other.staff["eng1"], THURSDAY, THURSDAY, None, school.staff["math"])
    with pytest.raises(NotFound):
        await service.assign(deputy, forged, "d2")
    # Another teacher's class, or another school's, as "one class and subject" of the absent teacher.
    for assignment in (school.assignments["math5A"], other.assignments["eng5A1"]):
        with pytest.raises(NotFound):
            await service.preview(
                deputy, Draft(school.staff["eng1"], THURSDAY, THURSDAY, assignment, school.staff["math"])
            )
    # A parent is no substitute.
    with pytest.raises(NotFound):
        await service.preview(
            deputy, Draft(school.staff["eng1"], THURSDAY, THURSDAY, None, school.parents["borisov_father"])
        )
    # Their deputy cannot cancel ours.
    await service.assign(deputy, draft(school), "d3")
    [row] = await rows(session)
    their_deputy = await actor(session, other.staff["deputy"])
    with pytest.raises(NotFound):
        await SubstitutionService(session, clock).cancel(their_deputy, row.id)
    assert len(await rows(session)) == 1
    assert [i.taught.class_name for i in (await service.overview(their_deputy)).items] == []


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (THURSDAY, TODAY, "substitution.ends_before_start"),
        (date(2027, 5, 31), date(2027, 6, 2), "substitution.outside_year"),
        (date(2026, 8, 25), date(2026, 9, 2), "substitution.outside_year"),
        (date(2027, 7, 1), date(2027, 7, 1), "substitution.outside_year"),
    ],
)
async def test_dates_ending_before_they_start_or_outside_the_school_year_are_refused_ACC_5(
    session, school, clock, first, last, code
):
    deputy = await actor(session, school.staff["deputy"])
    service = SubstitutionService(session, clock)
    with pytest.raises(InvalidInput) as refused:
        await service.taught(deputy, school.staff["eng1"], first, last)
    assert refused.value.code == code
    with pytest.raises(InvalidInput):
        await service.assign(deputy, draft(school, first=first, last=last), "d1")
    assert await rows(session) == []


async def test_a_substitution_for_tomorrow_is_pushed_to_the_classs_families_and_so_is_its_cancelling_ACC_5_SUB_2(
    session, school, clock
):
    for account, person_id in {
        8001: school.student_persons["alekseev"],
        8002: school.parents["alekseeva_mother"],
        8003: school.parents["borisov_father"],
        8004: school.student_persons["vasiliev"],  # the other subgroup
    }.items():
        session.add(Account(id=account))
        await session.flush()
        add_link(session, person_id, account)
    await session.commit()
    deputy = await actor(session, school.staff["deputy"])
    service = SubstitutionService(session, clock)
    assert (await service.preview(deputy, draft(school, first=TOMORROW, last=THURSDAY))).short_notice
    await service.assign(deputy, draft(school, first=TOMORROW, last=THURSDAY), "d1")
    [event] = await events(session)
    assert (event.class_name, event.subgroup, event.subject, event.teacher, event.substitute) == (
        "5А",
        "Англ. 1",
        "Английский язык",
        "Белова А. С.",
        "Смирнова Е. В.",
    )
    await plan_pending(session, clock(), timedelta(seconds=15))
    await session.commit()
    found = (await session.scalars(select(Delivery).order_by(Delivery.account_id))).all()
    assert [(d.account_id, d.notify_kind) for d in found] == [
        (8001, NotifyKind.ANNOUNCEMENTS),
        (8002, NotifyKind.ANNOUNCEMENTS),
        (8003, NotifyKind.ANNOUNCEMENTS),
    ]
    stored = (await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == EventKind.TIMETABLE_CHANGED))).one()
    assert text_of(stored.kind, stored.payload, "ru") == (
        "🔁 <b>Замена уроков: 5А (Англ. 1), Английский язык, 25—26 нояб.</b>\n"
        "Уроки ведёт Смирнова Е. В. (по расписанию — Белова А. С.)."
    )

    [row] = await rows(session)
    assert (await service.cancel(deputy, row.id)).items == ()
    assert await rows(session) == []
    cancelled = (await events(session))[-1]
    assert cancelled.cancelled
    [entry] = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "substitution", AuditEntry.action == "delete")
        )
    ).all()
    assert entry.before["substitute_id"] == school.staff["math"]
    with pytest.raises(NotFound):  # a second tap
        await service.cancel(deputy, row.id)


async def test_the_overview_lists_current_and_coming_substitutions_only_ACC_5(session, school, clock):
    deputy = await actor(session, school.staff["deputy"])
    session.add(
        Substitution(
            assignment_id=school.assignments["rus5A"],
            substitute_id=school.staff["math"],
            starts_on=TODAY - timedelta(days=7),
            ends_on=TODAY - timedelta(days=1),
        )
    )
    await session.commit()
    service = SubstitutionService(session, clock)
    await service.assign(deputy, draft(school, absent="eng2", first=NEXT_THURSDAY, last=NEXT_THURSDAY), "d1")
    await service.assign(deputy, draft(school, first=TODAY, last=TODAY), "d2")
    overview = await service.overview(deputy)
    assert [(i.absent, i.substitute, i.starts_on) for i in overview.items] == [
        ("Белова А. С.", "Смирнова Е. В.", TODAY),
        ("Орлов И. А.", "Смирнова Е. В.", NEXT_THURSDAY),
    ]
