"""Syncing many orders at once (the demo, the poller, a backfill): one look-up for the batch.

Before creating a sale the saga must know no Cin7 sale has the order's ExternalID. One call
per order is the obvious way; a batch does better: one ``saleList`` page holds 1000 sales,
and every Cin7 sale for an Afterpay order was created after the order, so listing the sales
created since the batch's oldest order (less a margin for clock skew) covers them all
(reference/cin7.md A6, A12). Orders not in that list are marked absent for a few minutes; an
order whose create was already attempted is never trusted to the mark (its ``pending``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from rq.job import Job

from app.afterpay.schemas import dump_payment
from app.cin7.client import MAX_PAGE, Cin7Client
from app.domain.afterpay import Payment
from app.domain.rules import CustomerMode, MappingRules
from app.jobs.sync import enqueue_sync
from app.services import Services
from app.store.orders import OrderStore
from app.sync.customers import CustomerResolver

CLOCK_MARGIN = timedelta(hours=1)


def prefetch_absent(cin7: Cin7Client, store: OrderStore, payments: Sequence[Payment]) -> int:
    """Mark the orders no Cin7 sale has yet; returns how many were marked."""
    if not payments:
        return 0
    since = min(p.created for p in payments) - CLOCK_MARGIN
    present = {str(row.get("ExternalID")) for row in cin7.iter_sales(CreatedSince=since.strftime("%Y-%m-%dT%H:%M:%SZ"))}
    absent = [p.id for p in payments if p.id not in present]
    store.mark_absent(absent)
    return len(absent)


def prefetch_customers(cin7: Cin7Client, resolver: CustomerResolver, emails: Iterable[str]) -> None:
    """Cache the CustomerIDs of the batch's shoppers from the customer list, when listing
    (1000 customers a call) is cheaper than looking each new email up."""
    wanted = {email.strip().lower() for email in emails if not resolver.is_cached(email)}
    page = 1
    while wanted:
        body = cin7.request("GET", "customer", params={"Page": page, "Limit": MAX_PAGE})
        for row in body.get("CustomerList") or []:
            for contact in row.get("Contacts") or []:
                email = str(contact.get("Email") or "").strip().lower()
                if email in wanted:
                    resolver.remember(email, str(row["ID"]))
                    wanted.discard(email)
        pages = -(-int(body.get("Total") or 0) // MAX_PAGE)
        if page >= pages:
            # The whole list was read: whoever is still wanted is new, and needs no look-up.
            for email in wanted:
                resolver.remember_absent(email)
            return
        if pages - page >= len(wanted):
            return  # the pages left cost more than a look-up each
        page += 1


def customer_emails(payments: Iterable[Payment], rules: MappingRules) -> set[str]:
    """The emails whose Cin7 customers the batch will need (none in shared-customer mode)."""
    if rules.customer.mode is CustomerMode.SHARED:
        return set()
    return {p.details.consumer.email for p in payments if p.details.consumer is not None}


def enqueue_batch(services: Services, payments: Iterable[Payment], *, kind: str = "sync") -> list[Job]:
    """One sync job per payment, carrying the payment (so the worker need not fetch it)."""
    return [enqueue_sync(services, p.id, payment=dump_payment(p), kind=kind) for p in payments]
