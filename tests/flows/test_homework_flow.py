"""/homework end to end: what is due from tomorrow for a week, by due day (J-2..J-4), «не задано» (J-3), the
teacher's files delivered as a document and a photo, the student's own subgroup only (J-13), a parent of two
children in different classes (ACC-2), and long lists split rather than cut."""

from __future__ import annotations

from datetime import date

from services.attachments import AttachmentIn
from services.journal import JournalService
from services.models import AttachmentKind
from tests.factories import MONDAY, TODAY, open_lesson
from tests.files import PHOTO
from tests.flows.conftest import TOKEN


async def keep_lesson(
    sessions,
    clock,
    school,
    staff: str,
    assignment: str,
    day,
    number: int,
    homework: str | None,
    files: tuple[AttachmentIn, ...] = (),
) -> None:
    """A teacher keeps the lesson in the journal: the homework (None: «не задано») and its files."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher, lesson = await open_lesson(journal, school, staff, assignment, day, number)
        await journal.set_homework(teacher, lesson.lesson_id, homework)
        for file in files:
            await journal.add_homework_file(teacher, lesson.lesson_id, file)


def teachers_upload(emulator, person) -> tuple[AttachmentIn, AttachmentIn]:
    """The math teacher sends a PDF and a photo to the bot: Telegram's file ids are what the journal keeps."""
    teacher = person()
    sent = emulator.user_sends_document(TOKEN, teacher.id, b"%PDF-1.4 task", "task.pdf", mime_type="application/pdf")
    doc = sent["document"]
    photo = emulator.user_sends_photo(TOKEN, teacher.id, PHOTO)["photo"][-1]
    return (
        AttachmentIn(
            AttachmentKind.DOCUMENT,
            doc["file_id"],
            doc["file_unique_id"],
            "task.pdf",
            "application/pdf",
            doc["file_size"],
        ),
        AttachmentIn(AttachmentKind.PHOTO, photo["file_id"], photo["file_unique_id"], size=photo["file_size"]),
    )


async def a_week_of_homework(sessions, clock, school, emulator, person) -> tuple[AttachmentIn, AttachmentIn]:
    """Tuesday's lessons in 5А and 5Б as their teachers keep them."""
    files = teachers_upload(emulator, person)
    await keep_lesson(sessions, clock, school, "math", "math5A", MONDAY, 1, "№12, с. 30")  # due today: not shown
    await keep_lesson(sessions, clock, school, "math", "math5A", TODAY, 2, "№15, с. 42", files)  # due Wednesday
    await keep_lesson(sessions, clock, school, "russian", "rus5A", TODAY, 1, None)  # «не задано» till next Tuesday
    await keep_lesson(sessions, clock, school, "eng1", "eng5A1", TODAY, 3, "Упр. 5, с. 20")  # Англ. 1, Thursday
    await keep_lesson(sessions, clock, school, "eng2", "eng5A2", TODAY, 3, "Упр. 9, с. 31")  # Англ. 2, Thursday
    await keep_lesson(
        sessions, clock, school, "russian", "math5B", TODAY, 2, "Карточка 3: x < 5 & y > 2"
    )  # 5Б, Thursday
    return files


async def test_parent_of_two_sees_each_childs_homework_with_files_J_4_J_13(bot_world, clock, linked, emulator, person):
    school, sessions = bot_world
    pdf, photo = await a_week_of_homework(sessions, clock, school, emulator, person)
    mother = await linked(school.parents["alekseeva_mother"])
    before = len(mother.texts())
    assert mother.files() == []
    await mother.press("Домашнее задание")
    await emulator.wait_for_bot_message(TOKEN, mother.id)  # the document
    await emulator.wait_for_bot_message(TOKEN, mother.id)  # the photo
    assert mother.texts()[before:] == [
        (
            "Домашнее задание: Артём Алексеев, 5А\n"
            "К сдаче с 25 нояб. по 1 дек.\n"
            "\n"
            "Среда, 25 ноября\n"
            "• Математика: №15, с. 42 (📎 2 файла ниже)\n"
            "\n"
            "Четверг, 26 ноября\n"
            "• Английский язык: Упр. 5, с. 20\n"  # Англ. 1 only: Упр. 9 is the other group's
            "Ещё не внесено: Математика\n"  # J-3: not «не задано», which only the teacher says
            "\n"
            "Пятница, 27 ноября\n"
            "Ещё не внесено: Математика\n"
            "\n"
            "Понедельник, 30 ноября\n"
            "Ещё не внесено: Математика\n"
            "\n"
            "Вторник, 1 декабря\n"
            "• Русский язык: не задано\n"
            "Ещё не внесено: Английский язык, Математика"
        ),
        "📎 Математика, к 25 нояб.",
        "📎 Математика, к 25 нояб.",
    ]
    # The teacher's files, once each, sent again by the references the journal keeps.
    [document, picture] = mother.files()
    assert (document["kind"], document["file_id"], document["file_name"]) == (
        "document",
        pdf.telegram_file_id,
        "task.pdf",
    )
    assert (picture["kind"], picture["file_id"], picture["data"]) == ("photo", photo.telegram_file_id, PHOTO)

    await mother.press("Сменить профиль")
    await mother.tap("Ксения, 5Б")
    before = len(mother.texts())
    await mother.send("/homework")
    assert mother.texts()[before:] == [
        (
            "Домашнее задание: Ксения Алексеева, 5Б\n"
            "К сдаче с 25 нояб. по 1 дек.\n"
            "\n"
            "Четверг, 26 ноября\n"
            "• Математика: Карточка 3: x < 5 & y > 2\n"  # escaped for HTML, shown as written
            "\n"
            "Пятница, 27 ноября\n"
            "Ещё не внесено: Математика\n"
            "\n"
            "Вторник, 1 декабря\n"
            "Ещё не внесено: Математика"
        ),
    ]
    assert mother.files() == [document, picture]  # 5Б's homework has no files: none sent again


async def test_a_student_of_the_other_subgroup_sees_that_groups_homework_J_13(
    bot_world, clock, linked, emulator, person
):
    school, sessions = bot_world
    await a_week_of_homework(sessions, clock, school, emulator, person)
    student = await linked(school.student_persons["vasiliev"])  # Англ. 2
    await student.send("/homework", replies=3)  # the text, then 5А's math files
    [text] = [t for t in student.texts() if t.startswith("Домашнее задание")]
    assert text.startswith("Домашнее задание: Глеб Васильев, 5А\n")
    assert "• Английский язык: Упр. 9, с. 31" in text
    assert "Упр. 5" not in text and "Карточка" not in text


async def test_nothing_entered_yet_is_never_nothing_due_J_3(bot_world, linked):
    """No teacher has entered anything for the coming lessons: the week says so, lesson by lesson, and never
    that nothing is due, which a parent would read as a free week."""
    school, _sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await father.send("/homework")
    text = father.last_text()
    assert text.startswith(
        "Домашнее задание: Вера Борисова, 5А\nК сдаче с 25 нояб. по 1 дек.\n\n"
        "Среда, 25 ноября\nЕщё не внесено: Математика\n\n"
    )
    assert "🎉" not in text and "не задано" not in text


async def test_a_week_of_holidays_has_nothing_due(bot_world, linked, clock):
    school, _sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    clock.at(date(2026, 12, 29))  # the winter holidays, till 11 January
    await father.send("/homework")
    assert father.last_text() == (
        "Домашнее задание: Вера Борисова, 5А\nК сдаче с 30 дек. по 5 янв.\n\nНа ближайшие 7 дней ничего не задано. 🎉"
    )


async def test_homework_in_english(bot_world, clock, linked, emulator, person):
    school, sessions = bot_world
    await a_week_of_homework(sessions, clock, school, emulator, person)
    mother = await linked(school.parents["alekseeva_mother"], language_code="en")
    await mother.press("Homework")
    await emulator.wait_for_bot_message(TOKEN, mother.id)
    await emulator.wait_for_bot_message(TOKEN, mother.id)
    texts = mother.texts()
    assert texts[-3] == (
        "Homework: Артём Алексеев, 5А\n"
        "Due from 25 Nov to 1 Dec\n"
        "\n"
        "Wednesday, 25 November\n"
        "• Математика: №15, с. 42 (📎 2 files below)\n"
        "\n"
        "Thursday, 26 November\n"
        "• Английский язык: Упр. 5, с. 20\n"
        "Not entered yet: Математика\n"
        "\n"
        "Friday, 27 November\n"
        "Not entered yet: Математика\n"
        "\n"
        "Monday, 30 November\n"
        "Not entered yet: Математика\n"
        "\n"
        "Tuesday, 1 December\n"
        "• Русский язык: not set\n"
        "Not entered yet: Английский язык, Математика"
    )
    assert texts[-2:] == ["📎 Математика, due 25 Nov"] * 2


async def test_a_long_list_is_split_not_cut(bot_world, clock, linked):
    """Split, not cut: three long homeworks (about 2,400 characters each) come as several messages, every word kept."""
    school, sessions = bot_world
    long_texts = {key: f"{key}: " + " ".join(f"упр{i}" for i in range(350)) for key in ("a", "b", "c")}
    await keep_lesson(sessions, clock, school, "math", "math5A", TODAY, 2, long_texts["a"])
    await keep_lesson(sessions, clock, school, "russian", "rus5A", TODAY, 1, long_texts["b"])
    await keep_lesson(sessions, clock, school, "eng1", "eng5A1", TODAY, 3, long_texts["c"])
    mother = await linked(school.parents["alekseeva_mother"])
    before = len(mother.texts())
    await mother.send("/homework", replies=3)
    parts = mother.texts()[before:]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)  # one due day each: together they are over
    joined = "\n".join(parts)
    for text in long_texts.values():
        assert text in joined
