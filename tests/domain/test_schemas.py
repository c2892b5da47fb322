"""The Afterpay Payment wire schema: strict for map-order, tolerant of new fields, round-trips."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from marshmallow import ValidationError

from app.afterpay.schemas import dump_payment, load_payment
from app.domain.afterpay import CourierPriority, EventType, PaymentState, PaymentStatus
from tests.domain.payloads import AU_ORDER, E1, E2, E3, payload

D = Decimal


def errors(data: Any) -> dict[Any, Any]:
    with pytest.raises(ValidationError) as caught:
        load_payment(data)
    messages = caught.value.messages
    assert isinstance(messages, dict)
    return messages


def at_path(messages: dict[Any, Any], *path: Any) -> list[str]:
    node: Any = messages
    for key in path:
        assert key in node, (path, messages)
        node = node[key]
    assert isinstance(node, list), node
    return node


def changed(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the value at ``path`` replaced (or removed when ...)."""
    out = copy.deepcopy(base)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


# -- valid payloads ---------------------------------------------------------------------------


def test_e1_loads_into_the_domain() -> None:
    payment = load_payment(E1)
    assert payment.id == "400123851542"
    assert payment.status is PaymentStatus.APPROVED and payment.payment_state is PaymentState.CAPTURED
    assert payment.created == datetime(2020, 4, 9, 15, 26, 53, 140_000, tzinfo=UTC)
    assert payment.original_amount.amount == D("30.00") and payment.currency == "GBP"
    assert payment.details.consumer is not None and payment.details.consumer.given_names == "Testy"
    assert payment.details.items == () and payment.details.courier is not None
    assert [e.type for e in payment.events] == [EventType.AUTH_APPROVED, EventType.CAPTURED]
    assert payment.events[1].expires is None


@pytest.mark.parametrize("raw", [E1, E2], ids=["E1", "E2"])
def test_real_payloads_round_trip_exactly(raw: dict[str, Any]) -> None:
    assert dump_payment(load_payment(raw)) == raw


def test_e3_round_trips_to_the_same_payment() -> None:
    payment = load_payment(E3)
    dumped = dump_payment(payment)
    assert load_payment(dumped) == payment
    assert dumped["orderDetails"]["items"] == E3["orderDetails"]["items"]
    assert dumped["orderDetails"]["taxAmount"] == {"amount": "0.00", "currency": "USD"}


def test_every_field_round_trips() -> None:
    full = payload(
        AU_ORDER,
        refunds=[
            {
                "requestId": "956946da-4863-4797-aa7c-540050faf922",
                "amount": {"amount": "10.00", "currency": "AUD"},
                "merchantReference": "merchantRefundId-1234",
                "refundId": "67890123",
                "refundedAt": "2024-03-05T00:00:00.000Z",
                "refundMerchantReference": "merchantRefundId-1234",
            }
        ],
    )
    full["orderDetails"]["courier"] = {
        "shippedAt": "2024-03-02T03:04:05.678Z",
        "name": "AusPost",
        "tracking": "TRK1",
        "priority": "EXPRESS",
    }
    full["orderDetails"]["items"][0].update(
        {
            "pageUrl": "https://shop.example/shirt",
            "imageUrl": "https://shop.example/shirt.jpg",
            "categories": [["Clothing", "Shirts"], ["Sale"]],
            "estimatedShipmentDate": "2024-04",
            "preorder": True,
        }
    )
    full["orderDetails"]["billing"].update({"line2": "Suite 1", "area2": "CBD", "phoneNumber": "0299999999"})
    full["events"][1]["paymentEventMerchantReference"] = "CAP-1"
    payment = load_payment(full)
    assert payment.details.courier is not None and payment.details.courier.priority is CourierPriority.EXPRESS
    assert payment.details.items[0].categories == (("Clothing", "Shirts"), ("Sale",))
    assert payment.refunds[0].request_id == "956946da-4863-4797-aa7c-540050faf922"
    assert dump_payment(payment) == full


def test_unknown_fields_are_ignored() -> None:
    raw = payload(E1, agreements=[{"id": "a1"}], merchantPortalOrderUrl="https://x")
    raw["orderDetails"]["subscriptions"] = [{"id": "s1"}]
    raw["events"][0]["newField"] = 1
    assert load_payment(raw) == load_payment(E1)


def test_timestamps_with_offsets_load_as_utc_and_dump_with_z() -> None:
    payment = load_payment(payload(E1, created="2020-01-01T00:59:59+01:00"))
    assert payment.created == datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert dump_payment(payment)["created"] == "2019-12-31T23:59:59.000Z"
    assert load_payment(payload(E1, created="2020-01-01T00:59Z")).created.second == 0


def test_only_required_fields() -> None:
    minimal = {
        "id": "1",
        "status": "APPROVED",
        "created": "2024-01-01T00:00:00Z",
        "originalAmount": {"amount": "10.00", "currency": "AUD"},
        "paymentState": "CAPTURED",
    }
    payment = load_payment(minimal)
    assert payment.order_details is None and payment.events == () and payment.open_to_capture_amount is None
    assert dump_payment(payment) == {**minimal, "created": "2024-01-01T00:00:00.000Z", "refunds": [], "events": []}


def test_nulls_for_optional_objects_are_accepted() -> None:
    raw = payload(E1, merchantReference=None, openToCaptureAmount=None, refunds=None, events=None)
    raw["orderDetails"].update({"consumer": None, "courier": None, "items": None, "taxAmount": None})
    payment = load_payment(raw)
    assert payment.merchant_reference is None and payment.details.items == ()


def test_zero_priced_items_are_accepted() -> None:
    raw = changed(AU_ORDER, ("orderDetails", "items", 1, "price", "amount"), "0.00")
    assert load_payment(raw).details.items[1].price.amount == D("0.00")


# -- strictness: each problem at its nested key ----------------------------------------------

AMOUNT_MESSAGE = 'must be a string with exactly 2 decimal places, e.g. "10.00" (Afterpay always sends 2 dp)'
TIME_MESSAGE = "must be an ISO 8601 timestamp with a timezone, e.g. 2020-04-09T15:26:53.140Z"
ITEM = ("orderDetails", "items", 1)


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        (("originalAmount", "amount"), "104.9", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), "105", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), "104.900", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), 104.90, ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), "1,104.90", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), "$104.90", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), "", ("originalAmount", "amount"), AMOUNT_MESSAGE),
        (("originalAmount", "amount"), None, ("originalAmount", "amount"), "Field may not be null."),
        (("originalAmount", "amount"), ..., ("originalAmount", "amount"), "Missing data for required field."),
        (("originalAmount", "amount"), "-104.90", ("originalAmount", "amount"), "must not be negative"),
        (
            ("originalAmount", "currency"),
            "EUR",
            ("originalAmount", "currency"),
            "must be one of AUD, NZD, USD, CAD, GBP",
        ),
        (("originalAmount",), ..., ("originalAmount",), "Missing data for required field."),
        (("id",), ..., ("id",), "Missing data for required field."),
        (("id",), "12 34", ("id",), "must be 1-64 letters, digits, '-' or '_' (Afterpay ids are numeric)"),
        (("id",), 500000000101, ("id",), "Not a valid string."),
        (("status",), ..., ("status",), "Missing data for required field."),
        (("status",), "PENDING", ("status",), "Must be one of: APPROVED, DECLINED."),
        (("paymentState",), ..., ("paymentState",), "Missing data for required field."),
        (
            ("paymentState",),
            "SETTLED",
            ("paymentState",),
            "Must be one of: AUTH_APPROVED, AUTH_DECLINED, PARTIALLY_CAPTURED, CAPTURED, CAPTURE_DECLINED, VOIDED, "
            "EXPIRED.",
        ),
        (("created",), ..., ("created",), "Missing data for required field."),
        (("created",), "2024-03-01T01:00:00", ("created",), TIME_MESSAGE),
        (("created",), "2024-03-01", ("created",), TIME_MESSAGE),
        (("created",), "2024-13-45T01:00:00Z", ("created",), TIME_MESSAGE),
        (("created",), 1709254800, ("created",), TIME_MESSAGE),
        (("merchantReference",), "R" * 257, ("merchantReference",), "must be at most 256 characters"),
        ((*ITEM, "price", "amount"), "10.5", (*ITEM, "price", "amount"), AMOUNT_MESSAGE),
        ((*ITEM, "price", "amount"), "-1.00", (*ITEM, "price", "amount"), "must not be negative"),
        (
            (*ITEM, "price", "currency"),
            "NZD",
            (*ITEM, "price", "currency"),
            "must be AUD, the currency of originalAmount",
        ),
        ((*ITEM, "price"), ..., (*ITEM, "price"), "Missing data for required field."),
        ((*ITEM, "quantity"), 0, (*ITEM, "quantity"), "must be a whole number from 1 to 2147483647"),
        ((*ITEM, "quantity"), "2", (*ITEM, "quantity"), "must be a whole number from 1 to 2147483647"),
        ((*ITEM, "quantity"), 1.5, (*ITEM, "quantity"), "must be a whole number from 1 to 2147483647"),
        ((*ITEM, "quantity"), True, (*ITEM, "quantity"), "must be a whole number from 1 to 2147483647"),
        ((*ITEM, "quantity"), 2**31, (*ITEM, "quantity"), "must be a whole number from 1 to 2147483647"),
        ((*ITEM, "name"), ..., (*ITEM, "name"), "Missing data for required field."),
        ((*ITEM, "name"), "", (*ITEM, "name"), "must be 1 to 255 characters"),
        ((*ITEM, "sku"), "S" * 129, (*ITEM, "sku"), "must be at most 128 characters"),
        ((*ITEM, "estimatedShipmentDate"), "soon", (*ITEM, "estimatedShipmentDate"), "must be YYYY-MM or YYYY-MM-DD"),
        (
            ("orderDetails", "discounts", 0, "amount", "currency"),
            "USD",
            ("orderDetails", "discounts", 0, "amount", "currency"),
            "must be AUD, the currency of originalAmount",
        ),
        (
            ("orderDetails", "shippingAmount", "currency"),
            "GBP",
            ("orderDetails", "shippingAmount", "currency"),
            "must be AUD, the currency of originalAmount",
        ),
        (
            ("orderDetails", "taxAmount", "amount"),
            "200.00",
            ("orderDetails", "taxAmount", "amount"),
            "must not exceed originalAmount",
        ),
        (
            ("orderDetails", "consumer", "email"),
            "not-an-email",
            ("orderDetails", "consumer", "email"),
            "must be an email address",
        ),
        (
            ("orderDetails", "consumer", "email"),
            ...,
            ("orderDetails", "consumer", "email"),
            "Missing data for required field.",
        ),
        (
            ("orderDetails", "billing", "countryCode"),
            "Australia",
            ("orderDetails", "billing", "countryCode"),
            "must be a 2-letter ISO 3166 country code such as AU",
        ),
        (
            ("orderDetails", "courier", "priority"),
            "FAST",
            ("orderDetails", "courier", "priority"),
            "Must be one of: STANDARD, EXPRESS.",
        ),
        (
            ("events", 1, "type"),
            "REFUNDED",
            ("events", 1, "type"),
            "Must be one of: AUTH_APPROVED, AUTH_DECLINED, CAPTURED, CAPTURE_DECLINED, VOIDED, EXPIRED.",
        ),
        (("events", 1, "created"), ..., ("events", 1, "created"), "Missing data for required field."),
        (
            ("events", 1, "amount", "currency"),
            "NZD",
            ("events", 1, "amount", "currency"),
            "must be AUD, the currency of originalAmount",
        ),
        (
            ("openToCaptureAmount", "amount"),
            "200.00",
            ("openToCaptureAmount", "amount"),
            "must not exceed originalAmount",
        ),
        (
            ("openToCaptureAmount", "amount"),
            "4.90",
            ("openToCaptureAmount", "amount"),
            "must be 0.00 when paymentState is CAPTURED",
        ),
        (
            ("openToCaptureAmount", "currency"),
            "USD",
            ("openToCaptureAmount", "currency"),
            "must be AUD, the currency of originalAmount",
        ),
        (("originalAmount", "amount"), "0.00", ("originalAmount", "amount"), "must be greater than 0.00"),
    ],
)
def test_invalid_input_is_reported_at_its_key(
    path: tuple[Any, ...], value: Any, error_path: tuple[Any, ...], message: str
) -> None:
    messages = errors(changed(AU_ORDER, path, value))
    assert message in at_path(messages, *error_path), messages


def test_open_amount_must_match_the_events() -> None:
    raw = payload(E2, paymentState="PARTIALLY_CAPTURED", openToCaptureAmount={"amount": "5.00", "currency": "GBP"})
    messages = errors(raw)
    assert at_path(messages, "openToCaptureAmount", "amount") == [
        "must equal originalAmount - captured - voided/expired = 0.00 (from the events)"
    ]


def test_events_must_not_exceed_the_original_amount_when_open_is_absent() -> None:
    raw = payload(E2, openToCaptureAmount=...)
    del raw["openToCaptureAmount"]
    raw["events"][1]["amount"]["amount"] = "20.00"
    messages = errors(raw)
    assert at_path(messages, "events") == ["CAPTURED, VOIDED and EXPIRED events add up to more than originalAmount"]


def test_more_than_100_items() -> None:
    raw = copy.deepcopy(AU_ORDER)
    raw["orderDetails"]["items"] = [raw["orderDetails"]["items"][1]] * 101
    assert at_path(errors(raw), "orderDetails", "items") == ["at most 100 items (Afterpay's limit)"]


def test_refund_fields() -> None:
    raw = payload(E2)
    del raw["refunds"][0]["refundId"]
    raw["refunds"][0]["refundedAt"] = "yesterday"
    messages = errors(raw)
    assert at_path(messages, "refunds", 0, "refundId") == ["Missing data for required field."]
    assert at_path(messages, "refunds", 0, "refundedAt") == [TIME_MESSAGE]


def test_several_problems_are_reported_together() -> None:
    raw = copy.deepcopy(AU_ORDER)
    raw["orderDetails"]["items"][0]["price"]["amount"] = "39.9"
    raw["orderDetails"]["items"][1]["quantity"] = -1
    raw["status"] = "MAYBE"
    messages = errors(raw)
    assert set(messages) == {"orderDetails", "status"}
    assert set(messages["orderDetails"]["items"]) == {0, 1}


@pytest.mark.parametrize("data", [[], "payment", None, 42])
def test_not_an_object(data: Any) -> None:
    assert errors(data) == {"_schema": ["must be a JSON object (an Afterpay Payment)"]}


def test_invalid_payment_is_both_a_validation_error_and_a_value_error() -> None:
    with pytest.raises(ValueError, match="Missing data for required field") as caught:
        load_payment({})
    assert isinstance(caught.value, ValidationError)
    assert set(caught.value.messages) == {"id", "status", "created", "originalAmount", "paymentState"}
