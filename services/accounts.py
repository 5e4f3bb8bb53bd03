"""The Telegram account behind an update: its linked persons, the one it acts as now, its language."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, load_actor
from .db import write_transaction
from .errors import Forbidden, InvalidInput
from .models import Person, TelegramAccount

LOCALES = ("ru", "en")


@dataclass(frozen=True)
class CurrentUser:
    account_id: int
    locale: str
    actors: tuple[Actor, ...]  # every linked person that still has a role (ROLE-1: several roles)
    actor: Actor | None  # the one the menus speak for now
    student_id: int | None  # the child (or the student themself) the diary shows now

    @property
    def linked(self) -> bool:
        return self.actor is not None


class AccountService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def current_user(self, account_id: int, default_locale: str = "ru") -> CurrentUser:
        account = await self.session.get(TelegramAccount, account_id)
        persons = (await self.session.scalars(
            select(Person.id).where(Person.account_id == account_id).order_by(Person.id))).all()
        actors = tuple(a for a in [await load_actor(self.session, pid) for pid in persons] if a.roles)
        locale = account.locale if account else default_locale
        chosen = account.current_person_id if account else None
        actor = next((a for a in actors if a.person_id == chosen), actors[0] if actors else None)
        students = _students_of(actor)
        wanted = account.current_student_id if account else None
        student_id = wanted if wanted in students else (students[0] if students else None)
        return CurrentUser(account_id, locale if locale in LOCALES else default_locale, actors, actor, student_id)

    async def set_locale(self, account_id: int, locale: str) -> None:
        if locale not in LOCALES:
            raise InvalidInput("language.unknown", locale=locale)
        async with write_transaction(self.session):
            account = await self.session.get(TelegramAccount, account_id)
            if account is None:
                account = TelegramAccount(id=account_id)
                self.session.add(account)
            account.locale = locale

    async def switch(self, user: CurrentUser, person_id: int, student_id: int | None = None) -> None:
        """Acting as another linked person, or for another child; only one's own are accepted."""
        actor = next((a for a in user.actors if a.person_id == person_id), None)
        if actor is None or (student_id is not None and student_id not in _students_of(actor)):
            raise Forbidden("student.not_yours")
        async with write_transaction(self.session):
            account = await self.session.get(TelegramAccount, user.account_id)
            account.current_person_id = person_id
            account.current_student_id = student_id


def _students_of(actor: Actor | None) -> list[int]:
    if actor is None:
        return []
    own = [actor.student_id] if actor.student_id else []
    return own + sorted(actor.children)
