"""The Afterpay poll job, enqueued every minute by the cron scheduler."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from app.jobs.context import services
from app.store.locks import short_lock
from app.sync.poller import AfterpayPoller

log = logging.getLogger(__name__)

JOB_TIMEOUT = 900
"""A run hands over at most MAX_PER_RUN orders, far inside this even at Cin7's pace."""


def poll_afterpay() -> dict[str, Any]:
    """Find what changed in Afterpay and queue its syncs (one run at a time per deployment)."""
    svc = services()
    with short_lock(svc.redis, svc.keys("poll", "lock"), seconds=JOB_TIMEOUT, wait=0) as held:
        if not held:
            return {"skipped": "a poll is already running"}
        poller = AfterpayPoller(
            svc,
            afterpay=svc.afterpay_client(),
            cin7=svc.cin7_client(),
            rules=svc.rules,
            open_recheck=timedelta(seconds=svc.settings.BRIDGE_POLL_SECONDS),
        )
        stats = poller.run()
        log.info("afterpay poll", extra={"poll": stats})
        return stats
