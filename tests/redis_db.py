"""A Redis for the tests that need one (drafts, locks and rate limits shared by several processes), at TEST_REDIS_URL
(default: database 15 of the local server); skipped when no server answers there, as the PostgreSQL runs are."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest
from redis.asyncio import Redis

from tests.conftest import server_answers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    """A client, and a key prefix of this test's own: what it wrote is deleted after it, nothing else."""
    url = urlparse(REDIS_URL)
    if not server_answers(url.hostname or "127.0.0.1", url.port or 6379):
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    async with Redis.from_url(REDIS_URL) as client:
        try:
            yield client, prefix
        finally:
            keys = [key async for key in client.scan_iter(f"{prefix}*")]
            if keys:
                await client.delete(*keys)
