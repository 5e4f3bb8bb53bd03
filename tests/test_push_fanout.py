"""Push fan-out: the outbox planned into deliveries — exactly the right accounts (ACC-1, ACC-2, J-13), by their
preferences (instant, digest, off), quiet hours, corrections only to those told, and the claim/record cycle
that sends each (event, recipient) once and after a crash repeats only what was in flight."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from services.access import load_actor
from services.journal import JournalService
from services.models import (
    Account,
    CorrectionStatus,
    Delivery,
    DeliveryStatus,
    EventKind,
    NotificationSetting,
    NotifyKind,
    NotifyMode,
    OutboxEvent,
)
from services.pushes.fanout import plan_pending
from services.pushes.payloads import CorrectionDecided, DocumentSent, HomeworkMissing
from services.pushes.queue import LEASE, Result, claim_due, record, recover, renew
from services.records import emit
from tests.factories import MSK, TODAY, add_link, open_lesson

GATHER = timedelta(seconds=15)
STUDENT_TG, MOTHER_TG, FATHER_TG, TEACHER_TG, VASILIEV_TG = 7001, 7002, 7003, 7004, 7005


@pytest.fixture
async def linked(session, school):
    """Telegram accounts for Алексеев (student), his mother, Борисова's father, the maths teacher, Васильев."""
    people = {
        STUDENT_TG: school.student_persons["alekseev"],
        MOTHER_TG: school.parents["alekseeva_mother"],
        FATHER_TG: school.parents["borisov_father"],
        TEACHER_TG: school.staff["math"],
        VASILIEV_TG: school.student_persons["vasiliev"],
    }
    for account, person_id in people.items():
        session.add(Account(id=account))
        await session.flush()
        add_link(session, person_id, account)
    await session.commit()
    return people


async def give_mark(session, clock, school, student="alekseev", value=5, assignment="math5A", number=2, teacher="math"):
    journal = JournalService(session, clock)
    teacher, view = await open_lesson(journal, school, teacher, assignment, TODAY, number)
    [mark_id] = await journal.add_marks(
        teacher, view.lesson_id, school.work_types["test"], [(school.students[student], value)]
    )
    return journal, teacher, view.lesson_id, mark_id


async def plan(session, clock) -> int:
    count = await plan_pending(session, clock(), GATHER)
    await session.commit()
    return count


async def deliveries(session, kind: EventKind | None = None) -> dict[int, Delivery]:
    await session.rollback()
    query = select(Delivery).join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
    if kind is not None:
        query = query.where(OutboxEvent.kind == kind)
    return {d.account_id: d for d in await session.scalars(query.order_by(Delivery.id))}


async def prefer(session, account, student_id, kind, mode):
    session.add(NotificationSetting(account_id=account, student_id=student_id, kind=kind, mode=mode))
    await session.commit()


async def test_a_mark_goes_to_the_student_and_each_parent_and_nobody_else(session, clock, school, linked):
    """ACC-1, ACC-2: the student and the linked parent; not another family, not the teacher."""
    await give_mark(session, clock, school)
    assert await plan(session, clock) == 1
    planned = await deliveries(session)
    assert set(planned) == {STUDENT_TG, MOTHER_TG}
    for d in planned.values():
        assert d.student_id == school.students["alekseev"] and d.notify_kind is NotifyKind.MARKS
        assert d.status is DeliveryStatus.PENDING and not d.digest
        assert d.due_at == d.created_at  # at once: nothing was sent to them within the gathering window
    event = await session.scalar(select(OutboxEvent))
    assert event.processed_at is not None
    assert (
        event.payload["facts"]["subject"] == "Математика"
        and event.payload["facts"]["work_type"] == "Контрольная работа"
    )
    assert await plan(session, clock) == 0  # planned once


async def test_preferences_off_and_digest(session, clock, school, linked):
    await prefer(session, MOTHER_TG, school.students["alekseev"], NotifyKind.MARKS, NotifyMode.OFF)
    await prefer(session, STUDENT_TG, school.students["alekseev"], NotifyKind.MARKS, NotifyMode.DIGEST)
    await give_mark(session, clock, school)
    await plan(session, clock)
    planned = await deliveries(session)
    assert set(planned) == {STUDENT_TG}
    digest = planned[STUDENT_TG]
    assert digest.digest and digest.due_at.astimezone(MSK) == datetime.combine(TODAY, time(19, 0), MSK)


async def test_the_mothers_choice_for_one_child_leaves_the_other_alone(session, clock, school, linked):
    """Preferences are per child: marks of Ксения still reach the mother with Артём's turned off."""
    await prefer(session, MOTHER_TG, school.students["alekseev"], NotifyKind.MARKS, NotifyMode.OFF)
    await give_mark(session, clock, school, student="alekseeva", assignment="math5B", teacher="russian")
    await plan(session, clock)
    assert set(await deliveries(session)) == {MOTHER_TG}


async def test_quiet_hours_hold_a_push_until_they_end(session, clock, school, linked):
    await give_mark(session, clock, school)
    clock.now = datetime.combine(TODAY, time(22, 30), MSK).astimezone(UTC)
    await plan(session, clock)
    for d in (await deliveries(session)).values():
        assert d.due_at.astimezone(MSK) == datetime.combine(TODAY + timedelta(days=1), time(8, 0), MSK)


async def test_homework_reaches_only_the_subgroup_and_comes_in_the_digest(session, clock, school, linked):
    """J-13: Англ. 1 is Алексеев and Борисова; Васильев (Англ. 2) hears nothing. Homework defaults to the digest."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["eng1"])
    view = await journal.open_lesson(teacher, school.assignments["eng5A1"], TODAY, 3)
    await journal.set_homework(teacher, view.lesson_id, "Упр. 5, стр. 40")
    await plan(session, clock)
    planned = await deliveries(session)
    assert set(planned) == {STUDENT_TG, MOTHER_TG, FATHER_TG}
    assert planned[FATHER_TG].student_id == school.students["borisova"]
    assert all(d.digest and d.notify_kind is NotifyKind.HOMEWORK for d in planned.values())
    event = await session.scalar(select(OutboxEvent))
    assert event.payload["facts"]["homework"] == "Упр. 5, стр. 40"


async def test_a_blocked_account_gets_nothing(session, clock, school, linked):
    await session.execute(update(Account).where(Account.id == MOTHER_TG).values(is_active=False))
    await session.commit()
    await give_mark(session, clock, school)
    await plan(session, clock)
    assert set(await deliveries(session)) == {STUDENT_TG}


async def test_a_correction_goes_only_to_those_who_were_told(session, clock, school, linked):
    await prefer(session, MOTHER_TG, school.students["alekseev"], NotifyKind.MARKS, NotifyMode.OFF)
    journal, teacher, _, mark_id = await give_mark(session, clock, school)
    await plan(session, clock)
    await journal.change_mark(teacher, mark_id, 4)
    await plan(session, clock)
    changed = await deliveries(session, EventKind.MARK_CHANGED)
    assert set(changed) == {STUDENT_TG}  # the mother, who chose not to hear of marks, was never told
    assert changed[STUDENT_TG].topic == f"mark:{mark_id}"


async def test_a_document_sent_goes_to_the_class_teacher_and_a_decided_correction_to_nobody(
    session, clock, school, linked
):
    emit(
        session,
        school.school_id,
        DocumentSent(document_id=1, student_id=school.students["alekseev"], class_id=school.classes["5А"]),
    )
    emit(
        session,
        school.school_id,
        CorrectionDecided(request_id=1, teacher_id=school.staff["math"], status=CorrectionStatus.APPLIED, lesson_id=0),
    )
    await session.commit()
    assert await plan(session, clock) == 2
    planned = await deliveries(session)
    assert set(planned) == {TEACHER_TG} and planned[TEACHER_TG].student_id is None
    event = await session.scalar(select(OutboxEvent).where(OutboxEvent.kind == EventKind.DOCUMENT_SENT))
    assert event.payload["facts"] == {"student": "Алексеев Артём", "class": "5А"}


async def test_staff_reminders_reach_the_named_persons(session, clock, school, linked):
    emit(
        session,
        school.school_id,
        HomeworkMissing(
            to_persons=(school.staff["math"], school.staff["eng1"]), day=TODAY.isoformat(), deadline="16:00", lessons=()
        ),
    )
    await session.commit()
    await plan(session, clock)
    assert set(await deliveries(session)) == {TEACHER_TG}  # the English teacher has no Telegram linked


async def send_all(session, clock) -> list:
    """What is due now, claimed and recorded as sent at this moment."""
    batch = await claim_due(session, clock())
    await session.commit()
    for outgoing in batch:
        await record(session, outgoing, Result.SENT, clock())
    await session.commit()
    return batch


async def test_the_first_news_goes_at_once_and_what_follows_within_the_window_waits_for_its_end(
    session, clock, school, linked
):
    """The first mark is sent at once; the next two, 5 s and 8 s after it was sent, go together at the end of
    the window counted from that push; a mark after the window goes at once again."""
    await give_mark(session, clock, school, value=5)
    await plan(session, clock)
    first = await send_all(session, clock)
    assert sorted(o.account_id for o in first) == [STUDENT_TG, MOTHER_TG]
    sent_at = clock()
    for seconds, value in ((5, 4), (8, 3)):
        clock.now = sent_at + timedelta(seconds=seconds)
        await give_mark(session, clock, school, value=value)
        await plan(session, clock)
        assert await claim_due(session, clock()) == []
    later = list(await session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)))
    assert len(later) == 4 and all(d.due_at == sent_at + GATHER for d in later)
    clock.now = sent_at + GATHER
    second = await send_all(session, clock)
    assert sorted(o.account_id for o in second) == [STUDENT_TG, MOTHER_TG]
    assert all(len(o.items) == 2 for o in second)  # one message with both
    clock.now += GATHER + timedelta(seconds=1)
    await give_mark(session, clock, school, value=2)
    await plan(session, clock)
    assert len(await claim_due(session, clock())) == 2  # quiet again: at once


async def test_news_while_earlier_news_waits_to_go_joins_it(session, clock, school, linked):
    """Three marks planned before the worker sends anything: one message an account, at once."""
    for value in (5, 4, 3):
        await give_mark(session, clock, school, value=value)
    await plan(session, clock)
    batch = await claim_due(session, clock())
    assert sorted(o.account_id for o in batch) == [STUDENT_TG, MOTHER_TG]
    assert all(len(o.items) == 3 for o in batch)
    assert batch[0].names == {school.students["alekseev"]: "Артём Алексеев"}


async def test_a_whole_classs_marks_in_one_save_reach_each_family_at_once(session, clock, school, linked):
    """One save, one event a student: each family's first push is due at once."""
    journal = JournalService(session, clock)
    teacher, view = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
    students = ("alekseev", "borisova", "vasiliev")
    await journal.add_marks(
        teacher, view.lesson_id, school.work_types["test"], [(school.students[s], 5) for s in students]
    )
    assert await plan(session, clock) == 3
    planned = await deliveries(session)
    assert set(planned) == {STUDENT_TG, MOTHER_TG, FATHER_TG, VASILIEV_TG}
    assert all(d.due_at == clock() for d in planned.values())


async def test_a_change_after_the_first_push_went_is_a_correction_at_the_windows_end(session, clock, school, linked):
    """A mark added and changed 5 s after its push was sent: the change comes as a correction, gathered."""
    journal, teacher, _, mark_id = await give_mark(session, clock, school)
    await plan(session, clock)
    await send_all(session, clock)
    sent_at = clock()
    clock.now += timedelta(seconds=5)
    await journal.change_mark(teacher, mark_id, 4)
    await plan(session, clock)
    assert await claim_due(session, clock()) == []
    clock.now = sent_at + GATHER
    batch = await claim_due(session, clock())
    assert sorted(o.account_id for o in batch) == [STUDENT_TG, MOTHER_TG]
    assert all([i.kind for i in o.items] == [EventKind.MARK_CHANGED] and o.items[0].told_before for o in batch)


async def test_quiet_hours_still_hold_news_gathered_after_a_push(session, clock, school, linked):
    """A push sent at 20:59:55, a mark at 21:00:00 (quiet hours from 21:00): it waits until 8:00, not the window."""
    clock.now = datetime.combine(TODAY, time(20, 59, 55), MSK).astimezone(UTC)
    await give_mark(session, clock, school)
    await plan(session, clock)
    await send_all(session, clock)
    clock.now += timedelta(seconds=5)
    await give_mark(session, clock, school, value=4)
    await plan(session, clock)
    waiting = list(await session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)))
    assert len(waiting) == 2
    for d in waiting:
        assert d.due_at.astimezone(MSK) == datetime.combine(TODAY + timedelta(days=1), time(8, 0), MSK)


async def test_each_delivery_is_sent_once_and_a_crash_repeats_only_what_was_in_flight(session, clock, school, linked):
    await give_mark(session, clock, school)
    await plan(session, clock)
    clock.now += GATHER
    [first, second] = await claim_due(session, clock())
    await session.commit()
    assert await claim_due(session, clock()) == []  # claimed: not handed out twice
    await record(session, first, Result.SENT, clock())
    await session.commit()
    # A crash now: `second` was sent, or not, but never recorded. Its claim is a lease: while it runs, another
    # worker starting does not send it again; once it has run out, the next to look does.
    assert await recover(session, clock()) == 0
    # A live worker renews the lease of what it has in hand (here a minute on): it outlasts the first lease.
    await renew(session, [i.delivery_id for i in second.items], clock() + timedelta(minutes=1))
    assert await recover(session, clock() + LEASE) == 0
    assert await recover(session, clock() + timedelta(minutes=1) + LEASE) == 1
    await session.commit()
    [again] = await claim_due(session, clock())
    assert again.account_id == second.account_id and again.items == second.items
    await record(session, again, Result.SENT, clock())
    await session.commit()
    assert await recover(session, clock() + 2 * LEASE) == 0
    statuses = {a: d.status for a, d in (await deliveries(session)).items()}
    assert statuses == {STUDENT_TG: DeliveryStatus.SENT, MOTHER_TG: DeliveryStatus.SENT}


async def test_a_blocked_user_is_made_inactive_and_their_waiting_news_dropped(session, clock, school, linked):
    await give_mark(session, clock, school)
    await plan(session, clock)
    clock.now += GATHER
    batch = {o.account_id: o for o in await claim_due(session, clock())}
    await session.commit()
    await give_mark(session, clock, school, value=4)
    await plan(session, clock)
    await record(session, batch[MOTHER_TG], Result.GONE, clock())
    await session.commit()
    await session.rollback()
    assert (await session.get(Account, MOTHER_TG)).is_active is False
    left = [d.status for d in await session.scalars(select(Delivery).where(Delivery.account_id == MOTHER_TG))]
    assert left == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    await give_mark(session, clock, school, value=3)
    await plan(session, clock)
    assert len(list(await session.scalars(select(Delivery).where(Delivery.account_id == MOTHER_TG)))) == 2


async def test_telegram_not_taking_it_now_retries_later_with_backoff(session, clock, school, linked):
    await give_mark(session, clock, school)
    await plan(session, clock)
    clock.now += GATHER
    batch = await claim_due(session, clock())
    await session.commit()
    for outgoing in batch:
        await record(session, outgoing, Result.RETRY_LATER, clock())
    await session.commit()
    assert await claim_due(session, clock()) == []
    clock.now += timedelta(seconds=31)
    assert len(await claim_due(session, clock())) == 2
