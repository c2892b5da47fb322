"""Cin7 → Afterpay decisions (app.domain.reverse), the sale facts they read, and how the
forward plan treats a refund the bridge made for a Cin7 credit note."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from app.cin7.snapshot import sale_facts, sale_snapshot
from app.domain.afterpay import EventType, PaymentState, Refund
from app.domain.mapping import map_payment
from app.domain.reverse import (
    CannotMirror,
    CaptureShipped,
    CreditNoteFacts,
    RefundCreditNote,
    SaleFacts,
    ShippedLine,
    VoidOpen,
    origin_of,
    origin_tag,
    reverse_plan,
    shipped_value,
)
from app.domain.rules import MappingRules
from app.domain.sync import (
    AddCreditNote,
    AddRefund,
    Cin7Document,
    Cin7Sale,
    desired_order_digests,
    note_with_messages,
    plan,
)
from tests.domain.payloads import at, event, item, make_payment, money

D = Decimal
SALE = "9F0C2B8E-0A4B-4C1D-9E55-6A7B8C9D0E1F"


def authorised(original: str = "100.00", captured: str | None = None):  # type: ignore[no-untyped-def]
    events = [event(EventType.AUTH_APPROVED, original, 1, "ev-auth")]
    open_amount = D(original)
    if captured:
        events.append(event(EventType.CAPTURED, captured, 2, "ev-cap"))
        open_amount -= D(captured)
    state = PaymentState.PARTIALLY_CAPTURED if captured else PaymentState.AUTH_APPROVED
    return make_payment(original=original, state=state, open_amount=str(open_amount), events=tuple(events))


def facts(**changes: object) -> SaleFacts:
    base = SaleFacts(
        sale_id=SALE,
        external_id="500000000001",
        voided=False,
        order_total=D("100.00"),
        shipped=D("0.00"),
        shipment_tasks=(),
        credit_notes=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def note(task: str = "TASK-1", total: str = "30.00", key: str | None = None) -> CreditNoteFacts:
    return CreditNoteFacts(task_id=task, number="CR-00007", total=D(total), bridge_key=key)


# -- shipped value ----------------------------------------------------------------------------


def test_everything_shipped_is_the_whole_order_with_its_charges() -> None:
    lines = [ShippedLine("A", D(2), D(2), D("79.90")), ShippedLine("B", D(1), D(1), D("20.00"))]
    assert shipped_value(D("109.85"), lines) == D("109.85")


def test_a_partial_shipment_takes_the_charges_and_the_parts_add_up() -> None:
    first = [ShippedLine("A", D(2), D(1), D("80.00")), ShippedLine("B", D(1), D(0), D("20.00"))]
    assert shipped_value(D("110.00"), first) == D("50.00")  # 110 less the unshipped 40 + 20
    everything = [ShippedLine("A", D(2), D(2), D("80.00")), ShippedLine("B", D(1), D(1), D("20.00"))]
    assert shipped_value(D("110.00"), everything) == D("110.00")


def test_goods_afterpay_cancelled_do_not_hold_back_the_capture() -> None:
    # 100 of goods; Afterpay voided the 20 of B (a -20 charge in Cin7, order total 80); A ships.
    lines = [ShippedLine("A", D(1), D(1), D("80.00")), ShippedLine("B", D(1), D(0), D("20.00"))]
    assert shipped_value(D("80.00"), lines, cancelled=D("20.00")) == D("80.00")
    assert shipped_value(D("80.00"), lines) == D("60.00")


def test_nothing_to_ship_is_worth_nothing() -> None:
    assert shipped_value(D("10.00"), []) == D("0.00")
    assert shipped_value(D("10.00"), [ShippedLine("A", D(1), D(5), D("0.00"))]) == D("0.00")


# -- the plan ---------------------------------------------------------------------------------------


def test_a_shipment_of_an_open_auth_captures_what_shipped_once() -> None:
    payment = authorised()
    shipped = facts(shipped=D("100.00"), shipment_tasks=(SALE,))
    [capture] = reverse_plan(payment, shipped)
    assert isinstance(capture, CaptureShipped) and capture.amount == D("100.00")
    # Afterpay now shows it captured: the same facts ask for nothing more.
    captured = authorised(captured="100.00")
    assert reverse_plan(replace(captured, payment_state=PaymentState.CAPTURED), shipped) == []


def test_a_second_shipment_captures_only_the_rest_and_never_more_than_is_open() -> None:
    partly = authorised(captured="40.00")
    [capture] = reverse_plan(partly, facts(shipped=D("70.00"), shipment_tasks=("T1", "T2")))
    assert isinstance(capture, CaptureShipped) and capture.amount == D("30.00")
    [capped] = reverse_plan(partly, facts(shipped=D("250.00"), shipment_tasks=("T1",)))
    assert isinstance(capped, CaptureShipped) and capped.amount == D("60.00")


def test_request_keys_follow_the_facts_not_the_delivery() -> None:
    payment = authorised()
    one = reverse_plan(payment, facts(shipped=D("100.00"), shipment_tasks=(SALE,)))
    again = reverse_plan(payment, facts(sale_id=SALE.lower(), shipped=D("100.00"), shipment_tasks=(SALE.lower(),)))
    assert one == again


def test_a_void_in_cin7_voids_what_is_open_and_nothing_when_nothing_is() -> None:
    [void] = reverse_plan(authorised(captured="25.00"), facts(voided=True))
    assert isinstance(void, VoidOpen) and void.amount == D("75.00")
    assert reverse_plan(make_payment(), facts(voided=True)) == []


def test_a_credit_note_a_person_raised_is_refunded_once() -> None:
    payment = make_payment()
    [refund] = reverse_plan(payment, facts(credit_notes=(note(),)))
    assert isinstance(refund, RefundCreditNote) and refund.amount == D("30.00") and refund.number == "CR-00007"
    made = Refund(
        amount=money("30.00"),
        refund_id="rf-1",
        refunded_at=at(10),
        request_id="x",
        merchant_reference="CR-00007",
        refund_merchant_reference=origin_tag("TASK-1"),
    )
    assert reverse_plan(replace(payment, refunds=(made,)), facts(credit_notes=(note(),))) == []


def test_credit_notes_the_bridge_wrote_are_never_refunded_again() -> None:
    payment = make_payment()
    assert reverse_plan(payment, facts(credit_notes=(note(key="refund:rf-9"),))) == []
    assert reverse_plan(payment, facts(credit_notes=(note(task="task-2"),)), bridge_notes={"TASK-2"}) == []


def test_a_credit_note_beyond_what_can_be_refunded_is_refunded_in_part_and_reported() -> None:
    payment = make_payment(original="50.00")
    actions = reverse_plan(payment, facts(credit_notes=(note(total="30.00"), note(task="TASK-2", total="30.00"))))
    assert [a.name for a in actions] == ["refund", "refund", "cannot-mirror"]
    assert [a.amount for a in actions if isinstance(a, RefundCreditNote)] == [D("30.00"), D("20.00")]
    assert isinstance(actions[2], CannotMirror) and "only 20.00" in actions[2].reason


def test_a_capture_in_the_same_look_makes_room_for_a_refund() -> None:
    payment = authorised()
    actions = reverse_plan(payment, facts(shipped=D("100.00"), shipment_tasks=(SALE,), credit_notes=(note(),)))
    assert [a.name for a in actions] == ["capture", "refund"]


def test_a_refused_capture_is_not_asked_again_and_makes_no_room_for_a_refund() -> None:
    payment = authorised()
    shipped = facts(shipped=D("100.00"), shipment_tasks=(SALE,), credit_notes=(note(),))
    [capture, refund] = reverse_plan(payment, shipped)
    assert isinstance(capture, CaptureShipped) and isinstance(refund, RefundCreditNote)
    after = reverse_plan(payment, shipped, refused={capture.request_key})
    assert [a.name for a in after] == ["cannot-mirror"]
    # A refund refused for one amount is asked again once more can be refunded.
    captured = replace(authorised(captured="100.00"), payment_state=PaymentState.CAPTURED)
    [small] = reverse_plan(captured, facts(credit_notes=(note(total="30.00"),)))
    assert isinstance(small, RefundCreditNote) and small.request_key.endswith(":30.00")
    assert [a.name for a in reverse_plan(captured, facts(credit_notes=(note(),)), refused={small.request_key})] == [
        "cannot-mirror"
    ]


def test_the_bridges_own_credit_note_is_known_by_its_task_even_with_its_memo_edited() -> None:
    sale = _sale()
    notes = sale["CreditNotes"]
    assert isinstance(notes, list)
    notes[2]["Memo"] = "Customer kept the socks"  # a person tidied the memo
    known = {"cn-3": "refund:rf-1"}
    snap = sale_snapshot(sale, cancellation_descriptions=frozenset(), attribute_slots=(), known_notes=known)
    assert set(snap.credit_notes) == {"cin7:cn-1", "refund:rf-1"}
    read = sale_facts(sale)
    assert [n.task_id for n in read.credit_notes if n.bridge_key is None] == ["CN-1", "CN-3"]
    payment = make_payment()
    refunds = [a for a in reverse_plan(payment, read, bridge_notes=known) if isinstance(a, RefundCreditNote)]
    assert [r.task_id for r in refunds] == ["CN-1"]


def test_origin_tags_round_trip_case_insensitively() -> None:
    assert origin_of(origin_tag("ABC-1")) == "abc-1"
    assert origin_of("RMA-7") is None and origin_of(None) is None


# -- reading the sale -----------------------------------------------------------------------------


def _sale(**changes: object) -> dict[str, object]:
    sale: dict[str, object] = {
        "ID": SALE,
        "ExternalID": "500000000001",
        "Status": "SHIPPED",
        "Order": {
            "SaleOrderNumber": "SO-00001",
            "Status": "AUTHORISED",
            "Total": 108.85,
            "Lines": [{"SKU": "TEE", "Quantity": 2, "Total": 79.90}],
            "AdditionalCharges": [{"Description": "Shipping", "Quantity": 1, "Total": 28.95}],
        },
        "Fulfilments": [
            {
                "TaskID": SALE,
                "Pick": {"Status": "AUTHORISED", "Lines": [{"SKU": "TEE", "Quantity": 2}]},
                "Pack": {"Status": "AUTHORISED", "Lines": [{"SKU": "TEE", "Quantity": 2}]},
                "Ship": {"Status": "AUTHORISED"},
            }
        ],
        "CreditNotes": [
            {"TaskID": "CN-1", "CreditNoteNumber": "CR-00001 ", "Status": "AUTHORISED", "Total": 10, "Memo": ""},
            {"TaskID": "CN-2", "CreditNoteNumber": "CR-00002", "Status": "DRAFT", "Total": 5, "Memo": ""},
            {
                "TaskID": "CN-3",
                "CreditNoteNumber": "CR-00003",
                "Status": "AUTHORISED",
                "Total": 7,
                "Memo": "Afterpay refund rf-1 [bridge:refund:rf-1]",
                "Refunds": [{"Amount": 7, "Reference": "500000000001/refund/rf-1"}],
            },
        ],
    }
    sale.update(changes)
    return sale


def test_sale_facts_read_shipments_and_authorised_credit_notes() -> None:
    read = sale_facts(_sale())
    assert read.shipped == D("108.85") and read.shipment_tasks == (SALE,)
    assert [(n.task_id, n.number, n.bridge_key) for n in read.credit_notes] == [
        ("CN-1", "CR-00001", None),
        ("CN-3", "CR-00003", "refund:rf-1"),
    ]
    unshipped = sale_facts(_sale(Fulfilments=[{"TaskID": SALE, "Ship": {"Status": "DRAFT"}}]))
    assert unshipped.shipped == D("0.00") and unshipped.shipment_tasks == ()


def test_the_snapshot_keeps_person_made_credit_notes_under_their_task() -> None:
    snap = sale_snapshot(_sale(), cancellation_descriptions=frozenset(), attribute_slots=())
    assert set(snap.credit_notes) == {"cin7:cn-1", "refund:rf-1"}
    assert snap.credit_notes["refund:rf-1"].refunded == D("7")
    assert snap.credit_notes["cin7:cn-1"].refunded == D("0")
    assert Cin7Sale.from_json(snap.to_json()) == snap


# -- the forward plan after a refund made for a Cin7 credit note ------------------------------------


def test_the_refund_made_for_a_cin7_credit_note_is_recorded_on_it_not_credited_again() -> None:
    rules = MappingRules()
    made = Refund(
        amount=money("30.00"),
        refund_id="rf-cin7",
        refunded_at=at(100),
        request_id="req",
        merchant_reference="CR-00001",
        refund_merchant_reference=origin_tag("CN-1"),
    )
    payment = make_payment(items=(item("TEE", 1, "100.00"),), refunds=(made,))
    mapped = map_payment(payment, rules)
    assert mapped.credit_notes[0].origin == "cn-1"
    invoice = Cin7Document(task_id=SALE, number="INV-1", status="PAID", total=D("100.00"))
    person = Cin7Document(task_id="CN-1", number="CR-00001", status="AUTHORISED", total=D("30.00"))
    full, base, cancelled = desired_order_digests(mapped.order)
    snapshot = Cin7Sale(
        sale_id=SALE,
        order_status="AUTHORISED",
        order_digest=full,
        order_base_digest=base,
        order_cancelled=cancelled,
        invoice=invoice,
        payment_refs=frozenset(p.reference for p in mapped.payments),
        credit_notes={"cin7:cn-1": person},
    )
    actions = [a for a in plan(mapped, snapshot, attribute_slots=()) if a.name != "header-update"]
    assert actions == [AddRefund("cin7:cn-1", mapped.credit_notes[0].refunds[0])]
    # The person recorded the refund in Cin7 themselves: nothing to add.
    paid_out = replace(snapshot, credit_notes={"cin7:cn-1": replace(person, refunded=D("30.00"))})
    assert [a for a in plan(mapped, paid_out, attribute_slots=()) if a.name != "header-update"] == []
    # Without the person's note (it was deleted), the refund gets a credit note of its own.
    bare = replace(snapshot, credit_notes={})
    assert [type(a) for a in plan(mapped, bare, attribute_slots=()) if a.name != "header-update"] == [AddCreditNote]


def test_afterpay_answers_follow_the_mapped_note_and_the_oldest_go_first() -> None:
    assert note_with_messages("Afterpay order 1", []) == "Afterpay order 1"
    assert note_with_messages("Afterpay order 1", ["a", "b"]) == "Afterpay order 1\na\nb"
    long = ["x" * 600, "y" * 600]
    assert note_with_messages("N", long, limit=1024) == "N\n" + "y" * 600
