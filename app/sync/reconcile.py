"""Reconciling a window: stream both sides through the diff, then heal what a sync can fix.

The calls are the minimum the page sizes allow (DESIGN.md §5, app.domain.reconcile):

1. Cin7's sales created since the window's start (less an hour for clock skew), 1000 to a
   ``saleList`` page, into a compact index — every Cin7 sale of an order in the window was
   created after the order, so no upper bound is needed, and later sales of older orders
   only become candidates;
2. Afterpay's payments created in the window, 250 to a page, streamed through the diff;
3. one ``GET /sale`` per money difference that a saleList row cannot explain;
4. Afterpay look-ups, 250 ids to a call, of the Cin7 sales no payment of the window claimed.

Healing never deletes: it queues the per-order sync for the discrepancies the sync can fix
(missing sales, payments, refunds, voids) and leaves duplicates, foreign currencies and
sales Afterpay does not know to a person.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app.afterpay.client import AfterpayClient
from app.cin7.client import Cin7Client
from app.cin7.errors import Cin7NotFound
from app.cin7.snapshot import reconcile_row, sale_detail
from app.domain.reconcile import (
    Cin7Index,
    Discrepancy,
    ReconcileResult,
    ReconcileWindow,
    afterpay_facts,
    is_numeric_id,
)
from app.domain.rules import MappingRules
from app.domain.times import utc_text
from app.jobs.sync import enqueue_sync
from app.services import Services

CLOCK_MARGIN = timedelta(hours=1)
IDS_PER_CALL = 250


def new_report_id(prefix: str, now: datetime) -> str:
    """Sortable, unique: ``rec-20261204T033000-3f2a9c``."""
    return f"{prefix}-{now.astimezone(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


class Reconciler:
    """Diffs one window of Afterpay orders against Cin7."""

    def __init__(self, *, afterpay: AfterpayClient, cin7: Cin7Client, rules: MappingRules) -> None:
        self._afterpay = afterpay
        self._cin7 = cin7
        self._rules = rules

    def run(self, start: datetime, end: datetime) -> ReconcileResult:
        """The discrepancies of Afterpay orders created in ``[start, end)``."""
        index = Cin7Index()
        since = (start - CLOCK_MARGIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for row in self._cin7.iter_sales(CreatedSince=since):
            index.add(reconcile_row(row))
        index.freeze()
        window = ReconcileWindow(index)
        # Afterpay's toCreatedDate is inclusive; the window is not.
        last = end - timedelta(milliseconds=1)
        for payment in self._afterpay.iter_payments(created_from=start, created_to=last):
            window.check(afterpay_facts(payment, self._rules))
        self._resolve_pending(window)
        ids = [c.external_id for c in window.candidates() if is_numeric_id(c.external_id)]
        found, later = [], []
        for first in range(0, len(ids), IDS_PER_CALL):
            for payment in self._afterpay.iter_payments(ids=ids[first : first + IDS_PER_CALL], page_size=250):
                if payment.created >= end:
                    later.append(payment.id)
                else:
                    found.append(afterpay_facts(payment, self._rules))
        window.resolve_candidates(found, later)
        self._resolve_pending(window)  # the money checks of orders from before the window
        return window.result()

    def _resolve_pending(self, window: ReconcileWindow) -> None:
        for check in list(window.pending):
            try:
                window.resolve(check, sale_detail(self._cin7.get_sale(check.sale_id)))
            except Cin7NotFound:
                window.resolve_unread(check)


def heal(services: Services, discrepancies: Sequence[Discrepancy]) -> list[Discrepancy]:
    """Queue a sync for every discrepancy a sync can fix (one per order), marking them healed."""
    healed: list[Discrepancy] = []
    queued: set[str] = set()
    pipe = services.rq_redis.pipeline()
    for discrepancy in discrepancies:
        if not discrepancy.sync_can_heal:
            healed.append(discrepancy)
            continue
        order_id = discrepancy.afterpay_order_id
        if order_id not in queued:
            enqueue_sync(services, order_id, kind="reconcile-heal", pipeline=pipe)
            queued.add(order_id)
        healed.append(discrepancy.heal())
    pipe.execute()
    return healed


def reconciliation_report(
    result: ReconcileResult,
    *,
    report_id: str,
    start: datetime,
    end: datetime,
    created: datetime,
    trigger: str,
    auto_heal: bool,
    discrepancies: Sequence[Discrepancy],
    api_calls: dict[str, int],
) -> dict[str, Any]:
    """The Reconciliation of DESIGN.md §3.3, with what else a reader wants (by type, healed, calls)."""
    summary = result.summary
    return {
        "id": report_id,
        "window": {"from": utc_text(start), "to": utc_text(end)},
        "createdAt": utc_text(created),
        "trigger": trigger,
        "autoHeal": auto_heal,
        "counts": summary.counts(),
        "byType": {kind: count for kind, count in summary.by_type.items() if count},
        "healed": sum(1 for d in discrepancies if d.healed),
        "apiCalls": api_calls,
        "discrepancies": [d.to_dict() for d in discrepancies],
    }
