"""`python -m devtools.sandbox [--port 8081]`: the sandbox alone, for a demo with a real bot process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from devtools.sandbox.emulator import BotAPIEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.sandbox", description="A local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help="the bot's token in the hints (any well-formed token is a bot)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.token))


DEFAULT_TOKEN = "123456:sandbox-token"


def hints(base_url: str, token: str, *, bot_line: bool = True) -> str:
    """What to do with the running sandbox, with the token itself, so that each line can be pasted as it is;
    `bot_line`: how to point the bot at it (not when the bot already runs there)."""
    bot = f"bot:           BOT_TOKEN={token} TELEGRAM_API_URL={base_url} schoolbot run\n" if bot_line else ""
    return (
        bot + f"aiogram:       Bot({token!r}, session=AiohttpSession(api=TelegramAPIServer.from_base({base_url!r})))\n"
        f"play the user: curl -X POST {base_url}/sandbox/bot{token}/users/1/text "
        "-H 'Content-Type: application/json' -d '{\"text\": \"/start\"}'\n"
        f"see the chat:  curl {base_url}/sandbox/bot{token}/chats/1"
    )


async def serve(host: str, port: int, token: str = DEFAULT_TOKEN) -> None:
    emulator = await BotAPIEmulator(host, port).start()
    print(emulator.base_url, flush=True)
    print(hints(emulator.base_url, token), flush=True)
    done = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
            asyncio.get_running_loop().add_signal_handler(sig, done.set)
    try:
        await done.wait()
    finally:
        await emulator.stop()


if __name__ == "__main__":
    main()
