"""Webhook delivery: pending updates are POSTed one at a time, in order, until the receiver answers 2xx.

Telegram retries a failing webhook for hours; the sandbox retries within seconds so tests stay short.
A receiver may answer with a Bot API call in its body (JSON or form), which is then executed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from devtools.sandbox.errors import ApiError, bad_request
from devtools.sandbox.params import Params, Upload
from devtools.sandbox.state import BotState, Webhook, now

if TYPE_CHECKING:
    from devtools.sandbox.emulator import BotAPIEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_PORTS = {80, 88, 443, 8443}
RETRY_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)
DELIVERY_TIMEOUT = 10.0


def check_webhook_url(url: str) -> None:
    """Telegram's rules: HTTPS on ports 80/88/443/8443. Loopback receivers are exempt (a local sandbox)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    if _is_loopback(parts.hostname):
        return
    if parts.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in ALLOWED_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookDelivery:
    def __init__(self, emulator: BotAPIEmulator) -> None:
        self._emulator = emulator
        self._tasks: dict[str, asyncio.Task] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self, state: BotState) -> None:
        self.stop(state.token)
        self._tasks[state.token] = asyncio.create_task(self._run(state, state.webhook))

    def stop(self, token: str) -> None:
        task = self._tasks.pop(token, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for token in list(self._tasks):
            self.stop(token)
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self, state: BotState, hook: Webhook) -> None:
        failures = 0
        while state.webhook is hook:
            await state.changed.wait_until(lambda: state.updates or state.webhook is not hook, 3600)
            if state.webhook is not hook or not state.updates:
                continue
            update = state.updates[0]
            if await self._deliver(state, hook, update):
                failures = 0
                if state.updates and state.updates[0] is update:
                    state.updates.pop(0)
                    state.changed.fire()
            else:
                await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1

    async def _deliver(self, state: BotState, hook: Webhook, update: dict) -> bool:
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with self._client().post(
                hook.url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)
            ) as resp:
                if 200 <= resp.status < 300:
                    await self._run_reply(state, resp)
                    return True
                hook.last_error_message = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (TimeoutError, aiohttp.ClientError) as err:
            hook.last_error_message = f"Connection failed: {type(err).__name__}"
        hook.last_error_date = now()
        return False

    async def _run_reply(self, state: BotState, resp: aiohttp.ClientResponse) -> None:
        """Execute a method sent back in the webhook's answer; like Telegram, its result goes nowhere."""
        params = await _reply_params(resp)
        name = str(params.values.pop("method", "") if params else "").lower()
        if not name:
            return
        with contextlib.suppress(ApiError):
            await self._emulator.execute(state, name, params)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session


async def _reply_params(resp: aiohttp.ClientResponse) -> Params | None:
    if resp.content_type == "application/json":
        body = await resp.json(content_type=None)
        return Params(body) if isinstance(body, dict) else None
    if resp.content_type == "multipart/form-data":
        values, uploads = {}, {}
        reader = aiohttp.MultipartReader(resp.headers, resp.content)
        while (part := await reader.next()) is not None:
            if part.filename:
                uploads[part.name] = Upload(part.filename, part.headers.get("Content-Type", ""), await part.read())
            else:
                values[part.name] = await part.text()
        return Params(values, uploads)
    return None
