"""A small school for service and flow tests: every id a test needs, the days they talk about, a clock it can
move, and its teachers at work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, load_actor
from services.journal import JournalService, LessonView
from services.models import (
    AcademicYear,
    Account,
    Assignment,
    Bell,
    Channel,
    ClassGroup,
    Delivery,
    DeliveryStatus,
    Enrolment,
    EventKind,
    Guardianship,
    Holiday,
    Kinship,
    OutboxEvent,
    PeriodKind,
    Person,
    PersonAccount,
    PlanTopic,
    Role,
    School,
    StaffRole,
    Student,
    StudentStatus,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
    Subject,
    TimetableEntry,
    WorkType,
)

MSK = ZoneInfo("Europe/Moscow")
YEAR_START = date(2026, 9, 1)
TODAY = date(2026, 11, 24)  # a Tuesday in the second quarter
MONDAY = TODAY - timedelta(days=1)  # yesterday, 23 November
LAST_TUESDAY = TODAY - timedelta(days=7)  # 17 November
OLD = TODAY - timedelta(days=15)  # Monday 9 November: past the 14 days (J-9), changes go as correction requests


# Old enough to consent for themselves (ACC-7: from 14); a test of a younger student sets its own birth date.
STUDENT_BIRTH_DATE = date(2012, 1, 15)


class FixedClock:
    """A clock the test sets: clock.at(date(2026, 12, 9)) moves the school's day."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int = 12) -> None:
        self.now = datetime.combine(day, time(hour), MSK).astimezone(UTC)


@dataclass
class MiniSchool:
    school_id: int
    year_id: int
    q1: int
    q2: int
    classes: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)  # key -> person id
    students: dict[str, int] = field(default_factory=dict)  # key -> student id
    student_persons: dict[str, int] = field(default_factory=dict)  # key -> person id
    parents: dict[str, int] = field(default_factory=dict)  # key -> person id
    assignments: dict[str, int] = field(default_factory=dict)
    subgroups: dict[str, int] = field(default_factory=dict)
    work_types: dict[str, int] = field(default_factory=dict)


async def build_school(session: AsyncSession, name: str = "Школа № 7") -> MiniSchool:
    s = School(name=name, timezone="Europe/Moscow")
    session.add(s)
    await session.flush()
    year = AcademicYear(school_id=s.id, name="2026/2027", starts_on=YEAR_START, ends_on=date(2027, 5, 31))
    session.add(year)
    await session.flush()
    q1 = StudyPeriod(
        year_id=year.id,
        name="1 четверть",
        kind=PeriodKind.QUARTER,
        grade_from=1,
        grade_to=11,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 10, 24),
    )
    q2 = StudyPeriod(
        year_id=year.id,
        name="2 четверть",
        kind=PeriodKind.QUARTER,
        grade_from=1,
        grade_to=11,
        starts_on=date(2026, 11, 5),
        ends_on=date(2026, 12, 28),
    )
    session.add_all([q1, q2])
    session.add_all(
        [
            Holiday(school_id=s.id, name="Осенние каникулы", starts_on=date(2026, 10, 25), ends_on=date(2026, 11, 4)),
            Holiday(school_id=s.id, name="Зимние каникулы", starts_on=date(2026, 12, 29), ends_on=date(2027, 1, 11)),
        ]
    )
    for n in range(1, 7):
        session.add(Bell(school_id=s.id, lesson_number=n, starts_at=time(8 + n, 0), ends_at=time(8 + n, 45)))
    await session.flush()
    ms = MiniSchool(school_id=s.id, year_id=year.id, q1=q1.id, q2=q2.id)

    async def person(last: str, first: str, middle: str = "", *roles: Role) -> Person:
        p = Person(school_id=s.id, last_name=last, first_name=first, middle_name=middle)
        p.roles = [StaffRole(role=r) for r in roles]
        session.add(p)
        await session.flush()
        return p

    for key, (last, first, middle, roles) in {
        "math": ("Смирнова", "Елена", "Викторовна", (Role.TEACHER,)),
        "russian": ("Кузнецов", "Олег", "Петрович", (Role.TEACHER,)),
        "eng1": ("Белова", "Анна", "Сергеевна", (Role.TEACHER,)),
        "eng2": ("Орлов", "Илья", "Андреевич", (Role.TEACHER,)),
        "primary": ("Соколова", "Мария", "Ивановна", (Role.TEACHER,)),
        "deputy": ("Волкова", "Ирина", "Николаевна", (Role.TEACHER, Role.DEPUTY)),
        "admin": ("Морозов", "Павел", "Юрьевич", (Role.ADMIN,)),
    }.items():
        ms.staff[key] = (await person(last, first, middle, *roles)).id

    for key, (grade, letter, teacher) in {
        "5А": (5, "А", "math"),
        "5Б": (5, "Б", "russian"),
        "1А": (1, "А", "primary"),
    }.items():
        c = ClassGroup(school_id=s.id, year_id=year.id, grade=grade, letter=letter, class_teacher_id=ms.staff[teacher])
        session.add(c)
        await session.flush()
        ms.classes[key] = c.id

    for key, (last, first, middle, cls) in {
        "alekseev": ("Алексеев", "Артём", "Игоревич", "5А"),
        "borisova": ("Борисова", "Вера", "Олеговна", "5А"),
        "vasiliev": ("Васильев", "Глеб", "Денисович", "5А"),
        "grigorieva": ("Григорьева", "Дина", "Ефимовна", "5А"),
        "alekseeva": ("Алексеева", "Ксения", "Игоревна", "5Б"),
        "zaitsev": ("Зайцев", "Лев", "Маркович", "5Б"),
        "ivanov": ("Иванов", "Никита", "Олегович", "1А"),
    }.items():
        p = await person(last, first, middle)
        p.birth_date = STUDENT_BIRTH_DATE
        st = Student(school_id=s.id, person_id=p.id, class_id=ms.classes[cls])
        session.add(st)
        await session.flush()
        session.add(Enrolment(student_id=st.id, class_id=st.class_id, starts_on=YEAR_START))
        ms.students[key], ms.student_persons[key] = st.id, p.id

    # A mother of two children in different classes, and another family.
    ms.parents["alekseeva_mother"] = (await person("Алексеева", "Ольга", "Петровна")).id
    ms.parents["borisov_father"] = (await person("Борисов", "Олег", "Ильич")).id
    session.add_all(
        [
            Guardianship(
                parent_id=ms.parents["alekseeva_mother"], student_id=ms.students["alekseev"], kinship=Kinship.MOTHER
            ),
            Guardianship(
                parent_id=ms.parents["alekseeva_mother"], student_id=ms.students["alekseeva"], kinship=Kinship.MOTHER
            ),
            Guardianship(
                parent_id=ms.parents["borisov_father"], student_id=ms.students["borisova"], kinship=Kinship.FATHER
            ),
        ]
    )

    for key in ("Англ. 1", "Англ. 2"):
        sg = Subgroup(class_id=ms.classes["5А"], name=key)
        session.add(sg)
        await session.flush()
        ms.subgroups[key] = sg.id
    session.add_all(
        [
            SubgroupMember(subgroup_id=ms.subgroups["Англ. 1"], student_id=ms.students["alekseev"]),
            SubgroupMember(subgroup_id=ms.subgroups["Англ. 1"], student_id=ms.students["borisova"]),
            SubgroupMember(subgroup_id=ms.subgroups["Англ. 2"], student_id=ms.students["vasiliev"]),
            SubgroupMember(subgroup_id=ms.subgroups["Англ. 2"], student_id=ms.students["grigorieva"]),
        ]
    )

    subjects = {}
    for name in ("Математика", "Русский язык", "Английский язык", "Литературное чтение"):
        subj = Subject(school_id=s.id, name=name)
        session.add(subj)
        await session.flush()
        subjects[name] = subj.id

    # key: (teacher, class, subgroup, subject, hours, [(weekday, lesson)])
    for key, (teacher, cls, sg, subj, hours, slots) in {
        "math5A": ("math", "5А", None, "Математика", 5, [(0, 1), (1, 2), (2, 1), (3, 1), (4, 2)]),
        "rus5A": ("russian", "5А", None, "Русский язык", 1, [(1, 1)]),
        "eng5A1": ("eng1", "5А", "Англ. 1", "Английский язык", 2, [(1, 3), (3, 3)]),
        "eng5A2": ("eng2", "5А", "Англ. 2", "Английский язык", 2, [(1, 3), (3, 3)]),
        "math5B": ("russian", "5Б", None, "Математика", 3, [(1, 2), (3, 2), (4, 1)]),
        "read1A": ("primary", "1А", None, "Литературное чтение", 4, [(0, 1), (1, 1), (2, 1), (3, 1)]),
    }.items():
        a = Assignment(
            school_id=s.id,
            teacher_id=ms.staff[teacher],
            class_id=ms.classes[cls],
            subgroup_id=ms.subgroups.get(sg) if sg else None,
            subject_id=subjects[subj],
            hours_per_week=hours,
        )
        session.add(a)
        await session.flush()
        ms.assignments[key] = a.id
        for weekday, number in slots:
            session.add(
                TimetableEntry(assignment_id=a.id, weekday=weekday, lesson_number=number, valid_from=date(2026, 9, 1))
            )
    session.add_all(
        [PlanTopic(assignment_id=ms.assignments["math5A"], position=i, topic=f"§{i}. Тема {i}") for i in range(1, 80)]
    )
    for key, (wt_name, weight, written) in {
        "answer": ("Ответ на уроке", 1, False),
        "test": ("Контрольная работа", 2, True),
    }.items():
        wt = WorkType(school_id=s.id, name=wt_name, weight=weight, is_written=written)
        session.add(wt)
        await session.flush()
        ms.work_types[key] = wt.id
    await session.commit()
    return ms


async def enrol_student(
    session: AsyncSession,
    school_id: int,
    person_id: int,
    class_id: int,
    status: StudentStatus = StudentStatus.ACTIVE,
    starts_on: date = YEAR_START,
    ends_on: date | None = None,
) -> Student:
    """A student record with its stay in the class (DATA-4), flushed, not committed."""
    student = Student(school_id=school_id, person_id=person_id, class_id=class_id, status=status)
    session.add(student)
    await session.flush()
    session.add(Enrolment(student_id=student.id, class_id=class_id, starts_on=starts_on, ends_on=ends_on))
    return student


async def add_students(
    session: AsyncSession, school: MiniSchool, count: int, last_name: str = "Новиков", class_key: str = "5А"
) -> None:
    """`count` more students in a class («Новиков00», «Новиков01» …), not committed: for tests that a query's
    cost does not grow with the roster, and for long lists."""
    for i in range(count):
        person = Person(school_id=school.school_id, last_name=f"{last_name}{i:02}", first_name="Ян")
        session.add(person)
        await session.flush()
        student = Student(school_id=school.school_id, person_id=person.id, class_id=school.classes[class_key])
        session.add(student)
        await session.flush()
        session.add(Enrolment(student_id=student.id, class_id=student.class_id, starts_on=YEAR_START))


async def open_lesson(
    journal: JournalService, school: MiniSchool, teacher: str, assignment: str, day: date, number: int
) -> tuple[Actor, LessonView]:
    """A teacher (a key of `school.staff`) opens a lesson of an assignment of theirs: (the teacher, the lesson)."""
    actor = await load_actor(journal.session, school.staff[teacher])
    return actor, await journal.open_lesson(actor, school.assignments[assignment], day, number)


async def waiting_push(session: AsyncSession, account_id: int, due_at: datetime) -> School:
    """A school with one push due at `due_at` to a new account, still pending (a backlog when long past)."""
    school = School(name="Школа № 7")
    session.add_all([school, Account(id=account_id)])
    await session.flush()
    event = OutboxEvent(school_id=school.id, kind=next(iter(EventKind)), payload={}, processed_at=due_at)
    session.add(event)
    await session.flush()
    session.add(Delivery(event_id=event.id, account_id=account_id, due_at=due_at, status=DeliveryStatus.PENDING))
    return school


def add_link(session: AsyncSession, person_id: int, account_id: int, channel: Channel = Channel.TELEGRAM) -> None:
    """The person linked to the account on its channel, as a redeemed code does (the account added separately)."""
    session.add(PersonAccount(person_id=person_id, account_id=account_id, channel=channel))


async def account_of(session: AsyncSession, person_id: int, channel: Channel | None = None) -> int | None:
    """The account the person is linked to on `channel` (None: on any, the first), None if none."""
    where = [PersonAccount.person_id == person_id] + ([PersonAccount.channel == channel] if channel else [])
    return await session.scalar(select(PersonAccount.account_id).where(*where).order_by(PersonAccount.account_id))
