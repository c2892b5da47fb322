"""The month-end GST summary: GST collected on Afterpay sales per Cin7 invoices and credit
notes, and GST on Afterpay's fees, to the cent. Pure: the ledger (app.store.gst) supplies
the documents and fees of the month.

A month is cut in the merchant's time zone: ``month_window("2026-11", Australia/Sydney)`` is
2026-10-31T13:00Z to 2026-11-30T13:00Z. GST collected = invoices' GST less credit notes'
GST; GST on fees is an input-tax credit, so the net is what the Afterpay channel adds to the
BAS (1A less 1B) — before anything else the business sells or buys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.money import ZERO, format_amount
from app.domain.times import utc_text


@dataclass(frozen=True)
class GstDocument:
    """An invoice or credit note as the ledger keeps it; amounts tax-inclusive, in the sale's currency."""

    order_id: str
    sale_id: str
    task_id: str
    kind: str
    """``invoice`` or ``credit_note``."""
    number: str | None
    at: datetime
    total: Decimal
    tax: Decimal
    currency: str

    @property
    def key(self) -> str:
        return f"{self.sale_id.lower()}:{self.kind}:{self.task_id.lower()}"

    def to_json(self) -> str:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return json.dumps(data, default=str)

    @classmethod
    def from_json(cls, text: str) -> GstDocument:
        data = json.loads(text)
        return cls(
            **{**data, "at": datetime.fromisoformat(data["at"]), "total": Decimal(data["total"]),
               "tax": Decimal(data["tax"])}
        )  # fmt: skip


@dataclass(frozen=True)
class FeeEntry:
    """One settlement row's Afterpay fee (a capture's fee, or a refund's fee returned)."""

    key: str
    order_id: str
    at: datetime
    fee_ex_gst: Decimal
    gst: Decimal
    currency: str

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "at": self.at.isoformat()}, default=str)

    @classmethod
    def from_json(cls, text: str) -> FeeEntry:
        data = json.loads(text)
        return cls(
            **{**data, "at": datetime.fromisoformat(data["at"]), "fee_ex_gst": Decimal(data["fee_ex_gst"]),
               "gst": Decimal(data["gst"])}
        )  # fmt: skip


_MONTH = re.compile(r"\d{4}-\d{2}")


class BadMonth(ValueError):
    """A month that is not ``YYYY-MM``."""


def month_window(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of calendar month ``YYYY-MM`` in ``zone``."""
    if not _MONTH.fullmatch(month):
        raise BadMonth(f"{month!r} is not a month in the form YYYY-MM")
    year, number = int(month[:4]), int(month[5:])
    if not (1 <= number <= 12 and 1900 <= year <= 2999):
        raise BadMonth(f"{month!r} is not a month between 1900-01 and 2999-12")
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def gst_summary(
    month: str, zone: ZoneInfo, documents: Iterable[GstDocument], fees: Iterable[FeeEntry]
) -> dict[str, Any]:
    """The month's figures, per currency (an AU merchant has only AUD; an NZ one NZD)."""
    start, end = month_window(month, zone)
    docs = list(documents)
    fee_list = list(fees)
    currencies = sorted({d.currency for d in docs} | {f.currency for f in fee_list}) or ["AUD"]
    by_currency = []
    for currency in currencies:
        invoices = [d for d in docs if d.currency == currency and d.kind == "invoice"]
        notes = [d for d in docs if d.currency == currency and d.kind == "credit_note"]
        own_fees = [f for f in fee_list if f.currency == currency]
        invoice_gst = sum((d.tax for d in invoices), ZERO)
        note_gst = sum((d.tax for d in notes), ZERO)
        fee_gst = sum((f.gst for f in own_fees), ZERO)
        collected = invoice_gst - note_gst
        by_currency.append(
            {
                "currency": currency,
                "sales": {
                    "invoices": len(invoices),
                    "invoiceTotal": format_amount(sum((d.total for d in invoices), ZERO)),
                    "invoiceGst": format_amount(invoice_gst),
                    "creditNotes": len(notes),
                    "creditNoteTotal": format_amount(sum((d.total for d in notes), ZERO)),
                    "creditNoteGst": format_amount(note_gst),
                    "gstCollected": format_amount(collected),
                },
                "fees": {
                    "rows": len(own_fees),
                    "feesExGst": format_amount(sum((f.fee_ex_gst for f in own_fees), ZERO)),
                    "gstOnFees": format_amount(fee_gst),
                },
                "netGst": format_amount(collected - fee_gst),
            }
        )
    return {
        "month": month,
        "timezone": zone.key,
        "from": utc_text(start),
        "to": utc_text(end),
        "currencies": by_currency,
    }
