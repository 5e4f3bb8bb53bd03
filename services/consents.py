"""Consent to personal data processing (ACC-7, 152-FZ; 000 §6.1.1, §8.5, §8.6).

Every answer is a row of `consents`, never overwritten: who it is about (the person), who gave it (the person
themself, a parent for their child, or a signed paper recorded by the secretary), and when. What holds now is each
giver's last answer.

- A parent's consent covers their child: accepting it records a row for each child, given by that parent.
- A student under ADULT_AGE (or of unknown birth date: the safe reading) gets access only with a parent's
  consent standing, in the bot or on paper; from ADULT_AGE a student's own consent suffices.
- A withdrawal ends access at once: the person is unlinked; a parent's withdrawal is also for their children, and a
  child whose access rested on a parent's consent and has none left is unlinked too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, ClassRef
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, NotFound
from .links import has_account, persons_of, unlink
from .models import (
    ClassGroup,
    Consent,
    ConsentAnswer,
    Guardianship,
    Person,
    Role,
    School,
    Student,
    StudentStatus,
)

ADULT_AGE = 14  # ACC-7: from 14 a student consents for themself; younger, a parent's consent is needed
KEEPERS = (Role.SECRETARY, Role.ADMIN)  # ROLE-2, 000 §8.6: the secretary collects the families' consents
PAPER_VERSION = "paper"


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def needs_parent(birth_date: date | None, today: date) -> bool:
    """ACC-7: under ADULT_AGE a parent's consent is needed; an unknown birth date is read as under it."""
    return birth_date is None or age_on(birth_date, today) < ADULT_AGE


@dataclass(frozen=True)
class Standing:
    """What holds now for one person: their own last answer, a paper consent, the parents' consents for them."""

    own: ConsentAnswer | None = None
    own_at: datetime | None = None
    paper: bool = False
    parents: frozenset[int] = frozenset()  # the parents whose consent for this child stands
    parent_withdrawn: bool = False  # a parent's consent for them was withdrawn (and none stands)

    @property
    def by_parent(self) -> bool:
        """A parent's consent for the child stands: given in the bot, or a signed paper the school keeps."""
        return bool(self.parents) or self.paper


@dataclass(frozen=True)
class PersonConsent:
    person_id: int
    role: Role  # STUDENT or PARENT
    full_name: str
    children: tuple[str, ...]  # a parent's children in the class
    linked: bool  # has Telegram linked now
    standing: Standing
    needs_parent: bool  # a student whose access needs a parent's consent (ACC-7)


@dataclass(frozen=True)
class ClassConsents:
    class_id: int
    class_name: str
    students: tuple[PersonConsent, ...]
    parents: tuple[PersonConsent, ...]


async def standings(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, Standing]:
    """Each person's standing consents, from every answer in order (the last of each giver wins)."""
    ids = set(person_ids)
    rows: Iterable[Consent] = (
        (
            await session.scalars(select(Consent).where(Consent.person_id.in_(ids)).order_by(Consent.at, Consent.id))
        ).all()
        if ids
        else []
    )
    last: dict[int, dict[object, Consent]] = defaultdict(dict)
    for row in rows:
        giver: object = row.by_parent_id if row.by_parent_id is not None else ("paper" if row.paper else "self")
        last[row.person_id][giver] = row
    result = {}
    for person_id in ids:
        answers = last.get(person_id, {})
        own = answers.get("self")
        paper = answers.get("paper")
        parents = {g for g, r in answers.items() if isinstance(g, int) and r.answer == ConsentAnswer.ACCEPTED}
        withdrawn = any(isinstance(g, int) and r.answer == ConsentAnswer.WITHDRAWN for g, r in answers.items())
        result[person_id] = Standing(
            own=own.answer if own else None,
            own_at=own.at if own else None,
            paper=paper is not None and paper.answer == ConsentAnswer.ACCEPTED,
            parents=frozenset(parents),
            parent_withdrawn=withdrawn and not parents,
        )
    return result


async def student_needs_parent(session: AsyncSession, person: Person, today: date) -> bool:
    """ACC-7: this person is a student whose access waits for a parent's consent (none stands yet)."""
    if await session.scalar(select(Student.id).where(Student.person_id == person.id)) is None:
        return False
    if not needs_parent(person.birth_date, today):
        return False
    return not (await standings(session, [person.id]))[person.id].by_parent


async def children_of(session: AsyncSession, parent_id: int) -> list[Person]:
    """A parent's children at the school now (ACC-9: a child who left is nobody's to consent for here)."""
    return list(
        (
            await session.scalars(
                select(Person)
                .join(Student, Student.person_id == Person.id)
                .join(Guardianship, Guardianship.student_id == Student.id)
                .where(Guardianship.parent_id == parent_id, Student.status == StudentStatus.ACTIVE)
                .order_by(Person.id)
            )
        ).all()
    )


class ConsentService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- the family's own (ACC-7) ------------------------------------------------------------------------------

    async def withdraw(self, account_id: int, person_id: int, text_version: str) -> int:
        """ACC-7: the person's consent withdrawn from their own account (any channel), and access ends at once. A parent's is also
        withdrawn for each child; a child left with no parent's consent loses access too. Returns how many persons
        lost access."""
        async with write_transaction(self.session):
            person = await self.session.scalar(
                select(Person).where(Person.id == person_id, Person.id.in_(persons_of(account_id)))
            )
            if person is None:
                raise NotFound("person.not_found")
            now = self.clock()
            self.session.add(
                Consent(
                    person_id=person.id,
                    account_id=account_id,
                    answer=ConsentAnswer.WITHDRAWN,
                    text_version=text_version,
                    at=now,
                )
            )
            await unlink(self.session, person, person.id)  # every channel's link (ACC-7)
            ended = 1
            children = await children_of(self.session, person.id)
            for child in children:
                self.session.add(
                    Consent(
                        person_id=child.id,
                        account_id=account_id,
                        answer=ConsentAnswer.WITHDRAWN,
                        text_version=text_version,
                        at=now,
                        by_parent_id=person.id,
                    )
                )
            await self.session.flush()
            left = await standings(self.session, [c.id for c in children])
            for child in children:
                if not left[child.id].by_parent and await unlink(self.session, child, person.id):
                    ended += 1
            return ended

    # ---- the secretary's lists (000 §8.6) ----------------------------------------------------------------------

    async def classes(self, actor: Actor) -> list[ClassRef]:
        school = await self._kept_by(actor)
        calendar = await SchoolCalendar.load(self.session, school.id, school_today(self.clock, school))
        query = select(ClassGroup).where(ClassGroup.school_id == school.id)
        if calendar.year is not None:
            query = query.where(ClassGroup.year_id == calendar.year.id)
        classes = (await self.session.scalars(query)).all()
        return [ClassRef(c.id, c.name) for c in sorted(classes, key=lambda c: (c.grade, c.letter))]

    async def of_class(self, actor: Actor, class_id: int) -> ClassConsents:
        """The class's students, then their parents, each with what holds of their consent now."""
        school = await self._kept_by(actor)
        class_group = await self.session.get(ClassGroup, class_id)
        if class_group is None or class_group.school_id != school.id:
            raise NotFound("class.not_found")
        today = school_today(self.clock, school)
        # Whether each is linked to an account (of any channel), read by the same queries.
        linked: set[int] = set()
        students = []
        for student, has in (
            await self.session.execute(
                select(Student, has_account(Student.person_id)).where(
                    Student.class_id == class_id, Student.status == StudentStatus.ACTIVE
                )
            )
        ).unique():
            students.append(student)
            if has:
                linked.add(student.person_id)
        students = sorted(students, key=lambda s: (s.person.last_name, s.person.first_name, s.id))
        rows = await self.session.execute(
            select(Guardianship.student_id, Person, has_account())
            .join(Person, Person.id == Guardianship.parent_id)
            .where(Guardianship.student_id.in_([s.id for s in students]))
            .order_by(Guardianship.id)
        )
        by_id = {s.id: s for s in students}
        parents: dict[int, tuple[Person, list[str]]] = {}
        for student_id, parent, has in rows.all():
            child = by_id[student_id].person
            parents.setdefault(parent.id, (parent, []))[1].append(f"{child.last_name} {child.first_name}")
            if has:
                linked.add(parent.id)
        held = await standings(self.session, [s.person_id for s in students] + list(parents))
        return ClassConsents(
            class_group.id,
            class_group.name,
            tuple(
                PersonConsent(
                    s.person_id,
                    Role.STUDENT,
                    f"{s.person.last_name} {s.person.first_name}",
                    (),
                    s.person_id in linked,
                    held[s.person_id],
                    needs_parent(s.person.birth_date, today),
                )
                for s in students
            ),
            tuple(
                PersonConsent(p.id, Role.PARENT, p.full_name, tuple(kids), p.id in linked, held[p.id], False)
                for p, kids in sorted(parents.values(), key=lambda v: (v[0].last_name, v[0].first_name, v[0].id))
            ),
        )

    async def person(self, actor: Actor, class_id: int, person_id: int) -> PersonConsent:
        """One student or parent of the class; anyone else's id is refused (a forged button)."""
        found = await self.of_class(actor, class_id)
        person = next((p for p in found.students + found.parents if p.person_id == person_id), None)
        if person is None:
            raise NotFound("person.not_found")
        return person

    async def record_paper(self, actor: Actor, class_id: int, person_id: int) -> PersonConsent:
        """000 §8.6: a signed paper consent the secretary holds, recorded with who recorded it. A student's paper is
        the parent's consent for them. Recorded once: a second tap finds it standing and writes nothing."""
        await self.person(actor, class_id, person_id)
        async with write_transaction(self.session):
            # The person's row locked: two taps at once record one paper (SQLite: BEGIN IMMEDIATE does it).
            await self.session.scalar(select(Person.id).where(Person.id == person_id).with_for_update())
            if (await standings(self.session, [person_id]))[person_id].paper:
                return await self.person(actor, class_id, person_id)
            self.session.add(
                Consent(
                    person_id=person_id,
                    account_id=None,
                    answer=ConsentAnswer.ACCEPTED,
                    text_version=PAPER_VERSION,
                    at=self.clock(),
                    paper=True,
                    recorded_by=actor.person_id or None,
                )
            )
        return await self.person(actor, class_id, person_id)

    async def _kept_by(self, actor: Actor) -> School:
        if not actor.has(*KEEPERS):
            raise Forbidden("consent.not_allowed")
        return await self.session.get_one(School, actor.school_id)
