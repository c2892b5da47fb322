"""The money invariants every mapped order must satisfy (DESIGN.md §3.1, docs/mapping.md).

Used by the table tests and the hypothesis properties alike, so a bug found by one is
checked the same way by the other.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.afterpay import Payment
from app.domain.cin7_documents import AdditionalCharge, ChargeKind, MappedOrder, SaleLine
from app.domain.ledger import OrderState, read_ledger
from app.domain.rules import MappingRules

_TWO_DP = re.compile(r"^-?\d+\.\d{2}$")
CENT = Decimal("0.01")


def _is_2dp(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def _price_ok(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(value, Decimal) and isinstance(exponent, int) and -4 <= exponent <= -2


def assert_formula(entry: SaleLine | AdditionalCharge) -> None:
    """Cin7's check: Total = round(Quantity x Price x (1 - Discount/100), 2), to the cent."""
    expected = (entry.quantity * entry.price * (1 - entry.discount / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert entry.total == expected, (entry, expected)
    assert _is_2dp(entry.total), entry
    assert _is_2dp(entry.tax), entry
    assert _price_ok(entry.price), entry
    assert isinstance(entry.quantity, int) and entry.quantity >= 1, entry


def assert_no_float(value: Any, path: str = "") -> None:
    """Every number in a to_dict() tree is a Decimal (money) or an int (a Quantity)."""
    if isinstance(value, dict):
        for key, child in value.items():
            assert_no_float(child, f"{path}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            assert_no_float(child, f"{path}/{index}")
    else:
        assert not isinstance(value, float), path
        if isinstance(value, int) and not isinstance(value, bool):
            assert path.endswith("/Quantity"), path


def assert_invariants(payment: Payment, rules: MappingRules, mapped: MappedOrder) -> None:
    """Every money invariant of the mapping, to the cent."""
    ledger = read_ledger(payment, void_entry_window_seconds=rules.afterpay.void_entry_window_seconds)
    inclusive = rules.tax.prices_include_tax
    order = mapped.order
    entries: list[SaleLine | AdditionalCharge] = [*order.lines, *order.additional_charges]
    for entry in entries:
        assert_formula(entry)
    sum_total = sum((e.total for e in entries), Decimal("0.00"))
    sum_tax = sum((e.tax for e in entries), Decimal("0.00"))
    payable = sum_total if inclusive else sum_total + sum_tax

    # Lines + charges = totals.total = originalAmount - voided.
    assert payable == mapped.totals.total == ledger.original - ledger.voided
    # The tax of lines and non-cancellation charges is Afterpay's taxAmount when given.
    tax_amount = payment.details.tax_amount
    if tax_amount is not None:
        non_cancel = sum(
            (c.tax for c in order.additional_charges if c.kind is not ChargeKind.CANCELLED),
            sum((line.tax for line in order.lines), Decimal("0.00")),
        )
        assert non_cancel == tax_amount.amount
    assert mapped.totals.tax == sum_tax
    assert mapped.totals.tax <= mapped.totals.total or mapped.totals.total <= 0
    # Payments = captured (whenever there is an invoice to pay).
    if mapped.invoice is not None:
        assert sum((p.amount for p in mapped.payments), Decimal("0.00")) == ledger.captured
        assert all(p.type == "PAYMENT" and _is_2dp(p.amount) and p.amount > 0 for p in mapped.payments)
    else:
        assert mapped.payments == ()
        assert mapped.credit_notes == ()
    if mapped.state in (OrderState.PAID, OrderState.PARTIALLY_PAID) and rules.status_map.invoice_partially_paid:
        assert mapped.invoice is not None
    if mapped.state not in (OrderState.PAID, OrderState.PARTIALLY_PAID):
        assert mapped.invoice is None
    # Credit-note refunds = real refunds (when invoiced), never void entries.
    refunds = [r for note in mapped.credit_notes for r in note.refunds]
    if mapped.invoice is not None:
        assert sum((r.amount for r in refunds), Decimal("0.00")) == ledger.refunded == mapped.totals.refunded
    void_ids = {e.refund_id for e in ledger.void_entries}
    assert not void_ids & {note.reference for note in mapped.credit_notes}
    for note in mapped.credit_notes:
        for charge in note.additional_charges:
            assert_formula(charge)
            assert charge.total >= 0 or not inclusive
        charges_total = sum((c.total for c in note.additional_charges), Decimal("0.00"))
        charges_tax = sum((c.tax for c in note.additional_charges), Decimal("0.00"))
        assert note.tax == charges_tax
        assert note.total == (charges_total if inclusive else charges_total + charges_tax)
        assert note.total == sum((r.amount for r in note.refunds), Decimal("0.00"))
        assert all(r.type == "REFUND" and _is_2dp(r.amount) for r in note.refunds)
    # References are unique, stable keys of at most 256 characters.
    references = [p.reference for p in mapped.payments] + [r.reference for r in refunds]
    assert len(references) == len(set(references))
    assert all(len(ref) <= 256 for ref in references)

    body = mapped.to_dict()
    assert_no_float(body)
    assert body["state"] == mapped.state.value
    for key in ("total", "tax", "captured", "refunded", "voided", "open"):
        assert _TWO_DP.match(body["totals"][key]), body["totals"]
    assert body["totals"]["captured"] == f"{ledger.captured}"
    assert body["totals"]["voided"] == f"{ledger.voided}"
