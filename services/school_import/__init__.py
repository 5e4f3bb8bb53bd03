"""Importing a whole school from an XLSX workbook or a folder of CSV files (format: spec.py).

read_source() reads a file into Tables; import_school() checks all of it and writes it in one
transaction, or raises ImportFailed with every issue found and writes nothing; write_templates()
writes blank files to fill in.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ..db import write_transaction
from .existing import load_existing
from .issues import ImportFailed, ImportIssue, ImportReport, Tables, in_file_order
from .reader import read_plan, read_source
from .templates import write_plan_templates, write_templates
from .validate import check_references, parse_tables
from .writer import SchoolWriter

__all__ = [
    "ImportFailed",
    "ImportIssue",
    "ImportReport",
    "Tables",
    "import_school",
    "read_plan",
    "read_source",
    "write_plan_templates",
    "write_templates",
]


async def import_school(session: AsyncSession, tables: Tables) -> ImportReport:
    """Creates or updates the school, its year and everything the tables list.

    Rows are matched by identity (see validate.py), so importing the same tables again changes
    nothing, and a changed value updates its row. Rows the tables do not list are never deleted:
    a partial import must not wipe the school.
    """
    parsed = parse_tables(tables)
    school = parsed.school
    async with write_transaction(session):
        # Read inside the write transaction, so that nothing changes between matching and writing.
        existing = await load_existing(session, school.key if school else None, school.year_key if school else None)
        check_references(parsed, existing)
        if parsed.issues:
            raise ImportFailed(in_file_order(parsed.issues))
        return await SchoolWriter(session, parsed, existing).write()
