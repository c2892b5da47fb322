"""What happens when a job fails: a problem object on the job, and an alert when it is final."""

from __future__ import annotations

import logging
from typing import Any

from rq.job import Job

from app.alerts import Alert, Alerter
from app.logs import REDACTED
from app.services import Services
from app.upstream import UpstreamError

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A job failure that a later attempt may well not have (an endpoint that is down)."""


def problem_for(exc: BaseException, secrets: list[str]) -> dict[str, Any]:
    """The RFC 9457 problem shown as the job's ``error``: the readable cause and, for upstream
    failures, the service, its status and its request id (what the vendor's support asks for)."""
    detail = str(exc) or type(exc).__name__
    for secret in secrets:
        if secret and len(secret) >= 4:
            detail = detail.replace(secret, REDACTED)
    if isinstance(exc, UpstreamError):
        return {
            "type": "/problems/upstream-error",
            "title": f"{exc.service.capitalize()} refused the request"
            if exc.status
            else f"{exc.service.capitalize()} did not answer",
            "status": 502,
            "detail": detail,
            "upstream": {"service": exc.service, "status": exc.status, "requestId": exc.request_id},
        }
    return {
        "type": "/problems/job-failed",
        "title": "Job failed",
        "status": 500,
        "detail": f"{type(exc).__name__}: {detail}",
    }


def is_transient(exc: BaseException) -> bool:
    """Whether repeating the job later may succeed: upstream outages and throttles, a write
    whose outcome is unknown (the saga looks before writing again), a busy order, a lost
    worker or Redis. A deterministic refusal (a 4xx, a bad payment, a wrong mapping rule)
    is not: it fails at once rather than five more times over an hour."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from rq.exceptions import AbandonedJobError, ShutDownImminentException
    from rq.timeouts import JobTimeoutException

    from app.store.orders import OrderBusy

    if isinstance(exc, UpstreamError):
        return exc.retryable or exc.outcome_unknown
    transient = (
        RetryLater,
        OrderBusy,
        RedisConnectionError,
        RedisTimeoutError,
        AbandonedJobError,
        JobTimeoutException,
        ShutDownImminentException,
    )
    return isinstance(exc, transient)


def will_retry(job: Job) -> bool:
    """Whether RQ is about to retry this job (it decides from ``retries_left`` right after the handlers)."""
    return bool(job.retries_left and job.retries_left > 0)


def record_failure(services: Services, job: Job, exc: BaseException) -> None:
    """Attach the problem to the job, and alert a person if no retry is left."""
    problem = problem_for(exc, services.settings.secrets())
    job.meta["problem"] = problem
    job.save_meta()
    if not is_transient(exc):
        # RQ decides from retries_left right after the handlers: a fatal error stops here.
        job.retries_left = 0
    if will_retry(job):
        return
    kind = job.meta.get("kind", "job")
    upstream = problem.get("upstream") or {}
    subject = f"{kind}:{problem['type']}:{upstream.get('service')}:{upstream.get('status')}"
    public = services.settings.BRIDGE_PUBLIC_URL
    alerter = Alerter(services.redis, services.keys, services.settings.ALERT_WEBHOOK_URL)
    alerter.send(
        Alert(
            kind="job.failed",
            subject=subject,
            text=f"Bridge job {job.id} ({kind}) failed: {problem['detail']}",
            link=f"{public}/v1/jobs/{job.id}" if public else None,
        )
    )
    log.error("job failed for good", extra={"job_id": job.id, "kind": kind, "problem": problem})
    order_id = job.meta.get("orderId")
    if order_id:
        from app.jobs.hooks import publish

        publish(services, "order.failed", {"afterpayOrderId": order_id, "jobId": job.id, "error": problem})
