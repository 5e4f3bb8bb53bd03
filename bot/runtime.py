"""`schoolbot run`: the bot on Telegram or on a local Bot API (TELEGRAM_API_URL), by long polling or a webhook.

Either way SIGTERM finishes the updates in hand before the bot's session closes (bot/drain.py).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import SecretStr

from bot.alerts import Alerts, ErrorsToAlerts, TokenWatch, configure_alerts
from bot.config import Settings
from bot.dispatcher import create_dispatcher, fsm_storage
from bot.draft_locks import redis_of
from bot.health import Health, health_server
from bot.pushes.limiter import SharedLimits, configure_limits
from bot.pushes.worker import PushWorker
from bot.scheduler import create_scheduler
from bot.scope import serve_schools
from bot.session import BotSession, without_unread_parts
from services.db import create_engine, create_session_factory
from services.files import FileStore
from services.freshness import Freshness
from services.leader import leader_for
from services.migrate import upgrade
from ui.invite_links import InviteLinks

log = logging.getLogger(__name__)


def create_bot(settings: Settings, token: SecretStr | None = None) -> Bot:
    """The bot of `token`, BOT_TOKEN by default."""
    # One session: each makes its TLS context, loading the CA bundle (18 ms).
    api = TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else None
    session = BotSession(api=api) if api else BotSession()
    token = token or settings.bot_token
    bot = Bot(token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.session.middleware(SharedLimits())
    bot.session.middleware(TokenWatch())  # a refused token told to the administrators (bot/alerts.py)
    return bot


def create_bots(settings: Settings) -> dict[int | None, Bot]:
    """School id → its own bot (SCHOOL_BOTS); or None → the one bot of every school (BOT_TOKEN); none without either
    (the bot served in MAX alone)."""
    if settings.school_bots:
        return {school: create_bot(settings, token) for school, token in settings.school_bots.items()}
    return {None: create_bot(settings)} if settings.bot_token is not None else {}


@dataclass
class Bots:
    """The bots one process serves: Telegram's (school id → its own bot, None → the bot of every school) and, with
    MAX_TOKEN, the MAX bot of every school."""

    telegram: dict[int | None, Bot]
    max: Bot | None = None

    def all(self) -> list[Bot]:
        return [*self.telegram.values(), *([self.max] if self.max else [])]

    def by_school(self) -> list[tuple[int | None, Bot]]:
        """(the school it serves, None for every school; the bot), a pair for each bot: a push worker each."""
        return [*self.telegram.items(), *([(None, self.max)] if self.max else [])]


def create_max(settings: Settings, sessions) -> Bot | None:
    """The MAX bot of MAX_TOKEN, its message ids kept in the database through `sessions` (bot/max/refs.py); None
    without a token."""
    if settings.max_token is None:
        return None
    from bot.max import DatabaseRefs, create_max_bot

    bot = create_max_bot(
        settings.max_token.get_secret_value(),
        api_url=settings.max_api_url,
        ca_file=settings.max_ca_file,
        refs=DatabaseRefs(sessions),
    )
    bot.session.middleware(SharedLimits())  # MAX's limits (bot/pushes/limiter.py)
    bot.session.middleware(TokenWatch())
    return bot


@asynccontextmanager
async def bot_and_dispatcher(settings: Settings) -> AsyncIterator[tuple[Bots, Dispatcher]]:
    """The database brought up to date, then the bots (Telegram's, MAX's) and the one dispatcher of them all; all
    closed on the way out."""
    settings.ensure_sqlite_folder()
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        storage = fsm_storage(settings.redis_url)
        # With Redis, one pool (the drafts') also serves the tokens' shared rate limits and the kept values'
        # generations (services/freshness.py); the dispatcher closes it at shutdown.
        redis = redis_of(storage)
        configure_limits(redis, settings.messages_per_second)
        sessions = create_session_factory(engine, Freshness(redis))
        # The MAX bot keeps each message's id as it sends it, while the update that sends holds one of the pool's
        # connections: with every update in hand holding one, a shared pool would leave none for the id.
        refs_engine = create_engine(settings.database_url) if settings.max_token is not None else None
        bots = Bots(create_bots(settings), create_max(settings, refs_engine and create_session_factory(refs_engine)))
        # ADMIN_CHAT_IDS are Telegram chats: the alerts go through Telegram's bots.
        alerts = Alerts(bots.telegram.values(), settings.admin_chat_ids, settings.locale)
        to_alerts = ErrorsToAlerts(alerts)
        configure_alerts(alerts)
        logging.getLogger().addHandler(to_alerts)
        try:
            async with background_work(settings, bots, sessions):
                links = InviteLinks(telegram=settings.bot_username, max=settings.max_bot_name)
                dp = create_dispatcher(
                    sessions, storage=storage, files=FileStore(settings.files_folder()), invite_links=links
                )
                dp["health"] = health = Health(sessions, settings.backup_dirs[0], alerts=alerts)
                if settings.school_bots:
                    serve_schools(dp, bots.telegram)
                # The push backlog is watched where the scheduler runs: one process of a deployment, as a rule.
                watch = asyncio.create_task(health.watch(), name="health") if settings.run_scheduler else None
                try:
                    yield bots, dp
                finally:
                    if watch is not None:
                        watch.cancel()
                        await asyncio.gather(watch, return_exceptions=True)
        finally:
            logging.getLogger().removeHandler(to_alerts)
            configure_alerts(None)
            for bot in bots.all():
                await bot.session.close()
            if refs_engine is not None:
                await refs_engine.dispose()
    finally:
        await engine.dispose()


@asynccontextmanager
async def background_work(settings: Settings, bots: Bots | None, sessions) -> AsyncIterator[None]:
    """The pushes' workers and the scheduler, where this process runs them (a worker per bot; on PostgreSQL every
    process may run them: the workers share the queue, the scheduler's jobs run in the leader, services/leader.py)."""
    workers: list[asyncio.Task] = []
    scheduler = leader = None
    if settings.run_pushes:
        gather = timedelta(seconds=settings.push_gather_seconds)
        workers = [
            asyncio.create_task(worker.run(), name="pushes")
            for worker in PushWorker.per_bot(
                bots.by_school() if bots else [], sessions, gather=gather, files=FileStore(settings.files_folder())
            )
        ]
    if settings.run_scheduler:
        leader = leader_for(settings.database_url)  # PostgreSQL: one process of those that run it runs the jobs
        scheduler = create_scheduler(settings, sessions, leader=leader)
        scheduler.start()
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if leader is not None:
            await leader.close()
        for worker in workers:
            worker.cancel()  # the messages in flight finish first (PushWorker.run)
        await asyncio.gather(*workers, return_exceptions=True)


async def run_polling(settings: Settings, *, handle_signals: bool = True) -> None:
    """Brings the database up to date, then polls until stopped (SIGTERM finishes the updates in hand)."""
    async with (
        bot_and_dispatcher(settings) as (bots, dp),
        health_server(dp["health"], settings.health_host, settings.health_port),
    ):
        # getUpdates waits while this many updates are in hand: a backlog waits at Telegram, not in tasks here.
        await dp.start_polling(
            *bots.all(), handle_signals=handle_signals, tasks_concurrency_limit=settings.max_updates_in_flight
        )


async def run_webhook(settings: Settings, *, handle_signals: bool = True) -> None:
    """Brings the database up to date, then serves the webhook at WEBHOOK_URL until stopped.

    Stopping (SIGTERM, SIGINT or cancelling) deletes the webhook first, so that new updates wait at
    Telegram; then the server stops listening, finishes its requests and the updates in hand. Of several processes
    behind one address, only the last to stop deletes it (WebhookPeers).
    """
    async with bot_and_dispatcher(settings) as (bots, dp):
        routes = webhook_routes(settings.webhook_path, bots.telegram)
        peers = WebhookPeers(dp.storage, bots.all())
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else await peers.secret()
        # Every request to either webhook takes one of the same slots: MAX's updates and Telegram's together.
        slots = asyncio.Semaphore(settings.max_updates_in_flight)
        app = webhook_app(routes, dp, secret, slots=slots, bots=bots.all())
        max_hook = max_webhook(settings, bots, dp, app, secret, slots)
        dp["health"].add_routes(app)  # /healthz and /metrics beside the webhook
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
            await peers.join()
            subscribed = dict(routes.items())
            if bots.max is not None and settings.max_webhook_url:
                subscribed[urlsplit(settings.max_webhook_url).path] = bots.max
            for path, bot in subscribed.items():
                url = settings.max_webhook_url if bot is bots.max else settings.webhook_url
                await bot.set_webhook(
                    urlsplit(url)._replace(path=path).geturl(),
                    secret_token=secret,
                    allowed_updates=dp.resolve_used_update_types(),
                    drop_pending_updates=False,
                )
            log.info("Webhook set; listening on %s:%d", settings.webhook_host, settings.webhook_port)
            try:
                await stop_requested(handle_signals)
            finally:
                if await peers.leave():
                    for bot in subscribed.values():
                        await bot.delete_webhook()
                    log.info("Webhook deleted; stopping")
                else:
                    log.info("Webhook kept for the other processes serving it; stopping")
        finally:
            await runner.cleanup()
            if max_hook is not None:
                await max_hook.drain()


def max_webhook(settings: Settings, bots: Bots, dp: Dispatcher, app: web.Application, secret: str, slots):
    """MAX's webhook at MAX_WEBHOOK_URL's path of the same server, checked by the same secret; None without MAX."""
    if bots.max is None or not settings.max_webhook_url:
        return None
    from bot.max import MaxWebhook

    hook = MaxWebhook(dp, bots.max, secret=secret, slots=slots, **dp.workflow_data)
    app.router.add_post(urlsplit(settings.max_webhook_url).path, hook.handle)
    return hook


class WebhookPeers:
    """The processes serving one webhook address. With the drafts in Redis they may be several: they share one
    secret (Telegram sends the one set last, and a process with another would refuse every update), and only the
    last to stop deletes the webhook, which would cut off the others too. A process that dies without leaving keeps
    the count above zero, so the webhook then stays set at the last stop: Telegram keeps the updates until a
    process serves again. Alone (no Redis), a process makes its own secret and deletes the webhook as it stops."""

    def __init__(self, storage: BaseStorage, bots: Iterable[Bot]) -> None:
        self.redis = redis_of(storage)
        key = "schoolbot:webhook:" + ",".join(sorted(str(bot.id) for bot in bots))
        self.secret_key, self.count_key = key + ":secret", key + ":processes"

    async def secret(self) -> str:
        # Only the messengers and these processes need to know it, so a new one when none is kept is as good as
        # any: of letters and digits, which both Telegram's rule and MAX's ([A-Za-z0-9-]) allow.
        made = secrets.token_hex(32)
        if self.redis is None:
            return made
        await self.redis.set(self.secret_key, made, nx=True)
        kept = await self.redis.get(self.secret_key)
        return kept.decode() if isinstance(kept, bytes) else kept

    async def join(self) -> None:
        if self.redis is not None:
            await self.redis.incr(self.count_key)

    async def leave(self) -> bool:
        """True if this process was the last serving the address."""
        return self.redis is None or await self.redis.decr(self.count_key) <= 0


def webhook_routes(path: str, bots: Mapping[int | None, Bot]) -> dict[str, Bot]:
    """Where each bot's updates come: WEBHOOK_URL's path for the one bot of every school; with SCHOOL_BOTS, a path
    below it per bot (/webhook/<bot id>), so that one address and one proxy rule serve them all."""
    if None in bots:
        return {path: bots[None]}
    return {f"{path.rstrip('/')}/{bot.id}": bot for bot in bots.values()}


def webhook_app(
    routes: Mapping[str, Bot], dp: Dispatcher, secret: str, *, slots: asyncio.Semaphore, bots: list[Bot]
) -> web.Application:
    """aiogram's handler on each path of `routes` for its bot (401 without the right secret), the dispatcher's startup
    and shutdown around it; at most as many updates handled at once as `slots` has, of all the bots (UpdatesOnly).

    Not aiogram's setup_application() and register(): they run the dispatcher's shutdown and close the
    bot's session in on_shutdown, before aiohttp finishes the requests in flight, whose updates would then
    start after the drain. on_cleanup comes after those requests.
    """
    app = web.Application()
    for path, bot in routes.items():
        app.router.add_post(path, UpdatesOnly(dp, bot, secret_token=secret, slots=slots).handle)
    # As start_polling gives them: every bot, and one of them as `bot`.
    workflow = {"dispatcher": dp, "bots": bots, "bot": bots[-1], **dp.workflow_data}

    async def startup(_: web.Application) -> None:
        await dp.emit_startup(**workflow)

    async def shutdown(_: web.Application) -> None:
        await dp.emit_shutdown(**workflow)

    app.on_startup.append(startup)
    app.on_cleanup.append(shutdown)
    return app


class UpdatesOnly(SimpleRequestHandler):
    """aiogram's handler, but a body that is not an update (malformed or empty JSON, a list, a message without its
    fields) is answered 400 with one line in the log, not 500 with a traceback. The body is never logged: it may
    hold a person's message. The update is read into aiogram's models once, without what no handler reads
    (bot/session.py), and handed to the dispatcher as read (aiogram's own handler reads it a second time).

    At most as many updates as `slots` has are handled at once (shared by the bots' handlers): while that many are
    in hand, the next request is answered only when one of them ends, so Telegram holds the backlog (it posts over a
    few connections at a time).
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret_token: str, slots: asyncio.Semaphore) -> None:
        super().__init__(dispatcher, bot, secret_token=secret_token)
        self._slots = slots

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            data = without_unread_parts(await request.json(loads=bot.session.json_loads))
            update = Update.model_validate(data, context={"bot": bot})
        except ValueError:  # json's JSONDecodeError and pydantic's ValidationError both are
            log.warning(
                "Webhook: a request of %d bytes that is not an update, refused with 400", request.content_length or 0
            )
            return web.Response(status=400, text="Bad Request")
        await self._slots.acquire()  # released when the update's handling ends (_feed)
        task = asyncio.create_task(self._feed(bot, update))
        self._background_feed_update_tasks.add(task)  # kept while it runs, as aiogram keeps its own
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({}, dumps=bot.session.json_dumps)

    async def _feed(self, bot: Bot, update: Update) -> None:
        """aiogram's _background_feed_update, from the update as read."""
        try:
            result = await self.dispatcher.feed_update(bot, update, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot=bot, result=result)
        except Exception:  # as aiogram's feed_raw_update logs it, without the update's contents
            log.exception("Webhook: update %d of bot %d failed", update.update_id, bot.id)
        finally:
            self._slots.release()


async def stop_requested(handle_signals: bool) -> None:
    """Returns on SIGTERM or SIGINT if `handle_signals`; waits for cancelling in any case."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
