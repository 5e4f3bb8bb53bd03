"""Staff changes (ACC-6, ROLE-2, in the spirit of ACC-9): a member of staff dismissed by the director's order loses
the journal on the day of the dismissal, and keeps nothing of it after: their Telegram is unlinked and their
unused codes revoked (as for a student who leaves, services/movement.py), their staff roles end, and the classes
they led are left without a class teacher. The person and every record they made stay; their teaching load stays
too, shown to the deputy director as needing a teacher (`vacancies`) until the load is given to someone else.

A dismissal dated today or earlier takes effect at once; one dated later is recorded and takes effect when the
day comes in the school's time zone: the scheduler runs `apply_due` every few minutes (bot/jobs.py), so that the
access ends within minutes of midnight and a bot that was down catches up at its start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, NotFound
from .invites import revoke_unused
from .links import has_account, links_of, unlink_all
from .models import (
    AcademicYear,
    Assignment,
    ClassGroup,
    Guardianship,
    Person,
    Role,
    School,
    StaffRole,
    Student,
    StudentStatus,
)
from .records import audit, snapshot
from .text import clean_text

ORDER_MAX = 40


@dataclass(frozen=True)
class Dismissal:
    person_id: int
    full_name: str
    dismissed_on: date
    order: str
    in_force: bool  # the day has come: the access is cut already
    loads: int  # classes and subjects of the current year that need a teacher from that day
    classes: tuple[str, ...]  # classes that lose their class teacher («7А»)


@dataclass(frozen=True)
class Vacancy:
    """A class and subject whose teacher is dismissed (from `since`), or a class left without a class teacher."""

    class_name: str
    subject: str | None  # None: the class has no class teacher
    subgroup: str | None
    since: date | None
    grade: int = 0
    letter: str = ""


class StaffService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def find(self, actor: Actor, name: str) -> int:
        """The member of staff of the actor's school with this full name («Фамилия Имя Отчество»), or their id."""
        self._check(actor)
        is_staff = or_(
            exists().where(StaffRole.person_id == Person.id),
            exists().where(Assignment.teacher_id == Person.id),
            Person.dismissed_on.is_not(None),
        )
        staff = (await self.session.scalars(select(Person).where(Person.school_id == actor.school_id, is_staff))).all()
        wanted = name_key(name)
        found = [p.id for p in staff if name_key(p.full_name) == wanted or str(p.id) == name.strip()]
        if not found:
            raise NotFound("staff.not_found", name=name)
        if len(found) > 1:
            raise InvalidInput("staff.ambiguous", name=name, ids=", ".join(str(i) for i in sorted(found)))
        return found[0]

    async def dismiss(self, actor: Actor, person_id: int, on: date, order: str = "") -> Dismissal:
        """ROLE-2: the administrator records the dismissal; from `on` the person has no access (ACC-6)."""
        self._check(actor)
        order = clean_text(order, one_line=True)
        if len(order) > ORDER_MAX:
            raise InvalidInput("staff.order_too_long", max=ORDER_MAX)
        async with write_transaction(self.session):
            person = await self.session.get(Person, person_id)
            if person is None or person.school_id != actor.school_id:
                raise NotFound("staff.not_found", name=str(person_id))
            school = await self.session.get_one(School, person.school_id)
            today = school_today(self.clock, school)
            if person.dismissed_on is not None and person.dismissed_on <= today:
                # In force already: the access is cut and the roles are gone, a new date would not bring them back.
                raise InvalidInput("staff.already_dismissed", name=person.full_name, date=person.dismissed_on)
            before = snapshot(person, "dismissed_on", "dismissal_order")
            person.dismissed_on, person.dismissal_order = on, order
            await self.session.flush()
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id or None,
                action="dismiss",
                entity="person",
                entity_id=person.id,
                before=before,
                after=snapshot(person, "dismissed_on", "dismissal_order"),
            )
            classes = await self._led_classes(person, on)
            names = tuple(c.name for c in classes)
            loads = len(await self._loads(person, on))
            if on <= today:
                await self._close(person, actor.person_id or None)
            return Dismissal(person.id, person.full_name, on, order, on <= today, loads, names)

    async def apply_due(self, school_id: int) -> int:
        """The dismissals whose day has come in the school's time zone and whose access is not cut yet; run by the
        scheduler (and safe to run again: a closed one has nothing left to close). Returns how many it closed."""
        school = await self.session.get(School, school_id)
        if school is None:
            return 0
        today = school_today(self.clock, school)
        pending = or_(
            has_account(),
            exists().where(StaffRole.person_id == Person.id),
            exists().where(ClassGroup.class_teacher_id == Person.id, ClassGroup.year_id.in_(current_years(today))),
        )
        async with write_transaction(self.session):
            due = (
                await self.session.scalars(
                    select(Person).where(
                        Person.school_id == school_id, Person.dismissed_on.is_not(None), Person.dismissed_on <= today
                    )
                )
            ).all()
            closed = 0
            for person in due:
                if await self.session.scalar(select(Person.id).where(Person.id == person.id, pending)) is not None:
                    await self._close(person, None)
                    closed += 1
            return closed

    async def _close(self, person: Person, actor_id: int | None) -> None:
        """ACC-6, ACC-9: no journal any more; the person and their records stay."""
        assert person.dismissed_on is not None
        roles = list((await self.session.scalars(select(StaffRole.role).where(StaffRole.person_id == person.id))).all())
        classes = await self._led_classes(person, person.dismissed_on)
        accounts = [link.account_id for link in await links_of(self.session, person.id)]
        before = {
            "accounts": accounts,
            "roles": sorted(r.value for r in roles),
            "classes": [c.id for c in classes],
        }
        await self.session.execute(delete(StaffRole).where(StaffRole.person_id == person.id))
        for class_group in classes:
            class_group.class_teacher_id = None
        # A member of staff who is also a parent of a pupil keeps the parent's diary: only the journal goes.
        if not await self._is_parent(person):
            await self.session.execute(revoke_unused([person.id], self.clock()))
            await unlink_all(self.session, [person.id])  # every channel's (ACC-6)
            accounts = []
        await self.session.flush()
        audit(
            self.session,
            school_id=person.school_id,
            actor_id=actor_id,
            action="dismissal_in_force",
            entity="person",
            entity_id=person.id,
            before=before,
            after={"accounts": accounts, "roles": [], "classes": []},
        )

    async def _led_classes(self, person: Person, on: date) -> list[ClassGroup]:
        """The classes the person leads in a school year that has not ended by `on`."""
        return list(
            (
                await self.session.scalars(
                    select(ClassGroup).where(
                        ClassGroup.class_teacher_id == person.id, ClassGroup.year_id.in_(current_years(on))
                    )
                )
            ).all()
        )

    async def _loads(self, person: Person, on: date) -> list[int]:
        return list(
            (
                await self.session.scalars(
                    select(Assignment.id)
                    .join(ClassGroup, ClassGroup.id == Assignment.class_id)
                    .where(Assignment.teacher_id == person.id, ClassGroup.year_id.in_(current_years(on)))
                )
            ).all()
        )

    async def _is_parent(self, person: Person) -> bool:
        return (
            await self.session.scalar(
                select(Guardianship.id)
                .join(Student, Student.id == Guardianship.student_id)
                .where(Guardianship.parent_id == person.id, Student.status == StudentStatus.ACTIVE)
                .limit(1)
            )
            is not None
        )

    @staticmethod
    def _check(actor: Actor) -> None:
        if not actor.has(Role.ADMIN):
            raise Forbidden("staff.not_allowed")


def current_years(on: date):
    """The school years not ended by `on` (the current one, and the next if it is set up already)."""
    return select(AcademicYear.id).where(AcademicYear.ends_on >= on)


async def vacancies(session: AsyncSession, school_id: int, year_id: int, class_id: int | None = None) -> list[Vacancy]:
    """ACC-6, REP-3: the classes and subjects of the year whose teacher is dismissed (from the dismissal's day,
    even a day still to come), and the classes without a class teacher; by class."""
    where = [ClassGroup.school_id == school_id, ClassGroup.year_id == year_id]
    if class_id is not None:
        where.append(ClassGroup.id == class_id)
    found = [
        Vacancy(a.class_group.name, a.subject.name, a.subgroup.name if a.subgroup else None, since, c.grade, c.letter)
        for a, c, since in await session.execute(
            select(Assignment, ClassGroup, Person.dismissed_on)
            .join(ClassGroup, ClassGroup.id == Assignment.class_id)
            .join(Person, Person.id == Assignment.teacher_id)
            .where(*where, Person.dismissed_on.is_not(None))
        )
    ]
    found += [
        Vacancy(c.name, None, None, since, c.grade, c.letter)
        for c, since in await session.execute(
            select(ClassGroup, Person.dismissed_on)
            .outerjoin(Person, Person.id == ClassGroup.class_teacher_id)
            .where(*where, or_(ClassGroup.class_teacher_id.is_(None), Person.dismissed_on.is_not(None)))
        )
    ]
    return sorted(found, key=lambda v: (v.grade, v.letter, v.subject or "", v.subgroup or ""))


def name_key(name: str) -> str:
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").casefold().split())
