"""Checkouts (afterpay.md §3.2 Create/Get Checkout) and the consumer's decision on them.

The real consumer confirms on Afterpay's pages; here the decision is set by
``checkout_auto_approve``, by ``POST /_sandbox/checkouts/{token}/approve|decline``, or by the
sandbox consumer page that ``redirectCheckoutUrl`` points to.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from . import errors
from .errors import ApiError, invalid_object
from .ids import checkout_token
from .models import Checkout, Decision
from .money import describe, money, parse_money, to_cents
from .state import SandboxState
from .validation import contact, courier, discounts, items, json_object, optional_str, order_details, required_str

TOKEN_SHAPE = re.compile(r"\d{3}\.[0-9a-z]{48}")
# afterpay.md E8: the consumer pages live under a region path, e.g. /uk/checkout/?token=...
REGIONS = {"AU": "au", "NZ": "nz", "US": "us", "CA": "ca", "GB": "uk"}


def create(state: SandboxState, body: dict[str, Any], host_url: str) -> tuple[Checkout, str]:
    """Validate a Create Checkout body and keep the checkout; returns it and its redirect URL."""
    config = state.config
    currency = config.currency
    amount = parse_money(body.get("amount"), "amount", currency)
    details = order_details(body, currency)
    # The checkout as GET /v2/checkouts/{token} shows it, in the spec's key order.
    request: dict[str, Any] = {"amount": money(amount, currency), "consumer": details["consumer"]}
    reference = optional_str(body, "merchantReference", "merchantReference", 128)
    if reference is not None:
        request["merchantReference"] = reference
    for key in ("billing", "shipping"):
        if body.get(key) is not None:
            request[key] = contact(body[key], key)
    if body.get("merchant") is not None:
        request["merchant"] = _merchant(body["merchant"])
    if body.get("items") is not None:
        request["items"] = items(body["items"], currency)
    if body.get("courier") is not None:
        request["courier"] = courier(body["courier"])
    for key in ("taxAmount", "shippingAmount"):
        if body.get(key) is not None:
            request[key] = money(parse_money(body[key], key, currency), currency)
    if body.get("discounts") is not None:
        request["discounts"] = discounts(body["discounts"], currency)
    description = optional_str(body, "description", "description", 256)
    if description is not None:
        request["description"] = description
    mode = optional_str(body, "mode", "mode")
    if mode is not None:
        if mode not in ("standard", "express"):
            raise invalid_object("mode must be standard or express")
        request["mode"] = mode
    _check_limits(state, amount)
    state.write_delay()
    now = state.clock.now()
    token = checkout_token()
    while state.store.token_taken(token):
        token = checkout_token()
    checkout = Checkout(
        token=token,
        created=now,
        expires=now + timedelta(seconds=config.checkout_token_lifetime_seconds),
        currency=currency,
        amount=amount,
        request=request,
        order_details=details,
    )
    state.store.add_checkout(checkout)
    return checkout, redirect_url(host_url, config.country_code, token)


def redirect_url(host_url: str, country_code: str, token: str) -> str:
    """Where the consumer confirms: this simulator's consumer page, shaped like Afterpay's."""
    return f"{host_url.rstrip('/')}/{REGIONS[country_code]}/checkout/?token={token}"


def _merchant(raw: Any) -> dict[str, Any]:
    body = json_object(raw, "merchant")
    result: dict[str, Any] = {
        # afterpay.md §3.2: both redirect URLs are required when merchant is sent.
        "redirectConfirmUrl": required_str(body, "redirectConfirmUrl", "merchant.redirectConfirmUrl", 2048),
        "redirectCancelUrl": required_str(body, "redirectCancelUrl", "merchant.redirectCancelUrl", 2048),
    }
    for key in ("popupOriginUrl", "name"):
        value = optional_str(body, key, f"merchant.{key}", 2048)
        if value is not None:
            result[key] = value
    return result


def _check_limits(state: SandboxState, amount: int) -> None:
    config = state.config
    low = to_cents(config.minimum_amount) if config.minimum_amount is not None else 1
    high = to_cents(config.maximum_amount)
    if not low <= amount <= high:
        # afterpay.md §3.2: an amount outside the merchant's limits is unsupported_payment_type.
        raise ApiError(
            422,
            "unsupported_payment_type",
            f"Afterpay is not available for an order of {describe(amount, config.currency)}; "
            f"the merchant accepts {describe(low, config.currency)} to {describe(high, config.currency)}.",
        )


def get(state: SandboxState, token: str) -> Checkout:
    """A checkout still open for payment (afterpay.md §3.2: 404 unknown, 412 invalid/expired/completed)."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise errors.precondition_failed("The checkout token is invalid.")
    checkout = state.store.checkout(token)
    if checkout is None:
        raise ApiError(404, "not_found", "Checkout token not found.")
    if checkout.payment_id is not None:
        raise errors.precondition_failed("The checkout has already been completed.")
    if state.clock.now() > checkout.expires:
        raise errors.precondition_failed("The checkout token has expired.")
    return checkout


def confirmed(state: SandboxState, checkout: Checkout) -> bool:
    """Whether the consumer confirmed (explicitly, or implicitly with checkout_auto_approve).

    A checkout set to be declined was confirmed too: the decline comes at capture or auth, as with
    the sandbox test card CVV 051 (afterpay.md §10).
    """
    if checkout.decision is Decision.PENDING:
        return state.config.checkout_auto_approve
    return checkout.decision in (Decision.APPROVED, Decision.DECLINED)


def payable(state: SandboxState, token: str) -> Checkout:
    """The checkout behind a capture/auth ``token``, or the error afterpay.md §3.2 records."""
    checkout = state.store.checkout(token)
    if checkout is None or state.clock.now() > checkout.expires:
        raise errors.invalid_token()
    if checkout.reversed:
        raise errors.precondition_failed("Order in pending reversal, no captures/auth accepted")
    if not confirmed(state, checkout):
        raise errors.order_not_approved()
    return checkout


def decide(state: SandboxState, token: str, decision: Decision) -> Checkout:
    """Record the consumer's decision (sandbox control); raises LookupError/ValueError."""
    checkout = state.store.checkout(token)
    if checkout is None:
        raise LookupError(f"no checkout with token {token}")
    with state.store.lock(f"token:{token}"):
        if checkout.payment_id is not None:
            raise ValueError("the checkout has already been turned into a payment")
        checkout.decision = decision
    return checkout
