"""Payment amounts, states and the recognition of void-made refund entries (mapping rules 1, 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.afterpay import EventType, PaymentState, PaymentStatus, Refund
from app.domain.ledger import OrderState, is_void_entry_shape, match_void_entries, read_ledger
from tests.domain.payloads import event, make_payment, money, refund

A, C, V, X = EventType.AUTH_APPROVED, EventType.CAPTURED, EventType.VOIDED, EventType.EXPIRED
D = Decimal


_KINDS = {"A": A, "C": C, "V": V, "X": X, "D": EventType.AUTH_DECLINED}
APPROVED, DECLINED = PaymentStatus.APPROVED, PaymentStatus.DECLINED

# name | status | paymentState | openToCapture | events (kind:amount) | state | captured voided open
STATES = [
    ("declined auth", DECLINED, "AUTH_DECLINED", "0.00", "D:100", "declined", "0.00 0.00 0.00"),
    ("declined capture", DECLINED, "CAPTURE_DECLINED", "0.00", "", "declined", "0.00 0.00 0.00"),
    ("status DECLINED alone", DECLINED, "AUTH_APPROVED", "0.00", "", "declined", "0.00 0.00 0.00"),
    ("open auth", APPROVED, "AUTH_APPROVED", "100.00", "A:100", "authorised", "0.00 0.00 100.00"),
    ("open auth, partly voided", APPROVED, "AUTH_APPROVED", "80.00", "A:100 V:20", "authorised", "0.00 20.00 80.00"),
    ("partial capture", APPROVED, "PARTIALLY_CAPTURED", "60.00", "A:100 C:40", "partially_paid", "40.00 0.00 60.00"),
    ("state lags capture", APPROVED, "AUTH_APPROVED", "60.00", "A:100 C:40", "partially_paid", "40.00 0.00 60.00"),
    ("full capture", APPROVED, "CAPTURED", "0.00", "A:100 C:100", "paid", "100.00 0.00 0.00"),
    ("two captures", APPROVED, "CAPTURED", "0.00", "A:100 C:30 C:70", "paid", "100.00 0.00 0.00"),
    ("capture, void the rest (E2)", APPROVED, "CAPTURED", "0.00", "A:100 C:40 V:60", "paid", "40.00 60.00 0.00"),
    ("full void", APPROVED, "VOIDED", "0.00", "A:100 V:100", "voided", "0.00 100.00 0.00"),
    ("expired", APPROVED, "EXPIRED", "0.00", "A:100 X:100", "expired", "0.00 100.00 0.00"),
    ("expiry after capture: E", APPROVED, "EXPIRED", "0.00", "A:100 C:40 X:60", "paid", "40.00 60.00 0.00"),
    ("expiry after capture: C", APPROVED, "CAPTURED", "0.00", "A:100 C:40 X:60", "paid", "40.00 60.00 0.00"),
    ("expiry after capture: PC", APPROVED, "PARTIALLY_CAPTURED", "0.00", "A:100 C:40 X:60", "paid", "40.00 60.00 0.00"),
    ("nothing left, EXPIRED event", APPROVED, "AUTH_APPROVED", "0.00", "A:100 X:100", "expired", "0.00 100.00 0.00"),
    ("nothing left, VOIDED event", APPROVED, "AUTH_APPROVED", "0.00", "A:100 V:100", "voided", "0.00 100.00 0.00"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "state", "open_amount", "events", "expected", "amounts"), STATES)
def test_state_table(
    name: str, status: PaymentStatus, state: str, open_amount: str, events: str, expected: str, amounts: str
) -> None:
    evs = tuple(
        event(_KINDS[kind], f"{amount}.00", 60 * (i + 1))
        for i, (kind, amount) in enumerate(token.split(":") for token in events.split())
    )
    payment = make_payment(state=PaymentState(state), status=status, open_amount=open_amount, events=evs)
    ledger = read_ledger(payment)
    assert ledger.state is OrderState(expected), name
    assert f"{ledger.captured} {ledger.voided} {ledger.open}" == amounts, name


def test_immediate_capture_without_events_infers_the_capture() -> None:
    ledger = read_ledger(make_payment(events=()))
    assert ledger.state is OrderState.PAID
    assert ledger.captured == D("100.00")
    (capture,) = ledger.captures
    assert capture.inferred and capture.key == "capture"
    assert "inferred" in ledger.warnings[0]


@pytest.mark.parametrize(("state", "kind"), [(PaymentState.VOIDED, V), (PaymentState.EXPIRED, X)])
def test_cancelled_state_without_events_infers_the_cancellation(state: PaymentState, kind: EventType) -> None:
    ledger = read_ledger(make_payment(state=state, events=()))
    assert ledger.voided == D("100.00")
    assert ledger.cancellations[0].type is kind
    assert ledger.state.value == state.value.lower()


def test_missing_open_amount_is_inferred_from_the_events() -> None:
    payment = make_payment(
        state=PaymentState.PARTIALLY_CAPTURED, open_amount=None, events=(event(A, "100.00", 1), event(C, "25.00", 2))
    )
    ledger = read_ledger(payment)
    assert ledger.open == D("75.00") and ledger.state is OrderState.PARTIALLY_PAID


def test_unbalanced_amounts_are_reported() -> None:
    payment = make_payment(state=PaymentState.CAPTURED, events=(event(A, "100.00", 1), event(C, "90.00", 2)))
    ledger = read_ledger(payment)
    assert ledger.state is OrderState.PAID
    assert any("do not balance" in w for w in ledger.warnings)


def test_declined_with_money_captured_maps_by_the_money() -> None:
    payment = make_payment(state=PaymentState.CAPTURE_DECLINED)
    ledger = read_ledger(payment)
    assert ledger.state is OrderState.PAID
    assert any("mapped by the captured amount" in w for w in ledger.warnings)


def test_duplicate_events_and_refunds_count_once() -> None:
    capture = event(C, "100.00", 2, "ev-c")
    payment = make_payment(
        events=(event(A, "100.00", 1), capture, capture),
        refunds=(refund("5.00", "r1", 9000, request_id="q"), refund("5.00", "r1", 9000, request_id="q")),
    )
    ledger = read_ledger(payment)
    assert ledger.captured == D("100.00") and ledger.refunded == D("5.00")
    assert len(ledger.warnings) == 2


# -- void-made refund entries (afterpay.md §4, §12, E2) --------------------------------------

VOID_AT = 1000.0


def _split(
    refunds: list[Refund], window: int = 60, *events_: tuple[EventType, str, float]
) -> tuple[list[str], list[str]]:
    evs = [event(k, a, s, f"e{i}") for i, (k, a, s) in enumerate(events_ or ((V, "20.00", VOID_AT),))]
    real, entries = match_void_entries(refunds, evs, window)
    return [r.refund_id for r in real], [r.refund_id for r in entries]


@pytest.mark.parametrize(
    ("name", "entry", "is_void"),
    [
        ("E2: same amount, 0.6 s before the event", refund("20.00", "3221", VOID_AT - 0.583), True),
        ("just after the event", refund("20.00", "1", VOID_AT + 2), True),
        ("at the edge of the window", refund("20.00", "1", VOID_AT + 60), True),
        ("outside the window", refund("20.00", "1", VOID_AT + 61), False),
        ("different amount", refund("20.01", "1", VOID_AT), False),
        ("has a requestId: a real refund", refund("20.00", "1", VOID_AT, request_id="req-1"), False),
    ],
)
def test_void_entry_rule(name: str, entry: Refund, is_void: bool) -> None:
    real, entries = _split([entry])
    assert (entries == [entry.refund_id]) is is_void, name
    assert (real == [entry.refund_id]) is not is_void, name


def test_void_entry_shape() -> None:
    bare = refund("1.00", "1", 0)
    assert is_void_entry_shape(bare)
    assert not is_void_entry_shape(
        Refund(amount=money("1.00"), refund_id="2", refunded_at=bare.refunded_at, merchant_reference="RF-1")
    )
    assert not is_void_entry_shape(
        Refund(amount=money("1.00"), refund_id="3", refunded_at=bare.refunded_at, refund_merchant_reference="x")
    )


def test_each_event_claims_at_most_one_entry() -> None:
    entries = [refund("20.00", "a", VOID_AT), refund("20.00", "b", VOID_AT + 1), refund("20.00", "c", VOID_AT + 2)]
    real, void = _split(entries, 60, (V, "20.00", VOID_AT), (V, "20.00", VOID_AT + 1))
    assert void == ["a", "b"] and real == ["c"]


def test_the_closest_entry_is_claimed() -> None:
    entries = [refund("20.00", "far", VOID_AT - 30), refund("20.00", "near", VOID_AT + 1)]
    real, void = _split(entries)
    assert void == ["near"] and real == ["far"]


def test_expiry_entries_match_expired_events() -> None:
    real, void = _split([refund("60.00", "x", VOID_AT)], 60, (X, "60.00", VOID_AT))
    assert void == ["x"] and real == []


def test_captured_events_never_claim_entries() -> None:
    real, void = _split([refund("20.00", "r", VOID_AT)], 60, (C, "20.00", VOID_AT))
    assert void == [] and real == ["r"]


def test_window_is_configurable() -> None:
    assert _split([refund("20.00", "1", VOID_AT + 5)], 1) == (["1"], [])
    payment = make_payment(
        events=(event(A, "100.00", 1), event(C, "80.00", 2), event(V, "20.00", VOID_AT)),
        refunds=(refund("20.00", "1", VOID_AT + 5),),
    )
    assert read_ledger(payment, void_entry_window_seconds=1).refunded == D("20.00")
    assert read_ledger(payment, void_entry_window_seconds=10).refunded == D("0.00")
