"""The reconcile diff: every discrepancy type produced on purpose and found, and nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.afterpay.schemas import load_payment
from app.domain.afterpay import EventType, PaymentState
from app.domain.ledger import OrderState
from app.domain.mapping import map_payment
from app.domain.reconcile import (
    AfterpayFacts,
    Candidate,
    Cin7Index,
    Cin7Row,
    Cin7SaleDetail,
    Discrepancy,
    DiscrepancyType,
    MoneyCheck,
    ReconcileWindow,
    afterpay_facts,
    classify_money,
    facts_from_mapped,
    format_cents,
    is_numeric_id,
    missing_in_afterpay,
    to_cents,
)
from app.domain.rules import parse_rules
from app.domain.sync import expected_cin7_amounts
from tests.domain.payloads import E1, E2, event, make_payment, refund

D = Decimal
T = DiscrepancyType
PAID, PARTIAL, AUTH = OrderState.PAID, OrderState.PARTIALLY_PAID, OrderState.AUTHORISED
VOIDED, EXPIRED, DECLINED = OrderState.VOIDED, OrderState.EXPIRED, OrderState.DECLINED
RULES = parse_rules(None)


def facts(
    order_id: str,
    state: OrderState = PAID,
    *,
    total: int = 7493,
    captured: int | None = None,
    refunded: int = 0,
    currency: str = "AUD",
    skip: str | None = None,
) -> AfterpayFacts:
    """Facts as the mapping would give them: paid orders captured in full, authorised and
    cancelled orders with nothing captured."""
    if captured is None:
        captured = total if state is PAID else (total // 2 if state is PARTIAL else 0)
    return AfterpayFacts(
        order_id=order_id,
        currency=currency,
        state=state,
        total=total,
        captured=captured,
        refunded=refunded,
        invoiced=state in (PAID, PARTIAL) and captured > 0,
        skip_reason=skip,
    )


def row_for(
    f: AfterpayFacts,
    sale: str | None = None,
    *,
    status: str = "ORDERED",
    currency: str | None = None,
    invoice: int | None = None,
    paid: int | None = None,
    number: str | None = None,
) -> Cin7Row:
    """The saleList row a correct sync leaves for ``f`` (override any field to break it)."""
    return Cin7Row(
        sale_id=sale or f"sale-{f.order_id}",
        order_number=number or f"SO-{f.order_id[-5:]}",
        external_id=f.order_id,
        status=status,
        currency=currency or f.currency,
        invoice_amount=D(f.invoice_amount if invoice is None else invoice).scaleb(-2),
        paid_amount=D(f.paid_amount if paid is None else paid).scaleb(-2),
    )


def window_of(rows: list[Cin7Row]) -> ReconcileWindow:
    index = Cin7Index()
    for r in rows:
        index.add(r)
    return ReconcileWindow(index)


def kinds(found: list[Discrepancy] | tuple[Discrepancy, ...]) -> list[tuple[str, str]]:
    return [(d.type.value, d.afterpay_order_id) for d in found]


# -- clean windows -------------------------------------------------------------------------


def test_a_clean_window_reports_nothing() -> None:
    orders = [
        facts("400000000001"),
        facts("400000000002", PAID, refunded=1000),
        facts("400000000003", PARTIAL, total=10000, captured=4000),
        facts("400000000004", AUTH),
        facts("400000000005", VOIDED),
        facts("400000000006", EXPIRED),
        facts("400000000007", DECLINED),
        facts("400000000008", PAID, skip="below min_amount"),
        facts("400000000009", VOIDED),
    ]
    rows = [row_for(f) for f in orders[:4]]
    # A voided order whose sale was voided too is in step; so is one that never had a sale.
    rows.append(row_for(orders[4], status="VOIDED"))
    rows.append(Cin7Row("sale-manual", "SO-90000", None, "COMPLETED", "AUD", D("12.00"), D("12.00")))
    window = window_of(rows)
    for f in orders:
        assert window.check(f) == ()
    assert window.pending == []
    assert window.candidates() == []
    assert window.resolve_candidates([]) == []
    result = window.result()
    assert result.discrepancies == ()
    assert result.summary.counts() == {"afterpay": 9, "cin7": 5, "matched": 5, "discrepancies": 0}
    assert result.summary.cin7_ignored == 1
    assert set(result.summary.by_type.values()) == {0}
    assert result.to_dict() == {"counts": result.summary.counts(), "discrepancies": []}


def test_an_empty_window() -> None:
    window = window_of([])
    assert window.check(facts("1")) != ()
    assert window.result().summary.counts() == {"afterpay": 1, "cin7": 0, "matched": 0, "discrepancies": 1}


# -- row-level rules -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [PAID, PARTIAL, AUTH])
def test_missing_in_cin7(state: OrderState) -> None:
    f = facts("400000000010", state)
    window = window_of([])
    (found,) = window.check(f)
    assert found.type is T.MISSING_IN_CIN7
    assert found.cin7_sale_ids == ()
    assert found.expected["status"] == state.value
    assert found.expected["invoiceAmount"] == format_cents(f.invoice_amount)
    assert found.actual == {}
    assert "has no sale" in found.detail


@pytest.mark.parametrize("state", [VOIDED, EXPIRED, DECLINED])
def test_orders_that_never_needed_a_sale_are_not_missing(state: OrderState) -> None:
    window = window_of([])
    assert window.check(facts("400000000011", state)) == ()
    assert window.result().discrepancies == ()


def test_skipped_orders_are_neither_missing_nor_compared() -> None:
    f = facts("400000000012", skip="merchantReference starts with 'POS-'")
    window = window_of([row_for(f, invoice=1, paid=2, currency="NZD")])
    assert window.check(f) == ()
    assert window.check(facts("400000000013", skip="excluded")) == ()
    assert window.pending == []
    assert window.candidates() == []


def test_duplicates_list_every_live_sale_and_ignore_voided_ones() -> None:
    f = facts("400000000020")
    rows = [
        row_for(f, "sale-b", number="SO-00002"),
        row_for(f, "sale-a", number="SO-00001"),
        row_for(f, "sale-c", number="SO-00003", status="VOIDED"),
        row_for(f, "sale-d", number="SO-00004", invoice=0, paid=0),
    ]
    window = window_of(rows)
    (found,) = window.check(f)
    assert found.type is T.DUPLICATE_IN_CIN7
    assert found.cin7_sale_ids == ("sale-a", "sale-b", "sale-d")
    assert found.actual == {"sales": "3"}
    assert "SO-00001 (sale-a), SO-00002 (sale-b), SO-00004 (sale-d)" in found.detail
    # A duplicate is a person's job; the copies' money is not compared meanwhile.
    assert window.pending == []


def test_a_voided_copy_next_to_the_live_sale_is_not_a_duplicate() -> None:
    f = facts("400000000021")
    window = window_of([row_for(f, "sale-old", status="VOIDED"), row_for(f, "sale-new")])
    assert window.check(f) == ()
    assert window.result().discrepancies == ()


@pytest.mark.parametrize("state", [VOIDED, EXPIRED, DECLINED])
def test_status_mismatch_when_afterpay_cancelled_but_the_sale_is_live(state: OrderState) -> None:
    f = facts("400000000030", state)
    window = window_of([row_for(f, status="ORDERED")])
    (found,) = window.check(f)
    assert found.type is T.STATUS_MISMATCH
    assert found.expected == {"status": state.value, "cin7Status": "VOIDED"}
    assert found.actual == {"cin7Status": "ORDERED"}
    assert found.sync_can_heal
    assert "should be VOIDED" in found.detail


@pytest.mark.parametrize("state", [PAID, PARTIAL, AUTH])
def test_status_mismatch_when_the_sale_is_voided_but_afterpay_is_not(state: OrderState) -> None:
    f = facts("400000000031", state)
    window = window_of([row_for(f, status="VOIDED")])
    (found,) = window.check(f)
    assert found.type is T.STATUS_MISMATCH
    assert found.cin7_sale_ids == ("sale-400000000031",)
    assert found.expected == {"status": state.value, "cin7Status": "not VOIDED"}
    assert found.actual == {"cin7Status": "VOIDED"}
    assert not found.sync_can_heal


def test_currency_mismatch() -> None:
    f = facts("400000000040", currency="AUD")
    window = window_of([row_for(f, currency="NZD")])
    (found,) = window.check(f)
    assert found.type is T.CURRENCY_MISMATCH
    assert (found.expected, found.actual) == ({"currency": "AUD"}, {"currency": "NZD"})
    assert window.pending == []


def test_money_differences_wait_for_the_sale_detail() -> None:
    f = facts("400000000050")
    window = window_of([row_for(f, paid=0, number="SO-00050")])
    assert window.check(f) == ()
    (check,) = window.pending
    assert (check.sale_id, check.order_number, check.invoice_amount, check.paid_amount) == (
        "sale-400000000050",
        "SO-00050",
        7493,
        0,
    )
    detail = Cin7SaleDetail("sale-400000000050", D("74.93"), D("74.93"), payments=D(0), refunds=D(0))
    (found,) = window.resolve(check, detail)
    assert found.type is T.PAYMENT_MISMATCH
    assert (found.expected, found.actual) == ({"payments": "74.93"}, {"payments": "0.00"})
    assert window.pending == []
    assert kinds(window.result().discrepancies) == [("payment_mismatch", "400000000050")]
    with pytest.raises(ValueError, match="no pending money check"):
        window.resolve(check, detail)


def test_an_unreadable_sale_gets_a_verdict_from_the_list_alone() -> None:
    f = facts("400000000051", refunded=1000)
    window = window_of([row_for(f, invoice=9999, paid=0)])
    window.check(f)
    (check,) = window.pending
    found = window.resolve_unread(check)
    assert [d.type for d in found] == [T.AMOUNT_MISMATCH, T.PAYMENT_MISMATCH]
    assert found[0].expected == {"invoiceAmount": "64.93"}
    assert found[0].actual == {"invoiceAmount": "99.99"}
    assert all("from the sale list only" in d.detail for d in found)
    assert window.result().summary.pending == 0


def test_a_payment_fed_twice_is_checked_once() -> None:
    paid, missing = facts("400000000060"), facts("400000000061")
    window = window_of([row_for(paid, paid=1)])
    for _ in range(2):
        window.check(paid)
        window.check(missing)
    assert len(window.pending) == 1
    summary = window.result().summary
    assert (summary.afterpay, summary.repeated, summary.discrepancies) == (2, 2, 1)


def test_rows_without_an_external_id_are_ignored() -> None:
    index = Cin7Index()
    index.add(Cin7Row("s1", "SO-1", None, "ORDERED", "AUD", D(1), D(1)))
    index.add(Cin7Row("s2", "SO-2", "", "ORDERED", "AUD", D(1), D(1)))
    assert (len(index), index.ignored) == (0, 2)


def test_the_index_is_read_only_once_a_window_reads_it() -> None:
    index = Cin7Index()
    with pytest.raises(RuntimeError):
        index.rows_for("1")
    ReconcileWindow(index)
    with pytest.raises(RuntimeError):
        index.add(Cin7Row("s", None, "1", "ORDERED", "AUD", D(0), D(0)))


def test_the_index_gives_its_rows_back() -> None:
    index = Cin7Index()
    original = Cin7Row("a1b2c3d4-0000-4000-8000-0123456789ab", "SO-00042", "400123851542", "INVOICED", "AUD",
                       D("74.93"), D("70.00"))  # fmt: skip
    index.add(original)
    index.freeze()
    (position,) = index.rows_for("400123851542")
    assert index.row(position) == Cin7Row(original.sale_id, "SO-00042", None, "INVOICED", "AUD", D("74.93"), D("70.00"))


# -- ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "numeric"),
    [
        ("400123851542", True),
        ("0", True),
        ("999999999999999999", True),
        ("1000000000000000000", False),  # 19 digits: beyond a 64-bit slot, kept as text
        ("0123", False),  # would collide with "123" as a number
        ("12a", False),
        ("ord_1-x", False),
        ("١٢٣", False),  # Arabic-Indic digits are digits to str.isdigit, not to Afterpay
        ("", False),
    ],
)
def test_numeric_ids(order_id: str, numeric: bool) -> None:
    assert is_numeric_id(order_id) is numeric


def test_non_numeric_ids_reconcile_like_numeric_ones() -> None:
    ids = ["ORD_abc-1", "0123", "123", "1000000000000000000", "x"]
    orders = {i: facts(i) for i in ids}
    rows = [row_for(orders["ORD_abc-1"]), row_for(orders["0123"]), row_for(orders["123"], paid=0)]
    rows += [row_for(orders["1000000000000000000"], "dup-1"), row_for(orders["1000000000000000000"], "dup-2")]
    rows.append(Cin7Row("stray", "SO-7", "zz-stray", "ORDERED", "AUD", D(5), D(5)))
    window = window_of(rows)
    found = [d for i in ids for d in window.check(orders[i])]
    assert kinds(found) == [("duplicate_in_cin7", "1000000000000000000"), ("missing_in_cin7", "x")]
    assert [c.sale_id for c in window.pending] == ["sale-123"]
    assert [c.external_id for c in window.candidates()] == ["zz-stray"]


# -- money classification ------------------------------------------------------------------


def _detail(f: AfterpayFacts, **changes: object) -> Cin7SaleDetail:
    """The detail of a sale that matches ``f`` exactly, with ``changes`` applied."""
    values: dict[str, object] = {
        "sale_id": "sale-1",
        "order_total": D(f.total).scaleb(-2),
        "invoice_total": D(f.total).scaleb(-2) if f.invoiced else None,
        "payments": D(f.expected_payments).scaleb(-2),
        "refunds": D(f.expected_refunds).scaleb(-2),
        "credit_notes": D(f.expected_refunds).scaleb(-2),
        "order_number": "SO-00001",
    }
    values.update(changes)
    return Cin7SaleDetail(**values)  # type: ignore[arg-type]


PAID_F = facts("500000000001", PAID, total=10000, refunded=2000)
AUTH_F = facts("500000000002", AUTH, total=10000)


@pytest.mark.parametrize(
    ("f", "changes", "expected"),
    [
        (PAID_F, {}, []),
        (AUTH_F, {}, []),
        # The order/invoice total is wrong.
        (PAID_F, {"invoice_total": D("90.00")}, [T.AMOUNT_MISMATCH]),
        (PAID_F, {"invoice_total": None}, [T.AMOUNT_MISMATCH]),
        (AUTH_F, {"order_total": D("90.00")}, [T.AMOUNT_MISMATCH]),
        (AUTH_F, {"invoice_total": D("100.00")}, [T.AMOUNT_MISMATCH]),
        # Payments are not what was captured.
        (PAID_F, {"payments": D("0.00")}, [T.PAYMENT_MISMATCH]),
        (PAID_F, {"payments": D("200.00")}, [T.PAYMENT_MISMATCH]),
        (AUTH_F, {"payments": D("10.00")}, [T.PAYMENT_MISMATCH]),
        # Refunds or their credit notes are not the real refunds.
        (PAID_F, {"refunds": D(0), "credit_notes": D(0)}, [T.REFUND_MISMATCH]),
        (PAID_F, {"refunds": D(0)}, [T.REFUND_MISMATCH]),
        (PAID_F, {"credit_notes": D("30.00")}, [T.REFUND_MISMATCH]),
        # Several at once.
        (PAID_F, {"invoice_total": D(90), "payments": D(90)}, [T.AMOUNT_MISMATCH, T.PAYMENT_MISMATCH]),
        (PAID_F, {"payments": D(50), "refunds": D(0)}, [T.PAYMENT_MISMATCH, T.REFUND_MISMATCH]),
        (
            PAID_F,
            {"invoice_total": None, "payments": D(0), "refunds": D(0), "credit_notes": D(0)},
            [T.AMOUNT_MISMATCH, T.PAYMENT_MISMATCH, T.REFUND_MISMATCH],
        ),
        # A void after invoicing: the invoice keeps the old total and a cancellation credit
        # note takes the voided part off again. That is right, not a refund.
        (PAID_F, {"invoice_total": D("125.00"), "credit_notes": D("45.00"), "cancellations": D("25.00")}, []),
        (PAID_F, {"invoice_total": D("125.00"), "credit_notes": D("45.00")}, [T.AMOUNT_MISMATCH, T.REFUND_MISMATCH]),
    ],
)
def test_classify_money(f: AfterpayFacts, changes: dict[str, object], expected: list[DiscrepancyType]) -> None:
    found = classify_money(f, _detail(f, **changes))
    assert [d.type for d in found] == expected
    assert all(d.cin7_sale_ids == ("sale-1",) and "SO-00001 (sale-1)" in d.detail for d in found)


def test_classify_money_says_what_it_expected() -> None:
    found = classify_money(PAID_F, _detail(PAID_F, invoice_total=D("90.00"), refunds=D("5.00")))
    amount, refund_ = found
    assert (amount.expected, amount.actual) == ({"invoiceTotal": "100.00"}, {"invoiceTotal": "90.00"})
    assert refund_.expected == {"refunds": "20.00", "creditNotes": "20.00"}
    assert refund_.actual == {"refunds": "5.00", "creditNotes": "20.00"}
    assert "AUD 20.00 really refunded" in refund_.detail


def test_a_partially_paid_order_kept_off_the_books_expects_no_payment() -> None:
    f = AfterpayFacts("500000000003", "AUD", PARTIAL, total=10000, captured=4000, refunded=0, invoiced=False)
    assert (f.invoice_amount, f.paid_amount) == (0, 0)
    assert classify_money(f, _detail(f)) == []
    assert [d.type for d in classify_money(f, _detail(f, payments=D(40)))] == [T.PAYMENT_MISMATCH]


# -- the window edge -----------------------------------------------------------------------


def test_candidates_outside_the_window_are_diffed_and_unknown_ones_are_missing_in_afterpay() -> None:
    inside = facts("400000000100")
    late = facts("400000000101", refunded=500)
    unknown = facts("400000000102")
    rows = [
        row_for(inside),
        row_for(late, paid=0),
        row_for(unknown, "u-2", number="SO-2"),
        row_for(unknown, "u-1", number="SO-1"),
        # Only voided sales carry this id: nothing to reconcile, not a candidate.
        Cin7Row("v-1", "SO-3", "400000000103", "VOIDED", "AUD", D(0), D(0)),
    ]
    window = window_of(rows)
    window.check(inside)
    candidates = window.candidates()
    assert [(c.external_id, c.sale_ids, c.order_numbers) for c in candidates] == [
        ("400000000101", ("sale-400000000101",), ("SO-00101",)),
        ("400000000102", ("u-1", "u-2"), ("SO-1", "SO-2")),
    ]
    # The caller looked both ids up: Afterpay returned only the first (created before the window).
    found = window.resolve_candidates([late, facts("999")])
    assert kinds(found) == [("missing_in_afterpay", "400000000102")]
    (missing,) = found
    assert missing.cin7_sale_ids == ("u-1", "u-2")
    assert missing.expected == {}
    assert missing.actual == {"status": "ORDERED", "currency": "AUD", "invoiceAmount": "74.93", "paidAmount": "74.93"}
    assert "Cin7 sales SO-1, SO-2 carry Afterpay order id 400000000102" in missing.detail
    assert not missing.sync_can_heal
    # The late order was diffed like any other: its money waits for detail.
    (check,) = window.pending
    assert check.facts is late
    summary = window.result().summary
    assert (summary.afterpay, summary.outside_window, summary.matched) == (1, 1, 2)


def test_missing_in_afterpay_is_a_pure_function_of_candidates_and_known_ids() -> None:
    candidates = [
        Candidate("1", ("s1",), ("SO-1",), "COMPLETED", "AUD", 1000, 1000),
        Candidate("2", ("s2",), ("",), "ORDERED", "NZD", 0, 0),
    ]
    found = missing_in_afterpay(candidates, {"1"})
    assert kinds(found) == [("missing_in_afterpay", "2")]
    assert "Cin7 sale s2 carries" in found[0].detail
    assert missing_in_afterpay(candidates, ["1", "2"]) == []


# -- the report shape ----------------------------------------------------------------------


def test_to_dict_is_the_design_shape() -> None:
    d = Discrepancy(T.AMOUNT_MISMATCH, "400123851542", ("s1",), {"invoiceTotal": "74.93"}, {"invoiceTotal": "70.00"},
                    "Cin7 sale s1 is invoiced for AUD 70.00 …")  # fmt: skip
    assert d.to_dict() == {
        "type": "amount_mismatch",
        "afterpayOrderId": "400123851542",
        "cin7SaleIds": ["s1"],
        "expected": {"invoiceTotal": "74.93"},
        "actual": {"invoiceTotal": "70.00"},
        "healed": False,
        "detail": "Cin7 sale s1 is invoiced for AUD 70.00 …",
    }
    assert d.heal().to_dict()["healed"] is True
    assert d.healed is False


def test_results_are_sorted_stably() -> None:
    window = window_of(
        [row_for(facts("100"), currency="NZD"), Cin7Row("z", "SO-9", "zz", "ORDERED", "AUD", D(1), D(1))]
    )
    for order_id in ("99", "100", "abc", "1000"):
        window.check(facts(order_id))
    window.resolve_candidates([])
    assert kinds(window.result().discrepancies) == [
        ("missing_in_cin7", "99"),
        ("currency_mismatch", "100"),
        ("missing_in_cin7", "1000"),
        ("missing_in_cin7", "abc"),
        ("missing_in_afterpay", "zz"),
    ]


@pytest.mark.parametrize(
    ("kind", "expected", "healable"),
    [
        (T.MISSING_IN_CIN7, {}, True),
        (T.PAYMENT_MISMATCH, {}, True),
        (T.REFUND_MISMATCH, {}, True),
        (T.STATUS_MISMATCH, {"cin7Status": "VOIDED"}, True),
        (T.STATUS_MISMATCH, {"cin7Status": "not VOIDED"}, False),
        (T.AMOUNT_MISMATCH, {}, True),
        (T.DUPLICATE_IN_CIN7, {}, False),
        (T.CURRENCY_MISMATCH, {}, False),
        (T.MISSING_IN_AFTERPAY, {}, False),
    ],
)
def test_which_discrepancies_a_sync_heals(kind: DiscrepancyType, expected: dict[str, str], healable: bool) -> None:
    assert Discrepancy(kind, "1", (), expected, {}, "").sync_can_heal is healable


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (7493, "74.93"), (5, "0.05"), (-5, "-0.05"), (-1000, "-10.00")]
)
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text
    assert to_cents(D(text)) == cents


def test_to_cents_rounds_half_up() -> None:
    assert to_cents(D("74.925")) == 7493
    assert to_cents(D("-0.005")) == -1


# -- facts from real payments --------------------------------------------------------------


@pytest.mark.parametrize("payload", [E1, E2], ids=["E1", "E2"])
def test_facts_from_the_ledger_equal_facts_from_the_mapping(payload: dict[str, object]) -> None:
    payment = load_payment(payload)
    assert afterpay_facts(payment, RULES) == facts_from_mapped(map_payment(payment, RULES))


def test_facts_of_the_documented_examples() -> None:
    e1 = afterpay_facts(load_payment(E1), RULES)
    assert (e1.state, e1.total, e1.captured, e1.refunded, e1.invoiced) == (PAID, 3000, 3000, 0, True)
    assert (e1.invoice_amount, e1.paid_amount, e1.expected) == (3000, 3000, True)
    # E2: 10.00 captured, 20.00 voided; the void's refund entry is not a refund.
    e2 = afterpay_facts(load_payment(E2), RULES)
    assert (e2.state, e2.total, e2.captured, e2.refunded) == (PAID, 1000, 1000, 0)


def test_facts_agree_with_expected_cin7_amounts() -> None:
    payment = make_payment(
        original="100.00",
        events=(
            event(EventType.AUTH_APPROVED, "100.00", 1),
            event(EventType.CAPTURED, "100.00", 2),
        ),
        refunds=(refund("30.00", "r1", 3600, request_id="req-1"),),
    )
    mapped = map_payment(payment, RULES)
    f = afterpay_facts(payment, RULES)
    invoiced, paid = expected_cin7_amounts(mapped)
    assert (f.invoice_amount, f.paid_amount) == (to_cents(invoiced), to_cents(paid)) == (7000, 7000)


def test_facts_of_declined_voided_and_excluded_payments() -> None:
    declined = make_payment(state=PaymentState.AUTH_DECLINED, events=(event(EventType.AUTH_DECLINED, "100.00", 1),))
    assert afterpay_facts(declined, RULES).expected is False
    voided = make_payment(
        state=PaymentState.VOIDED,
        events=(event(EventType.AUTH_APPROVED, "100.00", 1), event(EventType.VOIDED, "100.00", 2)),
    )
    f = afterpay_facts(voided, RULES)
    assert (f.state, f.expected, f.total) == (VOIDED, False, 0)
    excluded = afterpay_facts(make_payment(), parse_rules({"sync_rules": {"min_amount": "500.00"}}))
    assert excluded.skip_reason is not None and "min_amount" in excluded.skip_reason
    assert excluded.expected is False


def test_money_check_is_a_plain_value() -> None:
    f = facts("1")
    assert MoneyCheck(f, "s", None, 1, 2) == MoneyCheck(f, "s", None, 1, 2)
