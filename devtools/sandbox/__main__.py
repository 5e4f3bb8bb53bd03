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
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


async def serve(host: str, port: int) -> None:
    emulator = await BotAPIEmulator(host, port).start()
    print(emulator.base_url, flush=True)
    print(
        f"aiogram: AiohttpSession(api=TelegramAPIServer.from_base({emulator.base_url!r}))\n"
        f"play the user: curl -X POST {emulator.base_url}/sandbox/bot<TOKEN>/users/1/text "
        "-H 'Content-Type: application/json' -d '{\"text\": \"/start\"}'\n"
        f"see the chat:  curl {emulator.base_url}/sandbox/bot<TOKEN>/chats/1",
        flush=True,
    )
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
