"""reply_markup checks: the mistakes Telegram refuses (and real bots make), nothing more."""

from __future__ import annotations

from typing import Any

from devtools.sandbox.errors import bad_request

# An inline button must carry exactly one of these besides its text.
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_CALLBACK_DATA_BYTES = 64


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict | None:
    """Return the markup as given, or raise 400 as Telegram does for a malformed one."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_rows(markup["inline_keyboard"], _check_inline_button)
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif "keyboard" in markup:
        _check_rows(markup["keyboard"], _check_reply_button)
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def inline_buttons(markup: dict | None) -> list[dict]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def _check_rows(rows: Any, check_button) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            check_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    actions = [key for key in INLINE_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if "callback_data" in button and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")


def _check_reply_button(button: Any) -> None:
    text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
    if not text:
        raise bad_request("keyboard button text is empty")
