"""All use cases on one session: what a handler asks for by the name `services`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .absences import AbsenceService
from .accounts import AccountService
from .announcements import AnnouncementService
from .class_absences import ClassAbsenceService
from .clock import Clock
from .consents import ConsentService
from .control import ControlService
from .corrections import CorrectionService
from .diary import DiaryService
from .files import FileService, FileStore
from .final_marks import FinalMarkService
from .history import HistoryService
from .invites import InviteService
from .journal import JournalService
from .movement import MovementService
from .new_year import NewYearService
from .period_marks import PeriodMarkService
from .preferences import PreferenceService
from .report_card import ReportCardService
from .reports.classes import ClassReports
from .reports.school import SchoolReports
from .reports.student import StudentReports
from .reports.teacher import TeacherReports
from .revisions import RevisionService
from .substitutions import SubstitutionService
from .year_end import YearEndService

Sessions = async_sessionmaker[AsyncSession]  # the bot's session factory (its dispatcher's `session_factory`)


class Services:
    def __init__(self, session: AsyncSession, clock: Clock, store: FileStore):
        self.session = session
        self.clock = clock
        self.store = store

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(self.session)

    @cached_property
    def invites(self) -> InviteService:
        return InviteService(self.session, self.clock)

    @cached_property
    def diary(self) -> DiaryService:
        return DiaryService(self.session, self.clock)

    @cached_property
    def report_card(self) -> ReportCardService:
        return ReportCardService(self.session, self.clock)

    @cached_property
    def student_reports(self) -> StudentReports:
        return StudentReports(self.session, self.clock)

    @cached_property
    def class_reports(self) -> ClassReports:
        return ClassReports(self.session, self.clock)

    @cached_property
    def journal(self) -> JournalService:
        return JournalService(self.session, self.clock)

    @cached_property
    def absences(self) -> AbsenceService:
        return AbsenceService(self.session, self.clock)

    @cached_property
    def class_absences(self) -> ClassAbsenceService:
        return ClassAbsenceService(self.session, self.clock)

    @cached_property
    def corrections(self) -> CorrectionService:
        return CorrectionService(self.session, self.clock)

    @cached_property
    def period_marks(self) -> PeriodMarkService:
        return PeriodMarkService(self.session, self.clock)

    @cached_property
    def final_marks(self) -> FinalMarkService:
        return FinalMarkService(self.session, self.clock)

    @cached_property
    def revisions(self) -> RevisionService:
        return RevisionService(self.session, self.clock)

    @cached_property
    def control(self) -> ControlService:
        return ControlService(self.session, self.clock)

    @cached_property
    def history(self) -> HistoryService:
        return HistoryService(self.session, self.clock)

    @cached_property
    def consents(self) -> ConsentService:
        return ConsentService(self.session, self.clock)

    @cached_property
    def movement(self) -> MovementService:
        return MovementService(self.session, self.clock)

    @cached_property
    def substitutions(self) -> SubstitutionService:
        return SubstitutionService(self.session, self.clock)

    @cached_property
    def preferences(self) -> PreferenceService:
        return PreferenceService(self.session, self.clock)

    @cached_property
    def announcements(self) -> AnnouncementService:
        return AnnouncementService(self.session, self.clock)

    @cached_property
    def files(self) -> FileService:
        return FileService(self.session, self.store)

    @cached_property
    def year_end(self) -> YearEndService:
        return YearEndService(self.session, self.clock)

    @cached_property
    def new_year(self) -> NewYearService:
        return NewYearService(self.session, self.clock)

    @cached_property
    def teacher_reports(self) -> TeacherReports:
        return TeacherReports(self.session, self.clock)

    @cached_property
    def school_reports(self) -> SchoolReports:
        return SchoolReports(self.session, self.clock)


@asynccontextmanager
async def own_services(sessions: Sessions, clock: Clock, store: FileStore) -> AsyncIterator[Services]:
    """Services on a session of their own, for work that outlives the update that started it (a whole school's
    report made in the background): the update's session closes when its handler returns."""
    async with sessions() as session:
        yield Services(session, clock, store)
