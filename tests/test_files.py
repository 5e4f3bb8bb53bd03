"""The school's own copies of the files behind its records (ABS-4, DATA-1): the content check, the store, and
`schoolbot fetch-files` for the files recorded by their Telegram file id only."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bot.cli import cmd_fetch_files, open_database
from bot.config import Settings
from services.access import load_actor
from services.attachments import AttachmentIn
from services.errors import InvalidInput
from services.files import FileService, FileStore, check_content
from services.journal import JournalService
from services.models import Attachment, AttachmentKind, MessengerRef
from tests.factories import TODAY, build_school, open_lesson
from tests.files import PHOTO

TOKEN = "123456:TEST-token"
PDF = b"%PDF-1.4\n% exercises\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def document(name: str, mime: str = "application/pdf") -> AttachmentIn:
    return AttachmentIn(AttachmentKind.DOCUMENT, "id", "uid", name, mime, 1)


@pytest.mark.parametrize(
    ("file", "data", "found"),
    [
        (document("справка.pdf"), PDF, "application/pdf"),
        (document("scan.jpg", "image/jpeg"), b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"),
        (document("scan.jpg", "image/jpeg"), PHOTO, "image/png"),  # a picture by another name is still a picture
        (AttachmentIn(AttachmentKind.PHOTO, "id", "uid"), PHOTO, "image/png"),
    ],
)
def test_content_that_is_what_it_says_is_taken_ABS_4(file, data, found):
    assert check_content(file, data) == found


@pytest.mark.parametrize(
    ("file", "data", "code"),
    [
        (document("справка.pdf"), b"", "file.empty"),
        (document("setup.pdf"), EXE, "file.content_mismatch"),
        (document("setup.pdf", ""), EXE, "file.content_mismatch"),  # declared by its name only
        (document("scan.png", "image/png"), PDF, "file.content_mismatch"),
        (AttachmentIn(AttachmentKind.PHOTO, "id", "uid"), EXE, "file.content_mismatch"),
    ],
)
def test_content_that_is_not_what_it_says_is_refused_ABS_4(file, data, code):
    with pytest.raises(InvalidInput) as refused:
        check_content(file, data)
    assert refused.value.code == code


def test_the_store_keeps_each_content_once_under_its_sha256(tmp_path):
    store = FileStore(tmp_path / "files")
    sha = store.put(PDF)
    assert sha == hashlib.sha256(PDF).hexdigest() and store.put(PDF) == sha
    assert store.path(sha) == tmp_path / "files" / sha[:2] / sha[2:]
    assert list(store.shas()) == [sha] and store.get(sha) == PDF and store.intact(sha)
    assert [p.name for p in store.path(sha).parent.iterdir()] == [sha[2:]]  # no temporary file left
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("../../etc/passwd")


async def test_fetch_files_keeps_every_recorded_file_once_and_says_what_it_could_not_ABS_4(
    db_url, emulator, clock, tmp_path, capsys
):
    settings = Settings(
        _env_file=None,
        database_url=db_url,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        files_dir=tmp_path / "files",
    )
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await build_school(session)
            journal = JournalService(session, clock)
            teacher = await load_actor(session, school.staff["math"])
            lesson = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
            doc = emulator.user_sends_document(TOKEN, 700_000_001, PDF, "task.pdf", "application/pdf")["document"]
            photo = emulator.user_sends_photo(TOKEN, 700_000_001, PHOTO)["photo"][-1]
            for file in (
                AttachmentIn(
                    AttachmentKind.DOCUMENT,
                    doc["file_id"],
                    doc["file_unique_id"],
                    "task.pdf",
                    "application/pdf",
                    len(PDF),
                ),
                AttachmentIn(AttachmentKind.PHOTO, photo["file_id"], photo["file_unique_id"]),
                AttachmentIn(AttachmentKind.PHOTO, "AgACgone", "AQADgone"),
            ):  # Telegram forgot it
                await journal.add_homework_file(teacher, lesson.lesson_id, file)

        await cmd_fetch_files(None, settings)
        assert capsys.readouterr().out == (
            "Файлов скачано: 2; всего хранится: 2; не скачано (Telegram их не отдал): 1.\n"
        )
        async with sessions() as session:
            rows = (await session.scalars(select(Attachment).order_by(Attachment.id))).all()
            kept = [(a.sha256, a.size, a.mime_type, a.telegram_bot_id) for a in rows]
        assert kept == [
            (hashlib.sha256(PDF).hexdigest(), len(PDF), "application/pdf", 123456),
            (hashlib.sha256(PHOTO).hexdigest(), len(PHOTO), "image/png", 123456),
            (None, 0, "", None),
        ]
        store = FileStore(settings.files_folder())
        assert [store.get(sha) for sha, *_ in kept[:2]] == [PDF, PHOTO]

        await cmd_fetch_files(None, settings)  # again: nothing more to fetch
        assert capsys.readouterr().out == (
            "Файлов скачано: 0; всего хранится: 2; не скачано (Telegram их не отдал): 1.\n"
        )
    finally:
        await engine.dispose()


async def test_each_bot_keeps_its_own_reference_beside_the_attachments_DATA_1(session, clock, school, tmp_path):
    """A bot's reference to a kept file is remembered once, by bot, kind and bytes; the attachment keeps the
    reference it came with; a bot a file of the same bytes came through has that file's reference already."""
    service = FileService(session, FileStore(tmp_path / "files"))
    journal = JournalService(session, clock)
    teacher, lesson = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
    sha = service.store.put(PDF)
    came = AttachmentIn(
        AttachmentKind.DOCUMENT, "BQ-of-A", "uq", "task.pdf", "application/pdf", len(PDF), sha, telegram_bot_id=111
    )
    await journal.add_homework_file(teacher, lesson.lesson_id, came)

    assert await service.file_id_for(sha, AttachmentKind.DOCUMENT, 111) == "BQ-of-A"  # the one it came with
    assert await service.file_id_for(sha, AttachmentKind.DOCUMENT, 222) is None  # B uploads
    await service.remember_file_id(sha, AttachmentKind.DOCUMENT, 222, "BQ-of-B")
    assert await service.file_id_for(sha, AttachmentKind.DOCUMENT, 222) == "BQ-of-B"
    assert await service.file_id_for(sha, AttachmentKind.PHOTO, 222) is None  # a photo of the bytes is another file
    await service.remember_file_id(sha, AttachmentKind.DOCUMENT, 222, "BQ-of-B-again")  # refused, uploaded again
    assert await service.file_id_for(sha, AttachmentKind.DOCUMENT, 222) == "BQ-of-B-again"

    [row] = (await session.scalars(select(Attachment))).all()
    assert (row.telegram_file_id, row.telegram_bot_id) == ("BQ-of-A", 111)
    refs = (
        await session.execute(select(MessengerRef.bot_key, MessengerRef.kind, MessengerRef.key, MessengerRef.ref))
    ).all()
    assert [tuple(r) for r in refs] == [(222, "file", f"document:{sha}", "BQ-of-B-again")]
