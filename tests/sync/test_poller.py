"""The Afterpay poller in-process against the simulators and real Redis: what one run costs,
what it hands to the sync, how it watches open auths and captured orders, and its bookmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.config import Settings
from app.domain.afterpay import EventType, PaymentState
from app.services import Services
from app.store.poll import OPEN, REFUNDS, PollStore
from app.sync.poller import AfterpayPoller, payment_digest
from app.sync.watches import next_refund_check
from tests.domain.payloads import BASE_TIME, event, make_payment
from tests.sims import AfterpaySim, Cin7Sim, money
from tests.sync.helpers import order_payment


@pytest.fixture
def services(sim_settings: dict[str, str]) -> Services:
    return Services(Settings.from_mapping(sim_settings))


def _run(services: Services, now: datetime | None = None) -> dict[str, object]:
    poller = AfterpayPoller(
        services,
        afterpay=services.afterpay_client(),
        cin7=services.cin7_client(),
        rules=services.rules,
        open_recheck=timedelta(seconds=60),
    )
    return poller.run(now)


def _queued(services: Services) -> list[str]:
    return [job.args[0] for job in services.queue("sync").jobs]


def test_new_orders_are_queued_once_and_a_quiet_run_costs_one_call(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    ids = [str(order_payment(afterpay)["id"]) for _ in range(3)]
    first = _run(services)
    assert first["listed"] == 3 and first["enqueued"] == 3 and first["afterpayCalls"] == 1
    assert sorted(_queued(services)) == sorted(ids)
    # One batch look-up in Cin7 for the new orders (sales and customers), not one per order.
    assert first["cin7Calls"] == 2
    quiet = _run(services)
    assert quiet["enqueued"] == 0 and quiet["afterpayCalls"] == 1 and quiet["cin7Calls"] == 0
    assert len(_queued(services)) == 3
    assert PollStore(services.redis, services.keys).last_run()["enqueued"] == 0


def test_the_bookmark_follows_the_newest_order_handed_over(services: Services, afterpay: AfterpaySim) -> None:
    store = PollStore(services.redis, services.keys)
    now = datetime.now(UTC)
    _run(services, now)
    assert store.bookmark() == now - timedelta(hours=1)  # the first run looks back an hour
    created = datetime.fromisoformat(order_payment(afterpay)["created"].replace("Z", "+00:00"))
    _run(services)
    assert store.bookmark() == created


def test_open_auths_are_rechecked_every_run_until_they_expire(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    half_an_hour_ago = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="milliseconds")
    order_id = str(order_payment(afterpay, state="AUTH_APPROVED", created=half_an_hour_ago)["id"])
    store = PollStore(services.redis, services.keys)
    _run(services)
    assert store.watching(OPEN) == 1 and store.watching(REFUNDS) == 0
    order_payment(afterpay)  # a newer order moves the bookmark past the open auth
    now = datetime.now(UTC) + timedelta(minutes=1)
    assert _run(services, now)["listed"] == 2
    services.queue("sync").empty()
    unchanged = _run(services, now + timedelta(minutes=1))
    assert unchanged["listed"] == 1 and unchanged["rechecked"] == 1 and unchanged["enqueued"] == 0
    response = afterpay.post(
        f"/v2/payments/{order_id}/capture", {"requestId": "c-1", "amount": {"amount": "108.85", "currency": "AUD"}}
    )
    assert response.status_code == 201
    services.queue("sync").empty()
    captured = _run(services, now + timedelta(minutes=2))
    assert captured["rechecked"] == 1 and captured["enqueued"] == 1 and _queued(services) == [order_id]
    # Captured in full: no longer an open auth, now watched for refunds.
    assert store.watching(OPEN) == 0 and store.watching(REFUNDS) == 2
    # Not due again for an hour: the next run re-reads nothing.
    assert _run(services, now + timedelta(minutes=3))["rechecked"] == 0


def test_an_auth_that_expired_is_no_longer_watched(services: Services, afterpay: AfterpaySim, cin7: Cin7Sim) -> None:
    order_payment(afterpay, state="AUTH_APPROVED")
    store = PollStore(services.redis, services.keys)
    _run(services)
    assert store.watching(OPEN) == 1
    afterpay.control("POST", "clock", {"advance_seconds": 14 * 86400})
    expired = _run(services, datetime.now(UTC) + timedelta(days=14))
    assert expired["listed"] + expired["rechecked"] == 1 and expired["enqueued"] == 1
    assert store.watching(OPEN) == 0


def test_the_refund_watch_decays_and_ends_after_120_days() -> None:
    payment = make_payment()
    captured_at = payment.events[1].created
    assert next_refund_check(payment, captured_at) == captured_at + timedelta(hours=1)
    assert next_refund_check(payment, captured_at + timedelta(hours=2)) == captured_at + timedelta(hours=6)
    assert next_refund_check(payment, captured_at + timedelta(days=100)) == captured_at + timedelta(days=120)
    assert next_refund_check(payment, captured_at + timedelta(days=121)) is None


def test_the_digest_changes_with_what_the_sync_cares_about() -> None:
    payment = make_payment()
    refunded = make_payment(events=(*payment.events, event(EventType.CAPTURED, "0.00", 9, "ev-x")))
    assert payment_digest(payment) != payment_digest(refunded)
    assert payment_digest(payment) == payment_digest(make_payment())
    assert payment_digest(make_payment(state=PaymentState.AUTH_APPROVED)) != payment_digest(payment)
    assert payment.created == BASE_TIME


def test_a_backlog_goes_in_slices_and_none_is_listed_forever(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    ids = [str(order_payment(afterpay)["id"]) for _ in range(5)]  # all within five minutes
    poller = AfterpayPoller(
        services,
        afterpay=services.afterpay_client(),
        cin7=services.cin7_client(),
        rules=services.rules,
        max_per_run=2,
    )
    handed: list[str] = []
    for _ in range(4):
        services.queue("sync").empty()
        poller.run()
        handed += _queued(services)
    assert sorted(handed) == sorted(ids)  # each once, though the overlap holds all five


def test_every_sync_keeps_the_watches_not_only_the_pollers(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    from app.jobs.sync import run_sync

    order_id = str(order_payment(afterpay, state="AUTH_APPROVED")["id"])
    run_sync(services, order_id)  # an upsert, say: the poller never listed it
    store = PollStore(services.redis, services.keys)
    assert store.watching(OPEN) == 1
    response = afterpay.post(f"/v2/payments/{order_id}/capture", {"requestId": "c", "amount": money("108.85")})
    assert response.status_code == 201
    run_sync(services, order_id)
    assert store.watching(OPEN) == 0 and store.watching(REFUNDS) == 1
