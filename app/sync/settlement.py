"""Checking an Afterpay settlement file against Cin7, and taking its fees into the GST ledger.

For each order in the file the check needs the Cin7 PAYMENTs and REFUNDs one by one
(app.domain.settlement.match_settlement): one ``GET /sale`` per order, found through the
bridge's own cross-reference, else one exact ``ExternalID`` look-up first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import redis

from app.cin7.client import Cin7Client
from app.cin7.errors import Cin7NotFound
from app.domain.gst_report import FeeEntry
from app.domain.money import cents
from app.domain.reconcile import Discrepancy
from app.domain.settlement import Cin7Recorded, SettlementFile, match_settlement
from app.domain.times import utc_text
from app.store.keys import Keys
from app.store.orders import OrderStore


def _amounts(items: Any, key: str = "Amount") -> tuple[Decimal, ...]:
    return tuple(cents(Decimal(str(item.get(key) or 0))) for item in items)


class SettlementCheck:
    """Reads what Cin7 recorded for the orders of a settlement file and matches the rows."""

    def __init__(self, *, cin7: Cin7Client, redis_client: redis.Redis, keys: Keys) -> None:
        self._cin7 = cin7
        self._orders = OrderStore(redis_client, keys)

    def run(self, parsed: SettlementFile) -> list[Discrepancy]:
        order_ids = dict.fromkeys(row.afterpay_order_id for row in parsed.rows)
        return match_settlement(parsed.rows, {order_id: self._recorded(order_id) for order_id in order_ids})

    def _recorded(self, order_id: str) -> Cin7Recorded:
        known = self._orders.load(order_id).sale_id
        sale_ids = [known] if known else [str(r["SaleID"]) for r in self._cin7.find_sales_by_external_id(order_id)]
        payments: list[Decimal] = []
        refunds: list[Decimal] = []
        live: list[str] = []
        for sale_id in sale_ids:
            try:
                sale = self._cin7.get_sale(sale_id)
            except Cin7NotFound:
                continue
            if sale.get("Status") == "VOIDED":
                continue
            live.append(sale_id)
            payments += [a for invoice in sale.get("Invoices") or [] for a in _amounts(invoice.get("Payments") or [])]
            refunds += [a for note in sale.get("CreditNotes") or [] for a in _amounts(note.get("Refunds") or [])]
        return Cin7Recorded(sale_ids=tuple(live), payments=tuple(payments), refunds=tuple(refunds))


def fee_entries(parsed: SettlementFile, zone: ZoneInfo) -> list[FeeEntry]:
    """Each row's merchant fee and the GST on it, dated at the start of its settlement day
    in ``zone`` (Afterpay's tax invoice for the fees follows the settlement)."""
    entries = []
    for row in parsed.rows:
        day = row.settlement_date
        identity = "|".join(
            str(part)
            for part in (row.afterpay_order_id, row.type.value, day, row.settlement_amount, row.fee_incl_tax,
                         row.order_datetime, row.refund_datetime, row.afterpay_refund_id, row.merchant_refund_id)
        )  # fmt: skip
        entries.append(
            FeeEntry(
                key=hashlib.sha256(identity.encode()).hexdigest()[:24],
                order_id=row.afterpay_order_id,
                at=datetime(day.year, day.month, day.day, tzinfo=zone),
                fee_ex_gst=row.fee_excl_tax,
                gst=row.fee_tax,
                currency=str(row.extra.get("Currency") or row.extra.get("currency") or "AUD"),
            )
        )
    return entries


def settlement_report(
    parsed: SettlementFile,
    discrepancies: Sequence[Discrepancy],
    *,
    report_id: str,
    created: datetime,
    timezone: str,
    new_fees: int,
    api_calls: dict[str, int],
) -> dict[str, Any]:
    """What a reader wants from a settlement check: deposits per date, then discrepancies."""
    orders = {row.afterpay_order_id for row in parsed.rows}
    return {
        "id": report_id,
        "createdAt": utc_text(created),
        "timezone": timezone,
        "counts": {"rows": len(parsed.rows), "orders": len(orders), "discrepancies": len(discrepancies)},
        "summaries": [summary.to_dict() for summary in parsed.summaries()],
        "warnings": [issue.to_dict() for issue in parsed.warnings],
        "feesRecorded": new_fees,
        "apiCalls": api_calls,
        "discrepancies": [d.to_dict() for d in discrepancies],
    }
