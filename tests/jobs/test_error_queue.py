"""The error queue end to end: a real worker fails a job, the API lists it with a readable
problem, one alert goes out per outage, and the job can be replayed from the API or the CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from rq.job import Job

from app.config import Settings
from app.services import Services
from tests.conftest import AUTH, problem
from tests.processes import BRIDGE, ROOT, Proc, process_env, wait_for
from tests.receiver import Receiver, receiver

pytestmark = pytest.mark.slow


@pytest.fixture
def alerts() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


@pytest.fixture
def worker_env(settings_map: dict[str, str], alerts: Receiver) -> dict[str, str]:
    return process_env(settings_map, ALERT_WEBHOOK_URL=alerts.url, BRIDGE_PUBLIC_URL="https://bridge.example")


@pytest.fixture
def worker(worker_env: dict[str, str]) -> Iterator[Proc]:
    proc = Proc([*BRIDGE, "worker"], worker_env, name="worker")
    yield proc
    proc.stop()


def _enqueue(services: Services, func: str, *args: Any, suffix: str) -> Job:
    return services.queue("default").enqueue(
        func, *args, job_id=services.keys.job_id("t", suffix), meta={"kind": "test-sync"}
    )


def _attempts(services: Services, job_id: str) -> int:
    job = Job.fetch(job_id, connection=services.rq_redis)
    return int(job.meta.get("attempts", 0)) if job.get_status() == "failed" else 0


def _bridge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BRIDGE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


def _wait_status(job: Job, status: str) -> None:
    wait_for(lambda: job.get_status() == status, timeout=30, what=f"job {job.id} to be {status}")


def test_failures_are_listed_explained_alerted_once_and_replayable(
    settings_map: dict[str, str], client: FlaskClient, worker: Proc, alerts: Receiver, worker_env: dict[str, str]
) -> None:
    services = Services(Settings.from_mapping(settings_map))
    jobs = [_enqueue(services, "tests.jobs_fixtures.fail_upstream", f"40000{i}", suffix=f"f{i}") for i in range(3)]
    for job in jobs:
        _wait_status(job, "failed")
    ok = _enqueue(services, "tests.jobs_fixtures.succeed", suffix="ok")
    _wait_status(ok, "finished")

    page = client.get("/v1/jobs?status=failed&perPage=2", headers=AUTH).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    first = page["items"][0]
    assert first["id"] == jobs[-1].id  # newest first
    assert first["status"] == "failed" and first["attempts"] == 1
    error = first["error"]
    assert error["type"] == "/problems/upstream-error"
    assert error["upstream"] == {"service": "cin7", "status": 400, "requestId": "req-77"}
    assert "Customer for order 400002 not found" in error["detail"]
    assert (
        client.get("/v1/jobs?status=failed&page=2&perPage=2", headers=AUTH).get_json()["items"][0]["id"] == jobs[0].id
    )

    # Three failures of the same kind: one alert, with a link to the job.
    wait_for(lambda: alerts.requests, timeout=10, what="an alert")
    assert len(alerts.requests) == 1
    text = alerts.requests[0].json()["text"]
    assert jobs[0].id in text and "https://bridge.example/v1/jobs/" in text

    replay = client.post(f"/v1/jobs/{jobs[0].id}/retry", headers=AUTH)
    assert replay.status_code == 202 and replay.get_json()["status"] == "queued"
    wait_for(lambda: _attempts(services, jobs[0].id) == 2, timeout=30, what="the replayed job to run again")

    refused = client.post(f"/v1/jobs/{ok.id}/retry", headers=AUTH)
    assert refused.status_code == 409 and problem(refused)["type"] == "/problems/not-retryable"

    cli = _bridge(worker_env, "jobs", "retry", "--failed")
    assert cli.returncode == 0 and "replayed 3 failed job(s)" in cli.stdout
    for job in jobs:
        wait_for(lambda job=job: _attempts(services, job.id) >= 2, timeout=30, what="every failed job to be replayed")

    listing = _bridge(worker_env, "jobs", "list")
    assert listing.returncode == 0 and jobs[0].id in listing.stdout


def test_unknown_job_is_a_404(client: FlaskClient) -> None:
    assert problem(client.post("/v1/jobs/bridgetest-nope/retry", headers=AUTH))["status"] == 404
    assert problem(client.get("/v1/jobs/other-namespace-job", headers=AUTH))["status"] == 404


def test_job_list_validates_its_filters(client: FlaskClient) -> None:
    body = problem(client.get("/v1/jobs?status=exploded", headers=AUTH))
    assert body["status"] == 422 and body["errors"][0]["parameter"] == "status"
