"""The demo school's reference data, written as the import tables (spec.py) that a school would fill in:
calendar, bells, subjects, work types, staff, classes, students and parents, teaching load, timetable.

About 30 classes (grades 1-11, two or three letters), 25 students a class, their parents (most children
with two, some with one; a few families with two or three children in the school), about 60 staff.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from . import curriculum as cur
from . import names
from .calendar import Calendar, calendar_for
from .timetable import MAX_LESSON, ClassWeek, Unit, build_timetable

Tables = dict[str, list[dict[str, str]]]

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт")
LESSON_MINUTES = 45
BREAKS = (10, 20, 20, 10, 10, 10)  # after lessons 1..6: two long breaks for the school canteen
FIRST_BELL = time(8, 30)
SIBLING_SHARE = 0.07  # a new student is a younger brother or sister of a child already in the school


def school_name(number: int) -> str:
    return f"МБОУ «Средняя школа № {number}»"


def bells() -> list[tuple[int, time, time]]:
    """8:30, 45-minute lessons: 8:30-9:15, 9:25-10:10, 10:30-11:15, 11:35-12:20, 12:30-13:15, ..."""
    result, start = [], FIRST_BELL.hour * 60 + FIRST_BELL.minute
    for n in range(1, MAX_LESSON + 1):
        end = start + LESSON_MINUTES
        result.append((n, time(start // 60, start % 60), time(end // 60, end % 60)))
        if n <= len(BREAKS):
            start = end + BREAKS[n - 1]
    return result


def fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass
class Person:
    last: str
    first: str
    middle: str
    female: bool = False
    phone: str = ""

    @property
    def full(self) -> str:
        return f"{self.last} {self.first} {self.middle}"


@dataclass
class Family:
    surname: str  # the male form
    father_name: str  # gives the children's patronymic, also when the father is not listed
    parents: list[tuple[Person, str]]  # (person, kinship as written: мать, отец, опекун)
    youngest_grade: int = 12
    children: int = 0


@dataclass
class Child:
    person: Person
    birth: date
    class_name: str
    family: Family
    groups: list[str] = field(default_factory=list)


@dataclass
class Teacher:
    person: Person
    department: str
    capacity: float  # a deputy teaches half a load
    roles: str = "учитель"
    room: str = ""
    load: int = 0
    leads: str | None = None


def build_school_tables(rng: random.Random, today: date, number: int = 1) -> Tables:
    """The import tables of demo school № `number`, around `today` (calendar: see calendar.py)."""
    return _Builder(rng, today, number).tables()


class _Builder:
    def __init__(self, rng: random.Random, today: date, number: int) -> None:
        self.rng = rng
        self.number = number
        self.calendar: Calendar = calendar_for(today)
        self.year = int(self.calendar.year_name[:4])  # the children's ages count from the true year
        self.phones: set[str] = set()
        self.full_names: set[str] = set()

    # ---- classes, students, parents ------------------------------------------------------------

    def classes(self) -> list[tuple[int, str]]:
        result = []
        for grade in range(1, 12):
            count = 3 if grade <= 7 else 2 if grade >= 10 else self.rng.choice((2, 3))
            result += [(grade, letter) for letter in "АБВ"[:count]]
        return result

    def birth_date(self, grade: int) -> date:
        """Grade 1 in September of year Y: six and a half to seven and a half years old; a few a year older."""
        older = 1 if self.rng.random() < 0.03 else 0
        first = date(self.year - 6 - grade - older, 3, 1)
        return first + timedelta(days=self.rng.randrange(365))

    def unique(self, make) -> Person:
        for _ in range(50):
            person = make()
            if person.full not in self.full_names:
                self.full_names.add(person.full)
                return person
        raise RuntimeError("names ran out")

    def new_family(self) -> Family:
        rng = self.rng
        surname = rng.choice(names.SURNAMES)
        father_name = names.pick(rng, names.FATHERS)
        kind = rng.random()
        parents: list[tuple[Person, str]] = []
        if kind < 0.96:  # a mother, mostly with the family's surname
            last = surname if rng.random() < 0.9 or kind >= 0.83 else rng.choice(names.SURNAMES)
            mother = Person(
                names.female_surname(last),
                names.pick(rng, names.MOTHERS),
                names.patronymic(rng.choice(names.OLDER_MEN), True),
                True,
                names.phone(rng, self.phones),
            )
            parents.append((mother, "мать"))
        if kind < 0.83 or 0.96 <= kind < 0.98:  # a father
            father = Person(
                surname,
                father_name,
                names.patronymic(rng.choice(names.OLDER_MEN), False),
                False,
                names.phone(rng, self.phones),
            )
            parents.append((father, "отец"))
        if kind >= 0.98:  # a grandmother as the guardian
            grandmother = Person(
                names.female_surname(surname),
                rng.choice(names.OLDER_WOMEN),
                names.patronymic(rng.choice(names.OLDER_MEN), True),
                True,
                names.phone(rng, self.phones),
            )
            parents.append((grandmother, "опекун"))
        return Family(surname, father_name, parents)

    def students(self, classes: list[tuple[int, str]]) -> list[Child]:
        """From the oldest class down, so that a younger child may join a family already in the school."""
        rng = self.rng
        children: list[Child] = []
        families: list[Family] = []
        for grade, letter in sorted(classes, key=lambda c: (-c[0], c[1])):
            size = rng.randint(21, 27) if grade >= 10 else rng.randint(23, 28)
            for _ in range(size):
                older = [f for f in families if f.youngest_grade > grade and f.children < 3]
                family = rng.choice(older) if older and rng.random() < SIBLING_SHARE else None
                if family is None:
                    family = self.new_family()
                    families.append(family)
                female = rng.random() < 0.5

                def make(family=family, female=female) -> Person:
                    return Person(
                        names.surname_for(family.surname, female),
                        names.pick(rng, names.GIRLS if female else names.BOYS),
                        names.patronymic(family.father_name, female),
                        female,
                    )

                child = Child(self.unique(make), self.birth_date(grade), f"{grade}{letter}", family)
                family.children += 1
                family.youngest_grade = grade
                children.append(child)
        # J-13: each class halved at random into the subgroups of each split subject.
        by_class: dict[str, list[Child]] = defaultdict(list)
        for child in children:
            by_class[child.class_name].append(child)
        for class_name, members in by_class.items():
            grade = int(class_name[:-1])
            for subject in cur.SPLIT:
                groups = cur.split_groups(subject, grade)
                if groups and subject in cur.HOURS[grade]:
                    order = members[:]
                    rng.shuffle(order)
                    half = (len(order) + rng.randint(0, 1)) // 2
                    for k, child in enumerate(order):
                        child.groups.append(groups[0] if k < half else groups[1])
        return children

    # ---- staff and teaching load ---------------------------------------------------------------

    def teacher(self, department: str, capacity: float = 1.0) -> Teacher:
        rng = self.rng
        male_share = {
            "pe": 0.6,
            "obzr": 0.7,
            "informatics": 0.45,
            "physics": 0.35,
            "history": 0.3,
            "art": 0.25,
            "primary": 0.02,
        }.get(department, 0.1)
        female = rng.random() >= male_share

        def make() -> Person:
            last = rng.choice(names.SURNAMES)
            return Person(
                names.surname_for(last, female),
                rng.choice(names.TEACHER_WOMEN if female else names.TEACHER_MEN),
                names.patronymic(rng.choice(names.OLDER_MEN), female),
                female,
                names.phone(rng, self.phones),
            )

        return Teacher(self.unique(make), department, capacity)

    def load(self, classes: list[tuple[int, str]]):
        """The teachers of each department, and who teaches what to which class or subgroup (ACC-3).

        Returns the teachers and the load rows (teacher index, class, subgroup or None, subject, hours)."""
        rng = self.rng
        bundles: dict[str, list[tuple[str, str | None, dict[str, int]]]] = defaultdict(list)
        for grade, letter in classes:
            by_department: dict[str, dict[str, int]] = defaultdict(dict)
            for subject, hours in cur.HOURS[grade].items():
                by_department[cur.department_of(subject, grade).key][subject] = hours
            for key, subjects in by_department.items():
                for subject in sorted(subjects):
                    groups = cur.split_groups(subject, grade)
                    if groups:  # one bundle per subgroup, given to two teachers (see below)
                        h = subjects.pop(subject)
                        bundles[key] += [(f"{grade}{letter}", group, {subject: h}) for group in groups]
                if subjects:
                    bundles[key].append((f"{grade}{letter}", None, subjects))

        teachers: list[Teacher] = []
        rows: list[tuple[int, str, str | None, str, int]] = []
        for department in cur.DEPARTMENTS:
            items = bundles.get(department.key, [])
            if not items:
                continue
            total = sum(sum(h.values()) for _, _, h in items)
            split = any(group for _, group, _ in items)
            if department.key == "primary":
                count = len(items)
            else:
                count = max(2 if split else 1, round(total / department.load))
            deputy = department.key in ("russian", "math")
            staff = [self.teacher(department.key, 0.5 if deputy and k == 0 else 1.0) for k in range(count)]
            if deputy:
                staff[0].roles = "учитель, завуч"
            first = len(teachers)
            teachers += staff
            # Biggest bundles first, each to the teacher least loaded for their capacity; the two
            # subgroups of a class to two different teachers (J-13).
            pairs: dict[tuple[str, str], int] = {}
            order = sorted(range(len(items)), key=lambda k: (-sum(items[k][2].values()), items[k][0], k))
            if department.key == "primary":
                order = list(range(len(items)))
            for k in order:
                class_name, group, subjects = items[k]
                hours = sum(subjects.values())
                banned = {pairs[class_name, s] for s in subjects if (class_name, s) in pairs} if group else set()
                if department.key == "primary":
                    t = k
                else:
                    t = min(
                        (j for j in range(count) if j not in banned),
                        key=lambda j: ((staff[j].load + hours) / staff[j].capacity, rng.random()),
                    )
                staff[t].load += hours
                for subject, h in sorted(subjects.items()):
                    if group:
                        pairs[class_name, subject] = t
                    rows.append((first + t, class_name, group, subject, h))
        # Rooms: each teacher has their own, so rooms never clash when teachers do not.
        counters: dict[str, int] = defaultdict(int)
        by_key = {d.key: d for d in cur.DEPARTMENTS}
        for teacher in teachers:
            prefix = by_key[teacher.department].room
            counters[prefix] += 1
            teacher.room = f"{prefix} {counters[prefix]}" if not prefix.isdigit() else f"{prefix}{counters[prefix]:02d}"
        return teachers, rows

    def class_teachers(self, classes, teachers: list[Teacher], rows) -> None:
        """ACC-4: every class has a class teacher: in grades 1-4 its primary teacher, above one of the
        teachers of the class (the one with most hours there), each leading one class (Kuhn's matching)."""
        hours: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for t, class_name, _group, _subject, h in rows:
            hours[class_name][t] += h
        for t, class_name, _group, _subject, _h in rows:
            if teachers[t].department == "primary":
                teachers[t].leads = class_name
        rest = [f"{g}{letter}" for g, letter in classes if g >= 5]
        candidates = {
            c: sorted(
                (
                    t
                    for t in hours[c]
                    if teachers[t].department != "primary"
                    and "завуч" not in teachers[t].roles
                    and teachers[t].capacity == 1.0
                ),
                key=lambda t: (-hours[c][t], t),
            )
            for c in rest
        }
        match: dict[int, str] = {}

        def place(c: str, seen: set[int]) -> bool:
            for t in candidates[c]:
                if t in seen:
                    continue
                seen.add(t)
                if t not in match or place(match[t], seen):
                    match[t] = c
                    return True
            return False

        for c in rest:
            if not place(c, set()):
                free = next(
                    t
                    for t, teacher in enumerate(teachers)
                    if teacher.leads is None and t not in match and teacher.department != "primary"
                )
                match[free] = c
        for t, c in match.items():
            teachers[t].leads = c

    # ---- the tables ----------------------------------------------------------------------------

    def tables(self) -> Tables:
        rng = self.rng
        cal = self.calendar
        classes = self.classes()
        children = self.students(classes)
        teachers, load_rows = self.load(classes)
        self.class_teachers(classes, teachers, load_rows)
        secretary = self.teacher("office")
        secretary.roles = "секретарь"
        admin = self.teacher("office")
        admin.roles = "администратор"

        # The timetable: one unit per whole-class subject or per subgroup pair.
        units_of: dict[str, list[tuple[Unit, list[tuple[str | None, int]]]]] = defaultdict(list)
        grouped: dict[tuple[str, str], list[tuple[str | None, int, int]]] = defaultdict(list)
        for t, class_name, group, subject, h in load_rows:
            grouped[class_name, subject].append((group, t, h))
        for (class_name, subject), parts in sorted(grouped.items()):
            unit = Unit(subject, tuple(t for _, t, _ in parts), parts[0][2])
            units_of[class_name].append((unit, [(g, t) for g, t, _ in parts]))
        class_names = [f"{g}{letter}" for g, letter in classes]
        weeks = [ClassWeek(tuple(u for u, _ in units_of[c]), cur.MAX_LESSONS_A_DAY[int(c[:-1])]) for c in class_names]
        schedule = build_timetable(weeks, rng)

        timetable = []
        for c, week in zip(class_names, schedule, strict=True):
            for s in sorted(week):
                day, lesson = divmod(s, MAX_LESSON)
                unit, parts = units_of[c][week[s]]
                for group, t in parts:
                    timetable.append(
                        {
                            "class": c,
                            "weekday": WEEKDAYS[day],
                            "lesson": str(lesson + 1),
                            "subject": unit.subject,
                            "subgroup": group or "",
                            "room": teachers[t].room,
                        }
                    )

        leaders = {t.leads: t for t in teachers if t.leads}
        return {
            "school": [
                {
                    "name": school_name(self.number),
                    "timezone": "Europe/Moscow",
                    "year": cal.year_name,
                    "year_start": fmt(cal.starts),
                    "year_end": fmt(cal.ends),
                    "mark_min": "2",
                    "mark_max": "5",
                    "grades_without_marks": "1",
                    "homework_deadline": "16:00",
                    "edit_window_days": "14",
                }
            ],
            "periods": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "grades": f"{p.grade_from}-{p.grade_to}",
                    "starts": fmt(p.starts),
                    "ends": fmt(p.ends),
                }
                for p in cal.periods
            ],
            "holidays": [
                {"name": h.name, "starts": fmt(h.starts), "ends": fmt(h.ends), "grades": ",".join(map(str, h.grades))}
                for h in cal.holidays
            ],
            "bells": [
                {"lesson": str(n), "starts": s.strftime("%H:%M"), "ends": e.strftime("%H:%M")} for n, s, e in bells()
            ],
            "subjects": [{"name": name, "short_name": short} for name, short in cur.SUBJECTS.items()],
            "work_types": [
                {"name": name, "weight": weight, "written": "да" if written else "нет"}
                for name, weight, written in cur.WORK_TYPES
            ],
            "staff": [
                {
                    "last_name": t.person.last,
                    "first_name": t.person.first,
                    "middle_name": t.person.middle,
                    "roles": t.roles,
                    "phone": t.person.phone,
                }
                for t in [*teachers, secretary, admin]
            ],
            "classes": [{"class": c, "class_teacher": leaders[c].person.full} for c in class_names],
            "students": [
                {
                    "last_name": c.person.last,
                    "first_name": c.person.first,
                    "middle_name": c.person.middle,
                    "birth_date": fmt(c.birth),
                    "class": c.class_name,
                    "subgroups": ", ".join(c.groups),
                }
                for c in sorted(children, key=lambda c: (int(c.class_name[:-1]), c.class_name[-1], c.person.full))
            ],
            "parents": [
                {
                    "last_name": p.last,
                    "first_name": p.first,
                    "middle_name": p.middle,
                    "phone": p.phone,
                    "kinship": kinship,
                    "child": c.person.full,
                    "child_class": c.class_name,
                }
                for c in children
                for p, kinship in c.family.parents
            ],
            "load": [
                {
                    "teacher": teachers[t].person.full,
                    "class": c,
                    "subgroup": group or "",
                    "subject": subject,
                    "hours": str(h),
                }
                for t, c, group, subject, h in load_rows
            ],
            "timetable": timetable,
        }
