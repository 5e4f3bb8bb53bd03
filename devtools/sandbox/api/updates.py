"""Getting updates: long polling (getUpdates) or a webhook, never both at once."""

from __future__ import annotations

import re

from devtools.sandbox.api.registry import Call, method
from devtools.sandbox.errors import bad_request, conflict
from devtools.sandbox.state import BotState, Webhook
from devtools.sandbox.webhook import check_webhook_url

MAX_POLL_SECONDS = 50
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("getUpdates")
async def get_updates(call: Call) -> list[dict]:
    state, params = call.state, call.params
    _refuse_if_webhook(state)
    if params.has("allowed_updates"):
        _set_allowed_updates(state, params.get_json("allowed_updates"))
    if params.has("offset"):
        state.confirm(params.get_int("offset"))
    limit = min(max(params.get_int("limit", 100), 1), 100)
    timeout = min(max(params.get_int("timeout", 0), 0), MAX_POLL_SECONDS)

    # Only one getUpdates may wait at a time: a newer one ends the older with 409, as on Telegram.
    state.poll_generation += 1
    mine = state.poll_generation
    state.changed.fire()
    await state.changed.wait_until(
        lambda: state.updates or state.poll_generation != mine or state.webhook or call.emulator.stopping,
        timeout,
    )
    if state.poll_generation != mine:
        raise conflict("terminated by other getUpdates request; make sure that only one bot instance is running")
    _refuse_if_webhook(state)
    return state.updates[:limit]


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.params.get_str("url", "")
    if not url:
        return await delete_webhook(call)  # Telegram: an empty url removes the webhook
    check_webhook_url(url)
    secret = call.params.get_str("secret_token", None)
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    state = call.state
    if call.params.get_bool("drop_pending_updates"):
        state.updates.clear()
    if call.params.has("allowed_updates"):
        _set_allowed_updates(state, call.params.get_json("allowed_updates"))
    state.webhook = Webhook(url, secret, call.params.get_int("max_connections", 40))
    call.emulator.webhooks.start(state)
    state.changed.fire()
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    state = call.state
    state.webhook = None
    call.emulator.webhooks.stop(state.token)
    if call.params.get_bool("drop_pending_updates"):
        state.updates.clear()
    state.changed.fire()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict:
    state, hook = call.state, call.state.webhook
    info = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date:
            info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
    if state.allowed_updates:
        info["allowed_updates"] = list(state.allowed_updates)
    return info


def _refuse_if_webhook(state: BotState) -> None:
    if state.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )


def _set_allowed_updates(state: BotState, allowed) -> None:
    # An empty list means "the default set", as in the Bot API.
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    state.allowed_updates = list(allowed) or None
