"""The Afterpay settlement export: messy files read, bad values located, sums to the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.domain.reconcile import DiscrepancyType
from app.domain.settlement import (
    COLUMNS,
    Cin7Recorded,
    SettlementCsvError,
    SettlementRow,
    SettlementType,
    Severity,
    match_settlement,
    parse_amount,
    parse_settlement_csv,
    parse_settlement_date,
    parse_settlement_datetime,
    summarise,
)

D = Decimal

# The documented column order (afterpay.md §8), "$" amounts, a quoted thousands separator,
# a refund with negative amounts and its refund id, and one order captured in two parts
# that settle on two days.
CLEAN = (
    ",".join(COLUMNS)
    + "\n"
    + "\n".join(
        [
            "21/04/2024,20/04/2024 17:28,Apr,2024,400123851542,WEB-1001,,$85.95,$85.95,$5.46,$0.55,$6.01,$79.94,"
            "Order,Online,Sydney,ST-1,,,,,,AU",
            '21/04/2024,20/04/2024 18:02,Apr,2024,400123851543,WEB-1002,,"$1,234.50","$1,234.50",$74.07,$7.41,'
            '$81.48,"$1,153.02",Order,Online,Sydney,ST-1,,,,,,AU',
            "21/04/2024,02/04/2024 09:15,Apr,2024,400123851500,WEB-0990,RF-77,$40.00,-$10.00,-$0.30,-$0.03,-$0.33,"
            "-$9.67,Refund,Online,Sydney,ST-1,,,3388,20/04/2024 11:00,,AU",
            "22/04/2024,21/04/2024 08:00,Apr,2024,400123851544,WEB-1003,,$30.00,$10.00,$0.64,$0.06,$0.70,$9.30,"
            "Order,Online,Sydney,ST-1,,,,,,AU",
            "23/04/2024,21/04/2024 08:00,Apr,2024,400123851544,WEB-1003,,$30.00,$20.00,$1.27,$0.13,$1.40,$18.60,"
            "Order,Online,Sydney,ST-1,,,,,,AU",
        ]
    )
    + "\n"
)

# The same money as exported and then handled by people: a BOM, CRLF, a title line, blank
# lines, reordered and re-spelt headers, an extra column, ISO dates, amounts with and
# without symbols, "A$", and a refund in accounting brackets.
MESSY = (
    "\ufeffAfterpay settlement export 21/04/2024 - 23/04/2024\r\n"
    "\r\n"
    "afterpay order id , TYPE,Settlement  Date,Order Amount,settlement amount,Merchant Fee excl. Tax,"
    "merchant fee tax,MERCHANT FEE INCL TAX,Net Settlement Amount,Payment Event ID\r\n"
    "400123851542,Order,2024-04-21,85.95,85.95,5.46,0.55,6.01,79.94,ev-1\r\n"
    '400123851543,order,2024-04-21,"A$1,234.50","A$1,234.50",$74.07,$7.41,$81.48,"$1,153.02",ev-2\r\n'
    "\r\n"
    "400123851500,Refund,21/04/2024,$40.00,($10.00),-0.30,$-0.03,-$0.33,-9.67,\r\n"
    "400123851544,Order,22/04/2024,30,10,0.64,0.06,0.7,9.3,ev-4\r\n"
    "400123851544,Order,23/04/2024,30.00,20.00,1.27,0.13,1.40,18.60,ev-5\r\n"
    ",,,,,,,,,\r\n"
)


def test_the_documented_file() -> None:
    parsed = parse_settlement_csv(CLEAN)
    assert parsed.warnings == ()
    assert parsed.columns == COLUMNS
    assert parsed.extra_columns == ()
    assert [r.line for r in parsed.rows] == [2, 3, 4, 5, 6]
    first, second, refund, *_ = parsed.rows
    assert first == SettlementRow(
        line=2,
        settlement_date=date(2024, 4, 21),
        type=SettlementType.ORDER,
        afterpay_order_id="400123851542",
        order_amount=D("85.95"),
        settlement_amount=D("85.95"),
        fee_excl_tax=D("5.46"),
        fee_tax=D("0.55"),
        fee_incl_tax=D("6.01"),
        net_settlement_amount=D("79.94"),
        order_datetime=datetime(2024, 4, 20, 17, 28, tzinfo=UTC),
        order_month="Apr",
        order_year=2024,
        merchant_order_id="WEB-1001",
        channel="Online",
        store_name="Sydney",
        store_id="ST-1",
        consumer_country="AU",
    )
    assert second.settlement_amount == D("1234.50")
    assert (refund.type, refund.settlement_amount, refund.money_moved) == (SettlementType.REFUND, D("-10.00"), D("10"))
    assert (refund.afterpay_refund_id, refund.merchant_refund_id) == ("3388", "RF-77")
    assert refund.refund_datetime == datetime(2024, 4, 20, 11, 0, tzinfo=UTC)


def test_a_messy_file_reads_to_the_same_money() -> None:
    clean = parse_settlement_csv(CLEAN)
    messy = parse_settlement_csv(MESSY)
    assert messy.extra_columns == ("Payment Event ID",)
    assert [r.line for r in messy.rows] == [4, 5, 7, 8, 9]
    assert messy.rows[0].extra == {"Payment Event ID": "ev-1"}

    def money(row: SettlementRow) -> tuple[object, ...]:
        return (
            row.settlement_date,
            row.type,
            row.afterpay_order_id,
            row.order_amount,
            row.settlement_amount,
            row.fee_excl_tax,
            row.fee_tax,
            row.fee_incl_tax,
            row.net_settlement_amount,
        )

    assert [money(r) for r in messy.rows] == [money(r) for r in clean.rows]
    assert messy.summaries() == clean.summaries()


def test_summaries_per_settlement_date_to_the_cent() -> None:
    day1, day2, day3 = parse_settlement_csv(CLEAN).summaries()
    assert day1.to_dict() == {
        "settlementDate": "2024-04-21",
        "orders": 2,
        "refundCount": 1,
        "gross": "1320.45",
        "refunds": "-10.00",
        "settlement": "1310.45",
        "merchantFeeExclTax": "79.23",
        "merchantFeeTax": "7.93",
        "merchantFeeInclTax": "87.16",
        "net": "1223.29",
    }
    assert (day2.settlement_date, day2.gross, day2.fee_incl_tax, day2.net) == (
        date(2024, 4, 22),
        D(10),
        D("0.70"),
        D("9.30"),
    )
    assert (day3.gross, day3.fee_excl_tax, day3.fee_tax, day3.net) == (D(20), D("1.27"), D("0.13"), D("18.60"))
    for day in (day1, day2, day3):
        assert day.settlement - day.fee_incl_tax == day.net
        assert day.fee_excl_tax + day.fee_tax == day.fee_incl_tax
    assert summarise([]) == []


def test_a_missing_required_column_is_named() -> None:
    text = (
        "Settlement Date,Afterpay Order ID,Order Amount,Settlement Amount,Merchant Fee excl Tax,Net Settlement Amount\n"
    )
    with pytest.raises(SettlementCsvError) as caught:
        parse_settlement_csv(text + "21/04/2024,1,1.00,1.00,0.10,0.89\n")
    issues = caught.value.issues
    assert [(i.line, i.column) for i in issues] == [(1, "Type"), (1, "Merchant Fee Tax"), (1, "Merchant Fee incl Tax")]
    assert "required column 'Merchant Fee Tax' is missing (also accepted: 'Merchant Fee GST'" in issues[1].message
    assert "3 error(s)" in str(caught.value)


def test_no_header_at_all() -> None:
    with pytest.raises(SettlementCsvError, match="no header row found"):
        parse_settlement_csv("a,b,c\n1,2,3\n")
    with pytest.raises(SettlementCsvError, match="no header row found"):
        parse_settlement_csv("")
    with pytest.raises(SettlementCsvError, match="semicolon-separated"):
        parse_settlement_csv(CLEAN.replace(",", ";"))


def test_a_column_given_twice_is_an_error() -> None:
    header = ",".join(COLUMNS) + ",Reconciliation Date\n"
    with pytest.raises(SettlementCsvError) as caught:
        parse_settlement_csv(header)
    (issue,) = caught.value.issues
    assert (issue.line, issue.column) == (1, "Settlement Date")
    assert "appears twice (columns 1 and 24)" in issue.message


BAD = (
    "Settlement Date,Afterpay Order ID,Type,Order Amount,Settlement Amount,Merchant Fee excl Tax,Merchant Fee Tax,"
    "Merchant Fee incl Tax,Net Settlement Amount,Store Name\n"
    "21/04/2024,400000000001,Order,85.955,85.95,5.46,0.55,6.01,79.94,ok\n"  # 3 decimals
    "31/02/2024,400000000002,Order,10.00,10.00,0.64,0.06,0.70,9.30,ok\n"  # no 31 February
    "21/04/2024,400000000003,Chargeback,10.00,10.00,0.64,0.06,0.70,9.30,ok\n"
    "21/04/2024,7.90438E+15,Order,10.00,10.00,0.64,0.06,0.70,9.30,ok\n"  # Excel ate the id
    '21/04/2024,400000000005,Order,10.00,10.00,0.64,0.06,0.71,9.29,"two\nlines"\n'  # fee sum off
    "21/04/2024,400000000006,Order,10.00,10.00,0.64,0.06,0.70,9.40,ok\n"  # net off
    "21/04/2024,400000000007,Order,$1,234.50,$1,234.50,74.07,7.41,81.48,1153.02,ok\n"  # unquoted commas
    "21/04/2024,,Order,USD,10.00,,0.06,0.70,9.30,ok\n"  # no id, not an amount, empty fee
    "2024/04/21,400000000009,Order,10.00,10.00,0.64,0.06,0.70,9.30,ok\n"  # unknown date form
)


def test_every_bad_value_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(SettlementCsvError) as caught:
        parse_settlement_csv(BAD)
    errors = [(i.line, i.column) for i in caught.value.issues if i.severity is Severity.ERROR]
    assert errors == [
        (2, "Order Amount"),
        (3, "Settlement Date"),
        (4, "Type"),
        (5, "Afterpay Order ID"),
        (6, "Merchant Fee incl Tax"),
        # The quoted Store Name spans lines 6 and 7, so the next record starts on line 8.
        (8, "Net Settlement Amount"),
        (9, None),
        (10, "Afterpay Order ID"),
        (10, "Order Amount"),
        (10, "Merchant Fee excl Tax"),
        (11, "Settlement Date"),
    ]
    messages = {(i.line, i.column): i.message for i in caught.value.issues}
    assert "more than 2 decimal places" in messages[(2, "Order Amount")]
    assert "not a calendar date" in messages[(3, "Settlement Date")]
    assert "'Chargeback' is not Order or Refund" in messages[(4, "Type")]
    assert "turned into a number by a spreadsheet" in messages[(5, "Afterpay Order ID")]
    assert "5.46" not in messages[(6, "Merchant Fee incl Tax")]
    assert (
        "0.64 + Merchant Fee Tax 0.06 = 0.70, but Merchant Fee incl Tax is 0.71"
        in messages[(6, "Merchant Fee incl Tax")]
    )
    assert (
        "10.00 - Merchant Fee incl Tax 0.70 = 9.30, but Net Settlement Amount is 9.40"
        in messages[(8, "Net Settlement Amount")]
    )
    assert "unquoted comma" in messages[(9, None)]
    assert "is empty" in messages[(10, "Merchant Fee excl Tax")]
    assert "yyyy-MM-dd or dd/MM/yyyy" in messages[(11, "Settlement Date")]
    assert str(caught.value.issues[0]).startswith("line 2, column 'Order Amount': Order Amount '85.955'")
    assert caught.value.issues[0].to_dict()["severity"] == "error"


HEADER = (
    "Settlement Date,Afterpay Order ID,Type,Order Amount,Settlement Amount,Merchant Fee excl Tax,Merchant Fee Tax,"
    "Merchant Fee incl Tax,Net Settlement Amount\n"
)


def test_gst_on_the_fee_that_is_not_ten_percent_is_a_warning() -> None:
    # NZ: 15 % GST on a 6.00 fee.
    text = HEADER + "21/04/2024,1,100.00,100.00,6.00,0.90,6.90,93.10\n".replace(",100.00", ",Order,100.00", 1)
    parsed = parse_settlement_csv(text)
    (warning,) = parsed.warnings
    assert (warning.line, warning.column, warning.severity) == (2, "Merchant Fee Tax", Severity.WARNING)
    assert "is not 10 % of Merchant Fee excl Tax 6.00 (expected 0.60 ± 0.01)" in warning.message
    assert parse_settlement_csv(text, fee_tax_rate=D(15)).warnings == ()
    assert parse_settlement_csv(text, fee_tax_rate=None).warnings == ()


def test_gst_within_a_cent_is_fine() -> None:
    # 10 % of 5.46 is 0.546, which rounds to 0.55: 0.54 to 0.56 pass, 0.53 and 0.57 do not.
    for tax, fine in (("0.55", True), ("0.54", True), ("0.56", True), ("0.53", False), ("0.57", False)):
        incl = D("5.46") + D(tax)
        line = f"21/04/2024,1,Order,85.95,85.95,5.46,{tax},{incl},{D('85.95') - incl}\n"
        assert (parse_settlement_csv(HEADER + line).warnings == ()) is fine, tax


def test_odd_signs_are_warnings() -> None:
    text = HEADER + "21/04/2024,1,Refund,10.00,10.00,0,0,0,10.00\n" + "21/04/2024,2,Order,10.00,-10.00,0,0,0,-10.00\n"
    parsed = parse_settlement_csv(text)
    assert [(w.line, w.column) for w in parsed.warnings] == [(2, "Settlement Amount"), (3, "Settlement Amount")]
    assert parsed.rows[0].money_moved == D("10.00")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("85.95", "85.95"),
        ("$85.95", "85.95"),
        (" $85.95 ", "85.95"),
        ("-$10.00", "-10.00"),
        ("$-10.00", "-10.00"),
        ("\u2212$10.00", "-10.00"),  # a Unicode minus sign
        ("($10.00)", "-10.00"),
        ("+5", "5.00"),
        ("$1,234.50", "1234.50"),
        ("A$1,234,567.5", "1234567.50"),
        ("NZ$0.10", "0.10"),
        ("£3", "3.00"),
        ("85.95 AUD", "85.95"),
        ("AUD 85.95", "85.95"),
        ("NZD -1.50", "-1.50"),
        ("-0.00", "0.00"),
        ("0", "0.00"),
    ],
)
def test_parse_amount(text: str, amount: str) -> None:
    parsed = parse_amount(text)
    assert parsed == D(amount)
    assert str(parsed) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("85.955", "more than 2 decimal places"),
        ("$", "is not an amount"),
        ("1,23.00", "is not an amount"),
        ("12,34", "is not an amount"),
        ("abc", "is not an amount"),
        ("--5", "two signs"),
        ("-$-5", "two signs"),
        ("(-5.00)", "negative twice"),
        ("1.2.3", "is not an amount"),
        ("85.95AUDX", "is not an amount"),
    ],
)
def test_parse_amount_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(text)


def test_dates() -> None:
    assert parse_settlement_date("21/04/2024") == date(2024, 4, 21)
    assert parse_settlement_date("1/4/2024") == date(2024, 4, 1)
    assert parse_settlement_date("2024-04-21") == date(2024, 4, 21)
    assert parse_settlement_date("4/21/2024", day_first=False) == date(2024, 4, 21)
    for bad in ("21/04/24", "2024-4-21", "21.04.2024", "13/13/2024", "21/04/2024 10:00"):
        with pytest.raises(ValueError):
            parse_settlement_date(bad)


def test_datetimes_are_timezone_aware() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    assert parse_settlement_datetime("24/06/2019 22:56") == datetime(2019, 6, 24, 22, 56, tzinfo=UTC)
    local = parse_settlement_datetime("24/06/2019 22:56", timezone=sydney)
    assert local.utcoffset() == timedelta(hours=10)
    assert parse_settlement_datetime("4/20/2024 5:28:00", day_first=False) == datetime(2024, 4, 20, 5, 28, tzinfo=UTC)
    iso = parse_settlement_datetime("2024-04-20T05:28:00+10:00", timezone=UTC)
    assert iso == datetime(2024, 4, 19, 19, 28, tzinfo=UTC)
    assert iso.utcoffset() == timedelta(hours=10)
    assert parse_settlement_datetime("2024-04-20T05:28:00.123Z") == datetime(2024, 4, 20, 5, 28, tzinfo=UTC)
    assert parse_settlement_datetime("2024-04-20 05:28", timezone=timezone(timedelta(hours=12))).hour == 5
    for bad in ("24/06/2019", "24/06/2019 25:00", "24/06/2019 22h56", "2024-04-20T05:28+25:00"):
        with pytest.raises(ValueError):
            parse_settlement_datetime(bad)


def test_order_month_and_year_are_checked() -> None:
    header = HEADER.rstrip("\n") + ",Order Month,Order Year\n"
    with pytest.raises(SettlementCsvError) as caught:
        parse_settlement_csv(header + "21/04/2024,1,Order,1.00,1.00,0,0,0,1.00,Avr,24\n")
    assert [i.column for i in caught.value.issues] == ["Order Month", "Order Year"]


# -- matching against Cin7 -----------------------------------------------------------------


def test_match_settlement_with_fees_refunds_and_a_mismatch() -> None:
    rows = parse_settlement_csv(CLEAN).rows
    cin7 = {
        "400123851542": Cin7Recorded(("s-42",), payments=(D("85.95"),)),
        # Cin7 was paid 50 cents short.
        "400123851543": Cin7Recorded(("s-43",), payments=(D("1234.00"),)),
        # The refund was never recorded in Cin7.
        "400123851500": Cin7Recorded(("s-00",), payments=(D("40.00"),)),
        # Two captures, two payments: fees do not enter into it.
        "400123851544": Cin7Recorded(("s-44",), payments=(D("20.00"), D("10.00"))),
    }
    found = match_settlement(rows, cin7)
    assert [(d.type, d.afterpay_order_id) for d in found] == [
        (DiscrepancyType.REFUND_MISMATCH, "400123851500"),
        (DiscrepancyType.PAYMENT_MISMATCH, "400123851543"),
    ]
    refund, payment = found
    assert (refund.cin7_sale_ids, refund.expected, refund.actual) == (
        ("s-00",),
        {"refunds": "10.00"},
        {"refunds": "0.00"},
    )
    assert "Afterpay settled 10.00 (line 4, 2024-04-21) refunded for order 400123851500" in refund.detail
    assert (payment.expected, payment.actual) == ({"payments": "1234.50"}, {"payments": "1234.00"})
    assert "Cin7's payments (1234.00) do not match" in payment.detail


def test_match_settlement_when_cin7_knows_nothing() -> None:
    rows = parse_settlement_csv(CLEAN).rows
    found = match_settlement(rows, {"400123851544": Cin7Recorded()})
    assert {d.afterpay_order_id for d in found} == {"400123851542", "400123851543", "400123851500", "400123851544"}
    assert {d.type for d in found} == {DiscrepancyType.MISSING_IN_CIN7}
    missing = next(d for d in found if d.afterpay_order_id == "400123851500")
    assert missing.expected == {"payments": "0.00", "refunds": "10.00"}


def test_match_settlement_tolerates_captures_settled_elsewhere_and_other_splits() -> None:
    rows = parse_settlement_csv(CLEAN).rows
    first_day = [r for r in rows if r.settlement_date == date(2024, 4, 22)]
    # The 20.00 capture settles in another file: the 10.00 one still matches a payment.
    assert match_settlement(first_day, {"400123851544": Cin7Recorded(payments=(D(10), D(20)))}) == []
    # Cin7 recorded the two captures as one payment: the totals agree, so nothing to report.
    both = [r for r in rows if r.afterpay_order_id == "400123851544"]
    assert match_settlement(both, {"400123851544": Cin7Recorded(payments=(D(30),))}) == []
    # But a capture that neither matches a payment nor adds up is reported.
    (found,) = match_settlement(first_day, {"400123851544": Cin7Recorded(payments=(D(30),))})
    assert found.type is DiscrepancyType.PAYMENT_MISMATCH


def test_each_cin7_payment_matches_one_settled_capture_only() -> None:
    text = HEADER + "21/04/2024,7,Order,20.00,10.00,0,0,0,10.00\n" + "22/04/2024,7,Order,20.00,10.00,0,0,0,10.00\n"
    rows = parse_settlement_csv(text).rows
    assert match_settlement(rows, {"7": Cin7Recorded(payments=(D(10), D(10)))}) == []
    (found,) = match_settlement(rows, {"7": Cin7Recorded(payments=(D(10),))})
    assert (found.expected, found.actual) == ({"payments": "20.00"}, {"payments": "10.00"})


def test_cin7_recorded_sums() -> None:
    recorded = Cin7Recorded(payments=(D("10.00"), D("5.50")), refunds=(D("1.00"),))
    assert (recorded.paid, recorded.refunded) == (D("15.50"), D("1.00"))


def test_a_settled_order_whose_cin7_sale_has_no_payment() -> None:
    rows = [r for r in parse_settlement_csv(CLEAN).rows if r.afterpay_order_id == "400123851542"]
    (found,) = match_settlement(rows, {"400123851542": Cin7Recorded(("s-42",))})
    assert (found.type, found.cin7_sale_ids) == (DiscrepancyType.PAYMENT_MISMATCH, ("s-42",))
    assert (found.expected, found.actual) == ({"payments": "85.95"}, {"payments": "0.00"})
    assert "Cin7's payments (none) do not match" in found.detail
