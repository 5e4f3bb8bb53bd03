"""Pushes end to end: a teacher saves marks in the bot and the delivery worker, polling the same database,
sends each family its push over HTTP to the local Bot API — in each one's language, to nobody else; a blocked
user is made inactive; Telegram's 429 is waited out; a crash between sending and recording repeats only the
message that was in flight."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import and_, or_, select

from bot.pushes.worker import PushWorker
from services.access import load_actor
from services.db import write_transaction
from services.journal import JournalService
from services.models import Account, Delivery, DeliveryStatus, OutboxEvent
from services.pushes.queue import LEASE, claim_due
from tests.factories import MSK, TODAY
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, in_max, make_bot, open_card, plain, type_marks
from tests.flows.test_corrections_flow import old_lesson
from ui.pushes.render import render


async def pushes(user, count: int = 1, timeout: float = 8.0) -> list[str]:
    """The push texts (new marks and corrections) in the user's chat, once there are `count` of them."""

    def found() -> list[str]:
        return [plain(t) for t in user.texts() if t and ("🆕" in t or "✏️" in t)]

    for _ in range(int(timeout / 0.05)):
        if len(found()) >= count:
            break
        await asyncio.sleep(0.05)
    return found()


async def save_marks(teacher, lines: str) -> None:
    await type_marks(teacher, lines, "Контрольная работа")
    await teacher.tap("Сохранить")


async def statuses(sessions, settled: bool = True) -> dict[int, list[str]]:
    """Each account's deliveries' statuses; by default once the worker has recorded what it sent (a message is
    in the chat a moment before its delivery is recorded); the tests' pushes are planned as soon as saved."""
    for _ in range(100):
        async with sessions() as session:
            planned = await session.scalar(select(Delivery.id).limit(1))
            busy = await session.scalar(
                select(Delivery.id)
                .where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
                .limit(1)
            )
        if not settled or (planned is not None and busy is None):
            break
        await asyncio.sleep(0.05)
    async with sessions() as session:
        rows = await session.scalars(select(Delivery).order_by(Delivery.id))
        result: dict[int, list[str]] = {}
        for d in rows:
            result.setdefault(d.account_id, []).append(d.status.value)
        return result


async def test_marks_reach_each_family_in_its_language_and_nobody_else(bot_world, linked, emulator, start_worker):
    """ACC-1, ACC-2: Алексеев, his mother (Russian) and Борисова's father (English) each get their own child's
    mark; the teacher and Васильев's family (not linked) get nothing."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    father = await linked(school.parents["borisov_father"], language_code="en")
    artem = await linked(school.student_persons["alekseev"])
    math = await linked(school.staff["math"])
    start_worker()
    await save_marks(math, "Алексеев 5\nБорисова 4")
    assert await pushes(mother) == ["Артём Алексеев\n🆕 5 — Математика, 24 нояб. (Контрольная работа)"]
    assert emulator.last_message(TOKEN, mother.id)["entities"][0]["type"] == "bold"
    assert await pushes(father) == ["Вера Борисова\n🆕 4 in Математика, 24 Nov (Test)"]
    assert await pushes(artem) == ["Артём Алексеев\n🆕 5 — Математика, 24 нояб. (Контрольная работа)"]
    sent = await statuses(sessions)
    assert sent == {mother.account_id: ["sent"], father.account_id: ["sent"], artem.account_id: ["sent"]}
    assert not any("🆕" in (t or "") for t in math.texts())


async def test_a_user_who_blocked_the_bot_is_made_inactive_at_once(bot_world, linked, emulator, start_worker):
    """Telegram tells the bot it was blocked (my_chat_member, as MAX's bot_stopped): the account stops getting
    pushes then, not at the first one that fails; the teacher's marks make no delivery for her."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    artem = await linked(school.student_persons["alekseev"])
    math = await linked(school.staff["math"])
    emulator.block(TOKEN, mother.id)
    for _ in range(100):
        async with sessions() as session:
            if not (await session.get(Account, mother.account_id)).is_active:
                break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the blocked account is still active")
    start_worker()
    await save_marks(math, "Алексеев 5")
    assert await statuses(sessions) == {artem.account_id: ["sent"]}  # her son's push only
    assert not any("🆕" in (t or "") for t in mother.texts())


async def test_a_push_refused_as_blocked_makes_the_account_inactive(bot_world, linked, emulator, start_worker):
    """Blocked without the bot being told (a missed update): the refused push makes the account inactive."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    emulator.state(TOKEN).chats[mother.id].blocked = True  # Telegram refuses her messages; no update came
    start_worker()
    await save_marks(math, "Алексеев 5")
    assert await statuses(sessions) == {mother.account_id: ["failed"]}
    async with sessions() as session:
        assert (await session.get(Account, mother.account_id)).is_active is False
    assert not any("🆕" in (t or "") for t in mother.texts())


async def test_telegrams_429_is_waited_out_and_the_message_sent_once(bot_world, linked, emulator, start_worker):
    """At most one message a second to one chat: the second push to the mother gets 429 with retry_after,
    is sent again after it, and arrives once."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    await save_marks(math, "Алексеев 5")
    emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)
    sending = "POST /messages" if in_max(emulator) else "sendMessage"
    emulator.inject_failures(sending, 1, 429)
    start_worker()
    assert len(await pushes(mother)) == 1
    await asyncio.sleep(0.3)  # nothing more comes
    assert len(await pushes(mother)) == 1
    assert emulator.failures.take(sending) is None  # the 429 was answered, and the push still came
    assert await statuses(sessions) == {mother.account_id: ["sent"]}


async def test_a_crash_between_sending_and_recording_repeats_only_that_message(
    bot_world, linked, emulator, start_worker, clock
):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    father = await linked(school.parents["borisov_father"])
    math = await linked(school.staff["math"])
    await save_marks(math, "Алексеев 5\nБорисова 4")
    # The worker of the first run planned and claimed both, sent the mother's, and died before recording.
    first = PushWorker(make_bot(emulator), sessions, clock, gather=timedelta(0))
    await first.plan_once()
    async with sessions() as session:
        batch = {o.account_id: o for o in await claim_due(session, clock(), channel=first.channel)}
        await session.commit()
    await first.bot.send_message(mother.account_id, render(batch[mother.account_id]).text)
    await first.bot.session.close()
    assert await statuses(sessions, settled=False) == {mother.account_id: ["sending"], father.account_id: ["sending"]}
    clock.now += LEASE  # the dead worker's claims run out
    start_worker()  # the restart
    assert len(await pushes(mother, 2)) == 2  # the one in flight, repeated
    assert len(await pushes(father)) == 1
    await asyncio.sleep(0.3)  # and nothing more
    assert len(await pushes(father)) == 1
    assert await statuses(sessions) == {mother.account_id: ["sent"], father.account_id: ["sent"]}
    async with sessions() as session:
        assert await session.scalar(select(Delivery.id).where(Delivery.status != DeliveryStatus.SENT)) is None


async def test_a_user_who_writes_again_gets_pushes_again(bot_world, linked, emulator, start_worker):
    """Unblocking the bot and writing to it turns pushes back on."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    async with sessions() as session, write_transaction(session):  # read and written at once (test_kept_values)
        (await session.get(Account, mother.account_id)).is_active = False
    await mother.send("/help")
    async with sessions() as session:
        assert (await session.get(Account, mother.account_id)).is_active is True


async def test_an_announcement_reaches_the_classs_parents_with_its_photo(bot_world, linked, emulator, start_worker):
    """The class teacher of 5А to the class's parents: both 5А parents get the text and the photo; the
    student of the class does not (parents only), nor does the sender."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    father = await linked(school.parents["borisov_father"], language_code="en")
    artem = await linked(school.student_persons["alekseev"])
    math = await linked(school.staff["math"])
    start_worker()
    await math.press("Объявление")
    await math.tap("Родители 5А")
    await math.send("Собрание в пятницу в 18:00")
    emulator.user_sends_photo(TOKEN, math.id, PHOTO)
    await emulator.wait_for_bot_message(TOKEN, math.id)
    await math.tap("Готово")
    await math.tap("Отправить")
    assert await statuses(sessions) == {mother.account_id: ["sent"], father.account_id: ["sent"]}
    for parent, heading in (
        (mother, "Артём Алексеев\n📣 Объявление — родителям 5А"),
        (father, "Вера Борисова\n📣 Announcement for the parents of 5А"),
    ):
        text, photo = emulator.messages(TOKEN, parent.id)[-2:]
        assert plain(text["text"]).startswith(heading) and text["text"].endswith("Собрание в пятницу в 18:00")
        assert "photo" in photo
    assert not any("Собрание" in (t or "") for t in artem.texts() + math.texts()[-1:])


async def mark_absent(teacher, *toggles: str) -> None:
    """The teacher opens the roster of today's 2nd lesson in 5А, taps the students and saves."""
    await open_card(teacher)
    await teacher.tap("Посещаемость")
    for label in toggles:
        await teacher.tap(label)
    await teacher.tap("Сохранить")


async def planned(sessions, clock) -> dict[int, list[str]]:
    """The deliveries' statuses once the worker has planned every event and sent what is due now."""
    for _ in range(100):
        async with sessions() as session:
            busy = await session.scalar(select(OutboxEvent.id).where(OutboxEvent.processed_at.is_(None)))
            busy = busy or await session.scalar(
                select(Delivery.id)
                .where(
                    or_(
                        Delivery.status == DeliveryStatus.SENDING,
                        and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= clock()),
                    )
                )
                .limit(1)
            )
        if busy is None:
            break
        await asyncio.sleep(0.05)
    return await statuses(sessions, settled=False)


def told(user) -> list[str]:
    """Every push about a child in the user's chat: news (🆕 🚪) and corrections (✏️)."""
    return [plain(t) for t in user.texts() if t and any(sign in t for sign in ("🆕", "🚪", "✏️"))]


async def test_news_and_its_correction_before_anyone_was_told_cancel_out(bot_world, linked, start_worker, clock):
    """The mother takes absences in her evening digest. The teacher marks Артём absent by mistake and takes it
    back: she is told nothing at once (no «Исправлено» of news she never had) and her digest says nothing of it;
    Артём, who hears at once, is told nothing either, as both came within the same moment."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    artem = await linked(school.student_persons["alekseev"])
    math = await linked(school.staff["math"])
    await mother.press("Настройки")
    await mother.tap("🔔 Пропуски: сразу")
    assert mother.buttons()[1] == "🗓 Пропуски: в сводке"
    clock.at(clock().astimezone(MSK).date(), hour=10)
    await mark_absent(math, "1 Алексеев")
    await mark_absent(math, "1 Алексеев · ОТ")
    start_worker()
    assert await planned(sessions, clock) == {
        mother.account_id: ["pending", "pending"],
        artem.account_id: ["merged", "merged"],
    }
    assert told(mother) == []  # not the correction of news she was never told
    clock.at(clock().astimezone(MSK).date(), hour=19)  # her digest time
    assert await statuses(sessions) == {mother.account_id: ["merged", "merged"], artem.account_id: ["merged", "merged"]}
    assert told(mother) == told(artem) == []


async def test_quiet_hours_hold_the_news_and_its_correction_together_and_turning_them_off_releases_it(
    bot_world, linked, start_worker, clock
):
    """At 22:30 the teacher gives Артём a 5 and corrects it to 4 at once: the mother, in her quiet hours, is
    sent nothing that night; when she turns quiet hours off, the mark comes at once, as it stands now (4)."""
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    clock.now = clock.now.astimezone(MSK).replace(hour=22, minute=30).astimezone(clock.now.tzinfo)
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher = await load_actor(session, school.staff["math"])
        view = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
        [mark_id] = await journal.add_marks(
            teacher, view.lesson_id, school.work_types["test"], [(school.students["alekseev"], 5)]
        )
        await journal.change_mark(teacher, mark_id, 4)
    start_worker()
    assert await planned(sessions, clock) == {mother.account_id: ["pending", "pending"]}  # held until 08:00
    assert told(mother) == []

    await mother.press("Настройки")
    await mother.tap("🌙 Тихие часы 21:00–08:00")
    await mother.tap("Без тихих часов")
    assert await pushes(mother) == ["Артём Алексеев\n🆕 4 — Математика, 24 нояб. (Контрольная работа)"]
    assert await statuses(sessions) == {mother.account_id: ["sent", "sent"]}
    assert told(math) == []


async def test_the_deputy_and_the_administrator_are_told_of_a_new_correction_request_J_10(
    bot_world, linked, start_worker, clock
):
    """A teacher files a request for a lesson past the edit window: those who decide it hear of it at once, each
    in their own language; the teacher who filed it and the families hear nothing."""
    school, sessions = bot_world
    await old_lesson(sessions, clock, school)
    deputy = await linked(school.staff["deputy"])
    admin = await linked(school.staff["admin"], language_code="en")
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    start_worker()
    await math.send("/today 09.11")
    await math.tap("⚠️ 1. 5А, Математика")
    await math.tap("Тема")
    await math.send("Сравнение дробей")
    await math.send("Забыла записать тему в день урока", replies=2)
    assert math.texts()[-2] == "Заявка №1 отправлена заместителю директора."
    assert await statuses(sessions) == {deputy.account_id: ["sent"], admin.account_id: ["sent"]}
    assert plain(deputy.last_text()) == (
        "✍️ Заявка на исправление: Смирнова Е. В., 5А, Математика, 9 нояб., 1 изменение. Решить: /corrections"
    )
    assert plain(admin.last_text()) == (
        "✍️ A correction request: Смирнова Е. В., 5А, Математика, 9 Nov, 1 change. To decide: /corrections"
    )
    assert told(mother) == [] and "✍️" not in math.last_text()
