"""The money convention of the simulated documents (docs/sandbox-cin7.md "Money").

A line or additional charge has ``Quantity``, a unit ``Price`` (≤ 4 dp), a percent ``Discount``;
its ``Total`` is ``round(Quantity x Price x (1 - Discount/100), 2)``. On a tax-inclusive sale the
Total includes tax and ``Tax`` is the tax inside it; on a tax-exclusive sale the Total excludes
tax. A document's Total, Tax and TotalBeforeTax are sums over its lines and charges. Amounts are
rounded half away from zero to the cent, as money is on an invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
# cin7.md A8: a line's Total is "for validation"; the simulator allows a cent of rounding slack.
TOLERANCE = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half away from zero to 2 decimal places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    """``round(Quantity x Price x (1 - Discount/100), 2)``."""
    return cents(quantity * price * (HUNDRED - discount) / HUNDRED)


def tax_in(total: Decimal, percent: Decimal, *, inclusive: bool) -> Decimal:
    """The tax of a line whose Total is ``total``: inside it (inclusive) or on top of it."""
    if inclusive:
        return cents(total * percent / (HUNDRED + percent))
    return cents(total * percent / HUNDRED)


@dataclass(frozen=True)
class Totals:
    """A document's TotalBeforeTax, Tax and Total."""

    before_tax: Decimal
    tax: Decimal
    total: Decimal


def document_totals(amounts: Iterable[tuple[Decimal, Decimal]], *, inclusive: bool) -> Totals:
    """Totals of a document from ``(line Total, line Tax)`` pairs of its lines and charges."""
    total_of_lines = ZERO
    tax = ZERO
    for total, line_tax in amounts:
        total_of_lines += total
        tax += line_tax
    if inclusive:
        return Totals(before_tax=total_of_lines - tax, tax=tax, total=total_of_lines)
    return Totals(before_tax=total_of_lines, tax=tax, total=total_of_lines + tax)
