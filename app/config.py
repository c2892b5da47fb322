"""The one place the bridge reads its configuration.

Settings come from the process environment, with a ``.env`` file (python-dotenv) filling
in whatever the environment leaves unset. They are read once, validated as a whole, and
every problem is reported together, naming the setting, so an operator fixes a broken
deployment in one pass rather than one restart per typo.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from dotenv import dotenv_values

AFTERPAY_PRODUCTION_URL = "https://global-api.afterpay.com"
CIN7_PRODUCTION_URL = "https://inventory.dearsystems.com/ExternalApi/v2"

_NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """One or more settings are missing or malformed; ``problems`` lists each of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one bridge deployment.

    The names are the environment variable names of DESIGN.md §1. Secrets are marked with
    ``secret=True`` in their field metadata: the log redactor and ``describe()`` use it.
    """

    BRIDGE_API_KEY: str = field(metadata={"secret": True})
    AFTERPAY_MERCHANT_ID: str
    AFTERPAY_SECRET_KEY: str = field(metadata={"secret": True})
    CIN7_ACCOUNT_ID: str
    CIN7_APPLICATION_KEY: str = field(metadata={"secret": True})
    REDIS_URL: str | None = None
    AFTERPAY_API_URL: str = AFTERPAY_PRODUCTION_URL
    CIN7_API_URL: str = CIN7_PRODUCTION_URL
    CIN7_RATE_LIMIT_PER_MINUTE: int = 60
    CIN7_WEBHOOK_TOKEN: str | None = field(default=None, metadata={"secret": True})
    AFTERPAY_DISPUTE_WEBHOOK_SECRET: str | None = field(default=None, metadata={"secret": True})
    ALERT_WEBHOOK_URL: str | None = field(default=None, metadata={"secret": True})
    BRIDGE_MAPPING_FILE: str | None = None
    BRIDGE_NAMESPACE: str = "bridge"
    BRIDGE_PUBLIC_URL: str | None = None
    LOG_LEVEL: str = "INFO"
    BRIDGE_SHUTDOWN_GRACE_SECONDS: int = 20
    BRIDGE_ORDER_LOCK_SECONDS: int = 60
    BRIDGE_POLL_SECONDS: int = 60
    BRIDGE_WEBHOOK_CHECK_SECONDS: int = 300
    BRIDGE_TIMEZONE: str = "Australia/Sydney"
    BRIDGE_RECONCILE_DAILY_CRON: str | None = "30 3 * * *"
    BRIDGE_RECONCILE_WEEKLY_CRON: str | None = None
    BRIDGE_RECONCILE_AUTOHEAL: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: str | None = ".env") -> Settings:
        """Read and validate the settings.

        Args:
            environ: the variables to read; the process environment when omitted.
            dotenv: path of a ``.env`` file whose values fill in unset variables, or None.

        Raises:
            ConfigError: naming every missing or malformed setting.
        """
        source: dict[str, str] = {}
        if dotenv and Path(dotenv).is_file():
            source.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        source.update(os.environ if environ is None else environ)
        return cls.from_mapping(source)

    @classmethod
    def from_mapping(cls, source: Mapping[str, Any]) -> Settings:
        """Validate an explicit mapping of setting names to values (used by tests and the demo)."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f.name)
            if isinstance(raw, str):
                raw = raw.strip()
                if raw == "":
                    raw = None
            if raw is None:
                if f.default is MISSING:
                    problems.append(f"{f.name} is required but not set")
                continue
            values[f.name] = raw

        _check_int(values, "CIN7_RATE_LIMIT_PER_MINUTE", 1, 10_000, problems)
        _check_int(values, "BRIDGE_SHUTDOWN_GRACE_SECONDS", 0, 3600, problems)
        _check_int(values, "BRIDGE_ORDER_LOCK_SECONDS", 2, 3600, problems)
        _check_int(values, "BRIDGE_POLL_SECONDS", 1, 3600, problems)
        _check_int(values, "BRIDGE_WEBHOOK_CHECK_SECONDS", 1, 86400, problems)
        _check_timezone(values, problems)
        for name in ("BRIDGE_RECONCILE_DAILY_CRON", "BRIDGE_RECONCILE_WEEKLY_CRON"):
            _check_cron(values, name, problems)
        _check_bool(values, "BRIDGE_RECONCILE_AUTOHEAL", problems)
        for name in ("AFTERPAY_API_URL", "CIN7_API_URL", "ALERT_WEBHOOK_URL", "BRIDGE_PUBLIC_URL"):
            _check_http_url(values, name, problems)
        _check_redis_url(values, problems)
        namespace = values.get("BRIDGE_NAMESPACE")
        if namespace is not None and not _NAMESPACE_RE.match(namespace):
            problems.append(
                "BRIDGE_NAMESPACE must be 1-40 characters of lowercase letters, digits, '-' or '_' "
                "(it prefixes every Redis key and queue name)"
            )
        level = values.get("LOG_LEVEL")
        if level is not None:
            values["LOG_LEVEL"] = level.upper()
            if values["LOG_LEVEL"] not in _LOG_LEVELS:
                problems.append(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
        mapping_file = values.get("BRIDGE_MAPPING_FILE")
        if mapping_file is not None:
            problems.extend(_mapping_file_problems(mapping_file))
        if problems:
            raise ConfigError(problems)
        return cls(**values)

    def secrets(self) -> list[str]:
        """The values of every secret setting that is set, for log redaction."""
        return [getattr(self, f.name) for f in fields(self) if f.metadata.get("secret") and getattr(self, f.name)]

    def describe(self) -> dict[str, str | int | None]:
        """The settings with every secret masked, safe to print or log."""
        out: dict[str, str | int | None] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") and value else value
        return out


def _check_int(values: dict[str, Any], name: str, low: int, high: int, problems: list[str]) -> None:
    if name not in values:
        return
    try:
        number = int(values[name])
    except (TypeError, ValueError):
        problems.append(f"{name} must be a whole number, got {values[name]!r}")
        return
    if not low <= number <= high:
        problems.append(f"{name} must be between {low} and {high}, got {number}")
    values[name] = number


def _check_timezone(values: dict[str, Any], problems: list[str]) -> None:
    name = values.get("BRIDGE_TIMEZONE")
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(f"BRIDGE_TIMEZONE must be an IANA time zone such as Australia/Sydney, got {name!r}")


def _check_cron(values: dict[str, Any], name: str, problems: list[str]) -> None:
    expression = values.get(name)
    if expression is None:
        return
    if expression.lower() in ("off", "none", "false"):
        values[name] = None
    elif not croniter.is_valid(expression) or len(expression.split()) != 5:
        problems.append(f"{name} must be a 5-field cron expression such as '30 3 * * *' (or 'off'), got {expression!r}")


def _check_bool(values: dict[str, Any], name: str, problems: list[str]) -> None:
    raw = values.get(name)
    if raw is None or isinstance(raw, bool):
        return
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        values[name] = True
    elif text in ("0", "false", "no", "off"):
        values[name] = False
    else:
        problems.append(f"{name} must be true or false, got {raw!r}")


def _check_http_url(values: dict[str, Any], name: str, problems: list[str]) -> None:
    url = values.get(name)
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # The value may hold a secret path (Slack webhook URLs do), so it is not echoed.
        problems.append(f"{name} must be an http(s) URL such as https://host/path")
        return
    values[name] = url.rstrip("/")


def _check_redis_url(values: dict[str, Any], problems: list[str]) -> None:
    url = values.get("REDIS_URL")
    if url is None:
        return
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://")


def _mapping_file_problems(path: str) -> list[str]:
    # Validated here too, so one start-up message lists the mapping file's problems beside
    # the environment's; Services loads it again for use.
    from app.mapping_file import MappingFileError, load_mapping_rules

    if not Path(path).is_file():
        return [f"BRIDGE_MAPPING_FILE points at {path!r}, which is not a readable file"]
    try:
        load_mapping_rules(path)
    except MappingFileError as exc:
        return [f"BRIDGE_MAPPING_FILE {path}: {problem}" for problem in exc.problems]
    return []
