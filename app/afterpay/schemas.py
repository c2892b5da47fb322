"""Marshmallow schemas for the Afterpay Payment exactly as ``GET /v2/payments/{id}`` returns it.

Two users, one schema (afterpay.md §4, §11):

* ``POST /v1/map-order`` validates a client-sent payment with it, so every rule is strict and
  every message says what Afterpay itself sends; errors nest by field and list index
  (``{"orderDetails": {"items": {3: {"price": {"amount": [...]}}}}}``) so the API can point at
  ``#/orderDetails/items/3/price/amount``.
* the Afterpay client parses real responses with it.

Unknown fields are ignored in both cases (``unknown = EXCLUDE``): Afterpay adds fields over
time (``agreements``, ``orderDetails.subscriptions``, afterpay.md §4) and a new one must not
stop a sync. The rules, each decided once here:

* Amounts are strings with exactly two decimals (``^-?\\d+\\.\\d{2}$``): Afterpay always sends
  2 dp and rejects anything else on input (afterpay.md §2, §9), so ``"10"``, ``"10.5"`` and
  JSON numbers are errors, not guesses. No amount of a Payment may be negative.
* Currency is one of AUD, NZD, USD, CAD, GBP and the same in every Money of the payment.
* Required: ``id``, ``status``, ``created``, ``originalAmount``, ``paymentState``; inside
  objects, what Afterpay's models require (consumer ``email``; item ``name``, ``quantity``,
  ``price``; event ``id``, ``created``, ``type``, ``amount``; refund ``amount``, ``refundId``,
  ``refundedAt``). Contact fields are all optional: the mapping only needs ``line1`` and
  ``countryCode`` and says so in a warning when they are missing.
* Timestamps are ISO 8601 with a timezone (``Z`` or ``±hh:mm``); they load as UTC.
* At most 100 items (afterpay.md §4 Item), quantity a whole number ≥ 1, price ≥ 0.00. A
  price of 0.00 is accepted: storefronts send free gifts and samples as zero-priced items,
  Cin7 takes a zero-priced line, and it adds nothing to the money.
* ``openToCaptureAmount`` is consistent: at most ``originalAmount``; 0.00 once the payment is
  CAPTURED, VOIDED or EXPIRED; and, when the events show the auth's history, exactly
  ``originalAmount - Σ CAPTURED - Σ VOIDED - Σ EXPIRED``. ``taxAmount`` is at most
  ``originalAmount``.

``dump_payment`` writes the API's JSON shape back: 2-dp strings, ``2020-04-09T15:26:53.140Z``
timestamps, and ``null`` only where Afterpay itself writes null (event ``expires`` and
``paymentEventMerchantReference``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, post_load, validate, validates_schema

from app.domain.afterpay import (
    Consumer,
    Contact,
    Courier,
    CourierPriority,
    Discount,
    EventType,
    Item,
    Money,
    OrderDetails,
    Payment,
    PaymentEvent,
    PaymentState,
    PaymentStatus,
    Refund,
)
from app.domain.money import AFTERPAY_CURRENCIES, ZERO, format_amount

__all__ = ["InvalidPayment", "PaymentSchema", "dump_payment", "load_payment"]

_AMOUNT_RE = re.compile(r"^-?\d+\.\d{2}$")
# RFC 3339 profile of ISO 8601: a date, a time, optional fraction, and a mandatory offset.
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_SHIPMENT_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_INT32_MAX = 2**31 - 1
_STATES_WITH_NOTHING_OPEN = frozenset({PaymentState.CAPTURED, PaymentState.VOIDED, PaymentState.EXPIRED})
_HISTORY_EVENTS = frozenset({EventType.AUTH_APPROVED, EventType.CAPTURED, EventType.VOIDED, EventType.EXPIRED})
# Afterpay writes these as null rather than leaving them out (afterpay.md §11 E1).
_NULL_KEPT = frozenset({"expires", "paymentEventMerchantReference"})


class AmountField(fields.Field[Decimal]):
    """A 2-dp amount string ``"10.00"`` ⇄ ``Decimal``."""

    default_error_messages = {
        "invalid": 'must be a string with exactly 2 decimal places, e.g. "10.00" (Afterpay always sends 2 dp)',
    }

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not _AMOUNT_RE.match(value):
            raise self.make_error("invalid")
        return Decimal(value)

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_amount(value)


class TimestampField(fields.Field[datetime]):
    """An ISO 8601 timestamp with a timezone ⇄ an aware UTC ``datetime``.

    Dumped the way Afterpay writes them: UTC, milliseconds, ``Z`` (afterpay.md §2).
    """

    default_error_messages = {
        "invalid": "must be an ISO 8601 timestamp with a timezone, e.g. 2020-04-09T15:26:53.140Z",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not _TIMESTAMP_RE.match(value):
            raise self.make_error("invalid")
        text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        return moment.astimezone(UTC)

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        moment = value.astimezone(UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


class QuantityField(fields.Field[int]):
    """A JSON whole number from 1 to 2³¹-1 (afterpay.md §4 Item: signed 32-bit); never a
    string, a fraction or a boolean."""

    default_error_messages = {"invalid": f"must be a whole number from 1 to {_INT32_MAX}"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _INT32_MAX:
            raise self.make_error("invalid")
        quantity: int = value
        return quantity

    def _serialize(self, value: int | None, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return value


def _text(max_length: int, *, required: bool = False, data_key: str | None = None) -> fields.String:
    """A string of at most ``max_length`` characters; optional ones may be null."""
    return fields.String(
        required=required,
        allow_none=not required,
        data_key=data_key,
        validate=(
            validate.Length(min=1, max=max_length, error="must be 1 to {max} characters")
            if required
            else validate.Length(max=max_length, error="must be at most {max} characters")
        ),
    )


class _WireSchema(Schema):
    """Base: ignore unknown fields, drop null optional values when dumping."""

    class Meta:
        unknown = EXCLUDE

    @post_dump
    def _drop_nulls(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None or k in _NULL_KEPT}


class MoneySchema(_WireSchema):
    """``{"amount": "10.00", "currency": "AUD"}`` (afterpay.md §2 Money)."""

    amount = AmountField(required=True)
    currency = fields.String(
        required=True,
        validate=validate.OneOf(AFTERPAY_CURRENCIES, error="must be one of " + ", ".join(AFTERPAY_CURRENCIES)),
    )

    @validates_schema
    def _not_negative(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["amount"] < 0:
            raise ValidationError("must not be negative", "amount")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Money:
        return Money(**data)


class ConsumerSchema(_WireSchema):
    """afterpay.md §4 Consumer."""

    email = fields.String(
        required=True,
        validate=[
            validate.Length(max=128),
            validate.Regexp(_EMAIL_RE, error="must be an email address"),
        ],
    )
    given_names = _text(128, data_key="givenNames")
    surname = _text(128)
    phone_number = _text(32, data_key="phoneNumber")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Consumer:
        return Consumer(**data)


class ContactSchema(_WireSchema):
    """afterpay.md §4 Contact (billing and shipping addresses)."""

    name = _text(255)
    line1 = _text(128)
    line2 = _text(128)
    area1 = _text(128)
    area2 = _text(128)
    region = _text(128)
    postcode = _text(128)
    # afterpay.md §4 lists AU|NZ|US|CA|GB; Clearpay EU used ES/FR/IT too (§9), so any ISO
    # 3166 alpha-2 code is accepted rather than failing a real order over a new country.
    country_code = fields.String(
        data_key="countryCode",
        allow_none=True,
        validate=validate.Regexp(_COUNTRY_RE, error="must be a 2-letter ISO 3166 country code such as AU"),
    )
    phone_number = _text(32, data_key="phoneNumber")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Contact:
        return Contact(**data)


class ItemSchema(_WireSchema):
    """afterpay.md §4 Item: ``price`` is a unit price."""

    name = _text(255, required=True)
    sku = _text(128)
    quantity = QuantityField(required=True)
    price = fields.Nested(MoneySchema, required=True)
    page_url = _text(2048, data_key="pageUrl")
    image_url = _text(2048, data_key="imageUrl")
    categories = fields.List(fields.List(fields.String()), allow_none=True)
    estimated_shipment_date = fields.String(
        data_key="estimatedShipmentDate",
        allow_none=True,
        validate=validate.Regexp(_SHIPMENT_DATE_RE, error="must be YYYY-MM or YYYY-MM-DD"),
    )
    preorder = fields.Boolean(allow_none=True)

    @post_dump
    def _drop_empty_categories(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # Dump what Afterpay would show: no "categories" key when the item had none.
        if data.get("categories") == []:
            del data["categories"]
        return data

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Item:
        categories = data.pop("categories", None) or []
        return Item(**data, categories=tuple(tuple(path) for path in categories))


class DiscountSchema(_WireSchema):
    """afterpay.md §4 Discount."""

    display_name = _text(128, data_key="displayName")
    amount = fields.Nested(MoneySchema, required=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Discount:
        return Discount(**data)


class CourierSchema(_WireSchema):
    """afterpay.md §3.2 Update courier; real responses often hold ``{}``."""

    shipped_at = TimestampField(data_key="shippedAt", allow_none=True)
    name = _text(128)
    tracking = _text(128)
    priority = fields.Enum(CourierPriority, allow_none=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Courier:
        return Courier(**data)


class OrderDetailsSchema(_WireSchema):
    """afterpay.md §4 Order Details."""

    consumer = fields.Nested(ConsumerSchema, allow_none=True)
    billing = fields.Nested(ContactSchema, allow_none=True)
    shipping = fields.Nested(ContactSchema, allow_none=True)
    courier = fields.Nested(CourierSchema, allow_none=True)
    items = fields.List(
        fields.Nested(ItemSchema),
        allow_none=True,
        validate=validate.Length(max=100, error="at most 100 items (Afterpay's limit)"),
    )
    discounts = fields.List(fields.Nested(DiscountSchema), allow_none=True)
    tax_amount = fields.Nested(MoneySchema, data_key="taxAmount", allow_none=True)
    shipping_amount = fields.Nested(MoneySchema, data_key="shippingAmount", allow_none=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> OrderDetails:
        data["items"] = tuple(data.get("items") or ())
        data["discounts"] = tuple(data.get("discounts") or ())
        return OrderDetails(**data)


class PaymentEventSchema(_WireSchema):
    """afterpay.md §4 Payment Event."""

    id = _text(128, required=True)
    created = TimestampField(required=True)
    expires = TimestampField(allow_none=True)
    type = fields.Enum(EventType, required=True)
    amount = fields.Nested(MoneySchema, required=True)
    payment_event_merchant_reference = _text(128, data_key="paymentEventMerchantReference")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> PaymentEvent:
        return PaymentEvent(**data)


class RefundSchema(_WireSchema):
    """afterpay.md §4 Refund; void-made entries carry only amount, refundId, refundedAt."""

    request_id = _text(64, data_key="requestId")
    amount = fields.Nested(MoneySchema, required=True)
    # afterpay.md §3.2/§13.6: 64 or 85 characters depending on the source; take the larger.
    merchant_reference = _text(85, data_key="merchantReference")
    refund_id = _text(64, required=True, data_key="refundId")
    refunded_at = TimestampField(required=True, data_key="refundedAt")
    refund_merchant_reference = _text(128, data_key="refundMerchantReference")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Refund:
        return Refund(**data)


class PaymentSchema(_WireSchema):
    """afterpay.md §4 Payment, as ``GET /v2/payments/{id}`` returns it."""

    id = fields.String(
        required=True,
        validate=validate.Regexp(_ID_RE, error="must be 1-64 letters, digits, '-' or '_' (Afterpay ids are numeric)"),
    )
    token = _text(128)
    status = fields.Enum(PaymentStatus, required=True)
    created = TimestampField(required=True)
    original_amount = fields.Nested(MoneySchema, required=True, data_key="originalAmount")
    open_to_capture_amount = fields.Nested(MoneySchema, data_key="openToCaptureAmount", allow_none=True)
    payment_state = fields.Enum(PaymentState, required=True, data_key="paymentState")
    merchant_reference = _text(256, data_key="merchantReference")
    refunds = fields.List(fields.Nested(RefundSchema), allow_none=True)
    order_details = fields.Nested(OrderDetailsSchema, data_key="orderDetails", allow_none=True)
    events = fields.List(fields.Nested(PaymentEventSchema), allow_none=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        _check_currencies(data, errors)
        _check_amounts(data, errors)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Payment:
        data["refunds"] = tuple(data.get("refunds") or ())
        data["events"] = tuple(data.get("events") or ())
        return Payment(**data)


def _put(errors: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    """Add ``message`` at the nested ``path`` of a marshmallow error dict."""
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def _monies(data: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], Money]]:
    """Every Money of a loaded payment with its JSON path (data keys, list indexes)."""
    found: list[tuple[tuple[Any, ...], Money]] = [(("originalAmount",), data["original_amount"])]
    if data.get("open_to_capture_amount") is not None:
        found.append((("openToCaptureAmount",), data["open_to_capture_amount"]))
    for i, refund in enumerate(data.get("refunds") or ()):
        found.append((("refunds", i, "amount"), refund.amount))
    for i, event in enumerate(data.get("events") or ()):
        found.append((("events", i, "amount"), event.amount))
    details: OrderDetails | None = data.get("order_details")
    if details is not None:
        for i, item in enumerate(details.items):
            found.append((("orderDetails", "items", i, "price"), item.price))
        for i, discount in enumerate(details.discounts):
            found.append((("orderDetails", "discounts", i, "amount"), discount.amount))
        if details.tax_amount is not None:
            found.append((("orderDetails", "taxAmount"), details.tax_amount))
        if details.shipping_amount is not None:
            found.append((("orderDetails", "shippingAmount"), details.shipping_amount))
    return found


def _check_currencies(data: Mapping[str, Any], errors: dict[str, Any]) -> None:
    # afterpay.md §2: an account has one currency, so a payment has one too.
    currency = data["original_amount"].currency
    for path, money in _monies(data)[1:]:
        if money.currency != currency:
            _put(errors, (*path, "currency"), f"must be {currency}, the currency of originalAmount")


def _check_amounts(data: Mapping[str, Any], errors: dict[str, Any]) -> None:
    original: Decimal = data["original_amount"].amount
    if original <= 0:
        _put(errors, ("originalAmount", "amount"), "must be greater than 0.00")
    details: OrderDetails | None = data.get("order_details")
    if details is not None and details.tax_amount is not None and details.tax_amount.amount > original:
        _put(errors, ("orderDetails", "taxAmount", "amount"), "must not exceed originalAmount")

    events: list[PaymentEvent] = list(data.get("events") or ())
    captured = sum((e.amount.amount for e in events if e.type is EventType.CAPTURED), ZERO)
    voided = sum((e.amount.amount for e in events if e.type in (EventType.VOIDED, EventType.EXPIRED)), ZERO)
    open_money: Money | None = data.get("open_to_capture_amount")
    if open_money is None:
        if captured + voided > original:
            _put(errors, ("events",), "CAPTURED, VOIDED and EXPIRED events add up to more than originalAmount")
        return
    path = ("openToCaptureAmount", "amount")
    state: PaymentState = data["payment_state"]
    if open_money.amount > original:
        _put(errors, path, "must not exceed originalAmount")
    elif state in _STATES_WITH_NOTHING_OPEN and open_money.amount != 0:
        _put(errors, path, f"must be 0.00 when paymentState is {state}")
    elif any(e.type in _HISTORY_EVENTS for e in events) and captured + voided + open_money.amount != original:
        expected = format_amount(original - captured - voided)
        _put(
            errors,
            path,
            f"must equal originalAmount - captured - voided/expired = {expected} (from the events)",
        )


class InvalidPayment(ValidationError, ValueError):
    """A payment that fails the schema: a marshmallow ``ValidationError`` (``messages`` nest by
    data key and list index) that is also a ``ValueError``, so a caller that treats any
    unreadable input as a ValueError (the Afterpay client does) catches it too."""


_SCHEMA = PaymentSchema()


def load_payment(data: Mapping[str, Any]) -> Payment:
    """Validate an Afterpay Payment (JSON already parsed) and build the domain object.

    Raises ``InvalidPayment`` (a ``marshmallow.ValidationError`` and a ``ValueError``).
    """
    if not isinstance(data, Mapping):
        raise InvalidPayment({"_schema": ["must be a JSON object (an Afterpay Payment)"]})
    try:
        payment: Payment = _SCHEMA.load(data)
    except ValidationError as exc:
        raise InvalidPayment(exc.messages, data=exc.data, valid_data=exc.valid_data) from None
    return payment


def dump_payment(payment: Payment) -> dict[str, Any]:
    """The Afterpay JSON shape of ``payment`` (``load_payment(dump_payment(p)) == p``)."""
    body: dict[str, Any] = _SCHEMA.dump(payment)
    return body
