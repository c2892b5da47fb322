"""Validation of request bodies: every failure is a 422 ``invalid_object`` naming the field.

Messages follow the style of the recorded ``"token may not be empty"`` (afterpay.md E6). Optional
fields sent as JSON ``null`` count as absent: real clients send them that way (the recorded
requests carry ``"requestId": null``). Unknown fields are ignored, as the real API does.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .clock import format_timestamp, parse_timestamp
from .config import COUNTRIES
from .errors import invalid_object
from .money import money, parse_money

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MONTH = re.compile(r"\d{4}-\d{2}")
INT32 = (-(2**31), 2**31 - 1)
MAX_ITEMS = 100  # afterpay.md §4 Item: "At most 100 items"


def json_object(raw: Any, path: str) -> dict[str, Any]:
    """``raw`` as a JSON object; ``null`` is an empty one."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise invalid_object(f"{path} must be an object")
    return raw


def optional_str(body: dict[str, Any], key: str, path: str, max_length: int | None = None) -> str | None:
    """A string field that may be absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_object(f"{path} must be a string")
    if max_length is not None and len(value) > max_length:
        raise invalid_object(f"{path} size must be between 0 and {max_length}")
    return value


def required_str(body: dict[str, Any], key: str, path: str, max_length: int | None = None) -> str:
    """A string field that must be present and non-empty."""
    value = optional_str(body, key, path, max_length)
    if value is None or value.strip() == "":
        raise invalid_object(f"{path} may not be empty")
    return value


def optional_bool(body: dict[str, Any], key: str, path: str) -> bool | None:
    """A boolean field that may be absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid_object(f"{path} must be a boolean")
    return value


def consumer(raw: Any, path: str = "consumer") -> dict[str, Any]:
    """Consumer ``{email (required, ≤128), givenNames, surname (≤128), phoneNumber (≤32)}``."""
    if raw is None:
        raise invalid_object(f"{path} may not be null")
    body = json_object(raw, path)
    email = required_str(body, "email", f"{path}.email", 128)
    if not _EMAIL.fullmatch(email):
        raise invalid_object(f"{path}.email must be a well-formed email address")
    # Key order as in the recorded responses (afterpay.md E1): phoneNumber, givenNames, surname, email.
    result: dict[str, Any] = {}
    for key, limit in (("phoneNumber", 32), ("givenNames", 128), ("surname", 128)):
        value = optional_str(body, key, f"{path}.{key}", limit)
        if value is not None:
            result[key] = value
    result["email"] = email
    return result


def contact(raw: Any, path: str) -> dict[str, Any]:
    """Contact (billing/shipping): name, line1, area1, region, postcode, countryCode required."""
    body = json_object(raw, path)
    result: dict[str, Any] = {}
    required = {"name", "line1", "area1", "region", "postcode", "countryCode"}
    for key in ("name", "line1", "line2", "area1", "area2", "region", "postcode", "countryCode", "phoneNumber"):
        limit = 255 if key == "name" else 128
        if key in required:
            result[key] = required_str(body, key, f"{path}.{key}", limit)
        else:
            value = optional_str(body, key, f"{path}.{key}", limit)
            if value is not None:
                result[key] = value
    if result["countryCode"] not in COUNTRIES:
        raise invalid_object(f"{path}.countryCode must be one of {', '.join(COUNTRIES)}")
    return result


def courier(raw: Any, path: str = "courier") -> dict[str, Any]:
    """Shipping courier ``{shippedAt, name (≤128), tracking (≤128), priority}``."""
    body = json_object(raw, path)
    result: dict[str, Any] = {}
    shipped = optional_str(body, "shippedAt", f"{path}.shippedAt")
    if shipped is not None:
        try:
            # afterpay.md §2: "2020-01-01T00:59:59+01:00" comes back as "2019-12-31T23:59:59.000Z".
            result["shippedAt"] = format_timestamp(parse_timestamp(shipped))
        except ValueError:
            raise invalid_object(f"{path}.shippedAt must be an ISO 8601 date-time") from None
    for key in ("name", "tracking"):
        value = optional_str(body, key, f"{path}.{key}", 128)
        if value is not None:
            result[key] = value
    priority = optional_str(body, "priority", f"{path}.priority")
    if priority is not None:
        if priority not in ("STANDARD", "EXPRESS"):
            raise invalid_object(f"{path}.priority must be STANDARD or EXPRESS")
        result["priority"] = priority
    return result


def items(raw: Any, currency: str, path: str = "items") -> list[dict[str, Any]]:
    """Items: at most 100; name, quantity (int32) and a positive unit price required."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_object(f"{path} must be an array")
    if len(raw) > MAX_ITEMS:
        raise invalid_object(f"{path} size must be between 0 and {MAX_ITEMS}")
    return [_item(entry, currency, f"{path}[{index}]") for index, entry in enumerate(raw)]


def _item(raw: Any, currency: str, path: str) -> dict[str, Any]:
    body = json_object(raw, path)
    result: dict[str, Any] = {"name": required_str(body, "name", f"{path}.name", 255)}
    sku = optional_str(body, "sku", f"{path}.sku", 128)
    if sku is not None:
        result["sku"] = sku
    quantity = body.get("quantity")
    if quantity is None:
        raise invalid_object(f"{path}.quantity may not be null")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not INT32[0] <= quantity <= INT32[1]:
        raise invalid_object(f"{path}.quantity must be a 32-bit integer")
    result["quantity"] = quantity
    price = parse_money(body.get("price"), f"{path}.price", currency)
    if price <= 0:
        # afterpay.md §4 Item: price is a positive unit price.
        raise invalid_object(f"{path}.price must be positive")
    result["price"] = money(price, currency)
    for key in ("pageUrl", "imageUrl"):
        value = optional_str(body, key, f"{path}.{key}", 2048)
        if value is not None:
            result[key] = value
    categories = body.get("categories")
    if categories is not None:
        if not isinstance(categories, list) or not all(
            isinstance(group, list) and all(isinstance(c, str) for c in group) for group in categories
        ):
            raise invalid_object(f"{path}.categories must be an array of arrays of strings")
        result["categories"] = categories
    shipment = optional_str(body, "estimatedShipmentDate", f"{path}.estimatedShipmentDate")
    if shipment is not None:
        if not (_MONTH.fullmatch(shipment) or _is_date(shipment)):
            raise invalid_object(f"{path}.estimatedShipmentDate must be YYYY-MM or YYYY-MM-DD")
        result["estimatedShipmentDate"] = shipment
    preorder = optional_bool(body, "preorder", f"{path}.preorder")
    if preorder is not None:
        result["preorder"] = preorder
    return result


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def discounts(raw: Any, currency: str, path: str = "discounts") -> list[dict[str, Any]]:
    """Discounts ``[{displayName (≤128), amount}]``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_object(f"{path} must be an array")
    result = []
    for index, entry in enumerate(raw):
        body = json_object(entry, f"{path}[{index}]")
        discount: dict[str, Any] = {}
        name = optional_str(body, "displayName", f"{path}[{index}].displayName", 128)
        if name is not None:
            discount["displayName"] = name
        discount["amount"] = money(parse_money(body.get("amount"), f"{path}[{index}].amount", currency), currency)
        result.append(discount)
    return result


def order_details(body: dict[str, Any], currency: str) -> dict[str, Any]:
    """``orderDetails`` as the Payment object shows it, from a checkout (or sandbox) body.

    Absent parts are left out, except ``courier``, ``items`` and ``discounts``, which real
    responses show as ``{ }`` and ``[ ]`` (afterpay.md §4, E1).
    """
    details: dict[str, Any] = {"consumer": consumer(body.get("consumer"))}
    for key in ("billing", "shipping"):
        if body.get(key) is not None:
            details[key] = contact(body[key], key)
    details["courier"] = courier(body.get("courier"))
    details["items"] = items(body.get("items"), currency)
    details["discounts"] = discounts(body.get("discounts"), currency)
    for key in ("shippingAmount", "taxAmount"):
        if body.get(key) is not None:
            details[key] = money(parse_money(body[key], key, currency), currency)
    return details
