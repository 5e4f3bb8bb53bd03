"""Draining the outbox: each event becomes one delivery per Telegram account that should hear of it.

Who hears of what
- News of a child (marks, absences, period marks, documents decided, the scheduled family reminders): the
  student's own account and each linked parent's (ACC-1, ACC-2), each by its own choice for that child and
  kind (services/preferences.py): at once, in the digest, or not at all.
- Homework set or changed: the students of the lesson's class, or only its subgroup (J-13), and their parents.
- A change or deletion of a mark, or an absence taken back, goes only to those who were told of it (or are
  about to be): it corrects what they know. Nobody else needs to hear of a mark they never saw.
- Staff reminders name their persons (`to_persons`); a document sent goes to the class's class teacher.
- Announcements: services/announcements.py says who.
- A timetable change on short notice (a substitute for today or tomorrow, SUB-2): the students of the class, or
  of its subgroup (J-13), and their parents, by their announcements' choice.
- A correction decided is told to the teacher by the deputy's screen itself (handlers/deputy/corrections.py).
Accounts that blocked the bot (is_active False) get nothing.

When
- At once means now, when the account has nothing waiting and was sent nothing within the last gathering
  window (`gather`). What follows within the window is gathered: it waits for the window's end, counted from
  the last push sent to the account, and goes as one message with the rest of that while; news coming while
  another waits to go joins it. So a teacher entering five marks sends the first at once and the other four in
  one push, and a whole class's marks in one save (one event a student) reach each family at once.
- Quiet hours hold a push until they end; the digest comes at the account's digest time.
All times are the school's wall clock (School.timezone), stored in UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..enrolments import enrolled
from ..models import (
    Account,
    ClassGroup,
    Delivery,
    DeliveryStatus,
    EventKind,
    Guardianship,
    Lesson,
    NotificationSetting,
    NotifyKind,
    NotifyMode,
    OutboxEvent,
    PersonAccount,
    School,
    Student,
    StudentStatus,
    SubgroupMember,
)
from ..preferences import after_quiet, mode_or_default, next_at
from .facts import facts_of
from .payloads import (
    AbsenceRecorded,
    AbsenceRemoved,
    Announcement,
    CorrectionRequested,
    DocumentSent,
    HomeworkSet,
    MarkAdded,
    MarkChanged,
    MarkDeleted,
    Payload,
    PeriodMarkSet,
    StaffReminder,
    TimetableChanged,
    payload_of,
)

log = logging.getLogger(__name__)

FAMILY_NEWS = {
    EventKind.MARK_ADDED: NotifyKind.MARKS,
    EventKind.MARK_CHANGED: NotifyKind.MARKS,
    EventKind.MARK_DELETED: NotifyKind.MARKS,
    EventKind.PERIOD_MARK_SET: NotifyKind.MARKS,
    EventKind.FINAL_MARK_REVISED: NotifyKind.MARKS,
    EventKind.ABSENCE_RECORDED: NotifyKind.ABSENCES,
    EventKind.ABSENCE_REMOVED: NotifyKind.ABSENCES,
    EventKind.ABSENCE_REASON_SET: NotifyKind.ABSENCES,
    EventKind.DOCUMENT_DECIDED: NotifyKind.DOCUMENTS,
    EventKind.HOMEWORK_TOMORROW: NotifyKind.TOMORROW,
    EventKind.WEEKLY_SUMMARY: NotifyKind.SUMMARY,
    EventKind.PERIOD_FORECAST: NotifyKind.SUMMARY,
}
# Said only to those told of the news they correct.
CORRECTIONS = (EventKind.MARK_CHANGED, EventKind.MARK_DELETED, EventKind.ABSENCE_REMOVED)
HOMEWORK_NEWS = (EventKind.HOMEWORK_SET, EventKind.HOMEWORK_CHANGED)
NOBODY = (EventKind.CORRECTION_DECIDED,)
MAX_ATTEMPTS = 5  # an event that fails to plan this often is left for a person to look at


def topic_of(payload: Payload) -> str | None:
    """What the news is about, so that later news of the same thing corrects or replaces it."""
    if isinstance(payload, (MarkAdded, MarkChanged, MarkDeleted)):
        return f"mark:{payload.mark_id}"
    if isinstance(payload, (AbsenceRecorded, AbsenceRemoved)):
        return f"absence:{payload.lesson_id}:{payload.student_id}"
    if isinstance(payload, HomeworkSet):  # and HomeworkChanged
        return f"homework:{payload.lesson_id}"
    if isinstance(payload, PeriodMarkSet):
        return f"final:{payload.student_id}:{payload.subject_id}:{payload.period_id}"
    return None


@dataclass(frozen=True)
class Recipient:
    account_id: int
    student_id: int | None  # the child the news is about; None for staff


async def plan_pending(session: AsyncSession, now: datetime, gather: timedelta, limit: int = 200) -> int:
    """Plans up to `limit` unplanned events, oldest first; returns how many. The caller commits."""
    events = (
        await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for event in events:
        try:
            async with session.begin_nested():
                await plan_event(session, event, now, gather)
        except Exception:
            event.attempts += 1
            log.exception("Planning outbox event %d (%s) failed", event.id, event.kind.value)
            continue
        event.processed_at = now
    return len(events)


async def plan_event(session: AsyncSession, event: OutboxEvent, now: datetime, gather: timedelta) -> None:
    payload = payload_of(event.kind, event.payload)
    facts = await facts_of(session, payload)
    if facts:
        event.payload = {**event.payload, "facts": facts}
    recipients = await recipients_of(session, event.id, event.school_id, payload)
    if not recipients:
        return
    school = await session.get_one(School, event.school_id)
    zone = ZoneInfo(school.timezone)
    accounts = {
        a.id: a
        for a in await session.scalars(
            select(Account).where(Account.id.in_({r.account_id for r in recipients}), Account.is_active.is_(True))
        )
    }
    notify_kind = _notify_kind(event.kind)
    modes = await _modes(session, recipients, notify_kind) if notify_kind else {}
    topic = topic_of(payload)
    told = await _told(session, topic) if event.kind in CORRECTIONS else None
    soonest = await _soonest(session, list(accounts), now, gather)
    planned: dict[int, Delivery] = {}
    for r in recipients:
        account = accounts.get(r.account_id)
        if account is None or r.account_id in planned:
            continue
        if told is not None:
            if r.account_id not in told:
                continue
            waiting = told[r.account_id]
            if waiting is not None:
                # The news has not gone yet (digest, quiet hours): the correction goes with it, in one message
                # that says the news as it stands now, or nothing when it was taken back.
                due, digest = waiting.due_at, waiting.digest
            else:
                # Whatever they chose since, what they were told is wrong now.
                due, digest = after_quiet(soonest[r.account_id], account, zone), False
        else:
            mode = modes.get((r.account_id, r.student_id), NotifyMode.INSTANT) if notify_kind else NotifyMode.INSTANT
            if mode is NotifyMode.OFF:
                continue
            digest = mode is NotifyMode.DIGEST
            due = (
                next_at(account.digest_time, now, zone) if digest else after_quiet(soonest[r.account_id], account, zone)
            )
        planned[r.account_id] = Delivery(
            event_id=event.id,
            account_id=r.account_id,
            student_id=r.student_id,
            notify_kind=notify_kind,
            topic=topic,
            created_at=now,
            due_at=due,
            digest=digest,
        )
    session.add_all(planned.values())


async def recipients_of(session: AsyncSession, event_id: int, school_id: int, payload: Payload) -> list[Recipient]:
    if payload.kind in NOBODY:
        return []
    if isinstance(payload, (StaffReminder, CorrectionRequested)):
        return await _staff(session, list(payload.to_persons))
    if isinstance(payload, DocumentSent):
        teacher = await session.scalar(select(ClassGroup.class_teacher_id).where(ClassGroup.id == payload.class_id))
        return await _staff(session, [teacher] if teacher else [])
    if isinstance(payload, HomeworkSet):  # and HomeworkChanged
        return await _families(session, await _lesson_students(session, payload.lesson_id))
    if isinstance(payload, TimetableChanged):
        first_day = date.fromisoformat(payload.starts_on)
        return await _families(
            session, await _class_students(session, payload.class_id, payload.subgroup_id, first_day)
        )
    if isinstance(payload, Announcement):
        from ..announcements import announcement_recipients

        return [Recipient(a, s) for a, s in await announcement_recipients(session, payload, school_id)]
    student_id = getattr(payload, "student_id", None)  # the news of a child
    if student_id is not None:
        return await _families(session, [student_id])
    log.warning("Outbox event %d (%s) names nobody to tell", event_id, payload.kind.value)
    return []


def _notify_kind(kind: EventKind) -> NotifyKind | None:
    if kind in HOMEWORK_NEWS:
        return NotifyKind.HOMEWORK
    if kind in (EventKind.ANNOUNCEMENT, EventKind.TIMETABLE_CHANGED):
        return NotifyKind.ANNOUNCEMENTS  # a timetable change is the school's news, as an announcement
    return FAMILY_NEWS.get(kind)


async def _staff(session: AsyncSession, person_ids: list[int]) -> list[Recipient]:
    """Every linked account of each person (Telegram's and MAX's alike)."""
    accounts = await session.scalars(
        select(PersonAccount.account_id).where(PersonAccount.person_id.in_(person_ids)).order_by(PersonAccount.id)
    )
    return [Recipient(a, None) for a in accounts]


async def _families(session: AsyncSession, student_ids: list[int]) -> list[Recipient]:
    """Each student's own accounts, then each parent's, in a fixed order: every linked account of each person
    (Telegram's and MAX's alike), each planned by its own preferences."""
    own = select(Student.id, PersonAccount.account_id).join(PersonAccount, PersonAccount.person_id == Student.person_id)
    parents = select(Guardianship.student_id, PersonAccount.account_id).join(
        PersonAccount, PersonAccount.person_id == Guardianship.parent_id
    )
    rows = [
        *(await session.execute(own.where(Student.id.in_(student_ids)).order_by(Student.id, PersonAccount.id))).all(),
        *(
            await session.execute(
                parents.where(Guardianship.student_id.in_(student_ids)).order_by(
                    Guardianship.student_id, Guardianship.id, PersonAccount.id
                )
            )
        ).all(),
    ]
    return [Recipient(account, student) for student, account in rows]


async def _lesson_students(session: AsyncSession, lesson_id: int) -> list[int]:
    """J-13: a subgroup's lesson is news for that subgroup only; DATA-4: for the students of the class on the
    lesson's day who still study (ACC-9), not for one who moved to another class before it."""
    lesson = await session.get(Lesson, lesson_id)
    if lesson is None:
        return []
    return await _class_students(session, lesson.assignment.class_id, lesson.assignment.subgroup_id, lesson.date)


async def _class_students(session: AsyncSession, class_id: int, subgroup_id: int | None, day: date) -> list[int]:
    """The class's active students on `day` (DATA-4), or its subgroup's only (J-13)."""
    query = select(Student.id).where(enrolled(class_id, day), Student.status == StudentStatus.ACTIVE)
    if subgroup_id is not None:
        query = query.join(SubgroupMember, SubgroupMember.student_id == Student.id).where(
            SubgroupMember.subgroup_id == subgroup_id
        )
    return list(await session.scalars(query.order_by(Student.id)))


async def _modes(
    session: AsyncSession, recipients: list[Recipient], kind: NotifyKind
) -> dict[tuple[int, int | None], NotifyMode]:
    stored = {
        (a, s): m
        for a, s, m in await session.execute(
            select(NotificationSetting.account_id, NotificationSetting.student_id, NotificationSetting.mode).where(
                NotificationSetting.account_id.in_({r.account_id for r in recipients}), NotificationSetting.kind == kind
            )
        )
    }
    return {
        (r.account_id, r.student_id): mode_or_default(kind, stored.get((r.account_id, r.student_id)))
        for r in recipients
        if r.student_id is not None
    }


async def _told(session: AsyncSession, topic: str | None) -> dict[int, Delivery | None]:
    """The accounts told of `topic` (None), or about to be: then the news of it still waiting to go."""
    if topic is None:
        return {}
    told: dict[int, Delivery | None] = {}
    for delivery in await session.scalars(
        select(Delivery)
        .where(
            Delivery.topic == topic,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)),
        )
        .order_by(Delivery.id)
    ):
        waiting = delivery if delivery.status is DeliveryStatus.PENDING else None
        told[delivery.account_id] = waiting or told.get(delivery.account_id)
    return told


async def _soonest(
    session: AsyncSession, account_ids: list[int], now: datetime, gather: timedelta
) -> dict[int, datetime]:
    """When news for each account may go at the soonest (before its quiet hours are counted).

    Now, unless the account has news waiting to go (then with it) or was sent a push within the window (then
    at the window's end counted from that push). A message being sent counts as sent now.
    """
    if not account_ids:
        return {}
    soonest = dict.fromkeys(account_ids, now)
    waiting: dict[int, datetime] = {}
    for account_id, status, due_at, sent_at in await session.execute(
        select(Delivery.account_id, Delivery.status, Delivery.due_at, Delivery.sent_at).where(
            Delivery.account_id.in_(account_ids),
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.digest.is_(False)),
                Delivery.status == DeliveryStatus.SENDING,
                and_(Delivery.status == DeliveryStatus.SENT, Delivery.sent_at > now - gather),
            ),
        )
    ):
        if status is DeliveryStatus.PENDING:
            waiting[account_id] = min(due_at, waiting.get(account_id, due_at))
        else:
            last = sent_at or now  # a message being sent has no sent_at yet
            soonest[account_id] = max(soonest[account_id], last + gather)
    soonest.update(waiting)
    return soonest
