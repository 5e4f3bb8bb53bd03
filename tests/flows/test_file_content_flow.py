"""Files are checked by what is inside them (ABS-4, J-4): a 0-byte file and a program renamed «setup.pdf» are refused
as homework and as an absence document, with the reason, and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from services.models import AbsenceDocument, Attachment
from tests.flows.conftest import TOKEN, open_absence_files, open_card

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
EMPTY = "Этот файл пустой (0 байт), он не приложен."
NOT_WHAT_IT_SAYS = "Внутри этот файл — не фото, не PDF и не изображение, что бы ни говорило его имя; он не приложен."
BAD_FILES = ((b"", "справка.pdf", EMPTY), (EXE, "setup.pdf", NOT_WHAT_IT_SAYS))


async def rows(sessions) -> tuple[int, int]:
    async with sessions() as session:
        return (
            await session.scalar(select(func.count(Attachment.id))),
            await session.scalar(select(func.count(AbsenceDocument.id))),
        )


async def test_an_empty_file_and_a_renamed_program_are_refused_as_homework_J_4(bot_world, linked, emulator):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Домашнее задание")
    await math.send("С. 45, № 112")
    for data, name, refusal in BAD_FILES:
        emulator.user_sends_document(TOKEN, math.id, data, name, mime_type="application/pdf")
        reply = await emulator.wait_for_bot_message(TOKEN, math.id)
        assert reply["text"].startswith(refusal + "\n\nПрикреплено файлов: 0."), name
    assert await rows(sessions) == (0, 0)


async def test_an_empty_file_and_a_renamed_program_are_refused_as_an_absence_document_ABS_4(
    bot_world, linked, emulator
):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_absence_files(father)
    for data, name, refusal in BAD_FILES:
        emulator.user_sends_document(TOKEN, father.id, data, name, mime_type="application/pdf")
        reply = await emulator.wait_for_bot_message(TOKEN, father.id)
        assert reply["text"] == refusal + "\n\nПриложено файлов: 0 из 10. Пришлите ещё или нажмите «Готово».", name
    await father.tap("Продолжить без файлов")
    assert father.last_text().endswith("Файлы: нет")
    assert await rows(sessions) == (0, 0)
