"""Publishing events: append to the event log, and deliver to each subscribed REST hook.

Deliveries follow Standard Webhooks (reference/reliability.md §4.1): ``webhook-id`` (the
event id, the same on every retry), ``webhook-timestamp`` and ``webhook-signature``; a 2xx
is success, a 410 unsubscribes the hook, anything else is retried by RQ with growing
delays over about a day.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import requests
from rq import Retry
from standardwebhooks import Webhook

from app.jobs.context import services
from app.jobs.failures import RetryLater
from app.services import Services
from app.store.events import Event, EventLog

log = logging.getLogger(__name__)

DELIVERY_RETRY = Retry(max=8, interval=[5, 30, 120, 600, 1800, 3600, 7200, 21600])
TIMEOUT = (5, 15)


class DeliveryFailed(RetryLater):
    """A hook's endpoint did not accept the delivery; RQ will try again."""


def publish(svc: Services, type_: str, data: dict[str, Any]) -> Event:
    """Record ``type_`` and queue a delivery to every hook subscribed to it."""
    log_ = EventLog(svc.redis, svc.keys)
    event = log_.append(type_, data)
    for hook in log_.hooks():
        if hook.event == type_:
            svc.queue("default").enqueue(
                "app.jobs.hooks.deliver",
                hook.id,
                event.id,
                job_id=svc.keys.job_id("hook", hook.id, event.id.replace("-", "_")),
                retry=DELIVERY_RETRY,
                meta={"kind": "hook-delivery"},
                result_ttl=86400,
            )
    return event


def deliver(hook_id: str, event_id: str) -> dict[str, Any]:
    """POST one event to one hook, signed; raises ``DeliveryFailed`` to be retried."""
    svc = services()
    events = EventLog(svc.redis, svc.keys)
    hook = events.hook(hook_id)
    event = events.get(event_id)
    if hook is None or event is None:
        return {"delivered": False, "reason": "hook or event no longer exists"}
    body = json.dumps(event.to_dict())
    now = datetime.now(UTC)
    signature = Webhook(hook.secret).sign(event.id, now, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": event.id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = requests.post(hook.target_url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{hook.target_url}: {type(exc).__name__}") from exc
    if response.status_code == 410:
        events.unsubscribe(hook.id)
        return {"delivered": False, "reason": "the endpoint answered 410 Gone; unsubscribed"}
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"{hook.target_url} answered {response.status_code}")
    return {"delivered": True, "status": response.status_code}
