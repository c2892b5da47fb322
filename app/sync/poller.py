"""Afterpay → Cin7 without anyone calling: the poll that runs every minute.

Each run (afterpay.md §12, DESIGN.md §5):

1. lists payments created since the bookmark minus an overlap, oldest first, in cursor pages
   (the overlap catches orders the search index showed late, afterpay.md §3.2);
2. re-reads, 250 to a call, the open authorisations that are due (every run until their
   ``expires`` has passed) and the captured orders due a refund check (after 1 h, 6 h, 1, 2, 4,
   7, 14, 30, 60, 90 and 120 days; app.sync.watches, which every sync keeps up to date);
3. hands every payment that changed since the poller last saw it to the per-order sync job,
   after one batch look-up of the sales and customers the batch needs;
4. moves the bookmark only once those jobs are queued.

Its cost is a few calls per run plus one sync per change, reported after each run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from app.afterpay.client import AfterpayClient
from app.cin7.client import Cin7Client
from app.domain.afterpay import Payment
from app.domain.rules import MappingRules
from app.services import Services
from app.store.orders import OrderStore
from app.store.poll import OPEN, REFUNDS, PollStore
from app.sync.batch import customer_emails, enqueue_batch, prefetch_absent, prefetch_customers
from app.sync.customers import CustomerResolver
from app.sync.watches import schedule_watches

OVERLAP = timedelta(minutes=5)
FIRST_LOOKBACK = timedelta(hours=1)
IDS_PER_CALL = 250
MAX_PER_RUN = 1000
"""New payments handed over per run: after an outage the backlog goes in slices, the
bookmark moving after each, so a run never outlives its job's timeout."""


def payment_digest(payment: Payment) -> str:
    """What makes a payment worth syncing again: its state, events and refunds."""
    parts = [payment.payment_state.value, payment.merchant_reference or ""]
    parts += [e.id for e in payment.events] + [r.refund_id for r in payment.refunds]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


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
        max_per_run: int = MAX_PER_RUN,
    ) -> None:
        self._services = services
        self._open_recheck = open_recheck
        self._max_per_run = max_per_run
        self._afterpay = afterpay
        self._cin7 = cin7
        self._rules = rules
        self._poll = PollStore(services.redis, services.keys)
        self._orders = OrderStore(services.redis, services.keys)

    def run(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        bookmark = self._poll.bookmark() or (now - FIRST_LOOKBACK)
        # Working through a backlog, the next slice starts where the last one ended: with the
        # overlap, more than a run's worth of orders in five minutes would be listed again forever.
        overlap = timedelta(0) if self._poll.resuming() else OVERLAP
        pages = self._afterpay.iter_payments(created_from=bookmark - overlap, created_to=now)
        listed = list(islice(pages, self._max_per_run))
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
        schedule_watches(self._poll, payments, now, self._open_recheck)
        found_missing = set(recheck) - {p.id for p in rechecked}
        self._poll.unwatch(OPEN, found_missing)
        self._poll.unwatch(REFUNDS, found_missing)
        if listed:
            # Only now that every change is queued may the bookmark move past them.
            self._poll.set_bookmark(max(p.created for p in listed), resuming=len(listed) == self._max_per_run)
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
