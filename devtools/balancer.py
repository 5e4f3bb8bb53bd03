"""A round-robin reverse proxy on 127.0.0.1: the one webhook address in front of several `schoolbot run --webhook`
processes, as nginx's upstream would be in a deployment. Each POST goes to the next process in turn, whatever
connection it came on (the sandbox posts over one kept-alive connection, which a port shared with SO_REUSEPORT
would hand to one process only), and the answer comes back unchanged.

    async with Balancer([8101, 8102]) as balancer:   # balancer.url: the WEBHOOK_URL of every process
        ...
    balancer.served: the update_id of each update, by the index of the process it went to
"""

from __future__ import annotations

from itertools import cycle

import aiohttp
from aiohttp import web


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
