"""Several `schoolbot run --webhook` processes behind one webhook address, as a deployment runs them behind nginx:
for the two-process test and bench/processes.py.

    ports = free_ports(2)
    async with Balancer(ports) as balancer, BotProcesses(ports, env | {"WEBHOOK_URL": balancer.url}, folder) as bots:
        await bots.serving()
        ...  # balancer.served: the update_ids each process was given; bots.logs(): what each one logged

The balancer is a round-robin reverse proxy: each POST goes to the next process in turn, whatever connection it
came on (the sandbox posts over one kept-alive connection, which a port shared with SO_REUSEPORT would hand to one
process only), and the answer comes back unchanged.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from itertools import cycle
from pathlib import Path

import aiohttp
from aiohttp import web

SERVING = "Webhook set"  # bot/runtime.py logs it once the process listens and Telegram knows the address


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class BotProcesses:
    """`python -m bot.cli run --webhook` once per port (WEBHOOK_PORT), with `env`, in `folder` (where each one's log
    goes, and no .env is read); terminated (SIGTERM: each finishes its updates in hand) on the way out."""

    def __init__(self, ports: list[int], env: dict[str, str], folder: Path) -> None:
        self.ports, self.env, self.folder = ports, env, folder
        self.processes: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> BotProcesses:
        for i, port in enumerate(self.ports):
            with (self.folder / f"process{i}.log").open("wb") as log:
                self.processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        *("-m", "bot.cli", "run", "--webhook"),
                        env={**self.env, "WEBHOOK_PORT": str(port)},
                        cwd=self.folder,
                        stdout=log,
                        stderr=log,
                    )
                )
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.terminate()
        await asyncio.gather(*(p.wait() for p in self.processes))

    def logs(self) -> list[str]:
        return [(self.folder / f"process{i}.log").read_text(errors="replace") for i in range(len(self.ports))]

    async def serving(self, timeout: float = 60) -> None:
        """Until every process serves; a process that ends or is not serving within `timeout` s is an error."""
        async with asyncio.timeout(timeout):
            while not all(SERVING in text for text in self.logs()):
                if any(p.returncode is not None for p in self.processes):
                    raise RuntimeError(f"a bot process ended; their logs: {self.logs()}")
                await asyncio.sleep(0.1)


class Balancer:
    def __init__(self, ports: list[int], path: str = "/webhook") -> None:
        self.path = path
        self._backends = cycle(enumerate(f"http://127.0.0.1:{port}{path}" for port in ports))
        self.served: list[list[int]] = [[] for _ in ports]
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0

    async def __aenter__(self) -> Balancer:
        self._client = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post(self.path, self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        index, backend = next(self._backends)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        try:
            async with self._client.post(backend, data=body, headers=headers) as resp:
                answer = await resp.read()
                if 200 <= resp.status < 300:
                    update = await request.json()
                    self.served[index].append(update.get("update_id", -1))
                return web.Response(
                    status=resp.status, body=answer, headers={"Content-Type": resp.headers.get("Content-Type", "")}
                )
        except aiohttp.ClientError:
            return web.Response(status=502, text="Bad Gateway")  # the sandbox delivers it again, to the next one
