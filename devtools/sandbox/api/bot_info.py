"""getMe and the bot's command menus (set/get/deleteMyCommands), kept per scope and language."""

from __future__ import annotations

import re
from typing import Any

from devtools.sandbox.api.registry import Call, method
from devtools.sandbox.errors import bad_request

SCOPE_TYPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@method("getMe")
async def get_me(call: Call) -> dict:
    return dict(call.state.user)


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.get_json("commands")
    _check_commands(commands)
    key = (scope_key(call.params.get_json("scope")), _language(call))
    call.state.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict]:
    # Telegram answers for exactly this scope and language, without falling back to wider ones.
    key = (scope_key(call.params.get_json("scope")), _language(call))
    return list(call.state.commands.get(key, []))


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.state.commands.pop((scope_key(call.params.get_json("scope")), _language(call)), None)
    return True


def scope_key(scope: Any) -> tuple:
    """A hashable key for a BotCommandScope (None is the default scope)."""
    if scope is None:
        return ("default",)
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope")
    kind = scope["type"]
    if kind.startswith("chat"):
        if scope.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        if kind == "chat_member":
            return (kind, _chat_ref(scope["chat_id"]), int(scope.get("user_id") or 0))
        return (kind, _chat_ref(scope["chat_id"]))
    return (kind,)


def _chat_ref(chat_id: Any) -> int | str:
    return chat_id if isinstance(chat_id, str) and chat_id.startswith("@") else int(chat_id)


def _language(call: Call) -> str:
    code = call.params.get_str("language_code", "")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


def _check_commands(commands: Any) -> None:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
