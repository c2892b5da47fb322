"""GST per line and allocation of Afterpay's taxAmount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.gst import allocate_tax, line_tax, proportional_share

D = Decimal


@pytest.mark.parametrize(
    ("total", "rate", "inclusive", "expected"),
    [
        ("110.00", "10", True, "10.00"),
        ("30.00", "10", True, "2.73"),  # 2.7272...
        ("0.06", "10", True, "0.01"),  # 0.00545 half-up
        ("0.05", "10", True, "0.00"),
        ("-10.00", "10", True, "-0.91"),  # discounts carry negative GST
        ("115.00", "15", True, "15.00"),  # NZ
        ("100.00", "8.25", False, "8.25"),  # US sales tax on top
        ("99.99", "0", True, "0.00"),  # GST-free
    ],
)
def test_line_tax(total: str, rate: str, inclusive: bool, expected: str) -> None:
    assert str(line_tax(D(total), D(rate), inclusive=inclusive)) == expected


def test_proportional_share() -> None:
    assert proportional_share(D("20.00"), D("2.73"), D("30.00")) == D("1.82")
    assert proportional_share(D("5.00"), D("1.00"), D("0.00")) == D("0.00")


@pytest.mark.parametrize(
    ("tax", "totals", "taxable", "expected", "note"),
    [
        # Proportional to the taxable totals; GST-free lines get nothing.
        ("9.54", ["79.90", "25.00", "10.00", "-10.00"], [True] * 4, ["7.27", "2.27", "0.91", "-0.91"], None),
        ("1.00", ["11.00", "5.00"], [True, False], ["1.00", "0.00"], None),
        # Residue: equal remainders, the largest line takes the cent first.
        ("0.01", ["10.00", "30.00", "30.00"], [True, True, True], ["0.00", "0.01", "0.00"], None),
        # Zero tax stays zero everywhere.
        ("0.00", ["10.00", "-3.00"], [True, True], ["0.00", "0.00"], None),
        # Discounts outweigh the taxable goods: only positive taxable lines carry the tax.
        ("0.50", ["10.00", "20.00", "-15.00"], [True, False, True], ["0.50", "0.00", "0.00"], "positive total only"),
        # Merchant says everything is GST-free but Afterpay charged tax: spread over all lines.
        ("1.00", ["30.00", "10.00"], [False, False], ["0.75", "0.25"], "over all lines"),
        # Nothing carries value at all: the first line takes it.
        ("0.10", ["0.00", "0.00"], [True, True], ["0.10", "0.00"], "first line"),
    ],
)
def test_allocate_tax(tax: str, totals: list[str], taxable: list[bool], expected: list[str], note: str | None) -> None:
    allocation = allocate_tax(D(tax), [D(t) for t in totals], taxable)
    assert [str(t) for t in allocation.taxes] == expected
    assert sum(allocation.taxes, D(0)) == D(tax)
    if note is None:
        assert allocation.note is None
    else:
        assert allocation.note is not None and note in allocation.note


def test_allocate_tax_over_many_one_cent_lines() -> None:
    # 150 one-cent lines and one 500.00 line share 45.46: every share is its exact value
    # floored or plus one cent. The big line's remainder (0.40 c) is the largest, so it takes
    # the first leftover cent; the other 13 go to the first one-cent lines (equal remainders,
    # equal weights: input order).
    totals = [D("0.01")] * 150 + [D("500.00")]
    allocation = allocate_tax(D("45.46"), totals, [True] * len(totals))
    assert sum(allocation.taxes, D(0)) == D("45.46")
    assert allocation.taxes[-1] == D("45.33")
    assert allocation.taxes[:13] == tuple([D("0.01")] * 13)
    assert set(allocation.taxes[13:150]) == {D("0.00")}


def test_allocate_tax_argument_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        allocate_tax(D("1.00"), [D("1.00")], [])
    with pytest.raises(ValueError, match="no lines"):
        allocate_tax(D("1.00"), [], [])
