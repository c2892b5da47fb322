"""The embedded Redis: a real server, started and torn down with the process tree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from app.store.embedded import EmbeddedRedis, ensure_redis_url
from tests.processes import ROOT, wait_for


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_starts_a_real_server_and_removes_it() -> None:
    with EmbeddedRedis() as server:
        assert server.url and server.url.startswith("unix://")
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        assert client.info("server")["redis_version"].split(".")[0] >= "6"
        client.set("k", "v")
        socket_path = Path(server.url.removeprefix("unix://"))
        pid = server.pid
        assert pid is not None
        client.close()
    assert not socket_path.exists()
    assert not _alive(pid)


def test_ensure_redis_url_prefers_an_existing_url() -> None:
    env = {"REDIS_URL": "redis://example.invalid:6379/0"}
    assert ensure_redis_url(env) is None
    assert env["REDIS_URL"] == "redis://example.invalid:6379/0"


def test_ensure_redis_url_starts_one_and_exports_it() -> None:
    env: dict[str, str] = {}
    server = ensure_redis_url(env)
    try:
        assert server is not None
        assert redis.Redis.from_url(env["REDIS_URL"]).ping()
    finally:
        assert server is not None
        server.stop()


def test_server_dies_with_a_killed_owner() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", "from app.store.embedded import EmbeddedRedis\n"
         "import sys, time\ns = EmbeddedRedis(); s.start(); print(s.pid, flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert owner.stdout is not None
    pid = int(owner.stdout.readline())
    assert _alive(pid)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    wait_for(lambda: not _alive(pid), timeout=10, what="the orphaned redis-server to exit")


def test_a_forked_child_does_not_stop_the_parents_server() -> None:
    with EmbeddedRedis() as server:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            server.stop()
            os._exit(0)
        os.waitpid(child, 0)
        time.sleep(0.1)
        assert server.url is not None
        assert redis.Redis.from_url(server.url).ping()
