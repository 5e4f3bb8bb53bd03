"""Who is acting and what they may see or write (ROLE-*, ACC-*).

An Actor is one linked person: a Telegram account linked to persons of several schools acts as one
of them at a time. Every use case re-checks rights here; an id that came in a button proves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, String, and_, literal_column, null, or_, select, type_coerce, union_all
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import Forbidden, NotFound
from .models import (
    Assignment,
    ClassGroup,
    Guardianship,
    Person,
    Role,
    StaffRole,
    Student,
    StudentStatus,
    SubgroupMember,
    Substitution,
)


@dataclass(frozen=True)
class ClassRef:
    """A class to choose: a class teacher's own, or any for the deputy director's report."""

    id: int
    name: str


@dataclass(frozen=True)
class Actor:
    person_id: int
    school_id: int
    roles: frozenset[Role]
    student_id: int | None = None  # the person's own active student record
    children: frozenset[int] = frozenset()  # active students this person is a parent of
    led_classes: frozenset[int] = frozenset()  # classes this person is class teacher of

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def oversees(self, school_id: int) -> bool:
        """ROLE-2: the administrator and the deputy director see the whole of *their* school, never another's.

        The school is an argument so that no check can forget it: with several schools in one database, the
        deputy director of one must not read another's journal through a forged button."""
        return school_id == self.school_id and self.has(Role.ADMIN, Role.DEPUTY)

    def sees_class(self, class_group: ClassGroup) -> bool:
        """ACC-4 and ROLE-2: the class teacher of this class, or the administration of its school."""
        if class_group.school_id != self.school_id:
            return False
        return class_group.id in self.led_classes or self.oversees(class_group.school_id)


SYSTEM_ROLES = frozenset({Role.ADMIN})


def system_actor(school_id: int) -> Actor:
    """The administrator's command line acts with the administrator's rights (ROLE-2)."""
    return Actor(person_id=0, school_id=school_id, roles=SYSTEM_ROLES)


async def load_actor(session: AsyncSession, person_id: int) -> Actor:
    actors = await load_actors(session, Person.id == person_id)
    if not actors:
        raise NotFound("person.not_found")
    return actors[0]


async def load_actors(session: AsyncSession, who: ColumnElement[bool]) -> list[Actor]:
    """The actors of the persons `who` selects (a condition on Person), in the order of their ids, with or without
    roles, read in one statement: the persons, their staff roles, their own active student record, their active
    children and the classes they lead, as rows of one UNION ALL (kind, person id, number, role)."""
    ids = select(Person.id).where(who)
    rows: Result[Any] = await session.execute(
        union_all(
            select(literal_column("'person'"), Person.id, Person.school_id, null()).where(who),
            select(literal_column("'role'"), StaffRole.person_id, null(), type_coerce(StaffRole.role, String)).where(
                StaffRole.person_id.in_(ids)
            ),
            select(literal_column("'student'"), Student.person_id, Student.id, null()).where(
                Student.person_id.in_(ids), Student.status == StudentStatus.ACTIVE
            ),
            # ACC-9: a child who left the school is nobody's to follow in the current journal.
            select(literal_column("'child'"), Guardianship.parent_id, Guardianship.student_id, null())
            .join(Student, Student.id == Guardianship.student_id)
            .where(Guardianship.parent_id.in_(ids), Student.status == StudentStatus.ACTIVE),
            select(literal_column("'led'"), ClassGroup.class_teacher_id, ClassGroup.id, null()).where(
                ClassGroup.class_teacher_id.in_(ids)
            ),
        )
    )
    schools: dict[int, int] = {}
    roles: dict[int, set[Role]] = defaultdict(set)
    student_of: dict[int, int] = {}
    children: dict[int, set[int]] = defaultdict(set)
    led: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        kind, person_id, number, role = cast(tuple[str, int, int, str | None], tuple(row))
        if kind == "person":
            schools[person_id] = number
        elif kind == "role":
            roles[person_id].add(Role(role))
        elif kind == "student":
            student_of.setdefault(person_id, number)
        elif kind == "child":
            children[person_id].add(number)
        else:
            led[person_id].add(number)
    actors = []
    for person_id in sorted(schools):
        held = set(roles[person_id])
        if person_id in student_of:
            held.add(Role.STUDENT)
        if children[person_id]:
            held.add(Role.PARENT)
        if led[person_id]:
            held.add(Role.CLASS_TEACHER)
        actors.append(
            Actor(
                person_id=person_id,
                school_id=schools[person_id],
                roles=frozenset(held),
                student_id=student_of.get(person_id),
                children=frozenset(children[person_id]),
                led_classes=frozenset(led[person_id]),
            )
        )
    return actors


async def teaching_assignments(session: AsyncSession, actor: Actor, day: date) -> list[Assignment]:
    """The assignments the actor may keep on a day: their own, and those they substitute in (ACC-5)."""
    subst = select(Substitution.assignment_id).where(
        Substitution.substitute_id == actor.person_id,
        Substitution.starts_on <= day,
        Substitution.ends_on >= day,
    )
    rows = await session.scalars(
        select(Assignment).where(
            Assignment.school_id == actor.school_id,
            or_(Assignment.teacher_id == actor.person_id, Assignment.id.in_(subst)),
        )
    )
    return list(rows.unique().all())


async def may_keep(session: AsyncSession, actor: Actor, assignment: Assignment, day: date) -> bool:
    """ACC-3, ACC-5, J-13: the teacher of the class (or subgroup) and subject, or today's substitute."""
    if assignment.school_id != actor.school_id:
        return False
    if assignment.teacher_id == actor.person_id or actor.has(Role.ADMIN):
        return True
    return (
        await session.scalar(
            select(Substitution.id).where(
                Substitution.assignment_id == assignment.id,
                Substitution.substitute_id == actor.person_id,
                Substitution.starts_on <= day,
                Substitution.ends_on >= day,
            )
        )
    ) is not None


async def check_keep(session: AsyncSession, actor: Actor, assignment: Assignment, day: date) -> None:
    if not await may_keep(session, actor, assignment, day):
        raise Forbidden("journal.not_your_class")


class Pupil(Protocol):
    """What the access check reads of a student: a Student, or what a service keeps of one."""

    @property
    def id(self) -> int: ...
    @property
    def school_id(self) -> int: ...
    @property
    def class_id(self) -> int: ...
    @property
    def status(self) -> StudentStatus: ...


async def get_student_for(session: AsyncSession, actor: Actor, student_id: int) -> Student:
    """A student the actor may see (ACC-1, ACC-2, ACC-4, REP-5); anyone else's looks like nobody."""
    student = await session.get(Student, student_id)
    if student is None:
        raise Forbidden("student.not_yours")
    await check_may_see(session, actor, student)
    return student


async def check_may_see(session: AsyncSession, actor: Actor, student: Pupil) -> None:
    """Refuses a student the actor may not see with the answer given for no student at all: ids are not to be
    probed."""
    if not await _may_see(session, actor, student):
        raise Forbidden("student.not_yours")


async def _may_see(session: AsyncSession, actor: Actor, student: Pupil) -> bool:
    if student.school_id != actor.school_id and student.id not in actor.children:
        return False
    if student.id == actor.student_id or student.id in actor.children:
        return True
    if student.status != StudentStatus.ACTIVE and not actor.oversees(student.school_id):
        return False
    if actor.oversees(student.school_id) or student.class_id in actor.led_classes:
        return True
    if not actor.has(Role.TEACHER):
        return False
    # REP-5: the teachers of the class see one student's record.
    in_subgroups = select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student.id)
    teaches = await session.scalar(
        select(Assignment.id)
        .where(
            Assignment.teacher_id == actor.person_id,
            Assignment.class_id == student.class_id,
            or_(Assignment.subgroup_id.is_(None), Assignment.subgroup_id.in_(in_subgroups)),
        )
        .limit(1)
    )
    return teaches is not None


async def check_class_teacher(actor: Actor, class_group: ClassGroup) -> None:
    """ACC-4: the class teacher of this class, or the administration of its school (ROLE-2)."""
    if not actor.sees_class(class_group):
        raise Forbidden("class.not_yours")


def student_assignments_clause(student: Student, class_ids: Iterable[int] | None = None):
    """The assignments a student attends: the whole class's, and their own subgroups' (J-13); of their present
    class, or of `class_ids` (the classes they were in, DATA-4)."""
    in_subgroups = select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student.id)
    return and_(
        Assignment.class_id == student.class_id if class_ids is None else Assignment.class_id.in_(list(class_ids)),
        or_(Assignment.subgroup_id.is_(None), Assignment.subgroup_id.in_(in_subgroups)),
    )
