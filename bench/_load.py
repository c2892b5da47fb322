"""Shared benchmark plumbing: start the real web process, and drive it with a lean load generator.

The load generator uses raw keep-alive ``http.client`` connections in several processes so
that the client spends as little CPU as possible on a machine it shares with the server.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key-9f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIDGE_", "AFTERPAY_", "CIN7_", "REDIS_URL"))}
    env.update(
        BRIDGE_API_KEY=API_KEY,
        AFTERPAY_MERCHANT_ID="demo-merchant",
        AFTERPAY_SECRET_KEY="demo-secret",
        CIN7_ACCOUNT_ID="demo-account",
        CIN7_APPLICATION_KEY="demo-key",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@contextmanager
def web_server(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """The bridge's web process (gunicorn, as in production) on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("web process did not start")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _client(
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    unique: str | None,
    seconds: float,
    out: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if unique:
            headers = {**headers, unique: uuid.uuid4().hex}
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status < 300:
                done += 1
            else:
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out.put((done, errors))


def throughput(url: str, method: str, path: str, *, body: object = None, headers: dict[str, str] | None = None,
               unique_header: str | None = None, seconds: float = 3.0, concurrency: int = 4) -> float:  # fmt: skip
    """Successful requests per second with ``concurrency`` keep-alive clients for ``seconds``;
    ``unique_header`` gets a fresh UUID on every request (an Idempotency-Key)."""
    port = int(url.rsplit(":", 1)[1])
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Authorization": f"Bearer {API_KEY}", **(headers or {})}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    procs = [
        multiprocessing.Process(
            target=_client, args=(port, method, path, payload, all_headers, unique_header, seconds, out)
        )
        for _ in range(concurrency)
    ]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    if errors:
        print(f"   ({errors} failed requests to {path})")
    return done / seconds


def interleaved(rounds: int, *measures: tuple[str, object]) -> dict[str, float]:
    """Run each named measure ``rounds`` times, alternating, and keep each one's median.

    Alternating spreads the machine's background noise evenly over the things compared.
    """
    samples: dict[str, list[float]] = {name: [] for name, _ in measures}
    for _ in range(rounds):
        for name, measure in measures:
            samples[name].append(measure())  # type: ignore[operator]
    return {name: statistics.median(values) for name, values in samples.items()}
