"""Helpers for tests that run the product's real processes."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BRIDGE = [sys.executable, "-m", "app"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1) -> object:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def process_env(settings: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The environment of a product process under test: settings, no .env, tests importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIDGE_", "AFTERPAY_", "CIN7_", "REDIS_URL"))}
    env.update(settings)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class Proc:
    """A product process started for a test, with its output kept in a file for failure messages."""

    def __init__(self, argv: list[str], env: Mapping[str, str], name: str = "") -> None:
        self.name = name or shlex.join(argv)
        self._log = tempfile.NamedTemporaryFile(prefix="bridge-test-", suffix=".log", delete=False)  # noqa: SIM115
        self.popen = subprocess.Popen(
            argv, env=dict(env), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)

    def signal_group(self, sig: int) -> None:
        """Signal the whole process group, as a platform does at shutdown (Heroku: every process)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {timeout} s:\n{self.output()[-3000:]}") from None

    def stop(self) -> None:
        """Kill whatever is left (test teardown)."""
        if self.popen.poll() is None:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)
        self._log.close()
        os.unlink(self._log.name)
