"""The messenger account behind an update: its linked persons, the one it acts as now, its language."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, load_actors
from .db import kept, write_transaction
from .errors import Forbidden, InvalidInput
from .links import persons_of
from .locales import LOCALES
from .models import Account, Channel, Person, Role, School, Student

STAFF_WORK = frozenset({Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.SECRETARY, Role.ADMIN})


@dataclass(frozen=True)
class AccountRef:
    """Who writes, as the bot knows them. `id` keys the account: the id the bot's updates carry (a MAX user's is
    made distinct from Telegram's by the bot, bot/channels.py); `external_id` is the messenger's own id."""

    id: int
    channel: Channel = Channel.TELEGRAM
    external_id: int | None = None  # None: the same as `id`

    @property
    def messenger_id(self) -> int:
        return self.id if self.external_id is None else self.external_id


@dataclass(frozen=True)
class Profile:
    """One way an account acts (ROLE-1): a person's staff work (no student), or one child's diary."""

    person_id: int
    student_id: int | None = None


@dataclass(frozen=True)
class ProfileCard:
    """What the switching screen shows of a profile."""

    profile: Profile
    roles: frozenset[Role]
    school: str
    child: str | None  # the student's first name, for a parent's or a student's profile
    class_name: str | None


@dataclass(frozen=True)
class CurrentUser:
    account_id: int
    locale: str
    actors: tuple[Actor, ...]  # every linked person that still has a role (ROLE-1: several roles)
    actor: Actor | None  # the one the menus speak for now
    student_id: int | None  # the child (or the student themself) the diary shows now
    profiles: tuple[Profile, ...] = ()
    scope: int | None = None  # the school whose own bot the account writes to (SCHOOL_BOTS); None: every school
    ref: AccountRef | None = None  # the account with its channel, as the bot gave it; None: Telegram's `account_id`

    @property
    def account(self) -> AccountRef:
        return self.ref or AccountRef(self.account_id)

    def within(self, school_id: int | None) -> CurrentUser:
        """The account as one school's own bot sees it: only that school's persons, as if nothing else were linked;
        the current profile kept if it is of that school, else its first. None: every school, unchanged."""
        if school_id is None:
            return self
        actors = tuple(a for a in self.actors if a.school_id == school_id)
        persons = {a.person_id for a in actors}
        profiles = tuple(p for p in self.profiles if p.person_id in persons)
        profile = self.profile if self.profile in profiles else (profiles[0] if profiles else None)
        actor = next((a for a in actors if profile and a.person_id == profile.person_id), None)
        return replace(
            self,
            actors=actors,
            actor=actor,
            student_id=profile.student_id if profile else None,
            profiles=profiles,
            scope=school_id,
        )

    @property
    def linked(self) -> bool:
        return self.actor is not None

    @property
    def profile(self) -> Profile | None:
        return Profile(self.actor.person_id, self.student_id) if self.actor else None

    @property
    def roles(self) -> frozenset[Role]:
        """The roles of the current profile: the menus offer these and no others."""
        return _profile_roles(self.actor, self.student_id)


class AccountService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def current_user(self, account: AccountRef | int, default_locale: str = "ru") -> CurrentUser:
        """Read on every update, so kept between updates until a write to what it is made of (services/freshness.py).
        `account`: the bot's AccountRef (an int: a Telegram account's id)."""
        ref = account if isinstance(account, AccountRef) else AccountRef(account)
        user, active = await kept(
            self.session, "people", (ref, default_locale), lambda: self._read_user(ref, default_locale)
        )
        if not active:
            # Pushes stopped when the bot was blocked or stopped; a user who writes has taken it back. The commit
            # bumps "people", so the next update reads the account afresh.
            async with write_transaction(self.session):
                stored = await self.session.get_one(Account, ref.id)
                stored.is_active = True
        return user

    async def stopped(self, account_id: int) -> None:
        """The person stopped (MAX) or blocked (Telegram) the bot: no pushes to this account until they write again
        (current_user makes it active at their next update)."""
        async with write_transaction(self.session):
            account = await self.session.get(Account, account_id)
            if account is not None:
                account.is_active = False

    async def _read_user(self, ref: AccountRef, default_locale: str) -> tuple[CurrentUser, bool]:
        """The user, and whether the account (if any) is active."""
        account = await self.session.get(Account, ref.id)
        actors = tuple(a for a in await load_actors(self.session, Person.id.in_(persons_of(ref.id))) if a.roles)
        locale = account.locale if account else default_locale
        profiles = tuple(p for actor in actors for p in _profiles_of(actor))
        wanted = (
            Profile(account.current_person_id, account.current_student_id)
            if account and account.current_person_id is not None
            else None
        )
        # The stored choice if it still holds, else the chosen person's first profile, else the first.
        profile = (wanted if wanted in profiles else None) or next(
            (p for p in profiles if wanted and p.person_id == wanted.person_id), profiles[0] if profiles else None
        )
        actor = next((a for a in actors if profile and a.person_id == profile.person_id), None)
        user = CurrentUser(
            ref.id,
            locale if locale in LOCALES else default_locale,
            actors,
            actor,
            profile.student_id if profile else None,
            profiles,
            ref=ref,
        )
        return user, account is None or account.is_active

    async def reread(self, user: CurrentUser) -> CurrentUser:
        """`user` read again after a change of theirs (a language, a profile, a link), seen by the same bot."""
        return (await self.current_user(user.account)).within(user.scope)

    async def profile_cards(self, user: CurrentUser) -> list[ProfileCard]:
        """The account's profiles with the names the switching screen shows, in the menu's order."""
        actors = {a.person_id: a for a in user.actors}
        cards = []
        for profile in user.profiles:
            actor = actors[profile.person_id]
            school = await self.session.get_one(School, actor.school_id)
            student = await self.session.get(Student, profile.student_id) if profile.student_id else None
            cards.append(
                ProfileCard(
                    profile,
                    _profile_roles(actor, profile.student_id),
                    school.short_name or school.name,
                    student.person.first_name if student else None,
                    student.class_group.name if student else None,
                )
            )
        return cards

    async def locale(self, account_id: int, default_locale: str = "ru") -> str:
        stored = await self.session.scalar(select(Account.locale).where(Account.id == account_id))
        return stored if stored in LOCALES else default_locale

    async def set_locale(self, account: AccountRef | int, locale: str) -> None:
        if locale not in LOCALES:
            raise InvalidInput("language.unknown", locale=locale)
        ref = account if isinstance(account, AccountRef) else AccountRef(account)
        async with write_transaction(self.session):
            (await get_or_add(self.session, ref)).locale = locale

    async def switch(self, user: CurrentUser, person_id: int, student_id: int | None = None) -> None:
        """Acting as another linked person, or for another child; only one's own are accepted (ACC-2)."""
        if Profile(person_id, student_id) not in user.profiles:
            raise Forbidden("student.not_yours")
        async with write_transaction(self.session):
            account = await self.session.get_one(Account, user.account_id)
            account.current_person_id = person_id
            account.current_student_id = student_id


async def get_or_add(session: AsyncSession, ref: AccountRef, **values) -> Account:
    """The account, added (with its channel and the messenger's id, and `values`) if it has no row yet."""
    account = await session.get(Account, ref.id)
    if account is None:
        account = Account(id=ref.id, channel=ref.channel, external_id=ref.messenger_id, **values)
        session.add(account)
    return account


def _profiles_of(actor: Actor) -> list[Profile]:
    staff = [Profile(actor.person_id)] if actor.roles & STAFF_WORK else []
    own = [Profile(actor.person_id, actor.student_id)] if actor.student_id else []
    return staff + own + [Profile(actor.person_id, child) for child in sorted(actor.children)]


def _profile_roles(actor: Actor | None, student_id: int | None) -> frozenset[Role]:
    if actor is None:
        return frozenset()
    if student_id is None:
        return actor.roles & STAFF_WORK
    return frozenset({Role.STUDENT if student_id == actor.student_id else Role.PARENT})
