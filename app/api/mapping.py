"""``POST /v1/map-order``: the Afterpay → Cin7 Core mapping as a pure, side-effect-free operation."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask_smorest import Blueprint

from app.afterpay.decode import InvalidPayment, MalformedJSON, decode_payment
from app.afterpay.schemas import PaymentSchema
from app.api.encoding import BridgeJSONProvider
from app.api.problems import abort_problem, documents_errors, validation_errors
from app.domain.afterpay import Payment
from app.domain.mapping import map_payment
from app.services import Services

blp = Blueprint(
    "mapping",
    __name__,
    url_prefix="/v1",
    description="Map an Afterpay payment to the Cin7 Core documents that should exist for it.",
)


def payment_from_body() -> Payment:
    """The Afterpay Payment in the request body, or a 400/422 problem pointing at what is wrong."""
    try:
        return decode_payment(request.get_data())
    except MalformedJSON:
        abort_problem(400, "The request body is not valid JSON.", slug="malformed-json")
    except InvalidPayment as exc:
        abort_problem(
            422,
            "The payment breaks the schema; see 'errors'.",
            errors=validation_errors({"json": exc.messages}),
        )


def _example(name: str) -> Any:
    return json.loads(resources.files("app.api.examples").joinpath(name).read_text())


class LineSchema(ma.Schema):
    """A Cin7 order line (tax-inclusive unless the sale says otherwise)."""

    SKU = ma.fields.String()
    Name = ma.fields.String()
    Quantity = ma.fields.Decimal(metadata={"description": "Up to 4 decimals"})
    Price = ma.fields.Decimal(metadata={"description": "Unit price, up to 4 decimals"})
    Discount = ma.fields.Decimal(metadata={"description": "Percent, 0-100"})
    Tax = ma.fields.Decimal(metadata={"description": "GST inside Total (2 decimals)"})
    TaxRule = ma.fields.String()
    Total = ma.fields.Decimal(metadata={"description": "round(Quantity * Price * (1 - Discount/100), 2)"})


class ChargeSchema(ma.Schema):
    """A Cin7 additional charge: shipping, a discount (negative), an adjustment, a cancellation."""

    Description = ma.fields.String()
    Price = ma.fields.Decimal()
    Quantity = ma.fields.Decimal()
    Discount = ma.fields.Decimal()
    Tax = ma.fields.Decimal()
    TaxRule = ma.fields.String()
    Total = ma.fields.Decimal()


class OrderSchema(ma.Schema):
    """The POST /sale/order body, without the SaleID the sync adds."""

    Status = ma.fields.String(metadata={"enum": ["AUTHORISED", "DRAFT"]})
    Lines = ma.fields.List(ma.fields.Nested(LineSchema))
    AdditionalCharges = ma.fields.List(ma.fields.Nested(ChargeSchema))


class PaymentLineSchema(ma.Schema):
    """A POST /sale/payment body (PAYMENT against the invoice, or REFUND against a credit note)."""

    Type = ma.fields.String(metadata={"enum": ["PAYMENT", "REFUND"]})
    Amount = ma.fields.Decimal()
    DatePaid = ma.fields.String(metadata={"format": "date-time"})
    Reference = ma.fields.String(
        metadata={"description": "Stable: '<order id>/<event id>' or '<order id>/refund/<id>'"}
    )
    Account = ma.fields.String(metadata={"description": "Bank account code the money lands in"})


class CreditNoteSchema(ma.Schema):
    """One credit note per real Afterpay refund, with its REFUND."""

    Reference = ma.fields.String(metadata={"description": "The Afterpay refundId"})
    CreditNoteDate = ma.fields.String(metadata={"format": "date-time"})
    AdditionalCharges = ma.fields.List(ma.fields.Nested(ChargeSchema))
    Total = ma.fields.Decimal()
    Tax = ma.fields.Decimal()
    Refunds = ma.fields.List(ma.fields.Nested(PaymentLineSchema))


class TotalsSchema(ma.Schema):
    """The order's money, as 2-decimal strings (Afterpay's convention)."""

    currency = ma.fields.String(metadata={"example": "AUD"})
    total = ma.fields.String(metadata={"description": "originalAmount less amounts voided before capture"})
    tax = ma.fields.String(metadata={"description": "GST on what is invoiced"})
    captured = ma.fields.String()
    refunded = ma.fields.String(metadata={"description": "Real refunds only (void entries excluded)"})
    voided = ma.fields.String()
    open = ma.fields.String(metadata={"description": "Still open to capture"})


class MappedOrderSchema(ma.Schema):
    """The Cin7 Core documents that should exist for one Afterpay payment (DESIGN.md §3.1)."""

    afterpayOrderId = ma.fields.String()
    target = ma.fields.String(metadata={"enum": ["cin7-core"]})
    state = ma.fields.String(
        metadata={"enum": ["paid", "partially_paid", "authorised", "voided", "expired", "declined"]}
    )
    skipReason = ma.fields.String(
        allow_none=True, metadata={"description": "Why the merchant's rules leave this order out of the sync"}
    )
    customer = ma.fields.Dict(metadata={"description": "The Cin7 customer to match (and create when absent)"})
    sale = ma.fields.Dict(metadata={"description": "The POST /sale body: ExternalID, Customer, addresses, ..."})
    order = ma.fields.Nested(OrderSchema)
    invoice = ma.fields.Dict(allow_none=True, metadata={"description": "The POST /sale/invoice body, or null"})
    payments = ma.fields.List(ma.fields.Nested(PaymentLineSchema))
    creditNotes = ma.fields.List(ma.fields.Nested(CreditNoteSchema))
    totals = ma.fields.Nested(TotalsSchema)
    warnings = ma.fields.List(ma.fields.String(), metadata={"description": "What the merchant should know"})


@blp.route("/map-order", methods=["POST"])
@blp.doc(
    operationId="mapOrder",
    summary="Map an Afterpay payment to Cin7 Core documents",
    # The body is decoded by app.afterpay.decode (fast, same verdicts as the schema), so it is
    # documented here rather than parsed by @blp.arguments.
    requestBody={
        "required": True,
        "description": "An Afterpay Payment exactly as GET /v2/payments/{id} returns it.",
        "content": {"application/json": {"schema": PaymentSchema, "example": _example("map_order_request.json")}},
    },
)
@blp.response(200, MappedOrderSchema, example=_example("map_order_response.json"))
@documents_errors(
    blp, 400, 401, 413, 415, (422, "The payment breaks the schema; each entry of `errors` points at a field")
)
def map_order() -> Response:
    """Pure and side-effect free: it never calls Afterpay or Cin7, so it is safe to call as often
    as you like (a low-code flow can preview what the sync will write). Amounts balance to
    the cent: order lines plus additional charges equal `totals.total` (originalAmount less
    anything voided before capture); line and charge GST equals Afterpay's `taxAmount` when
    given; payments equal the captured amount; credit-note refunds are the real refunds
    (void-generated refund entries are not refunds)."""
    services: Services = current_app.extensions["bridge"]
    mapped = map_payment(payment_from_body(), services.rules)
    # Returned as a Response so Decimal money is written as JSON numbers exactly as mapped,
    # not re-dumped (and filtered) through the documentation schema.
    return current_app.response_class(BridgeJSONProvider.encode(mapped.to_dict()), mimetype="application/json")
