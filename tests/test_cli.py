"""The ``bridge`` command: help texts, configuration errors, and the demo's lifecycle."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
import requests

from tests.processes import BRIDGE, ROOT, Proc, free_port, process_env, wait_for

COMMANDS = ["serve", "worker", "cron", "demo", "openapi"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BRIDGE, *args], cwd=ROOT, env=env or process_env({}), capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command: str) -> None:
    result = _run(command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 3


def test_missing_settings_are_named_without_a_traceback() -> None:
    result = _run("worker", env=process_env({"CIN7_RATE_LIMIT_PER_MINUTE": "lots"}))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name in ("BRIDGE_API_KEY", "AFTERPAY_SECRET_KEY", "CIN7_RATE_LIMIT_PER_MINUTE"):
        assert name in result.stderr


def test_openapi_check_passes_on_the_committed_file() -> None:
    result = _run("openapi", "--check")
    assert result.returncode == 0, result.stderr


def test_openapi_check_fails_on_a_stale_file(tmp_path: object) -> None:
    stale = ROOT / ".pytest_cache" / "stale-openapi.yaml"
    stale.parent.mkdir(exist_ok=True)
    stale.write_text("openapi: 3.0.3\n")
    result = _run("openapi", "--check", "--output", str(stale))
    assert result.returncode == 1 and "out of date" in result.stderr


def _children(pid: int) -> list[int]:
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(value) for value in listing.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_demo_reaches_ready_and_stops_cleanly_on_ctrl_c() -> None:
    port, afterpay_port, cin7_port = free_port(), free_port(), free_port()
    # No REDIS_URL and no credentials: the demo brings its own Redis, simulators and defaults.
    env = process_env({})
    argv = [*BRIDGE, "demo", "--web-port", str(port), "--afterpay-port", str(afterpay_port),
            "--cin7-port", str(cin7_port), "--orders", "12"]  # fmt: skip
    demo = Proc(argv, env, name="demo")
    try:
        wait_for(lambda: "READY web=" in demo.output(), timeout=90, what="the READY line")
        line = next(line for line in demo.output().splitlines() if line.startswith("READY "))
        assert line == (
            f"READY web=http://127.0.0.1:{port} afterpay=http://127.0.0.1:{afterpay_port}"
            f" cin7=http://127.0.0.1:{cin7_port}/ExternalApi/v2"
        )
        seeded = requests.get(f"http://127.0.0.1:{afterpay_port}/v2/payments", params={"limit": 50},
                              auth=("demo-merchant", "demo-secret"), timeout=5).json()  # fmt: skip
        assert seeded["totalResults"] == 12
        states = {payment["paymentState"] for payment in seeded["results"]}
        assert {"CAPTURED", "AUTH_APPROVED"} <= states
        assert any(payment["refunds"] for payment in seeded["results"])
        cin7_me = requests.get(f"http://127.0.0.1:{cin7_port}/ExternalApi/v2/me", timeout=5,
                               headers={"api-auth-accountid": "demo-account", "api-auth-applicationkey": "demo-key"})  # fmt: skip
        assert cin7_me.status_code == 200
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["checks"]["workers"]["ok"] is True
        assert (
            requests.get(f"http://127.0.0.1:{port}/v1/jobs/x", headers={"X-API-Key": "demo-key"}, timeout=5).status_code
            == 404
        )
        children = _children(demo.pid)
        assert len(children) >= 6  # redis, both simulators, worker, cron, web
        demo.signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 0
        assert "stopping" in demo.output()
        wait_for(lambda: not any(_alive(pid) for pid in children), timeout=10, what="every child to exit")
    finally:
        demo.stop()


@pytest.mark.slow
def test_demo_exit_after_sync_syncs_every_seeded_order() -> None:
    ports = [str(free_port()) for _ in range(3)]
    argv = [*BRIDGE, "demo", "--web-port", ports[0], "--afterpay-port", ports[1], "--cin7-port", ports[2],
            "--orders", "16", "--cin7-rate-limit", "3000", "--exit-after-sync"]  # fmt: skip
    result = subprocess.run(
        argv, cwd=ROOT, env=process_env({}), capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert set(summary) == {"orders", "synced", "failed", "cin7Calls", "cin7Throttled", "afterpayCalls", "seconds"}
    assert summary["orders"] == summary["synced"] == 16 and summary["failed"] == 0
    assert summary["cin7Throttled"] == 0 and summary["cin7Calls"] >= 4 * 10
