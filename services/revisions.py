"""PER-5: a period, year, exam or final mark revised by the director's order, entered by the deputy director or
the administrator of the school: the order's number, date and reason, the mark before and after, who entered it
and when (`MarkRevision`, kept whatever happens to the mark later), the audit row, and the family's push.

A mark its teacher may still set is not revised here: a period mark until its period ends (/period), a year, exam
or final mark within the teacher's days (services/final_marks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, NotFound
from .final_marks import FINALS_EDIT_DAYS, Outcome, check_outcome, exam_of, periods_of, results_offered
from .journal import in_journal_order
from .models import (
    AcademicYear,
    Assignment,
    ClassGroup,
    Enrolment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    MarkRevision,
    School,
    Student,
    StudentStatus,
    StudyPeriod,
    Subject,
    utcnow,
)
from .pushes.payloads import FinalMarkRevised
from .records import audit, emit, snapshot

ORDER_NUMBER_MAX = 40
REASON_MAX = 500
KIND_ORDER = {FinalMarkKind.PERIOD: 0, FinalMarkKind.YEAR: 1, FinalMarkKind.EXAM: 2, FinalMarkKind.FINAL: 3}


@dataclass(frozen=True)
class Pick:
    id: int
    name: str


@dataclass(frozen=True)
class Choice:
    """A step of the deputy's choice: its heading and what to pick from."""

    title: str
    items: tuple[Pick, ...]


@dataclass(frozen=True)
class KeptMark:
    final_mark_id: int
    kind: FinalMarkKind
    period: str  # a period mark's period, else ""
    outcome: Outcome
    revisable: bool  # False: its teacher may still set it
    year: str = ""  # an earlier school year's name («2026/2027»): a debt followed after the promotion (PER-5)


@dataclass(frozen=True)
class StudentFinals:
    """A student's period, year, exam and final marks in a subject, for the revision by order (PER-5)."""

    student_id: int
    student: str
    class_id: int
    class_name: str
    subject_id: int
    subject: str
    marks: tuple[KeptMark, ...]
    mark_min: int
    mark_max: int
    results: tuple[FinalResult, ...]
    today: date  # the school's: an order's date typed without a year is the nearest one

    def mark(self, final_mark_id: int) -> KeptMark:
        for mark in self.marks:
            if mark.final_mark_id == final_mark_id:
                return mark
        raise NotFound("revision.not_found")


@dataclass(frozen=True)
class Revised:
    """The revision entered (applied), or found done already (a second tap): the mark as it is now."""

    applied: bool
    kind: FinalMarkKind
    period: str
    old: Outcome | None
    new: Outcome


class RevisionService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def classes(self, actor: Actor) -> Choice:
        """The classes of the school's current year that get marks."""
        school = await self._school(actor)
        today = school_today(self.clock, school)
        year_id = await self.session.scalar(
            select(AcademicYear.id)
            .where(AcademicYear.school_id == school.id, AcademicYear.starts_on <= today)
            .order_by(AcademicYear.starts_on.desc())
            .limit(1)
        )
        classes = await self.session.scalars(
            select(ClassGroup)
            .where(ClassGroup.school_id == school.id, ClassGroup.year_id == year_id)
            .order_by(ClassGroup.grade, ClassGroup.letter)
        )
        return Choice("", tuple(Pick(c.id, c.name) for c in classes if c.grade not in school.no_mark_grades))

    async def subjects(self, actor: Actor, class_id: int) -> Choice:
        """The class's subjects, and those its students have period or year marks of from an earlier year (a debt
        to clear after a conditional promotion, before the new year's load is imported)."""
        class_group = await self._class(actor, class_id)
        taught = select(Assignment.subject_id).where(Assignment.class_id == class_group.id)
        marked = (
            select(FinalMark.subject_id)
            .join(Student, Student.id == FinalMark.student_id)
            .where(Student.class_id == class_group.id, Student.status == StudentStatus.ACTIVE)
        )
        subjects = await self.session.execute(
            select(Subject.id, Subject.name)
            .where(Subject.school_id == class_group.school_id, Subject.id.in_(taught.union(marked)))
            .order_by(Subject.name)
        )
        return Choice(class_group.name, tuple(Pick(i, n) for i, n in subjects))

    async def students(self, actor: Actor, class_id: int) -> Choice:
        class_group = await self._class(actor, class_id)
        students = in_journal_order(
            (
                await self.session.scalars(
                    select(Student).where(Student.class_id == class_group.id, Student.status == StudentStatus.ACTIVE)
                )
            ).all()
        )
        return Choice(class_group.name, tuple(Pick(s.id, s.person.full_name) for s in students))

    async def student_finals(self, actor: Actor, student_id: int, subject_id: int) -> StudentFinals:
        """The student's marks in the subject of the class's year, those its teacher may still set marked so."""
        school = await self._school(actor)
        student = await self._student(actor, student_id)
        subject = await self.session.get(Subject, subject_id)
        if subject is None or subject.school_id != school.id:
            raise NotFound("subject.not_found")
        today = school_today(self.clock, school)
        # This year's marks, and earlier years' (PER-5: a debt is cleared after the promotion, by order).
        rows = (
            await self.session.execute(
                select(FinalMark, AcademicYear)
                .join(AcademicYear, AcademicYear.id == FinalMark.year_id)
                .where(FinalMark.student_id == student.id, FinalMark.subject_id == subject.id)
            )
        ).all()
        period_ids = [mark.period_id for mark, _year in rows if mark.period_id]
        periods = {
            p.id: p for p in await self.session.scalars(select(StudyPeriod).where(StudyPeriod.id.in_(period_ids)))
        }
        kept: list[tuple[tuple[date, int, date], KeptMark]] = []
        for mark, year in rows:
            outcome = Outcome.of(mark)
            assert outcome is not None
            period = periods.get(mark.period_id) if mark.period_id else None
            order = (year.starts_on, KIND_ORDER[mark.kind], period.starts_on if period else date.min)
            kept.append(
                (
                    order,
                    KeptMark(
                        final_mark_id=mark.id,
                        kind=mark.kind,
                        period=period.name if period else "",
                        outcome=outcome,
                        revisable=await self._open_until(mark, student) < today,
                        year=year.name if year.id != student.class_group.year_id else "",
                    ),
                )
            )
        kept.sort(key=lambda item: item[0])
        return StudentFinals(
            student_id=student.id,
            student=student.person.full_name,
            class_id=student.class_id,
            class_name=student.class_group.name,
            subject_id=subject.id,
            subject=subject.name,
            marks=tuple(mark for _order, mark in kept),
            mark_min=school.mark_min,
            mark_max=school.mark_max,
            results=results_offered(school),
            today=today,
        )

    async def revise(
        self,
        actor: Actor,
        final_mark_id: int,
        outcome: Outcome,
        order_number: str,
        order_date: date,
        reason: str,
    ) -> Revised:
        """PER-5: the mark becomes `outcome` by the order; refused to all but the school's deputy director and
        administrator, for a mark of another school, and for a mark its teacher may still set. The order's number
        and reason are required, its date not after today. A second call with the mark so already writes nothing."""
        school = await self._school(actor)
        mark = await self.session.get(FinalMark, final_mark_id)
        if mark is None:
            raise NotFound("revision.not_found")
        student = await self._student(actor, mark.student_id)
        today = school_today(self.clock, school)
        if await self._open_until(mark, student) >= today:
            key = "revision.period_open" if mark.kind is FinalMarkKind.PERIOD else "revision.finals_open"
            raise InvalidInput(key)
        check_outcome(school, student.class_group.grade, outcome, results_offered(school))
        order_number, reason = order_number.strip(), reason.strip()
        if not order_number or len(order_number) > ORDER_NUMBER_MAX:
            raise InvalidInput("revision.bad_order_number", max=ORDER_NUMBER_MAX)
        if not reason or len(reason) > REASON_MAX:
            raise InvalidInput("revision.bad_reason", max=REASON_MAX)
        if order_date > today:
            raise InvalidInput("revision.order_in_future")
        period = await self.session.get(StudyPeriod, mark.period_id) if mark.period_id else None
        subject = await self.session.get_one(Subject, mark.subject_id)
        async with write_transaction(self.session):
            # Two taps at once: the second waits for the first, then finds the mark so already.
            mark = await self.session.scalar(
                select(FinalMark)
                .where(FinalMark.id == final_mark_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            assert mark is not None
            old = Outcome.of(mark)
            period_name = period.name if period else ""
            if old == outcome:
                return Revised(False, mark.kind, period_name, old, outcome)
            before = snapshot(mark, "value", "result")
            self.session.add(
                MarkRevision(
                    school_id=school.id,
                    final_mark_id=mark.id,
                    old_value=mark.value,
                    old_result=mark.result,
                    new_value=outcome.value,
                    new_result=outcome.result,
                    order_number=order_number,
                    order_date=order_date,
                    reason=reason,
                    applied_by=actor.person_id or None,
                    applied_at=utcnow(),
                )
            )
            mark.value, mark.result = outcome.value, outcome.result
            mark.set_by, mark.set_at = actor.person_id or None, utcnow()
            await self.session.flush()
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id or None,
                action="revise",
                entity="final_mark",
                entity_id=mark.id,
                before=before,
                after=snapshot(mark, "student_id", "subject_id", "kind", "period_id", "value", "result")
                | {"order_number": order_number, "order_date": order_date.isoformat(), "reason": reason},
            )
            emit(
                self.session,
                school.id,
                FinalMarkRevised(
                    student_id=mark.student_id,
                    final_mark_id=mark.id,
                    mark_kind=mark.kind,
                    subject=subject.name,
                    period=period_name,
                    value=outcome.value,
                    result=outcome.result,
                    old_value=old.value if old else None,
                    old_result=old.result if old else None,
                    order_number=order_number,
                    order_date=order_date.isoformat(),
                ),
            )
            return Revised(True, mark.kind, period_name, old, outcome)

    async def find_mark(
        self,
        actor: Actor,
        student_name: str,
        subject_name: str,
        kind: FinalMarkKind,
        period_name: str | None,
        year_name: str | None = None,
    ) -> int:
        """The administrator's command line names the mark: the student's full name (or «Фамилия Имя»), the
        subject, the kind, for a period mark the period, and an earlier school year's name for its mark (a debt
        cleared after the promotion). Returns the mark's id."""
        school = await self._school(actor)
        wanted = " ".join(student_name.split()).casefold()
        students = [
            s
            for s in (
                await self.session.scalars(
                    select(Student).where(Student.school_id == school.id, Student.status == StudentStatus.ACTIVE)
                )
            ).all()
            if wanted in (s.person.full_name.casefold(), f"{s.person.last_name} {s.person.first_name}".casefold())
        ]
        if len(students) != 1:
            raise NotFound("revision.no_student", name=student_name)
        subject_id = await self.session.scalar(
            select(Subject.id).where(Subject.school_id == school.id, Subject.name == subject_name.strip())
        )
        if subject_id is None:
            raise NotFound("subject.not_found")
        finals = await self.student_finals(actor, students[0].id, subject_id)
        found = [
            m
            for m in finals.marks
            if m.kind is kind
            and (kind is not FinalMarkKind.PERIOD or m.period.casefold() == (period_name or "").strip().casefold())
        ]
        found = [m for m in found if m.year == (year_name or "")] if len(found) > 1 or year_name else found
        if len(found) != 1:
            raise NotFound("revision.not_found")
        return found[0].final_mark_id

    async def _open_until(self, mark: FinalMark, student: Student) -> date:
        """The last day its teacher may set the mark: the period's end, or the end of the teacher's days for the
        year's marks (services/final_marks.py)."""
        if mark.kind is FinalMarkKind.PERIOD and mark.period_id is not None:
            period = await self.session.get_one(StudyPeriod, mark.period_id)
            return period.ends_on
        grade = await self._grade_in(student, mark.year_id)
        periods = await periods_of(self.session, mark.year_id, grade)
        last = periods[-1].ends_on if periods else date.min
        exam = await exam_of(self.session, mark.year_id, grade, mark.subject_id)
        return max(last, exam.held_on if exam else last) + timedelta(days=FINALS_EDIT_DAYS)

    async def _grade_in(self, student: Student, year_id: int) -> int:
        """The grade the student studied in that school year (DATA-4: their stay in a class of it); the present
        class's grade if none is recorded."""
        grade = await self.session.scalar(
            select(ClassGroup.grade)
            .join(Enrolment, Enrolment.class_id == ClassGroup.id)
            .where(Enrolment.student_id == student.id, ClassGroup.year_id == year_id)
            .order_by(Enrolment.starts_on.desc())
            .limit(1)
        )
        return grade if grade is not None else student.class_group.grade

    async def _school(self, actor: Actor) -> School:
        """ROLE-2: the school's deputy director or administrator; nobody else enters an order."""
        if not actor.oversees(actor.school_id):
            raise Forbidden("revision.not_allowed")
        return await self.session.get_one(School, actor.school_id)

    async def _class(self, actor: Actor, class_id: int) -> ClassGroup:
        await self._school(actor)
        class_group = await self.session.get(ClassGroup, class_id)
        if class_group is None or not actor.oversees(class_group.school_id):
            raise NotFound("class.not_found")
        return class_group

    async def _student(self, actor: Actor, student_id: int) -> Student:
        student = await self.session.get(Student, student_id)
        if student is None or not actor.oversees(student.school_id):
            raise NotFound("student.not_found")
        return student
