"""Push preferences of parents and students (/settings): per child, which pushes arrive and how;
per account, the digest time and the quiet hours. Stored and shown here; applied by services/pushes/fanout.

How the delivery worker reads them
----------------------------------
- Modes: `NotificationSetting` holds one row per (account, student, kind) with its mode: INSTANT (at once),
  DIGEST (in the day's digest) or OFF. No row means `DEFAULT_MODES[kind]` (`mode_or_default`). A choice is
  stored as a row even when it equals the default, so a later change of the defaults leaves what a user
  chose alone.
- Defaults: new marks, absences, documents decided and announcements at once (a parent wants to know the
  same day, DIA-3); homework in the digest (several items a day, wanted once, not one buzz per lesson).
  The scheduled ones (services/reminders/family.py): the weekly summary and the period forecast (DIA-4) at
  once; the evening reminder of tomorrow's homework off, opt-in by design (it repeats what the
  homework pushes said). The same for parents and for students.
- `Account.digest_time`, `quiet_from`, `quiet_to` belong to the account, for all its children
  (defaults 19:00, and 21:00 to 08:00). They are wall-clock times of the school's time
  zone (`School.timezone`), not UTC: a push about a child is timed by the clock of that child's school
  (an account with children in two zones gets each child's pushes by its own school's clock).
- Quiet hours are the span [quiet_from, quiet_to), across midnight when quiet_from > quiet_to;
  quiet_from == quiet_to means none (turned off). An INSTANT push falling in them waits until quiet_to.
  The digest comes at digest_time, once a day, even within quiet hours: the user chose that time.
- Times are whole minutes.

Whose: the account's own children only, i.e. a child of one of its linked persons (ACC-2) or the student
themself (ACC-1). A teacher's sight of their class's students (REP-5) does not make their pushes the
teacher's to set. A refused id raises `student.not_yours` and nothing is written.

No audit entry: DATA-3 covers the journal; like the language and the current profile, these are the user's
own preferences, not journal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .access import get_student_for
from .accounts import CurrentUser, get_or_add
from .clock import Clock
from .db import write_transaction
from .diary import StudentCard
from .errors import Forbidden, InvalidInput
from .models import (
    Account,
    Delivery,
    DeliveryStatus,
    NotificationSetting,
    NotifyKind,
    NotifyMode,
    School,
    Student,
    utcnow,
)
from .text import clean_text

KINDS = (
    NotifyKind.MARKS,
    NotifyKind.ABSENCES,
    NotifyKind.HOMEWORK,
    NotifyKind.DOCUMENTS,
    NotifyKind.ANNOUNCEMENTS,
    NotifyKind.TOMORROW,
    NotifyKind.SUMMARY,
)  # the order of the settings screen
DEFAULT_MODES = {
    NotifyKind.MARKS: NotifyMode.INSTANT,
    NotifyKind.ABSENCES: NotifyMode.INSTANT,
    NotifyKind.HOMEWORK: NotifyMode.DIGEST,
    NotifyKind.DOCUMENTS: NotifyMode.INSTANT,
    NotifyKind.ANNOUNCEMENTS: NotifyMode.INSTANT,
    NotifyKind.TOMORROW: NotifyMode.OFF,
    NotifyKind.SUMMARY: NotifyMode.INSTANT,
}
# The same as Account's column defaults: what an account without a stored row has.
DEFAULT_DIGEST_TIME = time(19, 0)
DEFAULT_QUIET_FROM = time(21, 0)
DEFAULT_QUIET_TO = time(8, 0)

_TIME = re.compile(r"^\s*([01]?\d|2[0-3])\s*[:.]?\s*([0-5]\d)\s*$")
_SPAN_DASH = re.compile(r"\s*[-–—]\s*")


@dataclass(frozen=True)
class QuietHours:
    """[starts, ends) in the school's time zone; across midnight when starts > ends."""

    starts: time
    ends: time

    def covers(self, moment: time) -> bool:
        if self.starts <= self.ends:
            return self.starts <= moment < self.ends
        return moment >= self.starts or moment < self.ends


@dataclass(frozen=True)
class ChildPreferences:
    """What the settings screen shows for one child of an account."""

    student: StudentCard
    timezone: str  # the school's, in which the times are
    modes: tuple[tuple[NotifyKind, NotifyMode], ...]  # every kind, in KINDS order
    digest_time: time
    quiet_hours: QuietHours | None  # None: turned off

    def mode(self, kind: NotifyKind) -> NotifyMode:
        return dict(self.modes)[kind]

    @property
    def digest_in_quiet_hours(self) -> bool:
        return self.quiet_hours is not None and self.quiet_hours.covers(self.digest_time)


def mode_or_default(kind: NotifyKind, stored: NotifyMode | None) -> NotifyMode:
    """The mode in force: the stored row's, or the default when there is none."""
    return stored if stored is not None else DEFAULT_MODES[kind]


def parse_time(text: str) -> time:
    """«19:00», «7.30», «0730» → a time; anything else is refused (settings.bad_time)."""
    found = _TIME.match(clean_text(text))
    if not found:
        raise InvalidInput("settings.bad_time")
    return time(int(found[1]), int(found[2]))


def parse_quiet_hours(text: str) -> QuietHours:
    """«22:00–07:00» (a hyphen, a dash or a space between) → QuietHours; settings.bad_quiet_hours else."""
    text = clean_text(text)
    parts = _SPAN_DASH.split(text)
    if len(parts) != 2:
        parts = text.split()
    if len(parts) != 2:
        raise InvalidInput("settings.bad_quiet_hours")
    try:
        return QuietHours(parse_time(parts[0]), parse_time(parts[1]))
    except InvalidInput:
        raise InvalidInput("settings.bad_quiet_hours") from None


def after_quiet(moment: datetime, account: Account, zone: ZoneInfo) -> datetime:
    """`moment`, or the end of the account's quiet hours if it falls in them."""
    if account.quiet_from == account.quiet_to:
        return moment
    local = moment.astimezone(zone)
    if not QuietHours(account.quiet_from, account.quiet_to).covers(local.time().replace(second=0, microsecond=0)):
        return moment
    return next_at(account.quiet_to, moment, zone)


def next_at(at: time, after: datetime, zone: ZoneInfo) -> datetime:
    """The first moment after `after` when the school's clock shows `at`."""
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(after.tzinfo)


def _check_time(value: time) -> None:
    if not isinstance(value, time) or value.tzinfo is not None or value.second or value.microsecond:
        raise InvalidInput("settings.bad_time")


class PreferenceService:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow):
        self.session = session
        self.clock = clock

    async def of_child(self, user: CurrentUser, student_id: int) -> ChildPreferences:
        """The preferences of the account for one of its own children; defaults where nothing is stored."""
        student = await self._own_student(user, student_id)
        stored = dict(
            (
                await self.session.execute(
                    select(NotificationSetting.kind, NotificationSetting.mode).where(
                        NotificationSetting.account_id == user.account_id, NotificationSetting.student_id == student.id
                    )
                )
            ).all()
        )
        account = await self.session.get(Account, user.account_id)
        digest, quiet_from, quiet_to = (
            (account.digest_time, account.quiet_from, account.quiet_to)
            if account is not None
            else (DEFAULT_DIGEST_TIME, DEFAULT_QUIET_FROM, DEFAULT_QUIET_TO)
        )
        school = await self.session.get_one(School, student.school_id)
        return ChildPreferences(
            student=StudentCard.of(student),
            timezone=school.timezone,
            modes=tuple((kind, mode_or_default(kind, stored.get(kind))) for kind in KINDS),
            digest_time=digest,
            quiet_hours=QuietHours(quiet_from, quiet_to) if quiet_from != quiet_to else None,
        )

    async def set_mode(
        self, user: CurrentUser, student_id: int, kind: NotifyKind, mode: NotifyMode
    ) -> ChildPreferences:
        """How one kind of push about one child arrives for this account."""
        try:
            kind, mode = NotifyKind(kind), NotifyMode(mode)
        except ValueError:
            raise InvalidInput("settings.bad_choice") from None
        async with write_transaction(self.session):
            student = await self._own_student(user, student_id)
            where = (
                NotificationSetting.account_id == user.account_id,
                NotificationSetting.student_id == student.id,
                NotificationSetting.kind == kind,
            )
            row = await self.session.scalar(select(NotificationSetting).where(*where))
            if row is None:
                await self._account(user)
                try:
                    async with self.session.begin_nested():
                        self.session.add(
                            NotificationSetting(account_id=user.account_id, student_id=student.id, kind=kind, mode=mode)
                        )
                except IntegrityError:
                    # Another tap wrote the row first (PostgreSQL; SQLite writers queue): update it.
                    row = await self.session.scalar(select(NotificationSetting).where(*where))
            if row is not None:
                row.mode = mode
        return await self.of_child(user, student_id)

    async def set_digest_time(self, user: CurrentUser, student_id: int, at: time) -> ChildPreferences:
        """The time of the daily digest, for all the account's children. `student_id`: whose screen asks;
        it is checked first, so a forged one changes nothing."""
        _check_time(at)
        async with write_transaction(self.session):
            await self._own_student(user, student_id)
            (await self._account(user)).digest_time = at
        return await self.of_child(user, student_id)

    async def set_quiet_hours(self, user: CurrentUser, student_id: int, quiet: QuietHours | None) -> ChildPreferences:
        """Quiet hours for all the account's children, or None for none. `student_id` as in set_digest_time."""
        if quiet is not None:
            _check_time(quiet.starts)
            _check_time(quiet.ends)
            if quiet.starts == quiet.ends:
                raise InvalidInput("settings.quiet_hours_empty")
        async with write_transaction(self.session):
            student = await self._own_student(user, student_id)
            account = await self._account(user)
            held_until = account.quiet_to if account.quiet_from != account.quiet_to else None
            if quiet is None:
                account.quiet_to = account.quiet_from  # an empty span: none
            else:
                account.quiet_from, account.quiet_to = quiet.starts, quiet.ends
            if held_until is not None:
                school = await self.session.get_one(School, student.school_id)
                await self._release_held(account, held_until, ZoneInfo(school.timezone))
        return await self.of_child(user, student_id)

    async def _release_held(self, account: Account, held_until: time, zone: ZoneInfo) -> None:
        """The pushes the old quiet hours held (waiting for their end) go by the new ones: at once, when those
        are off or over. The digest keeps its own time."""
        now = self.clock()
        for delivery in await self.session.scalars(
            select(Delivery).where(
                Delivery.account_id == account.id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.digest.is_(False),
                Delivery.due_at > now,
            )
        ):
            if delivery.due_at.astimezone(zone).time() == held_until:
                delivery.due_at = after_quiet(now, account, zone)

    async def _own_student(self, user: CurrentUser, student_id: int) -> Student:
        """ACC-1, ACC-2: a child of one of the account's persons, or the student themself."""
        owner = next((a for a in user.actors if student_id == a.student_id or student_id in a.children), None)
        if owner is None:
            raise Forbidden("student.not_yours")
        return await get_student_for(self.session, owner, student_id)

    async def _account(self, user: CurrentUser) -> Account:
        """The user's account row (each channel's account has its own preferences), added if it has none yet."""
        account = await get_or_add(
            self.session,
            user.account,
            digest_time=DEFAULT_DIGEST_TIME,
            quiet_from=DEFAULT_QUIET_FROM,
            quiet_to=DEFAULT_QUIET_TO,
        )
        if account in self.session.new:
            await self.session.flush()
        return account
