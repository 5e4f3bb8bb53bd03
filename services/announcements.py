"""Announcements (ROLE-2, ACC-4, DIA-4): a text with photos or PDF files from the deputy director
or the administrator to the whole school, a grade, a class or a class's parents; from a class teacher to their own
class or its parents. One outbox event per announcement; the pushes worker fans it out with
`announcement_recipients` and sends it by each account's ANNOUNCEMENTS preference for the child it is about.

Who receives what (decided here, read by the fan-out):
- the school: every linked active student, every linked parent of an active student (once per child), and the
  school's staff;
- a grade or a class: its active students and their parents, and its class teachers (so that they know what
  their class was told);
- a class's parents: the parents only.
The sender never receives their own announcement. Students who left (ACC-9) and their parents get nothing, nor
accounts that their messenger has shut (Account.is_active False).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_class_teacher
from .attachments import AttachmentIn, check_file
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, NotFound
from .models import (
    Account,
    ClassGroup,
    Guardianship,
    OutboxEvent,
    Person,
    PersonAccount,
    Role,
    School,
    StaffRole,
    Student,
    StudentStatus,
)
from .pushes.payloads import Announcement, AudienceShown, Author, FileRef, to_json
from .records import audit, emit, save_once
from .text import required_text

# One message holds 4000 characters (MAX; Telegram 4096): the rest is for the heading and the author's line.
TEXT_MAX = 3500
# One album: Telegram sends at most 10 photos or documents as one media group.
MAX_FILES = 10


class Scope(str, enum.Enum):
    SCHOOL = "school"
    GRADE = "grade"
    CLASS = "class"  # the class's students and their parents
    CLASS_PARENTS = "class_parents"


@dataclass(frozen=True)
class Audience:
    """Whom an announcement is for. `grade` is set for a grade and for a class (the class's grade)."""

    scope: Scope
    grade: int | None = None
    class_id: int | None = None
    title: str = ""  # the class's name («5А»), for display; "" for the school and a grade


@dataclass(frozen=True)
class Preview:
    """The announcement as it will be written (the event's payload) and how many accounts it reaches."""

    payload: Announcement
    recipients: int


def check_text(text: str) -> str:
    """The text as it will be sent (services/text.py), or InvalidInput when it shows nothing or is too long."""
    text = required_text(text, "announcement.empty")
    # Telegram counts a message's length in UTF-16 code units: an emoji is two.
    length = len(text.encode("utf-16-le")) // 2
    if length > TEXT_MAX:
        raise InvalidInput("announcement.too_long", max=TEXT_MAX, length=length)
    return text


def check_files(files: Sequence[AttachmentIn]) -> None:
    """Photos, PDFs and pictures of at most 20 MB (the checks of absence documents and homework files)."""
    if len(files) > MAX_FILES:
        raise InvalidInput("announcement.too_many_files", max=MAX_FILES)
    for file in files:
        check_file(file)


class AnnouncementService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def audiences(self, actor: Actor) -> list[Audience]:
        """What this actor may choose: the administration anything in the current year's classes (ROLE-2); a class
        teacher their own classes and those classes' parents (ACC-4); anyone else nothing (refused)."""
        _check_sender(actor)
        classes = await self._classes(actor)
        result = []
        if actor.oversees(actor.school_id):
            result.append(Audience(Scope.SCHOOL))
            result += [Audience(Scope.GRADE, grade) for grade in sorted({c.grade for c in classes})]
        for c in classes:
            result.append(Audience(Scope.CLASS, c.grade, c.id, c.name))
            result.append(Audience(Scope.CLASS_PARENTS, c.grade, c.id, c.name))
        return result

    async def check_audience(self, actor: Actor, audience: Audience) -> Audience:
        """The audience re-checked against the actor's rights (a button's ids prove nothing), with its title."""
        _check_sender(actor)
        try:
            scope = Scope(audience.scope)
        except ValueError:
            raise InvalidInput("announcement.bad_audience") from None
        if scope in (Scope.CLASS, Scope.CLASS_PARENTS):
            class_group = await self.session.get(ClassGroup, audience.class_id) if audience.class_id else None
            if class_group is None:
                raise NotFound("class.not_found")
            await check_class_teacher(actor, class_group)  # ACC-4, or the administration (ROLE-2)
            return Audience(scope, class_group.grade, class_group.id, class_group.name)
        if not actor.oversees(actor.school_id):
            raise Forbidden("announcement.school_or_grade")
        if scope == Scope.SCHOOL:
            return Audience(scope)
        if audience.grade not in {c.grade for c in await self._classes(actor)}:
            raise NotFound("announcement.no_such_grade", grade=audience.grade)
        return Audience(scope, audience.grade)

    async def preview(self, actor: Actor, audience: Audience, text: str, files: Sequence[AttachmentIn] = ()) -> Preview:
        """Everything `send` checks, and what it would write; nothing is written."""
        payload = await self._payload(actor, audience, text, files)
        pairs = await announcement_recipients(self.session, payload, actor.school_id)
        return Preview(payload, len({account for account, _student in pairs}))

    async def send(
        self, actor: Actor, audience: Audience, text: str, files: Sequence[AttachmentIn] = (), draft: str | None = None
    ) -> int:
        """Checks the right to the audience, the text and the files, then writes the outbox event and its audit
        entry (DATA-3) together. Returns the event's id. One `draft` is sent once: again, AlreadySaved."""
        payload = await self._payload(actor, audience, text, files)
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            emit(self.session, actor.school_id, payload)
            # records.emit returns nothing; the event is the one object this transaction adds.
            [event] = [obj for obj in self.session.new if isinstance(obj, OutboxEvent)]
            await self.session.flush()
            audit(
                self.session,
                school_id=actor.school_id,
                actor_id=actor.person_id,
                action="add",
                entity="announcement",
                entity_id=event.id,
                after={"audience": to_json(payload.audience), "text": payload.text, "files": len(payload.files)},
            )
            return event.id

    async def _payload(
        self, actor: Actor, audience: Audience, text: str, files: Sequence[AttachmentIn]
    ) -> Announcement:
        checked = await self.check_audience(actor, audience)
        text = check_text(text)
        check_files(files)
        shown = AudienceShown(checked.scope.value, checked.title)
        if checked.scope == Scope.GRADE:
            # The classes the sender saw: the current year's, not an old year's of the same grade.
            shown = replace(
                shown,
                grade=checked.grade,
                class_ids=tuple(c.id for c in await self._classes(actor) if c.grade == checked.grade),
            )
        elif checked.scope in (Scope.CLASS, Scope.CLASS_PARENTS):
            shown = replace(shown, grade=checked.grade, class_id=checked.class_id)
        author = await self.session.get_one(Person, actor.person_id)
        return Announcement(
            audience=shown,
            text=text,
            files=tuple(
                FileRef(f.kind.value, f.telegram_file_id, f.sha256, f.telegram_bot_id, f.file_name or None)
                for f in files
            ),
            author=Author(actor.person_id, author.full_name, _author_role(actor, checked)),
        )

    async def _classes(self, actor: Actor) -> list[ClassGroup]:
        """The current year's classes the actor may address: all for the administration, else the led ones."""
        school = await self.session.get_one(School, actor.school_id)
        year = (await SchoolCalendar.load(self.session, school.id, school_today(self.clock, school))).year
        query = select(ClassGroup).where(ClassGroup.school_id == school.id)
        if year is not None:
            query = query.where(ClassGroup.year_id == year.id)
        if not actor.oversees(actor.school_id):
            query = query.where(ClassGroup.id.in_(actor.led_classes))
        return list((await self.session.scalars(query.order_by(ClassGroup.grade, ClassGroup.letter))).all())


def _check_sender(actor: Actor) -> None:
    if not (actor.oversees(actor.school_id) or actor.led_classes):
        raise Forbidden("announcement.not_allowed")


def _author_role(actor: Actor, audience: Audience) -> str:
    """How the sender signs: as the class teacher to their own class, else by their administration role."""
    if audience.class_id is not None and audience.class_id in actor.led_classes:
        return Role.CLASS_TEACHER.value
    return (Role.DEPUTY if actor.has(Role.DEPUTY) else Role.ADMIN).value


async def announcement_recipients(
    session: AsyncSession, announcement: Announcement, school_id: int
) -> list[tuple[int, int | None]]:
    """(Account id, student id) for each account (every linked one of each person, whatever its channel) the announcement goes to, with the child it is about;
    student id None for staff. An account appears once per child (the fan-out applies the ANNOUNCEMENTS preference
    of each, and sends one message per account). Four queries whatever the audience's size."""
    audience = announcement.audience
    scope = Scope(audience.scope)
    students = [Student.school_id == school_id, Student.status == StudentStatus.ACTIVE]  # ACC-9
    if scope == Scope.GRADE:
        students.append(Student.class_id.in_(audience.class_ids or ()))
    elif scope != Scope.SCHOOL:
        students.append(Student.class_id == audience.class_id)
    active = Account.is_active.is_(True)

    pairs: list[tuple[int, int | None]] = []
    if scope != Scope.CLASS_PARENTS:
        pairs += [
            (account, student)
            for account, student in await session.execute(
                select(Account.id, Student.id)
                .select_from(Student)
                .join(PersonAccount, PersonAccount.person_id == Student.person_id)
                .join(Account, Account.id == PersonAccount.account_id)
                .where(*students, active)
                .order_by(Student.id, PersonAccount.id)
            )
        ]
    pairs += [
        (account, student)
        for account, student in await session.execute(
            select(Account.id, Student.id)
            .select_from(Guardianship)
            .join(Student, Student.id == Guardianship.student_id)
            .join(PersonAccount, PersonAccount.person_id == Guardianship.parent_id)
            .join(Account, Account.id == PersonAccount.account_id)
            .where(*students, active)
            .order_by(Student.id, Guardianship.parent_id, PersonAccount.id)
        )
    ]
    if scope == Scope.SCHOOL:
        staff = Person.id.in_(select(StaffRole.person_id))
    elif scope == Scope.CLASS_PARENTS:
        staff = None
    else:
        class_ids = (audience.class_ids or ()) if scope == Scope.GRADE else (audience.class_id,)
        staff = Person.id.in_(select(ClassGroup.class_teacher_id).where(ClassGroup.id.in_(class_ids)))
    if staff is not None:
        pairs += [
            (account, None)
            for account in (
                await session.scalars(
                    select(Account.id)
                    .select_from(Person)
                    .join(PersonAccount, PersonAccount.person_id == Person.id)
                    .join(Account, Account.id == PersonAccount.account_id)
                    .where(Person.school_id == school_id, staff, active)
                    .distinct()
                    .order_by(Account.id)
                )
            ).all()
        ]
    senders = set(
        (
            await session.scalars(
                select(PersonAccount.account_id).where(PersonAccount.person_id == announcement.author.person_id)
            )
        ).all()
    )
    return [pair for pair in dict.fromkeys(pairs) if pair[0] not in senders]
