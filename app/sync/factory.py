"""Building the saga for one job from the process's Services."""

from __future__ import annotations

from app.services import Services
from app.store.gst import GstLedger
from app.store.orders import OrderStore
from app.sync.reverse import ReverseSync
from app.sync.saga import OrderSync


def order_sync(services: Services) -> OrderSync:
    """A saga with fresh clients (their call counters are this job's ``apiCalls``)."""
    return OrderSync(
        cin7=services.cin7_client(),
        afterpay=services.afterpay_client(),
        store=OrderStore(services.redis, services.keys, lock_seconds=services.settings.BRIDGE_ORDER_LOCK_SECONDS),
        redis_client=services.redis,
        keys=services.keys,
        rules=services.rules,
        alerter=services.alerter(),
        public_url=services.settings.BRIDGE_PUBLIC_URL,
    )


def reverse_sync(services: Services) -> ReverseSync:
    """The Cin7 → Afterpay handler with fresh clients."""
    return ReverseSync(
        cin7=services.cin7_client(),
        afterpay=services.afterpay_client(),
        store=OrderStore(services.redis, services.keys, lock_seconds=services.settings.BRIDGE_ORDER_LOCK_SECONDS),
        rules=services.rules,
        alerter=services.alerter(),
        ledger=GstLedger(services.redis, services.keys),
        public_url=services.settings.BRIDGE_PUBLIC_URL,
    )
