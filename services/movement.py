"""DATA-4: the student movement book, and what follows from it: a student who leaves loses access (ACC-9).

ROLE-2: the secretary keeps the book (the administrator may too). The bot reads the book a page at a time and
writes three kinds of orders in it: leaving, a transfer to another class of the year, and an arrival (a new
student, enrolled from a day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from .access import Actor, ClassRef
from .calendar import SchoolCalendar
from .clock import Clock
from .db import write_transaction
from .enrolments import enrol, leave
from .errors import Forbidden, InvalidInput, NotFound
from .invites import revoke_unused
from .links import unlink_all
from .models import (
    AcademicYear,
    ClassGroup,
    Movement,
    MovementKind,
    Person,
    Role,
    School,
    Student,
    StudentStatus,
)
from .records import audit, save_once, snapshot
from .text import clean_text

LEAVES = {MovementKind.LEAVING: StudentStatus.LEFT, MovementKind.GRADUATION: StudentStatus.GRADUATED}
MOVES = {MovementKind.PROMOTION, MovementKind.REPEAT, MovementKind.TRANSFER, MovementKind.ENROLMENT}
ORDER_MAX = 40  # Movement.order_number's column
NAME_MAX = 80  # each of Person's name columns
PAGE = 10  # entries of the book per page
OLDEST_BIRTH = 30  # years: a birth date further back is a typing error, not a pupil
_NAME_MARKS = set("-'’")  # inside a name part besides letters: «Петров-Водкин», «Д’Артаньян»


@dataclass(frozen=True)
class BookEntry:
    id: int
    order_date: date
    order_number: str
    kind: MovementKind
    student: str  # the full name
    from_class: str  # «5А», "" when none (an arrival)
    to_class: str  # "" when none (leaving)


@dataclass(frozen=True)
class BookPage:
    entries: tuple[BookEntry, ...]
    page: int  # from 0
    pages: int  # at least 1


@dataclass(frozen=True)
class StudentRef:
    id: int
    person_id: int
    full_name: str
    class_id: int
    class_name: str


@dataclass(frozen=True)
class ClassStudents:
    cls: ClassRef
    students: tuple[StudentRef, ...]


@dataclass(frozen=True)
class TransferChoice:
    """The student and the year's other classes they may move to."""

    student: StudentRef
    classes: tuple[ClassRef, ...]


@dataclass(frozen=True)
class BookDates:
    """The school's today and the current school year: an order's date is one of its days."""

    today: date
    first: date
    last: date


@dataclass(frozen=True)
class BookStart:
    """An order begins: the year's classes to choose from, and the dates an order may take."""

    classes: tuple[ClassRef, ...]
    dates: BookDates


@dataclass(frozen=True)
class FullName:
    last: str
    first: str
    middle: str = ""

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.last, self.first, self.middle) if p)


@dataclass(frozen=True)
class Order:
    """One order of the book: what happens to which student from which day (`on`: the order's date unless given)."""

    kind: MovementKind
    student_id: int
    order_date: date
    order_number: str = ""
    to_class_id: int | None = None
    on: date | None = None


@dataclass(frozen=True)
class Arrival:
    """DATA-4 enrolment: a new student of `class_id` from the order's date."""

    class_id: int
    name: FullName
    birth_date: date | None
    order_date: date
    order_number: str


@dataclass(frozen=True)
class Recorded:
    """An order as written: what the screen may say, and no more (ACC-9: `access_closed` for leaving)."""

    movement_id: int
    kind: MovementKind
    student: StudentRef  # as it is after the order
    order_date: date
    order_number: str
    from_class: str
    to_class: str
    access_closed: bool


def check_order_number(text: str | None) -> str:
    """An order's number as typed: one line, required, at most ORDER_MAX characters; a «№» typed before it is the
    screens' to write, not part of the number."""
    number = clean_text(text, one_line=True).removeprefix("№").lstrip()
    if not number:
        raise InvalidInput("movement.order_required")
    if len(number) > ORDER_MAX:
        raise InvalidInput("movement.order_too_long", max=ORDER_MAX)
    return number


def parse_full_name(text: str | None) -> FullName:
    """«Фамилия Имя Отчество» (the patronymic may be missing or of two words: «Алиев Тимур Рустам оглы»): letters
    and hyphens, each part at most NAME_MAX characters."""
    cleaned = clean_text(text, one_line=True)
    if len(cleaned) > 3 * NAME_MAX + 2:
        raise InvalidInput("person.name_too_long", max=NAME_MAX)
    parts = cleaned.split(" ")
    if len(parts) < 2 or not all(_name_part(p) for p in parts):
        raise InvalidInput("person.name_format")
    name = FullName(parts[0], parts[1], " ".join(parts[2:]))
    if max(len(name.last), len(name.first), len(name.middle)) > NAME_MAX:
        raise InvalidInput("person.name_too_long", max=NAME_MAX)
    return FullName(_capital(name.last), _capital(name.first), name.middle)


def _capital(part: str) -> str:
    return part[:1].upper() + part[1:]


def _name_part(part: str) -> bool:
    return any(ch.isalpha() for ch in part) and all(ch.isalpha() or ch in _NAME_MARKS for ch in part)


def check_birth_date(day: date, today: date) -> date:
    if not today.replace(year=today.year - OLDEST_BIRTH, day=min(today.day, 28)) <= day < today:
        raise InvalidInput("person.bad_birth_date")
    return day


class MovementService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- reading the book (ROLE-2) ---------------------------------------------------------------

    async def book(self, actor: Actor, page: int = 0) -> BookPage:
        """The school's latest orders first, PAGE a page; a page past the end shows the last one."""
        _keeper(actor)
        total = await self.session.scalar(
            select(func.count()).select_from(Movement).where(Movement.school_id == actor.school_id)
        )
        pages = max(1, -(-(total or 0) // PAGE))
        page = min(max(page, 0), pages - 1)
        old, new = aliased(ClassGroup), aliased(ClassGroup)
        rows = await self.session.execute(
            select(Movement, Person, old, new)
            .join(Student, Student.id == Movement.student_id)
            .join(Person, Person.id == Student.person_id)
            .outerjoin(old, old.id == Movement.from_class_id)
            .outerjoin(new, new.id == Movement.to_class_id)
            .where(Movement.school_id == actor.school_id)
            .order_by(Movement.order_date.desc(), Movement.id.desc())
            .offset(page * PAGE)
            .limit(PAGE)
        )
        entries = tuple(
            BookEntry(
                m.id,
                m.order_date,
                m.order_number,
                m.kind,
                person.full_name,
                a.name if a is not None else "",
                b.name if b is not None else "",
            )
            for m, person, a, b in rows.all()
        )
        return BookPage(entries, page, pages)

    async def dates(self, actor: Actor) -> BookDates:
        """The school's today and the current school year, for the order's date."""
        _keeper(actor)
        today = await self._today(actor)
        year = (await SchoolCalendar.load(self.session, actor.school_id, today)).year
        if year is None:
            raise NotFound("movement.no_year")
        return BookDates(today, year.starts_on, year.ends_on)

    async def start(self, actor: Actor) -> BookStart:
        """The classes of the current school year, by grade and letter, and the year's dates."""
        dates = await self.dates(actor)
        return BookStart(tuple(await self._classes(actor)), dates)

    async def students(self, actor: Actor, class_id: int) -> ClassStudents:
        """The class's students who study now, by name; a class of another school is not found."""
        _keeper(actor)
        cls = await self.session.get(ClassGroup, class_id)
        if cls is None or cls.school_id != actor.school_id:
            raise NotFound("class.not_found")
        rows = await self.session.scalars(
            select(Student)
            .join(Person, Person.id == Student.person_id)
            .where(Student.class_id == cls.id, Student.status == StudentStatus.ACTIVE)
            .order_by(Person.last_name, Person.first_name, Person.middle_name, Student.id)
        )
        return ClassStudents(ClassRef(cls.id, cls.name), tuple(_ref(s) for s in rows))

    async def student(self, actor: Actor, student_id: int) -> StudentRef:
        """A student of the school who studies now: the one an order may be about."""
        _keeper(actor)
        return _ref(await self._active(actor, student_id))

    async def transfer_choice(self, actor: Actor, student_id: int) -> TransferChoice:
        _keeper(actor)
        student = await self._active(actor, student_id)
        classes = [c for c in await self._classes(actor) if c.id != student.class_id]
        return TransferChoice(_ref(student), tuple(classes))

    # ---- writing it (DATA-4, ACC-9) --------------------------------------------------------------

    async def record(
        self,
        actor: Actor,
        student_id: int,
        kind: MovementKind,
        order_date: date,
        order_number: str = "",
        to_class_id: int | None = None,
        on: date | None = None,
        *,
        draft: str | None = None,
    ) -> int:
        """ROLE-2: the secretary keeps the movement book (the administrator may too). The move takes effect `on`
        (the order's date unless given): the student's stay in their class ends the day before."""
        order = Order(kind, student_id, order_date, order_number, to_class_id, on)
        return (await self.enter(actor, order, draft=draft)).movement_id

    async def enter(self, actor: Actor, order: Order, *, draft: str | None = None) -> Recorded:
        """One order into the book, once per `draft` (a second tap: AlreadySaved), audited."""
        _keeper(actor)
        order_number = clean_text(order.order_number, one_line=True)
        if len(order_number) > ORDER_MAX:
            raise InvalidInput("movement.order_too_long", max=ORDER_MAX)
        async with write_transaction(self.session):
            student = await self.session.get(Student, order.student_id)
            if student is None or student.school_id != actor.school_id:
                raise NotFound("student.not_found")
            if student.status != StudentStatus.ACTIVE and order.kind != MovementKind.ENROLMENT:
                raise InvalidInput("movement.not_studying")
            effective = order.on or order.order_date
            await self._check_in_a_year(actor, order.order_date, effective)
            source = student.class_group
            target = None
            if order.kind in MOVES:
                target = await self.session.get(ClassGroup, order.to_class_id or 0)
                if target is None or target.school_id != student.school_id:
                    raise InvalidInput("movement.class_required")
                if order.kind == MovementKind.TRANSFER and target.id == source.id:
                    raise InvalidInput("movement.same_class")
                if order.kind == MovementKind.TRANSFER and target.year_id != source.year_id:
                    raise InvalidInput("movement.other_year")
            await save_once(self.session, draft)
            before = snapshot(student, "class_id", "status")
            entry = Movement(
                school_id=student.school_id,
                student_id=student.id,
                kind=order.kind,
                order_number=order_number,
                order_date=order.order_date,
                from_class_id=source.id,
                to_class_id=target.id if target else None,
                recorded_by=actor.person_id or None,
            )
            self.session.add(entry)
            if target is not None:
                student.status = StudentStatus.ACTIVE
                await enrol(self.session, student, target.id, effective)
            closed = order.kind in LEAVES
            if closed:
                student.status = LEAVES[order.kind]
                await leave(self.session, student, effective)
                await self._close_access(student)
            await self.session.flush()
            audit(
                self.session,
                school_id=student.school_id,
                actor_id=actor.person_id or None,
                action=order.kind.value,
                entity="student",
                entity_id=student.id,
                before=before,
                after=snapshot(student, "class_id", "status"),
            )
            person = await self.session.get_one(Person, student.person_id)
            recorded = Recorded(
                entry.id,
                order.kind,
                StudentRef(student.id, person.id, person.full_name, (target or source).id, (target or source).name),
                order.order_date,
                order_number,
                source.name,
                target.name if target else "",
                closed,
            )
        return recorded

    async def arrive(self, actor: Actor, arrival: Arrival, *, draft: str | None = None) -> Recorded:
        """DATA-4 enrolment: a new person and student of `class_id` (a class of the current year), studying from
        the order's date, and the order in the book; once per `draft`, audited. Their access code is the class
        teacher's or the secretary's to give (ACC-6)."""
        _keeper(actor)
        order_number = check_order_number(arrival.order_number)
        name = parse_full_name(arrival.name.full)
        if arrival.birth_date is not None:
            check_birth_date(arrival.birth_date, await self._today(actor))
        async with write_transaction(self.session):
            cls = await self.session.get(ClassGroup, arrival.class_id)
            if cls is None or cls.school_id != actor.school_id:
                raise NotFound("class.not_found")
            year = await self.session.get_one(AcademicYear, cls.year_id)
            if not year.starts_on <= arrival.order_date <= year.ends_on:
                raise InvalidInput("movement.outside_year")
            await save_once(self.session, draft)
            person = Person(
                school_id=actor.school_id,
                last_name=name.last,
                first_name=name.first,
                middle_name=name.middle,
                birth_date=arrival.birth_date,
            )
            self.session.add(person)
            await self.session.flush()
            student = Student(
                school_id=actor.school_id, person_id=person.id, class_id=cls.id, status=StudentStatus.ACTIVE
            )
            self.session.add(student)
            await self.session.flush()
            await enrol(self.session, student, cls.id, arrival.order_date)
            entry = Movement(
                school_id=actor.school_id,
                student_id=student.id,
                kind=MovementKind.ENROLMENT,
                order_number=order_number,
                order_date=arrival.order_date,
                from_class_id=None,
                to_class_id=cls.id,
                recorded_by=actor.person_id or None,
            )
            self.session.add(entry)
            await self.session.flush()
            audit(
                self.session,
                school_id=actor.school_id,
                actor_id=actor.person_id or None,
                action=MovementKind.ENROLMENT.value,
                entity="student",
                entity_id=student.id,
                before=None,
                after={
                    **snapshot(student, "class_id", "status"),
                    **snapshot(person, "last_name", "first_name", "middle_name", "birth_date"),
                },
            )
            recorded = Recorded(
                entry.id,
                MovementKind.ENROLMENT,
                StudentRef(student.id, person.id, person.full_name, cls.id, cls.name),
                arrival.order_date,
                order_number,
                "",
                cls.name,
                False,
            )
        return recorded

    # ---- inside ----------------------------------------------------------------------------------

    async def _close_access(self, student: Student) -> None:
        """ACC-9: no access to the current journal; the records stay, archived."""
        await unlink_all(self.session, [student.person_id])  # every channel's
        await self.session.execute(revoke_unused([student.person_id], self.clock()))

    async def _today(self, actor: Actor) -> date:
        school = await self.session.get_one(School, actor.school_id)
        return self.clock().astimezone(ZoneInfo(school.timezone)).date()

    async def _classes(self, actor: Actor) -> list[ClassRef]:
        calendar = await SchoolCalendar.load(self.session, actor.school_id, await self._today(actor))
        query = select(ClassGroup).where(ClassGroup.school_id == actor.school_id)
        if calendar.year is not None:
            query = query.where(ClassGroup.year_id == calendar.year.id)
        classes = (await self.session.scalars(query)).all()
        return [ClassRef(c.id, c.name) for c in sorted(classes, key=lambda c: (c.grade, c.letter))]

    async def _active(self, actor: Actor, student_id: int) -> Student:
        student = await self.session.get(Student, student_id)
        if student is None or student.school_id != actor.school_id:
            raise NotFound("student.not_found")
        if student.status != StudentStatus.ACTIVE:
            raise InvalidInput("movement.not_studying")
        return student

    async def _check_in_a_year(self, actor: Actor, *days: date) -> None:
        """An order's days fall in one of the school's years: a forged or mistyped date writes nothing."""
        for day in days:
            found = await self.session.scalar(
                select(AcademicYear.id).where(
                    AcademicYear.school_id == actor.school_id,
                    AcademicYear.starts_on <= day,
                    AcademicYear.ends_on >= day,
                )
            )
            if found is None:
                raise InvalidInput("movement.outside_year")


def _keeper(actor: Actor) -> None:
    """ROLE-2: the movement book is the secretary's (and the administrator's)."""
    if not actor.has(Role.SECRETARY, Role.ADMIN):
        raise Forbidden("movement.not_allowed")


def _ref(student: Student) -> StudentRef:
    return StudentRef(
        student.id, student.person_id, student.person.full_name, student.class_id, student.class_group.name
    )
