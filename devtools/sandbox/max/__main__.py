"""`python -m devtools.sandbox.max [--port 8082]`: the MAX emulator alone, with the control routes to play the user
over HTTP (devtools/sandbox/control.py), for a demo with a real bot process speaking MAX."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from devtools.sandbox.control import add_control_routes
from devtools.sandbox.max.emulator import MaxAPIEmulator

DEFAULT_TOKEN = "max-sandbox-token"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.sandbox.max", description="A local MAX Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot's token in the hints (any token is a bot)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.token))


def hints(base_url: str, token: str) -> str:
    return (
        f"the bot:       curl -H 'Authorization: {token}' {base_url}/me\n"
        f"play the user: curl -X POST {base_url}/sandbox/bot{token}/users/1/text "
        "-H 'Content-Type: application/json' -d '{\"text\": \"/start\"}'\n"
        f"see the chat:  curl {base_url}/sandbox/bot{token}/chats/1"
    )


async def serve(host: str, port: int, token: str = DEFAULT_TOKEN) -> None:
    emulator = await MaxAPIEmulator(host, port, extra_routes=(add_control_routes,)).start()
    print(emulator.base_url, flush=True)
    print(hints(emulator.base_url, token), flush=True)
    done = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(sig, done.set)
    try:
        await done.wait()
    finally:
        await emulator.stop()


if __name__ == "__main__":
    main()
