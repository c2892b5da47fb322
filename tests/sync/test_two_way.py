"""Two-way sync with real processes: the poller finds what changed in Afterpay; Cin7's
webhooks (delivered by the simulator to the bridge's web process) bring shipments, voids and
credit notes back to Afterpay, exactly once, whatever the delivery order or count."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from app.jobs.context import use_services
from app.jobs.webhooks import check_cin7_webhooks
from app.store.poll import REFUNDS
from tests.processes import wait_for
from tests.sims import AfterpaySim, Cin7Sim
from tests.sync.helpers import order_payment
from tests.sync.two_way import DISPUTE_SECRET, Bridge, running_bridge

pytestmark = pytest.mark.slow

D = Decimal


@pytest.fixture
def bridge(sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim) -> Iterator[Bridge]:
    with running_bridge(sim_settings, afterpay, cin7) as running:
        yield running


def _captures(payment: dict[str, Any]) -> list[str]:
    return [e["amount"]["amount"] for e in payment["events"] if e["type"] == "CAPTURED"]


def _real_refunds(payment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in payment["refunds"] if r.get("requestId")]


# -- Afterpay → Cin7 by polling ----------------------------------------------------------------------


def test_an_order_made_in_afterpay_reaches_cin7_within_one_poll(bridge: Bridge) -> None:
    bridge.start("cron", "cron")
    order_id = str(order_payment(bridge.afterpay)["id"])
    sale = bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the polled order to be paid")
    assert sale["CustomerReference"] == "#WEB-10452"
    status = bridge.get("/v1/sync/status")
    assert status["poll"]["listed"] >= 1 and status["poll"]["afterpayCalls"] >= 1
    assert status["bookmark"] is not None
    events = bridge.get("/v1/events?type=order.synced")["items"]
    assert any(e["data"]["afterpayOrderId"] == order_id and e["data"]["action"] == "created" for e in events)


def test_an_open_auth_captured_later_is_picked_up(bridge: Bridge) -> None:
    bridge.start("cron", "cron")
    order_id = str(order_payment(bridge.afterpay, state="AUTH_APPROVED")["id"])
    bridge.wait_sale(order_id, lambda s: s["Order"]["Status"] == "AUTHORISED", "the authorised order")
    assert bridge.get("/v1/sync/status")["watching"]["openAuthorisations"] == 1
    response = bridge.afterpay.post(
        f"/v2/payments/{order_id}/capture",
        {"requestId": "portal-capture-1", "amount": {"amount": "108.85", "currency": "AUD"}},
    )
    assert response.status_code == 201, response.text
    sale = bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the capture to reach Cin7")
    assert [i["Status"] for i in sale["Invoices"]] == ["PAID"]


def test_a_refund_made_in_afterpay_becomes_one_credit_note_and_is_not_echoed_back(bridge: Bridge) -> None:
    bridge.register_webhooks()
    bridge.start("cron", "cron")
    order_id = str(order_payment(bridge.afterpay)["id"])
    bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the polled order")
    bridge.afterpay_refund(order_id, "39.95", "portal-refund-1")
    # Time passing: the refund watch comes due (its first check is an hour after the capture).
    services = bridge.services
    services.redis.zadd(services.keys("poll", REFUNDS), {order_id: 0})
    sale = bridge.wait_sale(order_id, lambda s: len(s["CreditNotes"]) == 1 and s["CreditNotes"][0]["Refunds"],
                            "the refund's credit note")  # fmt: skip
    assert sale["CreditNotes"][0]["Total"] == 39.95
    bridge.idle()
    # The bridge's own credit note fired Sale/CreditNoteAuthorised: it must not become a refund.
    deliveries = bridge.cin7.control("GET", "webhook-deliveries")["deliveries"]
    assert any(d["type"] == "Sale/CreditNoteAuthorised" and d["delivered"] for d in deliveries)
    assert len(_real_refunds(bridge.payment(order_id))) == 1
    assert len(bridge.sale(order_id)["CreditNotes"]) == 1


# -- Cin7 → Afterpay by webhooks -----------------------------------------------------------------------


def _authorised_sale(bridge: Bridge) -> tuple[str, dict[str, Any]]:
    order_id = str(order_payment(bridge.afterpay, state="AUTH_APPROVED")["id"])
    bridge.upsert(order_id)
    return order_id, bridge.sale(order_id)


def test_a_shipment_captures_the_auth_once_though_delivered_three_times(bridge: Bridge) -> None:
    bridge.register_webhooks()
    order_id, sale = _authorised_sale(bridge)
    bridge.ship(sale["ID"])
    payment = bridge.wait_payment(order_id, lambda p: p["paymentState"] == "CAPTURED", "the shipment's capture")
    assert _captures(payment) == ["108.85"]
    # Cin7 retries, and its payloads name the sale in varying case: each variant is a new body.
    shipped = {"SaleTaskID": sale["ID"], "OrderNumber": sale["Order"]["SaleOrderNumber"],
               "EventType": "Sale/ShipmentAuthorised"}  # fmt: skip
    assert bridge.deliver(shipped).json()["accepted"]
    assert bridge.deliver(shipped).json()["duplicate"]
    assert bridge.deliver({**shipped, "SaleTaskID": sale["ID"].swapcase()}).json()["accepted"]
    bridge.idle()
    assert _captures(bridge.payment(order_id)) == ["108.85"]
    # The capture came back to Cin7 through the forward sync: invoiced and paid.
    final = bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the capture in Cin7")
    assert final["Status"] == "COMPLETED"
    trail = bridge.get(f"/v1/orders/{order_id}")["audit"]
    assert [e["action"] for e in trail].count("afterpay-capture") == 1


def test_a_void_in_cin7_voids_the_auth_once(bridge: Bridge) -> None:
    bridge.register_webhooks()
    order_id, sale = _authorised_sale(bridge)
    bridge.void(sale["ID"])
    payment = bridge.wait_payment(order_id, lambda p: p["paymentState"] == "VOIDED", "the void")
    voided = {"SaleID": sale["ID"], "SaleOrderNumber": "x", "EventType": "Sale/Voided"}
    bridge.deliver(voided)
    bridge.deliver({**voided, "SaleOrderNumber": "y"})
    bridge.idle()
    after = bridge.payment(order_id)
    assert [e["type"] for e in after["events"]].count("VOIDED") == 1
    assert after["openToCaptureAmount"]["amount"] == "0.00" and payment["events"] == after["events"]


def test_a_credit_note_raised_in_cin7_is_refunded_once_and_recorded_not_credited_again(bridge: Bridge) -> None:
    bridge.register_webhooks()
    bridge.start("cron", "cron")
    order_id = str(order_payment(bridge.afterpay)["id"])
    sale = bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the polled order")
    note = bridge.credit_note(sale, "20.00")
    payment = bridge.wait_payment(order_id, lambda p: _real_refunds(p), "the refund of the credit note")
    [refund] = _real_refunds(payment)
    assert refund["amount"]["amount"] == "20.00" and refund["merchantReference"] == note["CreditNoteNumber"]
    assert refund["refundMerchantReference"] == f"cin7:{note['TaskID'].lower()}"
    # The forward sync records Afterpay's refund on the person's credit note: no second note.
    sale = bridge.wait_sale(order_id, lambda s: s["CreditNotes"][0]["Refunds"], "the REFUND on the credit note")
    assert len(sale["CreditNotes"]) == 1 and sale["CombinedPaymentStatus"] == "PAID"
    # The poller sees Afterpay's new refund too (its watch made due): still nothing new.
    services = bridge.services
    services.redis.zadd(services.keys("poll", REFUNDS), {order_id: 0})
    bridge.deliver({"SaleID": sale["ID"], "TaskID": note["TaskID"], "CreditNoteNumber": "CR ",
                    "EventType": "Sale/CreditNoteAuthorised"})  # fmt: skip
    time.sleep(5)  # two poll runs
    bridge.idle()
    assert len(_real_refunds(bridge.payment(order_id))) == 1
    final = bridge.sale(order_id)
    assert len(final["CreditNotes"]) == 1 and len(final["CreditNotes"][0]["Refunds"]) == 1


def test_credit_notes_delivered_out_of_order_and_days_late_are_refunded_once_each(bridge: Bridge) -> None:
    bridge.register_webhooks()
    bridge.cin7.configure(webhook_first_delay_seconds=3600)  # Cin7 sits on its own deliveries
    order_id = str(order_payment(bridge.afterpay)["id"])
    bridge.upsert(order_id)
    sale = bridge.sale(order_id)
    first = bridge.credit_note(sale, "10.00", "Late delivery discount")
    second = bridge.credit_note(bridge.sale(order_id), "15.00", "Returned socks")

    def note_event(note: dict[str, Any]) -> dict[str, Any]:
        return {"SaleID": sale["ID"], "TaskID": note["TaskID"], "CreditNoteNumber": f"{note['CreditNoteNumber']} ",
                "EventType": "Sale/CreditNoteAuthorised"}  # fmt: skip

    assert bridge.deliver(note_event(second)).json()["accepted"]  # the later note's event first
    assert bridge.deliver(note_event(first)).json()["accepted"]
    bridge.idle()
    refunds = _real_refunds(bridge.payment(order_id))
    assert sorted((r["amount"]["amount"], r["merchantReference"]) for r in refunds) == [
        ("10.00", first["CreditNoteNumber"]),
        ("15.00", second["CreditNoteNumber"]),
    ]
    # Days later Cin7 finally delivers its own copies (and Afterpay's replay window has closed).
    bridge.afterpay.control("POST", "clock", {"advance_seconds": 3 * 86400})
    bridge.cin7.control("POST", "webhooks/flush")
    delivered = [d for d in bridge.cin7.control("GET", "webhook-deliveries")["deliveries"] if d["delivered"]]
    assert sum(d["type"] == "Sale/CreditNoteAuthorised" for d in delivered) >= 2
    bridge.idle()
    assert len(_real_refunds(bridge.payment(order_id))) == 2
    final = bridge.sale(order_id)
    assert [len(n["Refunds"]) for n in final["CreditNotes"]] == [1, 1]
    row = bridge.cin7.sales(ExternalID=order_id)[0]
    assert row["CombinedPaymentStatus"] == "PAID" and row["PaidAmount"] == row["InvoiceAmount"] == 83.85


def test_a_deactivated_webhook_is_found_and_the_gap_caught_up(bridge: Bridge) -> None:
    bridge.register_webhooks()
    bridge.cin7.configure(webhook_retry_delays_seconds=[0.1, 0.1, 0.1, 0.1, 0.1])
    order_id, sale = _authorised_sale(bridge)
    bridge.stop("web")  # the bridge is unreachable: every attempt fails
    bridge.ship(sale["ID"])

    def switched_off() -> bool:
        hooks = bridge.cin7.get("webhooks")["Webhooks"]
        return any(h["Type"] == "Sale/ShipmentAuthorised" and not h["IsActive"] for h in hooks)

    wait_for(switched_off, timeout=30, what="Cin7 to switch the shipment webhook off")
    assert bridge.payment(order_id)["paymentState"] == "AUTH_APPROVED"
    bridge.start_web()
    services = bridge.services
    use_services(services)
    try:
        report = check_cin7_webhooks()
    finally:
        use_services(None)
    assert "Sale/ShipmentAuthorised" in report["reactivated"] and report["caughtUp"] >= 1
    payment = bridge.wait_payment(order_id, lambda p: p["paymentState"] == "CAPTURED", "the caught-up capture")
    assert _captures(payment) == ["108.85"]
    assert all(h["IsActive"] for h in bridge.cin7.get("webhooks")["Webhooks"])
    alerts = [r.json() for r in bridge.alerts.requests]
    assert any("re-enabled" in a["text"] for a in alerts)
    # The next check finds everything healthy and catches nothing up.
    use_services(services)
    try:
        assert check_cin7_webhooks()["healthy"] and "caughtUp" not in check_cin7_webhooks()
    finally:
        use_services(None)


def test_the_scheduled_check_repairs_webhooks_on_its_own(bridge: Bridge) -> None:
    bridge.register_webhooks()
    hook = next(h for h in bridge.cin7.get("webhooks")["Webhooks"] if h["Type"] == "Sale/Voided")
    off = {k: v for k, v in hook.items() if k != "Name"} | {"IsActive": False}
    assert bridge.cin7.send("PUT", "webhooks", off).status_code == 200
    bridge.start("cron", "cron")
    wait_for(
        lambda: all(h["IsActive"] for h in bridge.cin7.get("webhooks")["Webhooks"]),
        timeout=30,
        what="the scheduled check to re-enable the webhook",
    )
    status = wait_for(
        lambda: bridge.get("/v1/sync/status")["cin7Webhooks"].get("lastCheck") and bridge.get("/v1/sync/status"),
        timeout=30,
        what="the check to be recorded",
    )
    assert isinstance(status, dict)
    webhooks = status["cin7Webhooks"]
    assert webhooks["url"] == f"{bridge.url}/v1/webhooks/cin7" and webhooks["lastCheck"] in ("repaired", "healthy")


def test_afterpays_refusal_is_noted_on_the_sale_and_alerted(bridge: Bridge) -> None:
    bridge.register_webhooks()
    order_id, sale = _authorised_sale(bridge)
    bridge.afterpay.fault(
        method="POST",
        path="/capture$",
        action="respond",
        status=402,
        body={"errorCode": "declined", "errorId": "e-1", "message": "Payment declined", "httpStatusCode": 402},
    )
    bridge.ship(sale["ID"])
    noted = bridge.wait_sale(order_id, lambda s: "Afterpay refused the capture" in s["Note"], "the note on the sale")
    assert "Payment declined" in noted["Note"] and noted["Note"].startswith("Afterpay order")
    bridge.idle()
    assert any("refused the capture" in r.json()["text"] for r in bridge.alerts.requests)
    record = bridge.get(f"/v1/orders/{order_id}")
    assert any("refused the capture" in m for m in record["messages"])
    # A redelivery does not ask Afterpay again: the refusal was final.
    captures = len(bridge.afterpay.requests("/capture", method="POST"))
    bridge.deliver({"SaleTaskID": sale["ID"], "EventType": "Sale/ShipmentAuthorised", "OrderNumber": "again"})
    bridge.idle()
    assert len(bridge.afterpay.requests("/capture", method="POST")) == captures


def test_what_a_person_changes_in_cin7_that_afterpay_owns_is_audited_and_restored(bridge: Bridge) -> None:
    bridge.register_webhooks()
    order_id, sale = _authorised_sale(bridge)
    edited = bridge.cin7.send("PUT", "sale", {"ID": sale["ID"], "CustomerReference": "typo-by-hand"})
    assert edited.status_code == 200, edited.text
    bridge.ship(sale["ID"])
    final = bridge.wait_sale(order_id, lambda s: s["CombinedPaymentStatus"] == "PAID", "the capture in Cin7")
    assert final["CustomerReference"] == "#WEB-10452"
    conflicts = [e for e in bridge.get(f"/v1/orders/{order_id}")["audit"] if e["action"] == "conflict"]
    assert conflicts and conflicts[0]["field"] == "CustomerReference"
    assert conflicts[0]["cin7"] == "typo-by-hand" and conflicts[0]["kept"] == "#WEB-10452"


def test_a_dispute_notification_is_recorded_noted_and_alerted(bridge: Bridge) -> None:
    bridge.afterpay.configure(
        dispute_webhook_url=f"{bridge.url}/v1/webhooks/afterpay/disputes", dispute_webhook_secret=DISPUTE_SECRET
    )
    order_id = str(order_payment(bridge.afterpay)["id"])
    bridge.upsert(order_id)
    opened = bridge.afterpay.control("POST", "disputes", {"orderId": order_id, "reason": "product_not_received"})

    def recorded() -> list[dict[str, Any]]:
        disputes: list[dict[str, Any]] = bridge.get(f"/v1/orders/{order_id}")["disputes"]
        return disputes

    [dispute] = wait_for(recorded, timeout=30, what="the dispute on the order")  # type: ignore[misc]
    assert dispute["id"] == opened["id"] and dispute["status"] == "needs_response"
    assert dispute["responseDueBy"] and dispute["reason"] == "product_not_received"
    noted = bridge.wait_sale(order_id, lambda s: opened["id"] in s["Note"], "the dispute in the sale's Note")
    assert "respond by" in noted["Note"]
    assert any(opened["id"] in r.json()["text"] for r in bridge.alerts.requests)
    deliveries = bridge.afterpay.control("GET", "disputes/deliveries")["deliveries"]
    assert [d["status"] for d in deliveries] == [200]


def test_the_operator_commands(bridge: Bridge) -> None:
    bridge.register_webhooks()
    again = bridge.cli("cin7", "register-webhooks", "--url", bridge.url)
    assert again.returncode == 0 and again.stdout.count("healthy") == 4
    listing = bridge.cli("cin7", "webhooks")
    assert listing.returncode == 0 and listing.stdout.count("* ") == 4 and "INACTIVE" not in listing.stdout
    order_id = str(order_payment(bridge.afterpay)["id"])
    polled = bridge.cli("poll", "--since", "2020-01-01")
    assert polled.returncode == 0, polled.stderr
    stats = json.loads(polled.stdout)
    assert stats["listed"] == 1 and stats["enqueued"] == 1
    bridge.wait_sale(order_id)
    caught = bridge.cli("cin7", "catch-up", "--hours", "1")
    assert caught.returncode == 0 and caught.stdout.startswith("queued 1 sale(s)")
    for args in (
        ("poll", "--since", "yesterday"),
        ("poll", "--since", "2999-01-01"),
        ("cin7", "catch-up", "--hours", "0"),
    ):
        refused = bridge.cli(*args)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr


def test_a_second_sale_with_the_orders_external_id_never_moves_afterpays_money(bridge: Bridge) -> None:
    bridge.register_webhooks()
    order_id, sale = _authorised_sale(bridge)
    duplicate = bridge.cin7.send(
        "POST",
        "sale",
        {"Customer": "Web Sales", "Location": "Main Warehouse", "SkipQuote": True, "ExternalID": order_id},
    ).json()
    bridge.void(duplicate["ID"])  # a person tidies up the duplicate
    bridge.deliver({"SaleID": duplicate["ID"], "SaleOrderNumber": "dup", "EventType": "Sale/Voided"})
    bridge.idle()
    assert bridge.payment(order_id)["paymentState"] == "AUTH_APPROVED"
    record = bridge.get(f"/v1/orders/{order_id}")
    assert record["cin7"]["saleId"] == sale["ID"]
    assert any(e["action"] == "ignored-other-sale" and e["sale"] == duplicate["ID"] for e in record["audit"])
    assert any("also carries" in r.json()["text"] for r in bridge.alerts.requests)
