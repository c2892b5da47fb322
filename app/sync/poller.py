"""Afterpay → Cin7 without anyone calling: the poll that runs every minute.

Each run (afterpay.md §12, DESIGN.md §5):

1. lists payments created since the bookmark minus an overlap, oldest first, in cursor pages
   (the overlap catches orders the search index showed late, afterpay.md §3.2);
2. re-reads, 250 to a call, the open authorisations that are due (every run until their
   ``expires`` has passed) and the captured orders due a refund check (after 1 h, 6 h, 1, 2, 4,
   7, 14, 30, 60, 90 and 120 days);
3. hands every payment that changed since the poller last saw it to the per-order sync job,
   after one batch look-up of the sales and customers the batch needs;
4. moves the bookmark only once those jobs are queued.

Its cost is a few calls per run plus one sync per change, reported after each run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from app.afterpay.client import AfterpayClient
from app.cin7.client import Cin7Client
from app.domain.afterpay import EventType, Payment, PaymentState
from app.domain.rules import MappingRules
from app.services import Services
from app.store.orders import OrderStore
from app.store.poll import OPEN, REFUNDS, PollStore
from app.sync.batch import customer_emails, enqueue_batch, prefetch_absent, prefetch_customers
from app.sync.customers import CustomerResolver

OVERLAP = timedelta(minutes=5)
FIRST_LOOKBACK = timedelta(hours=1)
REFUND_WATCH_DAYS = 120
REFUND_CHECKS = (
    timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=2), timedelta(days=4),
    timedelta(days=7), timedelta(days=14), timedelta(days=30), timedelta(days=60), timedelta(days=90),
    timedelta(days=REFUND_WATCH_DAYS),
)  # fmt: skip
IDS_PER_CALL = 250
OPEN_STATES = frozenset({PaymentState.AUTH_APPROVED, PaymentState.PARTIALLY_CAPTURED})


def payment_digest(payment: Payment) -> str:
    """What makes a payment worth syncing again: its state, events and refunds."""
    parts = [payment.payment_state.value, payment.merchant_reference or ""]
    parts += [e.id for e in payment.events] + [r.refund_id for r in payment.refunds]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def next_refund_check(payment: Payment, now: datetime) -> datetime | None:
    """When to look for refunds next: the first point of the decaying schedule after ``now``
    (counted from the first capture), or None after 120 days."""
    captures = [e.created for e in payment.events if e.type is EventType.CAPTURED] or [payment.created]
    first = min(captures)
    for step in REFUND_CHECKS:
        if first + step > now:
            return first + step
    return None


class AfterpayPoller:
    """One poll run; ``run()`` returns what it cost and what it found."""

    def __init__(
        self,
        services: Services,
        *,
        afterpay: AfterpayClient,
        cin7: Cin7Client,
        rules: MappingRules,
        open_recheck: timedelta = timedelta(minutes=1),
    ) -> None:
        self._services = services
        self._open_recheck = open_recheck
        self._afterpay = afterpay
        self._cin7 = cin7
        self._rules = rules
        self._poll = PollStore(services.redis, services.keys)
        self._orders = OrderStore(services.redis, services.keys)

    def run(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        bookmark = self._poll.bookmark() or (now - FIRST_LOOKBACK)
        listed = list(self._afterpay.iter_payments(created_from=bookmark - OVERLAP, created_to=now))
        list_calls = self._afterpay.calls

        due_open = self._poll.due(OPEN, now)
        due_refunds = self._poll.due(REFUNDS, now)
        listed_ids = {p.id for p in listed}
        recheck = [i for i in dict.fromkeys(due_open + due_refunds) if i not in listed_ids]
        rechecked: list[Payment] = []
        for start in range(0, len(recheck), IDS_PER_CALL):
            batch = recheck[start : start + IDS_PER_CALL]
            rechecked += list(self._afterpay.iter_payments(ids=batch, page_size=IDS_PER_CALL))

        payments = listed + rechecked
        seen = dict(zip([p.id for p in payments], self._poll.seen([p.id for p in payments]), strict=True))
        changed = [p for p in payments if seen[p.id] != payment_digest(p)]
        if changed:
            new = [p for p in changed if seen[p.id] is None]
            prefetch_absent(self._cin7, self._orders, new)
            resolver = CustomerResolver(self._cin7, self._services.redis, self._services.keys)
            prefetch_customers(self._cin7, resolver, customer_emails(new, self._rules))
            enqueue_batch(self._services, changed, kind="poll-sync")
            self._poll.mark_seen({p.id: payment_digest(p) for p in changed})
        self._schedule(payments, now)
        found_missing = set(recheck) - {p.id for p in rechecked}
        self._poll.unwatch(OPEN, found_missing)
        self._poll.unwatch(REFUNDS, found_missing)
        if listed:
            # Only now that every change is queued may the bookmark move past them.
            self._poll.set_bookmark(max(p.created for p in listed))
        elif bookmark == now - FIRST_LOOKBACK:
            self._poll.set_bookmark(bookmark)
        stats = {
            "at": now.isoformat(),
            "listed": len(listed),
            "rechecked": len(rechecked),
            "changed": len(changed),
            "enqueued": len(changed),
            "afterpayCalls": self._afterpay.calls,
            "afterpayListCalls": list_calls,
            "cin7Calls": self._cin7.calls,
            "watchingOpen": self._poll.watching(OPEN),
            "watchingRefunds": self._poll.watching(REFUNDS),
        }
        self._poll.record_run(stats)
        return stats

    def _schedule(self, payments: list[Payment], now: datetime) -> None:
        for payment in payments:
            if payment.payment_state in OPEN_STATES:
                expires = max((e.expires for e in payment.events if e.expires is not None), default=None)
                if expires is None or expires > now - self._open_recheck:
                    # Half an interval, so the next run finds it due even if the scheduler fires early.
                    self._poll.watch(OPEN, payment.id, now + self._open_recheck / 2)
                else:
                    self._poll.unwatch(OPEN, [payment.id])
            else:
                self._poll.unwatch(OPEN, [payment.id])
            captured = (
                any(e.type is EventType.CAPTURED for e in payment.events)
                or payment.payment_state is PaymentState.CAPTURED
            )
            when = next_refund_check(payment, now) if captured else None
            if when is None:
                self._poll.unwatch(REFUNDS, [payment.id])
            else:
                self._poll.watch(REFUNDS, payment.id, when)
