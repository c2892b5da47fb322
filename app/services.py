"""The long-lived resources of one process, built from Settings on first use.

Nothing here connects at import time or at construction: redis-py opens its first socket
on the first command, so ``create_app()`` stays cheap and safe to call anywhere.
"""

from __future__ import annotations

from functools import cached_property

from redis import Redis
from rq import Queue

from app.afterpay.client import AfterpayClient
from app.alerts import Alerter
from app.cin7.client import Cin7Client
from app.config import Settings
from app.domain.rules import MappingRules
from app.mapping_file import load_mapping_rules
from app.store import Keys, connect
from app.store.ratelimit import SharedRateLimiter
from app.upstream import RetryPolicy

QUEUE_NAMES = ("default", "sync", "low")
"""Queues in priority order: webhooks and small work, per-order syncs, long batch jobs."""


class RedisNotConfigured(RuntimeError):
    """No REDIS_URL was given to this process."""


class Services:
    """Settings plus the Redis clients and RQ queues derived from them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = Keys(settings.BRIDGE_NAMESPACE)

    def _url(self) -> str:
        if not self.settings.REDIS_URL:
            raise RedisNotConfigured("REDIS_URL is not set for this process")
        return self.settings.REDIS_URL

    @cached_property
    def rules(self) -> MappingRules:
        """The merchant's mapping rules (BRIDGE_MAPPING_FILE, or the defaults)."""
        return load_mapping_rules(self.settings.BRIDGE_MAPPING_FILE)

    @cached_property
    def redis(self) -> Redis:
        """Client for the bridge's own keys (strings in, strings out)."""
        return connect(self._url(), decode=True)

    @cached_property
    def rq_redis(self) -> Redis:
        """Client for RQ, which stores bytes."""
        return connect(self._url(), decode=False)

    def cin7_client(self, *, max_slot_wait: float = 600.0, retry: RetryPolicy | None = None) -> Cin7Client:
        """A Cin7 client paced by the deployment's shared rate limiter (a new one per job, so
        its call counters are the job's). A caller that is waited on (an HTTP request) passes
        a short ``max_slot_wait`` and no retries, to answer 429 rather than hang."""
        limiter = SharedRateLimiter(
            self.redis, self.keys("ratelimit", "cin7"), self.settings.CIN7_RATE_LIMIT_PER_MINUTE
        )
        return Cin7Client(
            base_url=self.settings.CIN7_API_URL,
            account_id=self.settings.CIN7_ACCOUNT_ID,
            application_key=self.settings.CIN7_APPLICATION_KEY,
            limiter=limiter,
            max_slot_wait=max_slot_wait,
            retry=retry,
        )

    def afterpay_client(self) -> AfterpayClient:
        """An Afterpay client (a new one per job, for its call counter)."""
        return AfterpayClient(
            base_url=self.settings.AFTERPAY_API_URL,
            merchant_id=self.settings.AFTERPAY_MERCHANT_ID,
            secret_key=self.settings.AFTERPAY_SECRET_KEY,
            public_url=self.settings.BRIDGE_PUBLIC_URL,
        )

    def alerter(self) -> Alerter:
        """Alerts to ALERT_WEBHOOK_URL, deduplicated in Redis."""
        return Alerter(self.redis, self.keys, self.settings.ALERT_WEBHOOK_URL)

    def queue(self, name: str = "default") -> Queue:
        """The RQ queue ``name`` under this deployment's namespace."""
        return Queue(self.keys.queue(name), connection=self.rq_redis)

    def queues(self) -> list[Queue]:
        """Every queue a worker of this deployment listens on, highest priority first."""
        return [self.queue(name) for name in QUEUE_NAMES]
