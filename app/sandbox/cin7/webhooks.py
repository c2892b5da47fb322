"""Webhook subscriptions: ``/webhooks`` GET, POST, PUT, DELETE (cin7.md A13).

Types are those of the 2024 blueprint plus the ones the current blueprint added; at most five
webhooks of the same type may exist at a time ([APIB] L27432). ``Name`` is read-only: the
blueprint documents only "Sale order has been authorised", the other names follow its pattern.
Only sale, stock and customer events are ever fired by the simulator (docs/sandbox-cin7.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.sandbox.cin7.errors import NotFoundError, ValidationError
from app.sandbox.cin7.models import Webhook
from app.sandbox.cin7.store import Cin7Store, new_id
from app.sandbox.cin7.wire import Fields

MAX_PER_TYPE = 5
AUTH_TYPES = ("noauth", "basicauth", "bearerauth")

WEBHOOK_NAMES: dict[str, str] = {
    "Sale/QuoteAuthorised": "Sale quote has been authorised",
    "Sale/OrderAuthorised": "Sale order has been authorised",
    "Sale/Voided": "Sale has been voided",
    "Sale/Backordered": "Sale has been backordered",
    "Sale/ShipmentAuthorised": "Sale shipment has been authorised",
    "Sale/InvoiceAuthorised": "Sale invoice has been authorised",
    "Sale/PickAuthorised": "Sale pick has been authorised",
    "Sale/PackAuthorised": "Sale pack has been authorised",
    "Sale/CreditNoteAuthorised": "Sale credit note has been authorised",
    "Sale/Undo": "Sale has been undone",
    "Sale/PartialPaymentReceived": "Sale partial payment has been received",
    "Sale/FullPaymentReceived": "Sale full payment has been received",
    "Sale/ShipmentTrackingNumberChanged": "Sale shipment tracking number has been changed",
    "Purchase/OrderAuthorised": "Purchase order has been authorised",
    "Purchase/InvoiceAuthorised": "Purchase invoice has been authorised",
    "Purchase/StockReceivedAuthorised": "Purchase stock received has been authorised",
    "Purchase/CreditNoteAuthorised": "Purchase credit note has been authorised",
    "Customer/Updated": "Customer has been updated",
    "Supplier/Updated": "Supplier has been updated",
    "Stock/AvailableStockLevelChanged": "Available stock level has been changed",
    # Added by the current blueprint (cin7.md A13, [HYP] WebhookType.php).
    "Sale/Created": "Sale has been created",
    "Sale/AttachmentAdded": "Sale attachment has been added",
    "Sale/AdditionalAttributesChanged": "Sale additional attributes have been changed",
    "Purchase/Updated": "Purchase has been updated",
    "Product/Updated": "Product has been updated",
    "Lead/Updated": "Lead has been updated",
    "Lead/Converted": "Lead has been converted",
    "Opportunity/Authorized": "Opportunity has been authorized",
    "Opportunity/AttachmentAdded": "Opportunity attachment has been added",
    "Opportunity/Voided": "Opportunity has been voided",
    "Opportunity/Converted": "Opportunity has been converted",
    "Task/Overdue": "Task is overdue",
}


def _type(body: Fields) -> str:
    wanted = body.required_text("Type").strip()
    match = next((t for t in WEBHOOK_NAMES if t.lower() == wanted.lower()), None)
    if match is None:
        raise ValidationError(f"Type '{wanted}' is not a webhook type. Available values: {', '.join(WEBHOOK_NAMES)}.")
    return match


def _fill(hook: Webhook, body: Fields) -> None:
    url = body.required_text("ExternalURL").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("ExternalURL must be an absolute http or https URL.")
    auth = body.required_text("ExternalAuthorizationType").strip().lower()
    if auth not in AUTH_TYPES:
        raise ValidationError(f"ExternalAuthorizationType must be one of {', '.join(AUTH_TYPES)}.")
    username = body.text("ExternalUserName") or None
    password = body.text("ExternalPassword") or None
    token = body.text("ExternalBearerToken") or None
    if auth == "basicauth" and (username is None or password is None):
        raise ValidationError("ExternalUserName and ExternalPassword are required for basicauth.")
    if auth == "bearerauth" and token is None:
        raise ValidationError("ExternalBearerToken is required for bearerauth.")
    headers = []
    for item in body.objects("ExternalHeaders") or []:
        key = item.required_text("Key").strip()
        value = item.text("Value") or ""
        headers.append((key, value))
    if not body.has("IsActive"):
        raise ValidationError("IsActive is required.")
    hook.is_active = body.boolean("IsActive")
    hook.url = url
    hook.auth_type = auth
    hook.username, hook.password, hook.bearer_token = username, password, token
    hook.headers = headers


def create_webhook(store: Cin7Store, body: Fields) -> Webhook:
    """POST /webhooks."""
    kind = _type(body)
    if sum(1 for h in store.webhooks.values() if h.type == kind) >= MAX_PER_TYPE:
        raise ValidationError(f"There is a limit of {MAX_PER_TYPE} webhooks of the same type ({kind}).")
    hook = Webhook(id=new_id(), type=kind, is_active=True, url="", auth_type="noauth")
    _fill(hook, body)
    store.webhooks[hook.id] = hook
    return hook


def update_webhook(store: Cin7Store, body: Fields) -> Webhook:
    """PUT /webhooks: replace a subscription's settings (e.g. IsActive true re-activates it)."""
    hook_id = body.required_guid("ID")
    current = store.webhooks.get(hook_id)
    if current is None:
        raise ValidationError(f"Webhook with ID {hook_id} not found.")
    kind = _type(body) if body.given("Type") else current.type
    if kind != current.type and sum(1 for h in store.webhooks.values() if h.type == kind) >= MAX_PER_TYPE:
        raise ValidationError(f"There is a limit of {MAX_PER_TYPE} webhooks of the same type ({kind}).")
    updated = Webhook(id=current.id, type=kind, is_active=current.is_active, url="", auth_type="noauth")
    _fill(updated, body)
    store.webhooks[hook_id] = updated
    return updated


def delete_webhook(store: Cin7Store, hook_id: str) -> None:
    """DELETE /webhooks?ID=."""
    if store.webhooks.pop(hook_id, None) is None:
        raise NotFoundError(f"Webhook with ID {hook_id} not found.")
