"""What the cron process enqueues, and the leader lock that keeps it to one active scheduler.

``rq cron`` has no leader election: two running copies enqueue every job twice
(reference/reliability.md §2.4). The bridge's scheduler takes a Redis lease before each
round; a second copy started by mistake (or during a rolling deploy) waits as a standby
and takes over within ``LEASE_SECONDS`` when the leader dies.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from rq.cron import CronScheduler

from app.jobs import poll, reconcile, system, webhooks
from app.services import Services

log = logging.getLogger(__name__)

LEASE_SECONDS = 30
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def register_jobs(cron: CronScheduler, services: Services) -> None:
    """Register every periodic job of the bridge on ``cron``."""
    default = services.keys.queue("default")
    cron.register(system.cron_heartbeat, queue_name=default, interval=60, result_ttl=300)
    cron.register(
        poll.poll_afterpay,
        queue_name=default,
        interval=services.settings.BRIDGE_POLL_SECONDS,
        job_timeout=poll.JOB_TIMEOUT,
        result_ttl=3600,
        meta={"kind": "poll"},
    )
    cron.register(
        webhooks.check_cin7_webhooks,
        queue_name=default,
        interval=services.settings.BRIDGE_WEBHOOK_CHECK_SECONDS,
        job_timeout=webhooks.JOB_TIMEOUT,
        result_ttl=3600,
        meta={"kind": "webhook-check"},
    )
    low = services.keys.queue("low")
    for expression, job in (
        (services.settings.BRIDGE_RECONCILE_DAILY_CRON, reconcile.reconcile_yesterday),
        (services.settings.BRIDGE_RECONCILE_WEEKLY_CRON, reconcile.reconcile_last_week),
    ):
        if expression:
            cron.register(
                job,
                queue_name=low,
                cron=expression,
                job_timeout=reconcile.JOB_TIMEOUT,
                result_ttl=30 * 24 * 3600,
                meta={"kind": "reconcile"},
            )


class LeaderCronScheduler(CronScheduler):
    """A CronScheduler that enqueues only while it holds the deployment's cron lease."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(connection=services.rq_redis, **kwargs)
        self._lease_key = services.keys("cron", "leader")
        self._renew = services.redis.register_script(_RENEW)
        self._release = services.redis.register_script(_RELEASE)
        self.is_leader = False

    def _hold_lease(self) -> bool:
        held = bool(self._renew(keys=[self._lease_key], args=[self.name, LEASE_SECONDS * 1000]))
        if held != self.is_leader:
            log.info("cron leadership %s", "acquired" if held else "lost", extra={"scheduler": self.name})
        self.is_leader = held
        return held

    def enqueue_jobs(self) -> list[Any]:
        if not self._hold_lease():
            return []
        return list(super().enqueue_jobs())

    def calculate_sleep_interval(self) -> float:
        # Wake at least every 5 s so the lease (30 s) is renewed long before it lapses; a
        # standby polls every 2 s instead of spinning on jobs it is not allowed to run.
        if not self.is_leader:
            return 2.0
        return float(min(super().calculate_sleep_interval(), 5.0))

    def register_death(self, *args: Any, **kwargs: Any) -> None:
        if self.is_leader:
            # Hand over at once instead of making the standby wait for the lease to lapse.
            self._release(keys=[self._lease_key], args=[self.name])
        super().register_death(*args, **kwargs)


def run_cron(services: Services) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C."""
    # rq cron reads cron expressions in the process's local time: make that the merchant's,
    # so "30 3 * * *" is half past three in Sydney whatever the host's clock says.
    os.environ["TZ"] = services.settings.BRIDGE_TIMEZONE
    time.tzset()
    cron = LeaderCronScheduler(services, logging_level=services.settings.LOG_LEVEL)
    register_jobs(cron, services)
    cron.start()  # type: ignore[no-untyped-call]
