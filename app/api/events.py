"""Events for low-code triggers: REST-hook subscriptions and a polling feed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask import Response, current_app
from flask_smorest import Blueprint

from app.api.problems import abort_problem, documents_errors
from app.services import Services
from app.store.events import EVENT_TYPES, EventLog

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/v1",
    description="What the bridge did, for low-code triggers: REST hooks (instant) and an event feed (polling).",
)


class HookRequestSchema(ma.Schema):
    """Subscribe a URL to one event type."""

    targetUrl = ma.fields.Url(
        required=True,
        schemes={"http", "https"},
        metadata={"example": "https://hooks.zapier.com/hooks/standard/123/abc"},
    )
    event = ma.fields.String(
        required=True, validate=ma.validate.OneOf(EVENT_TYPES), metadata={"example": "order.synced"}
    )


class HookSchema(ma.Schema):
    """A subscription. ``secret`` (Standard Webhooks, ``whsec_...``) is shown once, at creation:
    verify each delivery's ``webhook-signature`` with it."""

    id = ma.fields.String(metadata={"example": "hook_3f2a9c0d1e7b4a55"})
    targetUrl = ma.fields.String()
    event = ma.fields.String()
    createdAt = ma.fields.String(metadata={"format": "date-time"})
    secret = ma.fields.String(metadata={"description": "Only in the creation response"})


class EventSchema(ma.Schema):
    """One event; ``id`` is stable and ordered (use it as the polling cursor)."""

    id = ma.fields.String(metadata={"example": "1764840000000-0"})
    type = ma.fields.String(metadata={"enum": list(EVENT_TYPES)})
    createdAt = ma.fields.String(metadata={"format": "date-time"})
    data = ma.fields.Dict()


class EventPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventSchema))


class EventQuerySchema(ma.Schema):
    since = ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{1,20}-\d{1,20}$", error="must be an event id such as 1764840000000-0"),
        metadata={"description": "Only events after this event id"},
    )
    type = ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


def _log() -> EventLog:
    services: Services = current_app.extensions["bridge"]
    return EventLog(services.redis, services.keys)


@blp.route("/hooks", methods=["POST"])
@blp.doc(operationId="subscribeHook", summary="Subscribe a URL to an event (REST hook)")
@blp.arguments(
    HookRequestSchema, example={"targetUrl": "https://hooks.zapier.com/hooks/standard/123/abc", "event": "order.synced"}
)
@blp.response(201, HookSchema)
@documents_errors(blp, 401, 415, 422)
def subscribe(body: dict[str, Any]) -> dict[str, Any]:
    """Each event of the type is POSTed to `targetUrl` as JSON `{id, type, createdAt, data}`,
    signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with
    the returned `secret`, and retried with growing delays for about a day until a 2xx; a 410
    answer unsubscribes. Zapier's `performSubscribe`, Make's attach and n8n's webhook
    lifecycle map onto this and `DELETE /v1/hooks/{id}`."""
    if urlsplit(body["targetUrl"]).hostname in (None, ""):
        abort_problem(422, "targetUrl needs a host.", errors=[{"pointer": "#/targetUrl", "detail": "needs a host"}])
    return _log().subscribe(body["targetUrl"], body["event"]).to_dict(with_secret=True)


@blp.route("/hooks/<string:id>")
@blp.doc(operationId="getHook", summary="A REST-hook subscription")
@blp.response(200, HookSchema)
@documents_errors(blp, 401, 404)
def get_hook(id: str) -> dict[str, Any]:
    """The subscription (without its secret)."""
    hook = _log().hook(id)
    if hook is None:
        abort_problem(404, f"No hook {id!r}.")
    return hook.to_dict()


@blp.route("/hooks/<string:id>", methods=["DELETE"])
@blp.doc(operationId="unsubscribeHook", summary="Unsubscribe a REST hook")
@blp.response(204)
@documents_errors(blp, 401, 404)
def unsubscribe(id: str) -> Response:
    """Stops deliveries to the hook."""
    if not _log().unsubscribe(id):
        abort_problem(404, f"No hook {id!r}.")
    return Response(status=204)


@blp.route("/events")
@blp.doc(operationId="listEvents", summary="Events newest first, for polling triggers")
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, EventPageSchema)
@documents_errors(blp, 401, 422)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Events newest first, optionally only those after `since` (an event id) and of one type.
    Ids are stable, so a polling trigger deduplicates on them."""
    events = _log().newest_first(since=args.get("since"), limit=args["limit"], type_=args.get("type"))
    return {"items": [e.to_dict() for e in events]}
