"""REST hooks and the event feed: subscriptions, the polling feed, signed deliveries and
their retries (a real worker process and a real receiving server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rq.job import Job
from standardwebhooks import Webhook

from app.config import Settings
from app.jobs.context import use_services
from app.jobs.hooks import DeliveryFailed, deliver, publish
from app.services import Services
from app.store.events import EventLog
from tests.conftest import AUTH, problem
from tests.processes import BRIDGE, Proc, process_env, wait_for
from tests.receiver import receiver


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services(settings)
    use_services(svc)
    yield svc
    use_services(None)


def _subscribe(client: Any, url: str, event: str = "order.synced") -> Any:
    return client.post("/v1/hooks", json={"targetUrl": url, "event": event}, headers=AUTH)


def test_subscribe_show_and_unsubscribe(client: Any) -> None:
    created = _subscribe(client, "https://hooks.zapier.com/hooks/standard/1/abc")
    assert created.status_code == 201
    hook = created.get_json()
    assert hook["id"].startswith("hook_") and hook["secret"].startswith("whsec_")
    shown = client.get(f"/v1/hooks/{hook['id']}", headers=AUTH).get_json()
    assert shown == {k: v for k, v in hook.items() if k != "secret"}
    assert client.delete(f"/v1/hooks/{hook['id']}", headers=AUTH).status_code == 204
    assert problem(client.get(f"/v1/hooks/{hook['id']}", headers=AUTH))["status"] == 404
    assert problem(client.delete(f"/v1/hooks/{hook['id']}", headers=AUTH))["status"] == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"targetUrl": "https://x.example.com", "event": "order.exploded"}, "#/event"),
        ({"targetUrl": "ftp://x.example.com", "event": "order.synced"}, "#/targetUrl"),
        ({"event": "order.synced"}, "#/targetUrl"),
    ],
)
def test_bad_subscriptions_point_at_the_field(client: Any, body: dict[str, Any], pointer: str) -> None:
    response = client.post("/v1/hooks", json=body, headers=AUTH)
    assert response.status_code == 422
    assert [e["pointer"] for e in problem(response)["errors"]] == [pointer]


def test_the_feed_is_newest_first_with_stable_ids(client: Any, services: Services) -> None:
    log = EventLog(services.redis, services.keys)
    first = log.append("order.synced", {"afterpayOrderId": "1"})
    second = log.append("order.failed", {"afterpayOrderId": "2"})
    third = log.append("order.synced", {"afterpayOrderId": "3"})
    page = client.get("/v1/events", headers=AUTH).get_json()["items"]
    assert [e["id"] for e in page] == [third.id, second.id, first.id]
    assert page[0] == {"id": third.id, "type": "order.synced", "createdAt": third.created_at,
                       "data": {"afterpayOrderId": "3"}}  # fmt: skip
    since = client.get(f"/v1/events?since={first.id}", headers=AUTH).get_json()["items"]
    assert [e["id"] for e in since] == [third.id, second.id]
    synced = client.get("/v1/events?type=order.synced&limit=1", headers=AUTH).get_json()["items"]
    assert [e["id"] for e in synced] == [third.id]
    assert client.get("/v1/events?limit=0", headers=AUTH).status_code == 422
    assert problem(client.get("/v1/events?since=junk", headers=AUTH))["status"] == 422


def test_a_delivery_is_signed_per_standard_webhooks(client: Any, services: Services) -> None:
    with receiver([200]) as target:
        hook = _subscribe(client, target.url + "/zap").get_json()
        _subscribe(client, target.url + "/other", event="order.failed")
        event = publish(services, "order.synced", {"afterpayOrderId": "400123"})
        # One delivery job, for the one hook subscribed to the type.
        queued = services.queue("default").jobs
        assert [j.args for j in queued] == [(hook["id"], event.id)]
        assert deliver(hook["id"], event.id) == {"delivered": True, "status": 200}
        [got] = target.requests
    assert got.path == "/zap" and got.headers["webhook-id"] == event.id
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload == {"id": event.id, "type": "order.synced", "createdAt": event.created_at,
                       "data": {"afterpayOrderId": "400123"}}  # fmt: skip
    other = client.post("/v1/hooks", json={"targetUrl": "https://x.example.com", "event": "order.synced"}, headers=AUTH)
    with pytest.raises(Exception, match="signature"):
        Webhook(other.get_json()["secret"]).verify(got.body, got.headers)


def test_a_failing_endpoint_raises_for_a_retry_and_410_unsubscribes(client: Any, services: Services) -> None:
    with receiver([503, 410]) as target:
        hook = _subscribe(client, target.url).get_json()
        event = EventLog(services.redis, services.keys).append("order.synced", {})
        with pytest.raises(DeliveryFailed, match="503"):
            deliver(hook["id"], event.id)
        assert deliver(hook["id"], event.id)["delivered"] is False
    assert client.get(f"/v1/hooks/{hook['id']}", headers=AUTH).status_code == 404
    assert deliver(hook["id"], event.id) == {"delivered": False, "reason": "hook or event no longer exists"}


@pytest.mark.slow
def test_a_worker_retries_a_delivery_until_it_is_taken(
    client: Any, services: Services, settings_map: dict[str, str]
) -> None:
    with receiver([500, 200]) as target:
        hook = _subscribe(client, target.url).get_json()
        event = publish(services, "order.synced", {"afterpayOrderId": "7"})
        worker = Proc([*BRIDGE, "worker"], process_env(settings_map), name="worker")
        try:
            job_id = services.keys.job_id("hook", hook["id"], event.id.replace("-", "_"))
            wait_for(
                lambda: Job.fetch(job_id, connection=services.rq_redis).get_status() == "finished",
                timeout=60,
                what="the delivery to be retried and taken",
            )
        finally:
            worker.stop()
        attempts = list(target.requests)
    assert len(attempts) == 2
    assert attempts[0].headers["webhook-id"] == attempts[1].headers["webhook-id"] == event.id
    assert json.loads(attempts[1].body)["data"] == {"afterpayOrderId": "7"}
