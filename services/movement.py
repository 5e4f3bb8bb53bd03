"""DATA-4: the student movement book, and what follows from it: a student who leaves loses access (ACC-9)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .clock import Clock
from .db import write_transaction
from .enrolments import enrol, leave
from .errors import Forbidden, InvalidInput, NotFound
from .invites import revoke_unused
from .models import (
    ClassGroup,
    Movement,
    MovementKind,
    Person,
    Role,
    Student,
    StudentStatus,
)
from .records import audit, snapshot
from .text import clean_text

LEAVES = {MovementKind.LEAVING: StudentStatus.LEFT, MovementKind.GRADUATION: StudentStatus.GRADUATED}
MOVES = {MovementKind.PROMOTION, MovementKind.REPEAT, MovementKind.TRANSFER, MovementKind.ENROLMENT}


class MovementService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def record(
        self,
        actor: Actor,
        student_id: int,
        kind: MovementKind,
        order_date: date,
        order_number: str = "",
        to_class_id: int | None = None,
        on: date | None = None,
    ) -> int:
        """ROLE-2: the secretary keeps the movement book (the administrator may too). The move takes effect `on`
        (the order's date unless given): the student's stay in their class ends the day before."""
        if not actor.has(Role.SECRETARY, Role.ADMIN):
            raise Forbidden("movement.not_allowed")
        order_number = clean_text(order_number, one_line=True)
        if len(order_number) > 40:
            raise InvalidInput("movement.order_too_long", max=40)
        async with write_transaction(self.session):
            student = await self.session.get(Student, student_id)
            if student is None or student.school_id != actor.school_id:
                raise NotFound("student.not_found")
            target = None
            if kind in MOVES:
                target = await self.session.get(ClassGroup, to_class_id or 0)
                if target is None or target.school_id != student.school_id:
                    raise InvalidInput("movement.class_required")
            before = snapshot(student, "class_id", "status")
            entry = Movement(
                school_id=student.school_id,
                student_id=student.id,
                kind=kind,
                order_number=order_number,
                order_date=order_date,
                from_class_id=student.class_id,
                to_class_id=target.id if target else None,
                recorded_by=actor.person_id or None,
            )
            self.session.add(entry)
            effective = on or order_date
            if target is not None:
                student.status = StudentStatus.ACTIVE
                await enrol(self.session, student, target.id, effective)
            if kind in LEAVES:
                student.status = LEAVES[kind]
                await leave(self.session, student, effective)
                await self._close_access(student)
            await self.session.flush()
            audit(
                self.session,
                school_id=student.school_id,
                actor_id=actor.person_id or None,
                action=kind.value,
                entity="student",
                entity_id=student.id,
                before=before,
                after=snapshot(student, "class_id", "status"),
            )
            return entry.id

    async def _close_access(self, student: Student) -> None:
        """ACC-9: no access to the current journal; the records stay, archived."""
        person = await self.session.get_one(Person, student.person_id)
        person.account_id = None
        await self.session.execute(revoke_unused([person.id], self.clock()))
