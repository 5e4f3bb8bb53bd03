"""Access by one-time invite codes (ACC-6), consent before any data (ACC-7), and unlinking (ACC-8, ACC-9).

A code is printed once and kept only as its hash. Redeeming links the messenger account to the person
only after the consent is accepted; a declined consent is recorded and links nothing. A person may be linked to
one account per channel (Telegram, MAX): services/links.py.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_class_teacher
from .accounts import AccountRef, get_or_add
from .clock import Clock, school_today
from .consents import ConsentService, children_of, student_needs_parent
from .db import write_transaction
from .errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from .links import has_account, link, persons_of, unlink
from .models import (
    STAFF_ROLES,
    Account,
    ClassGroup,
    Consent,
    ConsentAnswer,
    Guardianship,
    InviteAttempt,
    InviteCode,
    Person,
    Role,
    School,
    StaffRole,
    Student,
    StudentStatus,
)
from .records import audit

# No 0/O, 1/I/L: a code read aloud or typed from paper must not be ambiguous.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_FAILED_PER_HOUR = 5
CONSENT_VERSION = "2026-12"  # the texts' edition; a consent records it with whose text it was ("2026-12/student")


class ConsentKind(str, enum.Enum):
    """ACC-7: whose data the consent text speaks of: a parent's and their child's, a student's own, or staff's."""

    PARENT = "parent"
    STUDENT = "student"
    STAFF = "staff"


def consent_kind(role: Role) -> ConsentKind:
    if role == Role.PARENT:
        return ConsentKind.PARENT
    if role == Role.STUDENT:
        return ConsentKind.STUDENT
    return ConsentKind.STAFF


def consent_version(kind: ConsentKind) -> str:
    return f"{CONSENT_VERSION}/{kind.value}"


def revoke_unused(person_ids, now: datetime):
    """The statement that revokes the persons' codes not yet used: a fresh code, a cut access, a leaver."""
    return (
        update(InviteCode)
        .where(InviteCode.person_id.in_(person_ids), InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class IssuedCode:
    person_id: int
    role: Role
    full_name: str
    class_name: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class UnlinkedPerson:
    """A student or parent of the class with no account linked yet, on any channel (ACC-6), and why, where known."""

    person_id: int
    role: Role  # STUDENT or PARENT
    full_name: str
    children: tuple[str, ...]  # a parent's children in this class, «Алексеев Артём»
    consent: ConsentAnswer | None  # the last answer: declined or withdrawn says why (ACC-7)
    code_expires_at: datetime | None  # an unused code handed out and still valid


@dataclass(frozen=True)
class InvitePreview:
    """What may be said before consent: the school and the kind of access, no personal data."""

    school_id: int
    roles: frozenset[Role]
    consent: ConsentKind  # which consent text the person reads (ACC-7)
    parent_needed: bool = False  # a student under 14 whose parent has not consented yet: no access (ACC-7)


class InviteService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- issuing (ACC-6) -------------------------------------------------------------------------

    async def for_class(
        self, actor: Actor, class_id: int, ttl: timedelta, *, students: bool = True, parents: bool = True
    ) -> list[IssuedCode]:
        """Codes for a class's students and parents: the class teacher's to hand out (ACC-6)."""
        roster = await self._roster(actor, class_id)
        wanted: list[tuple[int, Role]] = []
        for student in roster:
            if students:
                wanted.append((student.person_id, Role.STUDENT))
            if parents:
                parent_ids = (
                    await self.session.scalars(
                        select(Guardianship.parent_id)
                        .where(Guardianship.student_id == student.id)
                        .order_by(Guardianship.id)
                    )
                ).all()
                wanted.extend((pid, Role.PARENT) for pid in parent_ids)
        return await self._issue(actor, _unique(wanted), ttl)

    async def unlinked(self, actor: Actor, class_id: int) -> list[UnlinkedPerson]:
        """ACC-4, ACC-6: the class's students, then parents, who have linked no account (of any channel), by name."""
        linked: set[int] = set()
        roster = await self._roster(actor, class_id, linked)
        now = self.clock()
        students = [s for s in roster if s.person_id not in linked]
        parents: dict[int, tuple[Person, list[str]]] = {}
        rows = await self.session.execute(
            select(Guardianship.student_id, Person)
            .join(Person, Person.id == Guardianship.parent_id)
            .where(Guardianship.student_id.in_([s.id for s in roster]), ~has_account())
            .order_by(Guardianship.id)
        )
        by_id = {s.id: s for s in roster}
        for student_id, parent in rows.all():
            child = by_id[student_id].person
            parents.setdefault(parent.id, (parent, []))[1].append(f"{child.last_name} {child.first_name}")
        ids = [s.person_id for s in students] + list(parents)
        consents = dict(
            (
                await self.session.execute(
                    select(Consent.person_id, Consent.answer)
                    .where(Consent.person_id.in_(ids), Consent.by_parent_id.is_(None), Consent.paper.is_(False))
                    .order_by(Consent.at, Consent.id)
                )
            ).all()
        )  # the last answer wins
        codes = dict(
            (
                await self.session.execute(
                    select(InviteCode.person_id, func.max(InviteCode.expires_at))
                    .where(
                        InviteCode.person_id.in_(ids),
                        InviteCode.used_at.is_(None),
                        InviteCode.revoked_at.is_(None),
                        InviteCode.expires_at > now,
                    )
                    .group_by(InviteCode.person_id)
                )
            ).all()
        )

        def entry(person: Person, role: Role, children: tuple[str, ...] = ()) -> UnlinkedPerson:
            return UnlinkedPerson(
                person.id, role, person.full_name, children, consents.get(person.id), codes.get(person.id)
            )

        parent_list = sorted(parents.values(), key=lambda p: (p[0].last_name, p[0].first_name, p[0].id))
        return [entry(s.person, Role.STUDENT) for s in students] + [
            entry(parent, Role.PARENT, tuple(children)) for parent, children in parent_list
        ]

    async def for_unlinked(self, actor: Actor, class_id: int, ttl: timedelta) -> list[IssuedCode]:
        """ACC-6: fresh codes for the class's students and parents not linked yet (their older unused codes stop
        working); the linked keep their access untouched."""
        people = await self.unlinked(actor, class_id)
        return await self._issue(actor, [(p.person_id, p.role) for p in people], ttl) if people else []

    async def for_one(self, actor: Actor, class_id: int, person_id: int, ttl: timedelta) -> IssuedCode:
        """ACC-6, ACC-8: a fresh code for one student or parent of the class who is not linked (never was, or logged
        out); only that person's older unused codes stop working, everyone else's paper stays valid."""
        person = next((p for p in await self.unlinked(actor, class_id) if p.person_id == person_id), None)
        if person is None:
            raise NotFound("person.not_found")
        [issued] = await self._issue(actor, [(person.person_id, person.role)], ttl)
        return issued

    async def for_role(self, actor: Actor, role: Role, ttl: timedelta) -> list[IssuedCode]:
        """Codes for the staff of a role: the administrator's to hand out (ACC-6)."""
        if not actor.has(Role.ADMIN):
            raise Forbidden("invite.staff_by_admin_only")
        if role not in STAFF_ROLES:
            raise InvalidInput("invite.bad_role", role=role.value)
        ids = (
            await self.session.scalars(
                select(StaffRole.person_id)
                .join(Person, Person.id == StaffRole.person_id)
                .where(StaffRole.role == role, Person.school_id == actor.school_id)
                .order_by(Person.last_name, Person.first_name)
            )
        ).all()
        return await self._issue(actor, [(pid, role) for pid in ids], ttl)

    async def for_person(self, actor: Actor, person_id: int, ttl: timedelta) -> list[IssuedCode]:
        person = await self.session.get(Person, person_id)
        if person is None or person.school_id != actor.school_id:
            raise NotFound("person.not_found")
        role = await self._main_role(person)
        if role in STAFF_ROLES and not actor.has(Role.ADMIN):
            raise Forbidden("invite.staff_by_admin_only")
        # ROLE-2: the secretary keeps the lists of students and parents, and hands a new arrival their code.
        if role in (Role.STUDENT, Role.PARENT) and not actor.has(Role.ADMIN, Role.SECRETARY):
            classes = await self._classes_of(person)
            if not classes & actor.led_classes:
                raise Forbidden("class.not_yours")
        return await self._issue(actor, [(person_id, role)], ttl)

    # ---- redeeming (ACC-6, ACC-7) -----------------------------------------------------------------

    async def preview(self, account_id: int, code: str, *, school_id: int | None = None) -> InvitePreview:
        """Checks a code typed or sent by deep link; a wrong one counts against the account's tries. `school_id`:
        the school whose own bot it was sent to (SCHOOL_BOTS), which takes no other school's code."""
        invite = await self._valid_invite(account_id, code, school_id)
        person = await self.session.get_one(Person, invite.person_id)
        role = await self._main_role(person)
        return InvitePreview(
            school_id=person.school_id,
            roles=frozenset({role}),
            consent=consent_kind(role),
            parent_needed=role == Role.STUDENT and await self._parent_needed(person),
        )

    async def accept(
        self, account: AccountRef | int, code: str, *, locale: str = "ru", school_id: int | None = None
    ) -> int:
        """ACC-7: the consent accepted, then the account is linked to the code's person. Returns the person id.
        `account`: the bot's AccountRef (an int: a Telegram account's id); `school_id`: as for preview()."""
        ref = account if isinstance(account, AccountRef) else AccountRef(account)
        account_id = ref.id
        invite = await self._valid_invite(account_id, code, school_id)
        async with write_transaction(self.session):
            invite = (
                await self.session.scalars(select(InviteCode).where(InviteCode.id == invite.id).with_for_update())
            ).one()
            if invite.used_at is not None:
                raise Conflict("invite.used")
            account = await get_or_add(self.session, ref, locale=locale)
            await self.session.flush()
            account.is_active = True
            person = await self.session.get_one(Person, invite.person_id)
            if await self._parent_needed(person):
                raise Forbidden("consent.parent_needed")
            # ACC-8: a fresh code moves the access within its channel; whoever held it there before loses it.
            previous = await link(self.session, person, account_id, account.channel)
            account.current_person_id, account.current_student_id = person.id, None
            invite.used_at, invite.used_by_account = self.clock(), account_id
            version = await self._consent_version(person)
            self.session.add(
                Consent(
                    person_id=person.id,
                    account_id=account_id,
                    answer=ConsentAnswer.ACCEPTED,
                    text_version=version,
                    at=self.clock(),
                )
            )
            if version == consent_version(ConsentKind.PARENT):
                # ACC-7: the parent's consent text covers their child: recorded for each child, given by the parent.
                for child in await children_of(self.session, person.id):
                    self.session.add(
                        Consent(
                            person_id=child.id,
                            account_id=account_id,
                            answer=ConsentAnswer.ACCEPTED,
                            text_version=version,
                            at=self.clock(),
                            by_parent_id=person.id,
                        )
                    )
            audit(
                self.session,
                school_id=person.school_id,
                actor_id=person.id,
                action="link",
                entity="person",
                entity_id=person.id,
                before={"account_id": previous, "channel": account.channel.value},
                after={"account_id": account_id, "channel": account.channel.value},
            )
            return person.id

    async def decline(self, account_id: int, code: str, *, school_id: int | None = None) -> None:
        """ACC-7: the refusal is recorded with its time; nothing is linked and the code stays usable."""
        invite = await self._valid_invite(account_id, code, school_id)
        version = await self._consent_version(await self.session.get_one(Person, invite.person_id))
        async with write_transaction(self.session):
            self.session.add(
                Consent(
                    person_id=invite.person_id,
                    account_id=account_id,
                    answer=ConsentAnswer.DECLINED,
                    text_version=version,
                    at=self.clock(),
                )
            )

    async def withdraw_consent(self, account_id: int, person_id: int) -> int:
        """ACC-7: without consent there is no diary: the withdrawal unlinks the person (and, a parent's, the children
        left with no parent's consent). Returns how many persons lost access."""
        person = await self.session.scalar(
            select(Person).where(Person.id == person_id, Person.id.in_(persons_of(account_id)))
        )
        if person is None:
            raise NotFound("person.not_found")
        version = await self._consent_version(person)
        return await ConsentService(self.session, self.clock).withdraw(account_id, person_id, version)

    async def logout(self, account_id: int, *, school_id: int | None = None) -> int:
        """Unlinks every person from the account (of `school_id` only, if given: logging out of one school's own
        bot leaves the others as they are); the persons' accounts of the other channel stay. Returns how many."""
        where: list[ColumnElement[bool]] = [Person.id.in_(persons_of(account_id))]
        if school_id is not None:
            where.append(Person.school_id == school_id)
        async with write_transaction(self.session):
            persons = (await self.session.scalars(select(Person).where(*where))).all()
            for person in persons:
                await unlink(self.session, person, None, account_id=account_id)
            account = await self.session.get(Account, account_id)
            if account is not None and account.current_person_id in {p.id for p in persons} | {None}:
                account.current_person_id = account.current_student_id = None
            return len(persons)

    async def unlink_person(self, actor: Actor, person_id: int) -> bool:
        """The administrator cuts a person's access (`schoolbot revoke`), e.g. when it was shared (ACC-8)."""
        if not actor.has(Role.ADMIN):
            raise Forbidden("invite.staff_by_admin_only")
        async with write_transaction(self.session):
            person = await self.session.get(Person, person_id)
            if person is None or person.school_id != actor.school_id:
                raise NotFound("person.not_found")
            await self.session.execute(revoke_unused([person_id], self.clock()))
            # Every channel's link: the access was shared, or is to end.
            return bool(await unlink(self.session, person, actor.person_id or None))

    # ---- internals -------------------------------------------------------------------------------

    async def _roster(self, actor: Actor, class_id: int, linked: set[int] | None = None) -> list[Student]:
        """The class's active students by name, for its class teacher (ACC-4) or the administration. `linked`, if
        given, gets the persons among them linked to an account (of any channel), read by the same query."""
        class_group = await self.session.get(ClassGroup, class_id)
        if class_group is None:
            raise NotFound("class.not_found")
        await check_class_teacher(actor, class_group)
        rows = (
            await self.session.execute(
                select(Student, has_account(Student.person_id)).where(
                    Student.class_id == class_id, Student.status == StudentStatus.ACTIVE
                )
            )
        ).unique()
        roster = []
        for student, has in rows:
            roster.append(student)
            if has and linked is not None:
                linked.add(student.person_id)
        return sorted(roster, key=lambda s: (s.person.last_name, s.person.first_name))

    async def _valid_invite(self, account_id: int, code: str, school_id: int | None = None) -> InviteCode:
        """ACC-6: a code checked, at most MAX_FAILED_PER_HOUR wrong ones an hour per account. A code of another
        school than `school_id` (if given) counts as a wrong one: one school's bot is no way to try codes unlimited.

        The try is written (and committed) before the tries are counted, so that tries sent at once see each
        other on either database: the k-th to count sees at least k. A refused try and a right code take
        their row back; a wrong code leaves it.
        """
        now = self.clock()
        async with write_transaction(self.session):
            attempt = InviteAttempt(account_id=account_id, at=now)
            self.session.add(attempt)
        tries = (
            await self.session.execute(
                select(func.count())
                .select_from(InviteAttempt)
                .where(InviteAttempt.account_id == account_id, InviteAttempt.at > now - timedelta(hours=1))
            )
        ).scalar_one()
        invite = None
        if tries > MAX_FAILED_PER_HOUR:
            problem: Exception | None = TooManyAttempts("invite.too_many_attempts", minutes=60)
        else:
            if len(normalize(code)) == CODE_LENGTH:
                invite = await self.session.scalar(select(InviteCode).where(InviteCode.code_hash == hash_code(code)))
            problem = None
            if invite is None or invite.revoked_at is not None:
                problem = NotFound("invite.invalid")
            elif invite.used_at is not None:
                problem = Conflict("invite.used")
            elif invite.expires_at <= now:
                problem = Conflict("invite.expired")
            elif school_id is not None and invite.school_id != school_id:
                problem = Forbidden("invite.other_school")
        if problem is None or isinstance(problem, TooManyAttempts):
            async with write_transaction(self.session):
                await self.session.execute(delete(InviteAttempt).where(InviteAttempt.id == attempt.id))
        if problem is not None:
            raise problem
        assert invite is not None  # no problem: the code was found
        return invite

    async def _issue(self, actor: Actor, wanted: Sequence[tuple[int, Role]], ttl: timedelta) -> list[IssuedCode]:
        if ttl <= timedelta(0) or ttl > timedelta(days=90):
            raise InvalidInput("invite.bad_ttl", max_days=90)
        now = self.clock()
        issued = []
        async with write_transaction(self.session):
            ids = [pid for pid, _ in wanted]
            # A fresh code replaces the person's unused ones: only the newest paper is valid.
            await self.session.execute(revoke_unused(ids, now))
            persons = {p.id: p for p in (await self.session.scalars(select(Person).where(Person.id.in_(ids)))).unique()}
            for person_id, role in wanted:
                person = persons[person_id]
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
                self.session.add(
                    InviteCode(
                        school_id=person.school_id,
                        person_id=person_id,
                        code_hash=hash_code(code),
                        issued_by=actor.person_id or None,
                        created_at=now,
                        expires_at=now + ttl,
                    )
                )
                issued.append(
                    IssuedCode(
                        person_id=person_id,
                        role=role,
                        full_name=person.full_name,
                        class_name=await self._class_label(person, role),
                        code=code,
                        expires_at=now + ttl,
                    )
                )
        return issued

    async def _parent_needed(self, person: Person) -> bool:
        """ACC-7: a student under 14 (or of unknown birth date) gets access only with a parent's consent standing."""
        school = await self.session.get_one(School, person.school_id)
        return await student_needs_parent(self.session, person, school_today(self.clock, school))

    async def _consent_version(self, person: Person) -> str:
        return consent_version(consent_kind(await self._main_role(person)))

    async def _main_role(self, person: Person) -> Role:
        roles = (await self.session.scalars(select(StaffRole.role).where(StaffRole.person_id == person.id))).all()
        if roles:
            return min(roles, key=lambda r: list(Role).index(r))
        if await self.session.scalar(select(Student.id).where(Student.person_id == person.id)):
            return Role.STUDENT
        return Role.PARENT

    async def _classes_of(self, person: Person) -> set[int]:
        own = set((await self.session.scalars(select(Student.class_id).where(Student.person_id == person.id))).all())
        children = set(
            (
                await self.session.scalars(
                    select(Student.class_id)
                    .join(Guardianship, Guardianship.student_id == Student.id)
                    .where(Guardianship.parent_id == person.id)
                )
            ).all()
        )
        return own | children

    async def _class_label(self, person: Person, role: Role) -> str:
        if role not in (Role.STUDENT, Role.PARENT):
            return ""
        names = (
            await self.session.execute(
                select(ClassGroup.grade, ClassGroup.letter)
                .where(ClassGroup.id.in_(await self._classes_of(person)))
                .order_by(ClassGroup.grade, ClassGroup.letter)
            )
        ).all()
        return ", ".join(f"{g}{letter}" for g, letter in names)


def _unique(items: list[tuple[int, Role]]) -> list[tuple[int, Role]]:
    """A parent of two children in the class gets one code."""
    first: dict[int, tuple[int, Role]] = {}
    for pid, role in items:
        first.setdefault(pid, (pid, role))
    return list(first.values())
