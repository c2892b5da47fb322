"""Money: integer cents inside, ``{"amount": "10.00", "currency": "AUD"}`` on the wire.

Validation follows the table in afterpay.md §2 (Money-object.md): which malformed amounts are
``invalid_object``, which are ``invalid_amount`` and when a currency is ``unsupported_currency``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .config import CURRENCIES
from .errors import ApiError, invalid_amount, invalid_object

_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def format_cents(cents: int) -> str:
    """``1234`` → ``"12.34"``; always two decimals, as the API serialises amounts."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def to_cents(text: str) -> int:
    """Parse a trusted decimal string (for example a config value) into cents."""
    return int(Decimal(text) * 100)


def money(cents: int, currency: str) -> dict[str, str]:
    """The wire Money object."""
    return {"amount": format_cents(cents), "currency": currency}


def describe(cents: int, currency: str) -> str:
    """``"USD 40.00"``, the form recorded error messages use (afterpay.md §3.2 void)."""
    return f"{currency} {format_cents(cents)}"


def parse_money(raw: Any, path: str, merchant_currency: str) -> int:
    """Validate a Money object at ``path`` and return its amount in cents.

    Raises the error afterpay.md §2 records for each kind of bad input; a currency that is valid
    but not the merchant's is ``unsupported_currency``.
    """
    if raw is None:
        raise invalid_object(f"{path} may not be null")
    if not isinstance(raw, dict):
        raise invalid_object(f"{path} must be a Money object")
    amount = raw.get("amount")
    if amount is None:
        raise invalid_object(f"{path}.amount Amount field required")
    if not isinstance(amount, str):
        # Strict on purpose: the API documents a string, and a JSON number loses "10.10" vs "10.1".
        raise invalid_object(f"{path}.amount must be a string")
    if _GROUPED.fullmatch(amount):
        raise invalid_amount(f"{path}.amount {amount!r} is not a valid amount")
    if not _PLAIN.fullmatch(amount):
        raise invalid_object(f"{path}.amount {amount!r} is not a valid number")
    if "." in amount and len(amount.split(".")[1]) > 2:
        raise invalid_object("amount must be a valid ISO 4217 format value")
    currency = raw.get("currency")
    if currency is None or currency == "":
        raise invalid_object(f"{path}.currency Currency field required")
    if currency not in CURRENCIES:
        raise invalid_object("Currency not supported for this merchant")
    if currency != merchant_currency:
        raise ApiError(422, "unsupported_currency", f"Currency {currency} is not supported for this merchant")
    return to_cents(amount)
