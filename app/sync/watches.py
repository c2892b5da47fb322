"""When to look at an Afterpay order again: open authorisations until they expire, captured
orders for refunds for 120 days, less and less often (afterpay.md §7: no payment webhooks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.domain.afterpay import EventType, Payment, PaymentState
from app.store.poll import OPEN, REFUNDS, PollStore

REFUND_WATCH_DAYS = 120
REFUND_CHECKS = (
    timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=2), timedelta(days=4),
    timedelta(days=7), timedelta(days=14), timedelta(days=30), timedelta(days=60), timedelta(days=90),
    timedelta(days=REFUND_WATCH_DAYS),
)  # fmt: skip
OPEN_STATES = frozenset({PaymentState.AUTH_APPROVED, PaymentState.PARTIALLY_CAPTURED})


def next_refund_check(payment: Payment, now: datetime) -> datetime | None:
    """When to look for refunds next: the first point of the decaying schedule after ``now``
    (counted from the first capture), or None after 120 days."""
    captures = [e.created for e in payment.events if e.type is EventType.CAPTURED] or [payment.created]
    first = min(captures)
    for step in REFUND_CHECKS:
        if first + step > now:
            return first + step
    return None


def schedule_watches(poll: PollStore, payments: Iterable[Payment], now: datetime, open_recheck: timedelta) -> None:
    """Watch each payment as its state asks: an open authorisation until its ``expires`` has
    passed, a captured order for refunds on the decaying schedule. Every sync calls this,
    whoever asked for it (poll, upsert, webhook, heal), so no order escapes the watches."""
    for payment in payments:
        if payment.payment_state in OPEN_STATES:
            expires = max((e.expires for e in payment.events if e.expires is not None), default=None)
            if expires is None or expires > now - open_recheck:
                # Half an interval, so the next run finds it due even if the scheduler fires early.
                poll.watch(OPEN, payment.id, now + open_recheck / 2)
            else:
                poll.unwatch(OPEN, [payment.id])
        else:
            poll.unwatch(OPEN, [payment.id])
        captured = (
            any(e.type is EventType.CAPTURED for e in payment.events) or payment.payment_state is PaymentState.CAPTURED
        )
        when = next_refund_check(payment, now) if captured else None
        if when is None:
            poll.unwatch(REFUNDS, [payment.id])
        else:
            poll.watch(REFUNDS, payment.id, when)
