"""Running several processes as one: the demo's supervisor, and children that die with it."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for a child that must not outlive its parent, even a SIGKILLed one.

    Linux only (prctl PR_SET_PDEATHSIG); elsewhere it does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def detach_and_die_with_parent() -> None:
    """``preexec_fn`` for a supervised child: its own process group, and dies with its parent.

    Its own group means a Ctrl-C in the terminal (SIGINT to the foreground group) reaches
    only the supervisor, which then stops the children in order instead of all at once.
    """
    os.setpgrp()
    die_with_parent()


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None


class Supervisor:
    """Start processes, wait until they are ready, stop them all if one dies or on a signal."""

    def __init__(self, *, stop_timeout: float = 30.0) -> None:
        self.children: list[Child] = []
        self._stop_timeout = stop_timeout
        self._stopping = False

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Child:
        """Start ``argv`` with the current environment plus ``env``."""
        child = Child(name, argv, dict(env or {}))
        child.process = subprocess.Popen(
            list(argv),
            env={**os.environ, **child.env},
            stdin=subprocess.DEVNULL,
            preexec_fn=detach_and_die_with_parent,
        )
        self.children.append(child)
        log.info("started", extra={"process": name, "pid": child.process.pid})
        return child

    def wait_until(self, check: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Poll ``check`` until it is true; fail if it times out or a child dies first."""
        deadline = time.monotonic() + timeout
        while not check():
            self.raise_if_a_child_died()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
            time.sleep(0.1)

    def raise_if_a_child_died(self) -> None:
        """Raise ``ChildExited`` if any child has exited."""
        for child in self.children:
            assert child.process is not None
            code = child.process.poll()
            if code is not None:
                raise ChildExited(child.name, code)

    def run_until_signal(self) -> None:
        """Block until SIGINT/SIGTERM (returns) or a child exits (raises ``ChildExited``)."""
        received: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            received.append(signum)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not received:
                self.raise_if_a_child_died()
                time.sleep(0.2)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """SIGTERM every child (last started first), wait, then SIGKILL what is left."""
        if self._stopping:
            return
        self._stopping = True
        for child in reversed(self.children):
            if child.process is not None and child.process.poll() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("did not stop in time; killing", extra={"process": child.name})
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()


class ChildExited(RuntimeError):
    """A supervised process exited on its own."""

    def __init__(self, name: str, code: int) -> None:
        self.name = name
        self.code = code
        super().__init__(f"process {name!r} exited with code {code}")


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def python_argv(*args: str) -> list[str]:
    """argv that runs the ``bridge`` command with the current interpreter."""
    return [sys.executable, "-m", "app", *args]
