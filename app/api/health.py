"""Liveness and readiness probes for load balancers and process managers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import marshmallow as ma
import redis
from flask import current_app
from flask_smorest import Blueprint
from rq import Worker

from app.api.problems import abort_problem, documents_errors
from app.services import RedisNotConfigured, Services

blp = Blueprint("health", __name__, description="Health probes (no API key needed).")

WORKER_FRESHNESS = timedelta(seconds=150)
"""A worker counts as alive if it sent a heartbeat this recently (it sends one a minute)."""


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ok"})


class ReadinessSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ready"})
    checks = ma.fields.Dict(metadata={"example": {"redis": {"ok": True}, "workers": {"ok": True, "count": 1}}})


@blp.route("/healthz")
@blp.doc(security=[], operationId="healthz", summary="The web process is alive")
@blp.response(200, HealthSchema)
def healthz() -> dict[str, str]:
    """Answers as long as the process can serve HTTP; checks nothing else."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.doc(security=[], operationId="readyz", summary="Redis reachable and a worker seen recently")
@blp.response(200, ReadinessSchema)
@documents_errors(blp, 503)
def readyz() -> dict[str, Any]:
    """Ready when Redis answers and at least one worker of this deployment sent a heartbeat."""
    services: Services = current_app.extensions["bridge"]
    checks = readiness_checks(services)
    if not all(check["ok"] for check in checks.values()):
        failing = ", ".join(name for name, check in checks.items() if not check["ok"])
        abort_problem(503, f"Not ready: {failing}.", slug="unavailable", checks=checks)
    return {"status": "ready", "checks": checks}


def readiness_checks(services: Services) -> dict[str, dict[str, Any]]:
    """Each readiness check with its verdict; shared by /readyz and the dashboard."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        services.redis.ping()
        checks["redis"] = {"ok": True}
    except RedisNotConfigured:
        checks["redis"] = {"ok": False, "error": "REDIS_URL is not set"}
    except redis.RedisError as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    if not checks["redis"]["ok"]:
        checks["workers"] = {"ok": False, "error": "unknown while Redis is unreachable"}
        return checks
    now = datetime.now(UTC)
    seen = [
        worker
        for worker in Worker.all(connection=services.rq_redis, queue=services.queue("default"))
        if worker.last_heartbeat is not None and now - _aware(worker.last_heartbeat) < WORKER_FRESHNESS
    ]
    checks["workers"] = {"ok": bool(seen), "count": len(seen)}
    return checks


def _aware(moment: datetime) -> datetime:
    # RQ stores UTC; older releases returned naive datetimes for it.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
