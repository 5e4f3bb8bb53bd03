"""Keys with an empty column: a second year mark or a second whole-class assignment is refused (PER-2, ACC-3)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from services.models import Assignment, FinalMark, FinalMarkKind, Student


async def test_a_second_year_mark_for_the_same_subject_is_refused(session, school):
    student = await session.get(Student, school.students["alekseev"])
    math = (await session.get(Assignment, school.assignments["math5A"])).subject_id

    def year_mark(value: int) -> FinalMark:
        return FinalMark(
            student_id=student.id,
            subject_id=math,
            year_id=school.year_id,
            period_id=None,
            kind=FinalMarkKind.YEAR,
            value=value,
        )

    session.add(year_mark(5))
    await session.commit()
    session.add(year_mark(4))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_a_second_whole_class_assignment_is_refused_but_subgroups_are_apart(session, school):
    math = await session.get(Assignment, school.assignments["math5A"])
    english = await session.get(Assignment, school.assignments["eng5A1"])
    # The same teacher may teach both subgroups: their keys differ by the subgroup.
    session.add(
        Assignment(
            school_id=english.school_id,
            teacher_id=english.teacher_id,
            class_id=english.class_id,
            subgroup_id=school.subgroups["Англ. 2"],
            subject_id=english.subject_id,
        )
    )
    await session.commit()
    session.add(
        Assignment(
            school_id=math.school_id,
            teacher_id=math.teacher_id,
            class_id=math.class_id,
            subgroup_id=None,
            subject_id=math.subject_id,
        )
    )
    with pytest.raises(IntegrityError):
        await session.commit()
