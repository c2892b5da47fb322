"""The Procfile's processes, run for real: readiness, a job end to end, clean shutdown."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from rq import Retry
from rq.job import Job, JobStatus

from app.config import Settings
from app.services import Services
from tests.conftest import AUTH
from tests.processes import BRIDGE, ROOT, Proc, free_port, http_ok, process_env, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()


def _procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        entries[name.strip()] = shlex.split(command.strip())
    return entries


def _venv_path() -> str:
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def test_procfile_processes_run_a_job_and_exit_cleanly(settings_map: dict[str, str], procs: list[Proc]) -> None:
    entries = _procfile()
    assert set(entries) == {"web", "worker", "cron"}
    port = free_port()
    env = process_env(settings_map, PORT=str(port), PATH=_venv_path())
    for name in ("worker", "cron", "web"):
        procs.append(Proc(entries[name], env, name=name))
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: http_ok(f"{base}/readyz"), timeout=60, what="/readyz to report ready")

    services = Services(Settings.from_mapping(settings_map))
    job_id = services.keys.job_id("ping", uuid.uuid4().hex[:8])
    services.queue("default").enqueue("app.jobs.system.ping", "hello", job_id=job_id)

    def finished() -> dict[str, object] | None:
        body = requests.get(f"{base}/v1/jobs/{job_id}", headers=AUTH, timeout=5).json()
        return body if body["status"] == "finished" else None

    body = wait_for(finished, timeout=30, what="the ping job to finish")
    assert isinstance(body, dict)
    assert body["result"]["message"] == "hello" and body["attempts"] == 1
    wait_for(lambda: services.redis.get(services.keys("cron", "last-tick")), timeout=30, what="a cron heartbeat")

    for proc in procs:
        proc.signal(signal.SIGTERM)
    for proc in procs:
        assert proc.wait(timeout=40) == 0, f"{proc.name} exited uncleanly:\n{proc.output()[-3000:]}"


def _start_worker(settings_map: dict[str, str], procs: list[Proc], **extra: str) -> Proc:
    proc = Proc([*BRIDGE, "worker"], process_env(settings_map, **extra), name="worker")
    procs.append(proc)
    return proc


def _wait_started(job: Job) -> None:
    wait_for(lambda: job.get_status() == JobStatus.STARTED, timeout=30, what=f"job {job.id} to start")


def test_sigterm_lets_the_running_job_finish(settings_map: dict[str, str], procs: list[Proc], r: redis.Redis) -> None:
    services = Services(Settings.from_mapping(settings_map))
    job = services.queue("sync").enqueue("tests.jobs_fixtures.slow", 2, "m1", job_id=services.keys.job_id("slow1"))
    worker = _start_worker(settings_map, procs)
    _wait_started(job)
    worker.signal_group(signal.SIGTERM)  # Heroku style: every process of the dyno gets it
    assert worker.wait(timeout=30) == 0
    assert job.get_status() == JobStatus.FINISHED
    assert r.get("m1:starts") == "1" and r.get("m1:done") == "1"


def test_a_job_outliving_the_grace_is_requeued_without_spending_a_retry(
    settings_map: dict[str, str], procs: list[Proc], r: redis.Redis
) -> None:
    services = Services(Settings.from_mapping(settings_map))
    job = services.queue("sync").enqueue(
        "tests.jobs_fixtures.slow", 6, "m2", job_id=services.keys.job_id("slow2"), retry=Retry(max=2, interval=[30, 60])
    )
    worker = _start_worker(settings_map, procs, BRIDGE_SHUTDOWN_GRACE_SECONDS="1")
    _wait_started(job)
    worker.signal_group(signal.SIGTERM)
    worker.wait(timeout=30)
    job.refresh()
    assert job.get_status() == JobStatus.QUEUED, job.get_status()
    assert job.retries_left == 2
    assert r.get("m2:done") is None

    _start_worker(settings_map, procs)  # the next worker (after a deploy) finishes it
    wait_for(lambda: job.get_status() == JobStatus.FINISHED, timeout=30, what="the re-queued job to finish")
    assert r.get("m2:starts") == "2"


def test_only_one_cron_scheduler_enqueues(settings_map: dict[str, str], procs: list[Proc]) -> None:
    services = Services(Settings.from_mapping(settings_map))
    lease = services.keys("cron", "leader")
    first = Proc([*BRIDGE, "cron"], process_env(settings_map), name="cron-1")
    procs.append(first)
    wait_for(lambda: services.redis.get(lease), timeout=30, what="a cron leader")
    second = Proc([*BRIDGE, "cron"], process_env(settings_map), name="cron-2")
    procs.append(second)
    queue = services.queue("default")

    def heartbeats() -> int:
        return sum(job.func_name == "app.jobs.system.cron_heartbeat" for job in queue.jobs)

    time.sleep(4)  # the standby is up and polling; it must not have enqueued anything
    assert heartbeats() == 1
    leader_pid = int(str(services.redis.get(lease)).split(":")[1])
    assert leader_pid == first.pid
    first.signal(signal.SIGTERM)
    assert first.wait(timeout=20) == 0
    wait_for(lambda: heartbeats() == 2, timeout=20, what="the standby to take over and enqueue")
    assert int(str(services.redis.get(lease)).split(":")[1]) == second.pid
