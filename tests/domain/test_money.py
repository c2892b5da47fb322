"""Decimal helpers: rounding, formatting, largest-remainder allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.money import allocate, cents, currency_exponent, format_amount, from_minor, is_cents, price, to_minor

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero: negatives mirror positives
        ("-0.004", "0.00"),  # never "-0.00"
        ("2.675", "2.68"),  # Decimal, not binary float: 2.675 really is 2.675
        ("10", "10.00"),
        ("1E+2", "100.00"),
    ],
)
def test_cents_rounds_half_up_to_two_places(value: str, expected: str) -> None:
    result = cents(D(value))
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.23456", "1.2346"), ("1.2", "1.20"), ("0.33335", "0.3334"), ("5", "5.00"), ("1.2300", "1.23")],
)
def test_price_keeps_up_to_four_places(value: str, expected: str) -> None:
    assert str(price(D(value))) == expected


def test_helpers() -> None:
    assert is_cents(D("1.10")) and not is_cents(D("1.105"))
    assert format_amount(D("7")) == "7.00"
    assert format_amount(D("-0.001")) == "0.00"
    assert to_minor(D("12.34")) == 1234 and from_minor(-5) == D("-0.05")
    assert currency_exponent("AUD") == 2 and currency_exponent("XYZ") == 2


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        # Residue to the largest remainder.
        ("1.00", ["1", "1", "1"], ["0.34", "0.33", "0.33"]),
        # Equal remainders: the largest line wins the cent, then input order.
        ("0.01", ["1.00", "3.00", "3.00"], ["0.00", "0.01", "0.00"]),
        ("0.02", ["1.00", "3.00", "3.00"], ["0.00", "0.01", "0.01"]),
        ("10.00", ["60.00", "40.00"], ["6.00", "4.00"]),
        # Zero weights get nothing.
        ("0.05", ["0.00", "10.00", "0.00"], ["0.00", "0.05", "0.00"]),
        # Negative weights (discounts) take a negative share.
        ("1.00", ["12.00", "-1.00"], ["1.09", "-0.09"]),
        # A negative total spreads the same way.
        ("-1.00", ["1", "1", "1"], ["-0.33", "-0.33", "-0.34"]),
        # One-cent lines.
        ("0.01", ["0.01"] * 5, ["0.01", "0.00", "0.00", "0.00", "0.00"]),
    ],
)
def test_allocate_table(total: str, weights: list[str], expected: list[str]) -> None:
    result = allocate(D(total), [D(w) for w in weights])
    assert [str(r) for r in result] == expected
    assert sum(result, D(0)) == D(total)


def test_allocate_refuses_zero_weights() -> None:
    with pytest.raises(ValueError, match="sum to zero"):
        allocate(D("1.00"), [D("1.00"), D("-1.00")])


@settings(max_examples=500, deadline=None)
@given(
    total=st.integers(-100_000, 100_000),
    weights=st.lists(st.integers(-50_000, 200_000), min_size=1, max_size=30).filter(lambda w: sum(w) != 0),
)
def test_allocate_always_sums_exactly(total: int, weights: list[int]) -> None:
    shares = allocate(from_minor(total), [from_minor(w) for w in weights])
    assert sum(shares, D(0)) == from_minor(total)
    denominator = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = D(total) * D(weight) / D(denominator) / 100
        # Largest remainder: each share is its exact value floored, or floored plus one cent.
        assert exact - D("0.01") < share <= exact + D("0.01")
        assert share.as_tuple().exponent == -2
