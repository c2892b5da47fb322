"""GST (or sales tax) on Cin7 lines and charges.

Two sources of truth, in order (mapping rule 5, docs/mapping.md "Money and GST"):

1. Afterpay's ``taxAmount`` — "the included tax amount, after applying all discounts"
   (afterpay.md §9). When present it is what the storefront charged, so the lines' tax must
   add up to it exactly: ``allocate_tax`` spreads it over the taxable lines and charges in
   proportion to their totals, by largest remainder (``money.allocate``).
2. Otherwise the configured rule's rate, line by line: ``line_tax`` rounds each line's tax
   half-up to the cent, the way Cin7 itself computes a line (cin7.md A8: Tax per line).

Rates are percentages, as Cin7's ``TaxPercent`` is (cin7.md A14 ``/ref/tax``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.domain.money import ZERO, allocate, cents


def line_tax(total: Decimal, rate_percent: Decimal, *, inclusive: bool) -> Decimal:
    """Tax of one line from its rate, rounded half-up to the cent.

    Tax-inclusive (AU/NZ GST): the tax inside ``total`` = total x rate / (100 + rate).
    Tax-exclusive (US/CA sales tax): the tax added on top = total x rate / 100.
    """
    if rate_percent == 0:
        return ZERO
    if inclusive:
        return cents(total * rate_percent / (Decimal(100) + rate_percent))
    return cents(total * rate_percent / Decimal(100))


def proportional_share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``amount x part / whole`` rounded half-up to the cent (0 when ``whole`` is 0)."""
    if whole == 0:
        return ZERO
    return cents(amount * part / whole)


@dataclass(frozen=True)
class Allocation:
    """Result of ``allocate_tax``: one tax per line, and a note when a fallback was needed."""

    taxes: tuple[Decimal, ...]
    note: str | None = None


def allocate_tax(tax_amount: Decimal, totals: Sequence[Decimal], taxable: Sequence[bool]) -> Allocation:
    """Spread ``tax_amount`` over lines in proportion to their totals; Σ = tax_amount exactly.

    GST-free lines get 0. The weights are the taxable lines' totals, negative ones included
    (a discount carries negative tax). When those do not give a usable base — they sum to
    zero or less, which happens only when discounts outweigh the taxable goods or the merchant's
    GST-free settings disagree with Afterpay's ``taxAmount`` — the base narrows step by step:
    taxable lines with a positive total, then every line with a positive total, then the
    first line, and ``note`` says which was used.
    """
    if len(totals) != len(taxable):
        raise ValueError("totals and taxable must have the same length")
    if not totals:
        raise ValueError("no lines to carry the tax")
    if tax_amount == 0:
        return Allocation(tuple(ZERO for _ in totals))
    steps: list[tuple[list[bool], str | None]] = [
        ([bool(t) for t in taxable], None),
        (
            [bool(t) and v > 0 for t, v in zip(taxable, totals, strict=True)],
            "taxAmount allocated over the taxable lines with a positive total only (discounts exceed them)",
        ),
        (
            [v > 0 for v in totals],
            "taxAmount allocated over all lines: no taxable line carries value (check tax.free_skus/"
            "free_categories against Afterpay's taxAmount)",
        ),
    ]
    for mask, note in steps:
        weights = [v if m else ZERO for v, m in zip(totals, mask, strict=True)]
        base = sum(weights, ZERO)
        if base > 0:
            return Allocation(tuple(allocate(tax_amount, weights)), note)
    taxes = [ZERO for _ in totals]
    taxes[0] = cents(tax_amount)
    return Allocation(tuple(taxes), "taxAmount placed on the first line: no line carries a positive value")
