"""The simulator's knobs: one frozen dataclass, validated on construction and on every change.

Where the reference leaves a behaviour UNVERIFIED or in CONFLICT, the choice is a field here, so
a test (or a user's trial) can run the bridge against each plausible variant of the real API.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# afterpay.md §2: the v2 spec's currency and country enums.
CURRENCIES = ("AUD", "NZD", "USD", "CAD", "GBP")
COUNTRIES = ("AU", "NZ", "US", "CA", "GB")
_AMOUNT = re.compile(r"\d+(\.\d{1,2})?")


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type, or out of range."""


@dataclass(frozen=True)
class AfterpaySandboxConfig:
    """Everything a user can tune about the simulated Afterpay merchant account and API.

    Every field has a default; ``GET /_sandbox/config`` shows the current values and
    ``POST /_sandbox/config`` changes them at runtime (``POST /_sandbox/reset`` restores
    the values the app was created with).
    """

    merchant_id: str = "demo-merchant"
    # The demo credentials DESIGN.md §7 names; a sandbox secret, never a real one.
    secret_key: str = "demo-secret"  # noqa: S105
    currency: str = "AUD"
    country_code: str = "AU"
    # afterpay.md §3.2 Get Configuration: minimumAmount may be absent (None = no minimum).
    minimum_amount: str | None = "1.00"
    maximum_amount: str = "2000.00"
    # afterpay.md §4/§13.1 CONFLICT: 13 days (docs), 7 days (2023 US fixture), 36 h (2020 UK sandbox).
    auth_expiry_seconds: int = 13 * 24 * 3600
    # afterpay.md §3.2 CONFLICT: 60 min / 180 min; the recorded sandbox gives exactly 3 h.
    checkout_token_lifetime_seconds: int = 3 * 3600
    checkout_auto_approve: bool = True
    # afterpay.md §3.2/§10: orders become searchable ~3 s after creation.
    search_index_lag_ms: int = 0
    write_delay_ms: int = 0
    # afterpay.md §5 UNVERIFIED: a reused requestId with a different body.
    request_id_mismatch: str = "replay"
    refund_window_days: int = 120
    reversal_window_seconds: int = 600
    dispute_webhook_url: str | None = None
    dispute_webhook_secret: str | None = None
    # afterpay.md §7 CONFLICT: "the destination URL" (text) vs req.headers['host'] (Node sample).
    dispute_signature_url_mode: str = "url"
    dispute_webhook_attempts: int = 4
    dispute_webhook_backoff_ms: int = 500
    # afterpay.md §4/§13.7 UNVERIFIED: paymentState of a declined immediate capture.
    declined_capture_state: str = "AUTH_DECLINED"
    # afterpay.md §4 says an expired auth is auto-voided into EXPIRED; for one that was partly
    # captured the sources differ (Magento's cron accepts CAPTURED, PARTIALLY_CAPTURED or EXPIRED).
    expired_partial_capture_state: str = "CAPTURED"
    # Whether the auto-void at expiry also adds a refund entry, as a manual void does (UNVERIFIED).
    expiry_adds_refund_entry: bool = False
    # afterpay.md §3.2/§13.6 CONFLICT: refund merchantReference limit 64 (model doc) or 85 (spec).
    refund_merchant_reference_max_length: int = 64

    def __post_init__(self) -> None:
        _check_types(self)
        _check_values(self)

    def to_json(self) -> dict[str, Any]:
        """The configuration as a JSON object (field names as in the dataclass)."""
        return dataclasses.asdict(self)

    def with_changes(self, changes: Mapping[str, Any]) -> AfterpaySandboxConfig:
        """A new configuration with ``changes`` applied; raises ConfigError if any is invalid."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            known = ", ".join(sorted(names))
            raise ConfigError(f"unknown config field(s): {', '.join(unknown)}; known fields: {known}")
        return dataclasses.replace(self, **dict(changes))


_CHOICES: dict[str, tuple[str, ...]] = {
    "currency": CURRENCIES,
    "country_code": COUNTRIES,
    "request_id_mismatch": ("replay", "reject"),
    "dispute_signature_url_mode": ("url", "host"),
    "declined_capture_state": ("AUTH_DECLINED", "CAPTURE_DECLINED"),
    "expired_partial_capture_state": ("CAPTURED", "PARTIALLY_CAPTURED", "EXPIRED"),
}
_POSITIVE = ("auth_expiry_seconds", "checkout_token_lifetime_seconds", "refund_window_days", "dispute_webhook_attempts")


def _check_types(config: AfterpaySandboxConfig) -> None:
    hints = typing.get_type_hints(AfterpaySandboxConfig)
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        expected = hints[field.name]
        optional = type(None) in typing.get_args(expected)
        base = next((t for t in typing.get_args(expected) if t is not type(None)), expected)
        if value is None:
            if not optional:
                raise ConfigError(f"{field.name} may not be null")
            continue
        # bool is an int in Python; a JSON true must not pass as a number of seconds.
        ok = isinstance(value, base) and not (base is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{field.name} must be {_type_name(base)}{' or null' if optional else ''}, got {value!r}")


def _type_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", bool: "a boolean"}.get(kind, str(kind))


def _check_values(config: AfterpaySandboxConfig) -> None:
    for name, choices in _CHOICES.items():
        if getattr(config, name) not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}")
    if not config.merchant_id or not config.secret_key:
        raise ConfigError("merchant_id and secret_key may not be empty")
    for name in ("minimum_amount", "maximum_amount"):
        value = getattr(config, name)
        if value is not None and not _AMOUNT.fullmatch(value):
            raise ConfigError(f"{name} must be a non-negative amount with at most 2 decimals, like '1.00'")
    if config.minimum_amount is not None and _cents(config.minimum_amount) > _cents(config.maximum_amount):
        raise ConfigError("minimum_amount may not exceed maximum_amount")
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, int) and not isinstance(value, bool):
            if f.name in _POSITIVE and value < 1:
                raise ConfigError(f"{f.name} must be at least 1")
            if value < 0:
                raise ConfigError(f"{f.name} may not be negative")
    if config.dispute_webhook_url is not None:
        parts = urlsplit(config.dispute_webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError("dispute_webhook_url must be an absolute http(s) URL")
        if not config.dispute_webhook_secret:
            raise ConfigError("dispute_webhook_secret is required when dispute_webhook_url is set")


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])
