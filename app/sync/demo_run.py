"""``bridge demo --exit-after-sync``: sync every order in Afterpay through the real path (batch
look-up, jobs, workers) and check each one reached Cin7 with the right money."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.domain.mapping import map_payment
from app.domain.sync import expected_cin7_amounts
from app.services import Services
from app.store.orders import OrderStore
from app.sync.batch import customer_emails, enqueue_batch, prefetch_absent, prefetch_customers
from app.sync.customers import CustomerResolver

LOOKBACK = timedelta(days=30)


def sync_all_and_check(services: Services, *, timeout: float = 900) -> dict[str, Any]:
    """Sync every Afterpay order of the last 30 days and return the DESIGN.md §7 summary
    plus ``correct`` (every order matches in Cin7) and ``problems``."""
    started = time.monotonic()
    afterpay = services.afterpay_client()
    cin7 = services.cin7_client()
    now = datetime.now(UTC)
    payments = list(afterpay.iter_payments(created_from=now - LOOKBACK, created_to=now + timedelta(minutes=5)))
    prefetch_absent(cin7, OrderStore(services.redis, services.keys), payments)
    resolver = CustomerResolver(cin7, services.redis, services.keys)
    prefetch_customers(cin7, resolver, customer_emails(payments, services.rules))
    jobs = enqueue_batch(services, payments, kind="demo-sync")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(job.get_status() not in ("finished", "failed") for job in jobs):
        time.sleep(0.5)

    results = [job.return_value() if job.get_status() == "finished" else None for job in jobs]
    problems = [
        f"{job.meta.get('orderId')}: job {job.get_status()}" for job, r in zip(jobs, results, strict=True) if r is None
    ]
    rows = {str(row.get("ExternalID")): row for row in cin7.iter_sales()}
    for payment, result in zip(payments, results, strict=True):
        if result is None:
            continue
        mapped = map_payment(payment, services.rules)
        row = rows.get(payment.id)
        if result["action"] == "skipped" or mapped.skip_reason:
            continue
        if row is None:
            problems.append(f"{payment.id}: no Cin7 sale")
            continue
        invoiced, paid = expected_cin7_amounts(mapped)
        got = (Decimal(str(row.get("InvoiceAmount") or 0)), Decimal(str(row.get("PaidAmount") or 0)))
        if (mapped.state.value in ("voided", "expired")) != (row.get("Status") == "VOIDED") or got != (invoiced, paid):
            problems.append(
                f"{payment.id}: Cin7 shows {row.get('Status')} {got}, expected {mapped.state.value} {(invoiced, paid)}"
            )
    done = [r for r in results if r is not None]
    return {
        "orders": len(payments),
        "synced": len(done),
        "failed": len(payments) - len(done),
        "cin7Calls": cin7.calls + sum(r["apiCalls"]["cin7"] for r in done),
        "cin7Throttled": cin7.throttled + sum(r["apiCalls"].get("cin7Throttled", 0) for r in done),
        "afterpayCalls": afterpay.calls + sum(r["apiCalls"]["afterpay"] for r in done),
        "seconds": round(time.monotonic() - started, 1),
        "correct": not problems,
        "problems": problems,
    }
