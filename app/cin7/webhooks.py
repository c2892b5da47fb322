"""Cin7 Core webhooks: the bridge's subscriptions, their credentials, and reading a delivery.

Cin7 signs nothing (cin7.md A13): a delivery is authenticated only by the Basic or Bearer
credentials registered with the webhook. The bridge's token is derived from its own API key
(or set explicitly as ``CIN7_WEBHOOK_TOKEN``), so it needs no storage, survives a lost Redis,
and changes when the key is rotated — the scheduled check then re-registers it.

Payloads are thin pointers with inconsistent names (``SaleID`` / ``SaleTaskID``, GUID case
varies by event), and ``Stock/AvailableStockLevelChanged`` is a bare array of rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.cin7.client import Cin7Client
from app.config import Settings

SALE_EVENTS = ("Sale/ShipmentAuthorised", "Sale/Voided", "Sale/CreditNoteAuthorised")
STOCK_EVENT = "Stock/AvailableStockLevelChanged"
WEBHOOK_TYPES = (*SALE_EVENTS, STOCK_EVENT)
"""What the bridge subscribes to: the three sale events of the reverse direction and stock."""

RECEIVER_PATH = "/v1/webhooks/cin7"
BASIC_USER = "afterpay-bridge"


def webhook_token(settings: Settings) -> str:
    """The credential Cin7 presents on every delivery (Bearer token, or Basic password)."""
    if settings.CIN7_WEBHOOK_TOKEN:
        return settings.CIN7_WEBHOOK_TOKEN
    digest = hmac.new(
        settings.BRIDGE_API_KEY.encode(), f"cin7-webhook|{settings.CIN7_ACCOUNT_ID}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def presented_token(authorization: str | None) -> str | None:
    """The token in an ``Authorization`` header: a Bearer token or a Basic password."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            _user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return password or None
    return None


def token_matches(presented: str | None, expected: str) -> bool:
    """Constant-time comparison (DESIGN.md §6)."""
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def receiver_url(public_url: str) -> str:
    """The webhook URL for a bridge reachable at ``public_url`` (a full receiver URL is kept)."""
    base = public_url.rstrip("/")
    return base if base.endswith(RECEIVER_PATH) else base + RECEIVER_PATH


# -- deliveries ---------------------------------------------------------------------------------


class BadDelivery(ValueError):
    """The body is not a Cin7 webhook payload."""


@dataclass(frozen=True)
class Delivery:
    """What one webhook delivery points at."""

    event_type: str
    sale_id: str | None = None
    stock_rows: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def read_delivery(body: Any) -> Delivery:
    """Make sense of a decoded webhook body (cin7.md A13, docs/sandbox-cin7.md "Events fired")."""
    if isinstance(body, list):
        rows = [row for row in body if isinstance(row, Mapping)]
        if len(rows) != len(body):
            raise BadDelivery("a stock delivery must be an array of availability rows")
        return Delivery(event_type=STOCK_EVENT, stock_rows=tuple(rows))
    if not isinstance(body, Mapping):
        raise BadDelivery("the body must be a JSON object (or, for stock, an array)")
    event_type = body.get("EventType")
    if not isinstance(event_type, str) or not event_type.strip():
        raise BadDelivery("EventType is missing")
    sale_id = body.get("SaleID") or body.get("SaleTaskID") or body.get("SaleId")
    return Delivery(event_type=event_type.strip(), sale_id=str(sale_id).strip().lower() if sale_id else None)


# -- registration -------------------------------------------------------------------------------


def desired_webhook(kind: str, url: str, token: str, auth: str) -> dict[str, Any]:
    """The ``/webhooks`` body for one of the bridge's subscriptions."""
    body: dict[str, Any] = {
        "Type": kind,
        "IsActive": True,
        "ExternalURL": url,
        "ExternalAuthorizationType": auth,
        "ExternalHeaders": [],
    }
    if auth == "bearerauth":
        body["ExternalBearerToken"] = token
    else:
        body.update({"ExternalUserName": BASIC_USER, "ExternalPassword": token})
    return body


def _credentials_differ(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    keys = ("ExternalAuthorizationType", "ExternalBearerToken", "ExternalUserName", "ExternalPassword")
    return any((current.get(k) or None) != (wanted.get(k) or None) for k in keys)


@dataclass
class WebhookCheck:
    """What ``ensure_webhooks`` found and did, per type."""

    created: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    healthy: list[str] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        """True when events may have been missed (a webhook was off or absent)."""
        return bool(self.created or self.reactivated)

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "created": self.created,
            "reactivated": self.reactivated,
            "updated": self.updated,
            "healthy": self.healthy,
        }


def ensure_webhooks(
    cin7: Cin7Client, url: str, token: str, *, auth: str = "bearerauth", types: Sequence[str] = WEBHOOK_TYPES
) -> WebhookCheck:
    """Make Cin7 hold one active webhook of each type pointing at ``url`` with the bridge's
    credentials: create what is missing, re-activate what Cin7 silently switched off
    (cin7.md A13: after six failed attempts), and update stale credentials."""
    if auth not in ("bearerauth", "basicauth"):
        raise ValueError("auth must be 'bearerauth' or 'basicauth'")
    check = WebhookCheck()
    existing = [hook for hook in cin7.webhooks() if str(hook.get("ExternalURL") or "").rstrip("/") == url]
    for kind in types:
        wanted = desired_webhook(kind, url, token, auth)
        ours = [hook for hook in existing if hook.get("Type") == kind]
        if not ours:
            cin7.create_webhook(wanted)
            check.created.append(kind)
            continue
        hook = next((h for h in ours if h.get("IsActive")), ours[0])
        if not hook.get("IsActive"):
            cin7.update_webhook({"ID": hook["ID"], **wanted})
            check.reactivated.append(kind)
        elif _credentials_differ(hook, wanted):
            cin7.update_webhook({"ID": hook["ID"], **wanted})
            check.updated.append(kind)
        else:
            check.healthy.append(kind)
    return check
