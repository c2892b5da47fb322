"""The simulator's knobs: one frozen dataclass, validated on construction and on every change.

Where cin7.md leaves a behaviour UNVERIFIED (or the sources disagree), the choice is a field
here, so a test or a user's trial can run the bridge against each plausible variant of Cin7.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# cin7.md A2: 503 is documented, 429 is in the current blueprint, 400 + ErrorCode was seen live.
THROTTLE_RESPONSES = ("503", "429", "400")
TAX_VALIDATION_MODES = ("accept", "strict")
_CURRENCY = re.compile(r"[A-Z]{3}")


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type, or out of range."""


@dataclass(frozen=True)
class Cin7SandboxConfig:
    """Everything a user can tune about the simulated Cin7 Core account and API.

    Every field has a default; ``GET /_sandbox/config`` shows the current values and
    ``POST /_sandbox/config`` changes them at runtime (``POST /_sandbox/reset`` restores the
    values the app was created with). docs/sandbox-cin7.md describes each field.
    """

    account_id: str = "demo-account"
    application_key: str = "demo-key"
    # cin7.md A2: 60 calls per minute per API application, every endpoint and verb in one window.
    rate_limit_per_minute: int = 60
    throttle_response: str = "503"
    throttle_retry_after: bool = True
    # cin7.md A2 does not say whether a refused call uses up a slot; counting it is the stricter
    # choice (a client that hammers a throttled API stays throttled).
    throttle_counts_rejected: bool = True
    # cin7.md A13: first attempt about a minute after the event, then 5/10/15/20/25 minutes
    # after the previous attempt (6 attempts), then the webhook is silently deactivated.
    webhook_first_delay_seconds: float = 60.0
    # Any sequence of seconds (JSON gives a list); kept as a tuple so the config stays immutable.
    webhook_retry_delays_seconds: Sequence[float] = field(default=(300.0, 600.0, 900.0, 1200.0, 1500.0))
    webhook_timeout_seconds: float = 10.0
    # cin7.md A4: the Error Model is "sometimes returned with HTTP 200".
    errors_in_200: bool = False
    base_currency: str = "AUD"
    # cin7.md A8: how Cin7 reacts when a line's Tax disagrees with its own computation is UNVERIFIED.
    tax_validation: str = "accept"
    # Whether two customers may share a name (Cin7 keys customers by name in its UI; UNVERIFIED
    # for the API, so it is a knob).
    unique_customer_names: bool = True

    def __post_init__(self) -> None:
        delays: object = self.webhook_retry_delays_seconds  # may come from JSON: check, do not trust
        if not isinstance(delays, list | tuple):
            raise ConfigError("webhook_retry_delays_seconds must be a list of numbers of seconds")
        object.__setattr__(self, "webhook_retry_delays_seconds", tuple(delays))
        _check(self)

    def to_json(self) -> dict[str, Any]:
        """The configuration as a JSON object (field names as in the dataclass)."""
        data = dataclasses.asdict(self)
        data["webhook_retry_delays_seconds"] = list(self.webhook_retry_delays_seconds)
        return data

    def with_changes(self, changes: Mapping[str, Any]) -> Cin7SandboxConfig:
        """A new configuration with ``changes`` applied; raises ConfigError if any is invalid."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown config fields: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return dataclasses.replace(self, **changes)

    @property
    def webhook_attempts(self) -> int:
        """How many times one event is offered to a webhook before it is deactivated."""
        return 1 + len(self.webhook_retry_delays_seconds)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(config: Cin7SandboxConfig) -> None:
    for name in ("account_id", "application_key"):
        value = getattr(config, name)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{name} must be a non-empty string")
    limit = config.rate_limit_per_minute
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError("rate_limit_per_minute must be a whole number of calls, at least 1")
    if config.throttle_response not in THROTTLE_RESPONSES:
        raise ConfigError(f"throttle_response must be one of {', '.join(repr(x) for x in THROTTLE_RESPONSES)}")
    for name in ("throttle_retry_after", "throttle_counts_rejected", "errors_in_200", "unique_customer_names"):
        if not isinstance(getattr(config, name), bool):
            raise ConfigError(f"{name} must be true or false")
    first = config.webhook_first_delay_seconds
    if not _is_number(first) or first < 0:
        raise ConfigError("webhook_first_delay_seconds must be a number of seconds, 0 or more")
    if not all(_is_number(d) and d >= 0 for d in config.webhook_retry_delays_seconds):
        raise ConfigError("webhook_retry_delays_seconds must be a list of numbers of seconds, each 0 or more")
    timeout = config.webhook_timeout_seconds
    if not _is_number(timeout) or timeout <= 0:
        raise ConfigError("webhook_timeout_seconds must be a positive number of seconds")
    if not isinstance(config.base_currency, str) or not _CURRENCY.fullmatch(config.base_currency):
        raise ConfigError("base_currency must be a three-letter ISO 4217 code such as 'AUD'")
    if config.tax_validation not in TAX_VALIDATION_MODES:
        raise ConfigError(f"tax_validation must be one of {', '.join(repr(x) for x in TAX_VALIDATION_MODES)}")
