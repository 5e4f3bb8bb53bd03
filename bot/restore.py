"""`schoolbot restore COPY [--force]` (DATA-1), and sizes as a person reads them («12,4 МБ»)."""

from __future__ import annotations

from pathlib import Path

from babel.numbers import format_decimal

from bot.config import Settings
from ui.i18n import translator

UNITS = (1024**3, 1024**2, 1024)


def readable_size(size: int, locale: str) -> str:
    """Bytes as «12,4 МБ» / «12.4 MB»: one decimal from a kilobyte up (units of 1024), whole bytes below."""
    _ = translator(locale)
    names = (_("{size} GB"), _("{size} MB"), _("{size} KB"))
    for unit, name in zip(UNITS, names, strict=True):
        if size >= unit:
            return name.format(size=format_decimal(size / unit, "0.#", locale=locale))
    return _("{size} B").format(size=format_decimal(size, locale=locale))


async def restore(settings: Settings, copy: Path, *, force: bool) -> str:
    """Restores the copy into DATABASE_URL; the sentence that says what was done."""
    from services.backup import restore_backup

    _ = translator(settings.locale)
    settings.ensure_sqlite_folder()
    done = await restore_backup(settings.database_url, copy, force=force, files=settings.files_folder())
    lines = [
        _("{path}: {size}, {tables} tables, verified and restored; {files} kept files brought back.").format(
            path=done.copy, size=readable_size(done.size, settings.locale), tables=done.tables, files=done.files
        )
    ]
    if done.replaced is not None:
        lines.append(_("The database it replaced is kept as {path}.").format(path=done.replaced))
    return "\n".join(lines)
