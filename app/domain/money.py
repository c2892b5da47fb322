"""Decimal money helpers: rounding, formatting and allocation by largest remainder.

Afterpay sends money as 2-dp strings (afterpay.md §2) and Cin7 Core takes amounts with 2 dp
and prices with up to 4 dp (cin7.md A8, A10). Everything here works on ``Decimal`` with an
explicit quantum and ``ROUND_HALF_UP``; nothing ever touches a float.

``ROUND_HALF_UP`` in ``decimal`` is symmetric: halves round away from zero, so
``-0.005`` becomes ``-0.01`` just as ``0.005`` becomes ``0.01``. Negative amounts (discounts,
voids) therefore round like the positive amounts they mirror.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

#: One cent, the quantum of every amount.
CENT = Decimal("0.01")
#: The quantum of a Cin7 unit price (cin7.md A8: Price ≤ 4 dp).
PRICE_QUANTUM = Decimal("0.0001")
ZERO = Decimal("0.00")

#: ISO 4217 minor-unit exponents of the currencies Afterpay's v2 spec lists (afterpay.md §2,
#: §9) plus EUR (Clearpay ES/FR/IT). All are 2; the table exists so that a currency with a
#: different exponent is a one-line change rather than a hidden assumption.
CURRENCY_EXPONENTS: dict[str, int] = {"AUD": 2, "NZD": 2, "USD": 2, "CAD": 2, "GBP": 2, "EUR": 2}

#: The currencies the Afterpay v2 spec accepts in a Money object (afterpay.md §2).
AFTERPAY_CURRENCIES: tuple[str, ...] = ("AUD", "NZD", "USD", "CAD", "GBP")


def currency_exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (2 when the code is unknown)."""
    return CURRENCY_EXPONENTS.get(currency, 2)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent, always with exactly two decimal places."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    # A negative zero ("-0.00") is still zero; normalise it so it never reaches a document.
    return ZERO if rounded == 0 else rounded


def price(value: Decimal) -> Decimal:
    """``value`` rounded half-up to a Cin7 unit price (4 dp), trailing zeros kept to 2 dp."""
    rounded = value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)
    if rounded == rounded.quantize(CENT):
        return cents(rounded)
    return rounded


def is_cents(value: Decimal) -> bool:
    """True when ``value`` is exactly representable with two decimal places."""
    return value == value.quantize(CENT)


def format_amount(value: Decimal) -> str:
    """The Afterpay wire form of an amount: a string with exactly two decimal places."""
    return str(cents(value))


def to_minor(value: Decimal) -> int:
    """``value`` (already a whole number of cents) as an integer number of cents."""
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_minor(value: int) -> Decimal:
    """An integer number of cents as a 2-dp ``Decimal`` (exact: a shift of the exponent)."""
    return Decimal(value).scaleb(-2)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (2 dp) into cents proportionally to ``weights``, summing to it exactly.

    Largest-remainder method: every share is first floored to the cent, then the cents left
    over go one each to the shares with the largest fractional remainders. Ties go to the
    largest weight, then to the earliest position, so the result is deterministic and the
    rounding residue lands on the largest line first (DESIGN.md §4 "rounding residue to the
    largest line").

    Weights may be negative (discount charges carry negative tax) as long as they do not sum
    to zero; the caller decides what to do then (``ValueError`` here).
    """
    total_c = to_minor(total)
    weight_c = [to_minor(w) for w in weights]
    denominator = sum(weight_c)
    if denominator == 0:
        raise ValueError("cannot allocate over weights that sum to zero")
    # Work with a positive denominator so floor division and remainders behave as expected:
    # share_i = total * w_i / W is unchanged when both numerator and W change sign.
    sign = 1 if denominator > 0 else -1
    denominator *= sign
    numerators = [total_c * w * sign for w in weight_c]
    floors = [n // denominator for n in numerators]
    remainders = [n - f * denominator for n, f in zip(numerators, floors, strict=True)]
    residue = total_c - sum(floors)
    # 0 <= residue < number of shares with a non-zero remainder (the shares sum to total).
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weight_c[i], i))
    for i in order[:residue]:
        floors[i] += 1
    return [from_minor(f) for f in floors]
