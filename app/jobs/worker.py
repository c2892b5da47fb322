"""The bridge's RQ worker: graceful on SIGTERM, quick to notice abandoned jobs."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from rq import Queue
from rq.exceptions import ShutDownImminentException
from rq.job import Job
from rq.worker import HerokuWorker

from app.jobs.context import services, use_services
from app.jobs.failures import record_failure
from app.logs import request_id_var
from app.services import Services

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL = 60
"""Seconds between registry clean-ups. RQ's default (600 s) leaves an abandoned job
unnoticed for up to ~11 minutes (reference/reliability.md §2.3)."""

WORKER_TTL = 60
"""Seconds a worker's registration lives without a heartbeat; idle workers beat every 45 s."""


class BridgeWorker(HerokuWorker):
    """HerokuWorker with attempt counting, request-id logging and re-queue on shutdown.

    On SIGTERM the work horse ignores the signal and gets ``imminent_shutdown_delay`` seconds
    (BRIDGE_SHUTDOWN_GRACE_SECONDS, default 20: Heroku sends SIGKILL 30 s after SIGTERM, which
    leaves room to record the re-queue) to finish. A job still running then is interrupted with
    ``ShutDownImminentException`` and put back on its queue at once, without spending one of its
    retries. Every bridge job is a resumable, idempotent saga, so running it again is safe.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        kwargs.setdefault("worker_ttl", WORKER_TTL)
        super().__init__(*args, **kwargs)
        self.push_exc_handler(_requeue_on_shutdown)  # type: ignore[no-untyped-call]
        self.push_exc_handler(_record_failure)  # type: ignore[no-untyped-call]

    def unsubscribe(self) -> None:
        # RQ stops its pubsub thread with redis-py's unbounded PubSubWorkerThread.stop(): when
        # the unsubscribe reply is consumed before the stop flag is seen, the thread blocks in
        # get_message(timeout=60) and shutdown hangs for up to a minute, past Heroku's 30 s.
        thread: Any = self.pubsub_thread  # RQ declares it as None until subscribe() runs
        if thread is not None and self.pubsub is not None:
            self.pubsub.unsubscribe()
            thread.stop(timeout=1)
            self.pubsub.close()

    def perform_job(self, job: Job, queue: Queue, execution: Any) -> bool:
        job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
        job.save_meta()
        token = request_id_var.set(job.meta.get("request_id") or job.id)
        try:
            return bool(super().perform_job(job, queue, execution))
        finally:
            request_id_var.reset(token)


def _requeue_on_shutdown(job: Job, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> bool:
    if not isinstance(exc, ShutDownImminentException):
        return True
    # RQ retries a failed job when it has retries left; give it one more than it had so
    # the interruption does not count against the job's own retry budget.
    job.retries_left = (job.retries_left or 0) + 1
    intervals = list(job.retry_intervals or [])
    job.retry_intervals = [0, *intervals]
    log.warning("job interrupted by shutdown; re-queued", extra={"job_id": job.id})
    return True


def _record_failure(job: Job, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> bool:
    try:
        record_failure(services(), job, exc)
    except Exception:  # a failing report must not hide the job's own failure from RQ
        log.exception("could not record the job failure", extra={"job_id": job.id})
    return True


def run_worker(services: Services, *, burst: bool = False, with_scheduler: bool = True) -> bool:
    """Work the deployment's queues until stopped (or until empty with ``burst``)."""
    use_services(services)
    worker = BridgeWorker(services.queues(), connection=services.rq_redis)
    worker.imminent_shutdown_delay = services.settings.BRIDGE_SHUTDOWN_GRACE_SECONDS
    return bool(worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=services.settings.LOG_LEVEL))
