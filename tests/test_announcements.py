"""Announcements (/announce): who may send to whom (ROLE-2, ACC-4), what is checked before anything is
written, what the outbox event holds, and exactly who receives it (ACC-1, ACC-2, ACC-9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.announcements import AnnouncementService, Audience, Scope, announcement_recipients
from services.attachments import AttachmentIn
from services.errors import Forbidden, InvalidInput, NotFound
from services.models import (
    Account,
    AttachmentKind,
    AuditEntry,
    EventKind,
    Guardianship,
    OutboxEvent,
    Person,
    StudentStatus,
)
from services.pushes.payloads import payload_of
from tests.factories import add_link, build_school, enrol_student
from tests.statements import statements_run

MB = 1024 * 1024
PHOTO = AttachmentIn(AttachmentKind.PHOTO, "AgACAgI-photo", "AQAD-photo", size=2 * MB)
PDF = AttachmentIn(AttachmentKind.DOCUMENT, "BQACAgI-pdf", "AgAD-pdf", "программа.pdf", "application/pdf", 300_000)


async def link(session, person_id: int, account_id: int, *, active: bool = True) -> None:
    session.add(Account(id=account_id, is_active=active))
    await session.flush()
    add_link(session, person_id, account_id)


async def add_person(session, school, last: str, first: str) -> int:
    person = Person(school_id=school.school_id, last_name=last, first_name=first)
    session.add(person)
    await session.flush()
    return person.id


async def linked_world(session, school) -> dict[str, int]:
    """Most people linked; a parent of two children in 5А (Васильева), a parent of a child in 5Б only (Зайцева),
    a student of 5А who left the school with a linked parent, inactive accounts, and a linked person of another
    school. Глеб Васильев and Лев Зайцев have not linked; Григорьева's account is shut; so is Белова's.
    Returns the Telegram account ids by who holds them."""
    accounts: dict[str, int] = {}
    n = iter(range(9_000_001, 9_000_100))

    async def acc(key: str, person_id: int, active: bool = True) -> None:
        accounts[key] = next(n)
        await link(session, person_id, accounts[key], active=active)

    for key in ("alekseev", "borisova", "alekseeva", "ivanov"):
        await acc(key, school.student_persons[key])
    await acc("grigorieva", school.student_persons["grigorieva"], active=False)
    for key in ("alekseeva_mother", "borisov_father"):
        await acc(key, school.parents[key])
    for key in ("math", "russian", "primary", "deputy", "admin"):
        await acc(key, school.staff[key])
    await acc("eng1", school.staff["eng1"], active=False)

    vasilieva = await add_person(session, school, "Васильева", "Юлия")
    zaitseva = await add_person(session, school, "Зайцева", "Анна")
    session.add_all(
        [
            Guardianship(parent_id=vasilieva, student_id=school.students["vasiliev"]),
            Guardianship(parent_id=vasilieva, student_id=school.students["grigorieva"]),
            Guardianship(parent_id=zaitseva, student_id=school.students["zaitsev"]),
        ]
    )
    await acc("vasilieva", vasilieva)
    await acc("zaitseva", zaitseva)

    left_person = await add_person(session, school, "Дмитриев", "Егор")  # ACC-9: left the school
    left = await enrol_student(  # left on the first of November (DATA-4)
        session, school.school_id, left_person, school.classes["5А"], StudentStatus.LEFT, ends_on=date(2026, 10, 31)
    )
    left_parent = await add_person(session, school, "Дмитриева", "Нина")
    session.add(Guardianship(parent_id=left_parent, student_id=left.id))
    await acc("left", left_person)
    await acc("left_parent", left_parent)

    other = await build_school(session, "Школа № 8")
    await acc("other_school_student", other.student_persons["alekseev"])
    await acc("other_school_teacher", other.staff["math"])
    await session.commit()
    return accounts


async def outbox(session) -> list[OutboxEvent]:
    return list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())


async def audit_rows(session) -> list[AuditEntry]:
    return list((await session.scalars(select(AuditEntry).where(AuditEntry.entity == "announcement"))).all())


def ordered(pairs) -> list[tuple[int, int | None]]:
    return sorted(pairs, key=lambda p: (p[0], p[1] or 0))


# ---- who may send to whom ----------------------------------------------------------------------------------


async def test_the_administration_may_address_the_school_each_grade_class_and_class_parents_ROLE_2(
    session, clock, school
):
    service = AnnouncementService(session, clock)
    c = school.classes
    expected = [
        Audience(Scope.SCHOOL),
        Audience(Scope.GRADE, 1),
        Audience(Scope.GRADE, 5),
        Audience(Scope.CLASS, 1, c["1А"], "1А"),
        Audience(Scope.CLASS_PARENTS, 1, c["1А"], "1А"),
        Audience(Scope.CLASS, 5, c["5А"], "5А"),
        Audience(Scope.CLASS_PARENTS, 5, c["5А"], "5А"),
        Audience(Scope.CLASS, 5, c["5Б"], "5Б"),
        Audience(Scope.CLASS_PARENTS, 5, c["5Б"], "5Б"),
    ]
    for key in ("deputy", "admin"):
        actor = await load_actor(session, school.staff[key])
        assert await service.audiences(actor) == expected
        for audience in expected:
            assert (
                await service.check_audience(actor, Audience(audience.scope, audience.grade, audience.class_id))
                == audience
            )


async def test_a_class_teacher_addresses_only_their_own_class_and_its_parents_ACC_4(session, clock, school):
    service = AnnouncementService(session, clock)
    math = await load_actor(session, school.staff["math"])  # leads 5А
    own = school.classes["5А"]
    assert await service.audiences(math) == [
        Audience(Scope.CLASS, 5, own, "5А"),
        Audience(Scope.CLASS_PARENTS, 5, own, "5А"),
    ]
    assert await service.check_audience(math, Audience(Scope.CLASS_PARENTS, class_id=own)) == Audience(
        Scope.CLASS_PARENTS, 5, own, "5А"
    )
    for forged, code in (
        (Audience(Scope.CLASS, class_id=school.classes["5Б"]), "class.not_yours"),
        (Audience(Scope.CLASS_PARENTS, class_id=school.classes["1А"]), "class.not_yours"),
        (Audience(Scope.SCHOOL), "announcement.school_or_grade"),
        (Audience(Scope.GRADE, 5), "announcement.school_or_grade"),
    ):
        with pytest.raises(Forbidden) as err:
            await service.check_audience(math, forged)
        assert err.value.code == code


async def test_plain_teachers_parents_and_students_may_not_announce(session, clock, school):
    service = AnnouncementService(session, clock)
    for person in (school.staff["eng1"], school.parents["alekseeva_mother"], school.student_persons["alekseev"]):
        actor = await load_actor(session, person)
        with pytest.raises(Forbidden) as err:
            await service.audiences(actor)
        assert err.value.code == "announcement.not_allowed"
        with pytest.raises(Forbidden) as err:
            await service.send(actor, Audience(Scope.CLASS, class_id=school.classes["5А"]), "Собрание в пятницу.")
        assert err.value.code == "announcement.not_allowed"
    assert await outbox(session) == [] and await audit_rows(session) == []


async def test_forged_or_unknown_audiences_are_refused_and_nothing_is_written(session, clock, school):
    service = AnnouncementService(session, clock)
    math = await load_actor(session, school.staff["math"])
    with pytest.raises(Forbidden) as err:
        await service.send(math, Audience(Scope.CLASS, class_id=school.classes["5Б"]), "Собрание в пятницу.")
    assert err.value.code == "class.not_yours"
    deputy = await load_actor(session, school.staff["deputy"])
    other = await build_school(session, "Школа № 8")
    for forged, error, code in (
        (Audience(Scope.CLASS, class_id=999_999), NotFound, "class.not_found"),
        (Audience(Scope.CLASS, class_id=other.classes["5А"]), Forbidden, "class.not_yours"),
        (Audience(Scope.GRADE, 7), NotFound, "announcement.no_such_grade"),
        (Audience("everyone"), InvalidInput, "announcement.bad_audience"),
    ):
        with pytest.raises(error) as err:
            await service.send(deputy, forged, "Собрание в пятницу.")
        assert err.value.code == code, forged
    assert await outbox(session) == [] and await audit_rows(session) == []


# ---- what is checked, what is written ---------------------------------------------------------------------


async def test_empty_long_or_bad_files_are_refused_and_leave_no_event_and_no_audit(session, clock, school):
    service = AnnouncementService(session, clock)
    deputy = await load_actor(session, school.staff["deputy"])
    to_school = Audience(Scope.SCHOOL)
    exe = AttachmentIn(AttachmentKind.DOCUMENT, "BQ-exe", "AgAD-exe", "setup.exe", "application/x-msdownload", 9000)
    big = AttachmentIn(AttachmentKind.PHOTO, "AgAC-big", "AQAD-big", size=20 * MB + 1)
    for text, files, code, params in (
        ("  \n ", [], "announcement.empty", {}),
        ("я" * 3501, [], "announcement.too_long", {"max": 3500, "length": 3501}),
        ("📣" * 1751, [], "announcement.too_long", {"max": 3500, "length": 3502}),  # Telegram counts UTF-16
        ("Собрание", [exe], "document.file_kind", {"name": "setup.exe"}),
        ("Собрание", [PHOTO, big], "document.file_too_big", {"size_mb": 21, "max_mb": 20}),
        ("Собрание", [PHOTO] * 11, "announcement.too_many_files", {"max": 10}),
    ):
        with pytest.raises(InvalidInput) as err:
            await service.send(deputy, to_school, text, files)
        assert (err.value.code, err.value.params) == (code, params)
        with pytest.raises(InvalidInput):
            await service.preview(deputy, to_school, text, files)
    assert await outbox(session) == [] and await audit_rows(session) == []
    await service.send(deputy, to_school, "я" * 3500, [PHOTO] * 10)  # the limits themselves are allowed
    assert len(await outbox(session)) == 1


async def test_sending_writes_one_outbox_event_and_its_audit_entry_DATA_3(session, clock, school):
    service = AnnouncementService(session, clock)
    deputy = await load_actor(session, school.staff["deputy"])
    kept_pdf = replace(PDF, sha256="ab" * 32, telegram_bot_id=123456)  # its bytes kept, its bot known
    text = "  Завтра — день открытых дверей.\n"
    event_id = await service.send(deputy, Audience(Scope.SCHOOL), text, [PHOTO, kept_pdf])
    [written] = await outbox(session)
    assert (written.id, written.school_id, written.kind) == (event_id, school.school_id, EventKind.ANNOUNCEMENT)
    assert written.payload == {
        "audience": {"scope": "school", "title": ""},
        "text": "Завтра — день открытых дверей.",
        "files": [
            {"kind": "photo", "file_id": "AgACAgI-photo"},
            {
                "kind": "document",
                "file_id": "BQACAgI-pdf",
                "sha256": "ab" * 32,
                "bot_id": 123456,
                "file_name": "программа.pdf",
            },
        ],
        "author": {"person_id": school.staff["deputy"], "name": "Волкова Ирина Николаевна", "role": "deputy"},
    }
    [entry] = await audit_rows(session)
    assert (entry.actor_id, entry.action, entry.entity_id, entry.school_id) == (
        school.staff["deputy"],
        "add",
        event_id,
        school.school_id,
    )
    assert entry.after == {
        "audience": {"scope": "school", "title": ""},
        "text": "Завтра — день открытых дверей.",
        "files": 2,
    }

    grade = await service.send(deputy, Audience(Scope.GRADE, 5), "Экскурсия для пятых классов.")
    admin = await load_actor(session, school.staff["admin"])
    to_class = await service.send(admin, Audience(Scope.CLASS, class_id=school.classes["5Б"]), "Дежурство.")
    math = await load_actor(session, school.staff["math"])
    parents = await service.send(math, Audience(Scope.CLASS_PARENTS, class_id=school.classes["5А"]), "Собрание.")
    by_id = {e.id: e.payload for e in await outbox(session)}
    assert by_id[grade]["audience"] == {
        "scope": "grade",
        "title": "",
        "grade": 5,
        "class_ids": [school.classes["5А"], school.classes["5Б"]],
    }
    assert (by_id[to_class]["audience"], by_id[to_class]["author"]["role"]) == (
        {"scope": "class", "title": "5Б", "grade": 5, "class_id": school.classes["5Б"]},
        "admin",
    )
    assert (by_id[parents]["audience"], by_id[parents]["author"]) == (
        {"scope": "class_parents", "title": "5А", "grade": 5, "class_id": school.classes["5А"]},
        {"person_id": school.staff["math"], "name": "Смирнова Елена Викторовна", "role": "class_teacher"},
    )
    assert len(await audit_rows(session)) == 4


# ---- who receives it --------------------------------------------------------------------------------------


async def recipients_of(session, clock, sender: int, audience: Audience) -> list[tuple[int, int | None]]:
    """What the fan-out reads for an announcement sent now, and what the preview counted."""
    service = AnnouncementService(session, clock)
    actor = await load_actor(session, sender)
    event_id = await service.send(actor, audience, "Текст")
    payload = payload_of(EventKind.ANNOUNCEMENT, (await session.get(OutboxEvent, event_id)).payload)
    pairs = await announcement_recipients(session, payload, school_id=actor.school_id)
    assert (await service.preview(actor, audience, "Текст")).recipients == len({a for a, _s in pairs})
    assert len(pairs) == len(set(pairs))  # once per (account, child)
    return ordered(pairs)


async def test_a_class_gets_its_students_their_parents_once_per_child_and_its_class_teacher(session, clock, school):
    acc = await linked_world(session, school)
    s = school.students
    class_5a = Audience(Scope.CLASS, class_id=school.classes["5А"])
    families_5a = [
        (acc["alekseev"], s["alekseev"]),
        (acc["borisova"], s["borisova"]),
        (acc["alekseeva_mother"], s["alekseev"]),
        (acc["borisov_father"], s["borisova"]),
        (acc["vasilieva"], s["vasiliev"]),
        (acc["vasilieva"], s["grigorieva"]),
    ]
    assert await recipients_of(session, clock, school.staff["deputy"], class_5a) == ordered(
        [*families_5a, (acc["math"], None)]
    )
    # The class teacher sends it: the same families, not themself.
    assert await recipients_of(session, clock, school.staff["math"], class_5a) == ordered(families_5a)


async def test_a_classs_parents_only_the_parents(session, clock, school):
    acc = await linked_world(session, school)
    s = school.students
    assert await recipients_of(
        session, clock, school.staff["math"], Audience(Scope.CLASS_PARENTS, class_id=school.classes["5А"])
    ) == ordered(
        [
            (acc["alekseeva_mother"], s["alekseev"]),  # her daughter in 5Б is not what this is about
            (acc["borisov_father"], s["borisova"]),
            (acc["vasilieva"], s["vasiliev"]),
            (acc["vasilieva"], s["grigorieva"]),  # two children in the class
        ]
    )
    assert await recipients_of(
        session, clock, school.staff["russian"], Audience(Scope.CLASS_PARENTS, class_id=school.classes["5Б"])
    ) == ordered([(acc["alekseeva_mother"], s["alekseeva"]), (acc["zaitseva"], s["zaitsev"])])


async def test_a_grade_gets_its_classes_families_and_class_teachers(session, clock, school):
    acc = await linked_world(session, school)
    s = school.students
    assert await recipients_of(session, clock, school.staff["deputy"], Audience(Scope.GRADE, 5)) == ordered(
        [
            (acc["alekseev"], s["alekseev"]),
            (acc["borisova"], s["borisova"]),
            (acc["alekseeva"], s["alekseeva"]),
            (acc["alekseeva_mother"], s["alekseev"]),
            (acc["alekseeva_mother"], s["alekseeva"]),
            (acc["borisov_father"], s["borisova"]),
            (acc["vasilieva"], s["vasiliev"]),
            (acc["vasilieva"], s["grigorieva"]),
            (acc["zaitseva"], s["zaitsev"]),
            (acc["math"], None),
            (acc["russian"], None),
        ]
    )
    assert await recipients_of(session, clock, school.staff["deputy"], Audience(Scope.GRADE, 1)) == ordered(
        [(acc["ivanov"], s["ivanov"]), (acc["primary"], None)]
    )


async def test_the_school_gets_every_family_and_the_staff_but_not_the_sender_ACC_9(session, clock, school):
    """Not the student who left nor their parent (ACC-9), not the shut accounts, not another school's people."""
    acc = await linked_world(session, school)
    s = school.students
    assert await recipients_of(session, clock, school.staff["deputy"], Audience(Scope.SCHOOL)) == ordered(
        [
            (acc["alekseev"], s["alekseev"]),
            (acc["borisova"], s["borisova"]),
            (acc["alekseeva"], s["alekseeva"]),
            (acc["ivanov"], s["ivanov"]),
            (acc["alekseeva_mother"], s["alekseev"]),
            (acc["alekseeva_mother"], s["alekseeva"]),
            (acc["borisov_father"], s["borisova"]),
            (acc["vasilieva"], s["vasiliev"]),
            (acc["vasilieva"], s["grigorieva"]),
            (acc["zaitseva"], s["zaitsev"]),
            (acc["math"], None),
            (acc["russian"], None),
            (acc["primary"], None),
            (acc["admin"], None),
        ]
    )


async def test_a_teacher_who_is_a_parent_gets_it_as_staff_and_for_the_child(session, clock, school):
    acc = await linked_world(session, school)
    session.add(Guardianship(parent_id=school.staff["russian"], student_id=school.students["zaitsev"]))
    await session.commit()
    pairs = await recipients_of(session, clock, school.staff["deputy"], Audience(Scope.SCHOOL))
    assert [p for p in pairs if p[0] == acc["russian"]] == [
        (acc["russian"], None),
        (acc["russian"], school.students["zaitsev"]),
    ]


async def test_recipients_are_read_in_a_fixed_number_of_queries(session, clock, school, engine):
    await linked_world(session, school)
    deputy = await load_actor(session, school.staff["deputy"])
    payload = (await AnnouncementService(session, clock).preview(deputy, Audience(Scope.SCHOOL), "Текст")).payload
    await session.commit()
    with statements_run(engine) as statements:
        first = await announcement_recipients(session, payload, school.school_id)
    before = len(statements)
    for i in range(20):
        child = await enrol_student(
            session, school.school_id, await add_person(session, school, f"Новиков{i}", "Ян"), school.classes["5Б"]
        )
        parent = await add_person(session, school, f"Новикова{i}", "Ева")
        session.add(Guardianship(parent_id=parent, student_id=child.id))
        await link(session, child.person_id, 9_100_000 + i)
        await link(session, parent, 9_200_000 + i)
    await session.commit()
    with statements_run(engine) as statements:
        second = await announcement_recipients(session, payload, school.school_id)
    assert len(statements) == before <= 5
    assert len(second) == len(first) + 40


def test_the_text_reads_in_the_recipients_language_with_the_authors_text_escaped():
    from functools import partial

    from ui.pushes.render import text_of

    render = partial(text_of, EventKind.ANNOUNCEMENT)
    author = {"person_id": 1, "name": "Смирнова Елена Викторовна", "role": "class_teacher"}
    payload = {
        "audience": {"scope": "class_parents", "title": "5А", "grade": 5, "class_id": 3},
        "text": "Собрание <b>в пятницу</b> & не забудьте сменку",
        "files": [],
        "author": author,
    }
    assert render(payload, "en") == (
        "📣 <b>Announcement for the parents of 5А</b>\n<i>Смирнова Елена Викторовна, class teacher</i>\n\n"
        "Собрание &lt;b&gt;в пятницу&lt;/b&gt; &amp; не забудьте сменку"
    )
    deputy = {**author, "name": "Волкова Ирина Николаевна", "role": "deputy"}
    headings = {
        "school": "📣 <b>Объявление школы</b>",
        "grade": "📣 <b>Объявление — параллель 5-х классов</b>",
        "class": "📣 <b>Объявление — 5А</b>",
    }
    for scope, heading in headings.items():
        text = render({**payload, "audience": {**payload["audience"], "scope": scope}, "author": deputy}, "ru")
        assert text.startswith(heading + "\n<i>Волкова Ирина Николаевна, завуч</i>\n\n"), scope
    assert render({**payload, "author": {**author, "role": "admin"}}, "en").startswith(
        "📣 <b>Announcement for the parents of 5А</b>\n<i>Смирнова Елена Викторовна, administrator</i>"
    )
