"""Two schools in one database: "the whole school" is the actor's own school (ROLE-2, ACC-4, REP-5).

The deputy director and the administrator of one school see everything of it and nothing of another; an id of
another school's sheet, class or student that comes in a button proves nothing. The end-to-end replay of every
button is tests/flows/test_cross_school_replay.py.
"""

from __future__ import annotations

import pytest

from services.absences import AbsenceService
from services.access import get_student_for, load_actor
from services.announcements import AnnouncementService, Audience, Scope
from services.class_absences import ClassAbsenceService
from services.errors import Forbidden, NotFound
from services.journal import JournalService
from services.period_marks import PeriodMarkService
from services.report_card import ReportCardService
from tests.factories import TODAY, build_school

ADMINISTRATION = ("deputy", "admin")


@pytest.fixture
async def other(session, clock, school):
    """School 2 in the same database, with a mark in its 5А's math so that its sheet has something to show."""
    other = await build_school(session, "Школа № 8")
    journal = JournalService(session, clock)
    teacher = await load_actor(session, other.staff["math"])
    view = await journal.open_lesson(teacher, other.assignments["math5A"], TODAY, 2)
    await journal.add_marks(teacher, view.lesson_id, other.work_types["answer"], [(other.students["alekseev"], 5)])
    return other


@pytest.mark.parametrize("key", ADMINISTRATION)
async def test_the_administration_reads_its_own_schools_period_sheet_only_ROLE_2(session, clock, school, other, key):
    actor = await load_actor(session, school.staff[key])
    periods = PeriodMarkService(session, clock)
    own = await periods.sheet(actor, school.assignments["math5A"], school.q2)
    assert len(own.rows) == 4
    with pytest.raises(Forbidden) as err:
        await periods.sheet(actor, other.assignments["math5A"], other.q2)
    assert err.value.code == "journal.not_your_class"


async def test_a_class_teacher_reads_the_sheet_of_their_own_class_only_ACC_4(session, clock, school, other):
    """Class ids are unique across schools, so this holds today; the school is in the check all the same."""
    class_teacher = await load_actor(session, school.staff["russian"])  # leads 5Б of school 1
    periods = PeriodMarkService(session, clock)
    assert (await periods.sheet(class_teacher, school.assignments["math5B"], school.q2)).rows
    with pytest.raises(Forbidden):
        await periods.sheet(class_teacher, other.assignments["math5B"], other.q2)


@pytest.mark.parametrize("key", ADMINISTRATION)
async def test_the_administration_sees_no_student_class_or_audience_of_another_school(
    session, clock, school, other, key
):
    actor = await load_actor(session, school.staff[key])
    own = await get_student_for(session, actor, school.students["alekseev"])
    assert own.school_id == school.school_id
    with pytest.raises(Forbidden):
        await get_student_for(session, actor, other.students["alekseev"])
    with pytest.raises(Forbidden):
        await ReportCardService(session, clock).marks(actor, other.students["alekseev"])
    class_reads = ClassAbsenceService(session, clock)
    for read in (class_reads.class_day, AbsenceService(session, clock).inbox, class_reads.unreasoned):
        with pytest.raises(Forbidden):
            await read(actor, other.classes["5А"])
    announcements = AnnouncementService(session, clock)
    assert {a.class_id for a in await announcements.audiences(actor)} - {None} == {
        school.classes[name] for name in ("1А", "5А", "5Б")
    }
    with pytest.raises(Forbidden):
        await announcements.check_audience(actor, Audience(Scope.CLASS, 5, other.classes["5А"]))
    with pytest.raises((Forbidden, NotFound)):
        await announcements.check_audience(actor, Audience(Scope.CLASS_PARENTS, 5, other.classes["5А"]))
