"""Housekeeping jobs: liveness pings through the queue and the cron heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime

from app.jobs.context import services


def ping(message: str = "pong") -> dict[str, str]:
    """A trivial job that proves the queue and a worker are working end to end."""
    return {"message": message, "at": datetime.now(UTC).isoformat()}


def cron_heartbeat() -> str:
    """Record that the cron process is alive and scheduling; shown by /readyz and the dashboard."""
    svc = services()
    at = datetime.now(UTC).isoformat()
    svc.redis.set(svc.keys("cron", "last-tick"), at, ex=3600)
    return at
