"""The per-order saga against both simulators and a real Redis: the minimum writes, every
state change reflected once, nothing duplicated when answers are lost or Redis is emptied."""

from __future__ import annotations

from decimal import Decimal

import pytest
import redis

from app.afterpay.client import AfterpayClient, request_id_for
from app.sync.saga import ReferenceDataMismatch
from tests.receiver import receiver
from tests.sims import AfterpaySim, Cin7Sim, money
from tests.sync.helpers import cin7_writes, order_payment, saga, sale_row


def _afterpay(afterpay: AfterpaySim) -> AfterpayClient:
    return AfterpayClient(base_url=afterpay.api, merchant_id="demo-merchant", secret_key="demo-secret")


def test_a_paid_order_is_four_writes_and_then_nothing(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    result = saga(sim_settings).sync(order_id)
    assert result.action == "created" and result.state == "paid"
    assert result.steps == ["header", "order", "invoice", "payment"]
    assert [w for w in cin7_writes(cin7) if not w.startswith("POST customer")] == [
        "POST sale", "POST sale/order", "POST sale/invoice", "POST sale/payment"]  # fmt: skip
    row = sale_row(cin7, order_id)
    assert row["InvoiceAmount"] == 108.85 and row["PaidAmount"] == 108.85 and row["CombinedPaymentStatus"] == "PAID"
    assert row["CustomerReference"] == "#WEB-10452"

    calls_before = len(cin7.requests("/ExternalApi/"))
    again = saga(sim_settings).sync(order_id)
    assert again.action == "unchanged" and again.steps == [] and again.cin7_sale_id == result.cin7_sale_id
    assert len(cin7.requests("/ExternalApi/")) == calls_before  # the checkpoint answered; Cin7 was not asked
    assert again.api_calls == {"cin7": 0, "afterpay": 1, "cin7Throttled": 0}


def test_auth_then_capture_then_refunds_are_each_reflected_once(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay, state="AUTH_APPROVED")["id"])
    first = saga(sim_settings).sync(order_id)
    assert first.state == "authorised" and first.steps == ["header", "order"]
    assert sale_row(cin7, order_id)["OrderStatus"] == "AUTHORISED"

    client = _afterpay(afterpay)
    client.capture(order_id, Decimal("108.85"), "AUD", request_id=request_id_for("t", order_id, "c"))
    captured = saga(sim_settings).sync(order_id)
    assert captured.state == "paid" and captured.steps == ["invoice", "payment", "header-update"]
    assert sale_row(cin7, order_id)["PaidAmount"] == 108.85

    client.refund(
        order_id, Decimal("39.95"), "AUD", request_id=request_id_for("t", order_id, "r1"), merchant_reference="RMA-1"
    )
    refunded = saga(sim_settings).sync(order_id)
    assert refunded.steps == ["creditnote", "refund", "header-update"]
    client.refund(
        order_id, Decimal("10.00"), "AUD", request_id=request_id_for("t", order_id, "r2"), merchant_reference="RMA-2"
    )
    second = saga(sim_settings).sync(order_id)
    assert second.steps == ["creditnote", "refund", "header-update"]
    row = sale_row(cin7, order_id)
    assert row["InvoiceAmount"] == pytest.approx(108.85 - 49.95)
    assert row["PaidAmount"] == pytest.approx(108.85 - 49.95)
    assert saga(sim_settings).sync(order_id).action == "unchanged"


def test_a_voided_auth_voids_the_sale(sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim) -> None:
    order_id = str(order_payment(afterpay, state="AUTH_APPROVED")["id"])
    saga(sim_settings).sync(order_id)
    _afterpay(afterpay).void(order_id, None, "AUD", request_id="void-1")
    result = saga(sim_settings).sync(order_id)
    assert result.action == "voided" and result.state == "voided"
    assert sale_row(cin7, order_id)["Status"] == "VOIDED"
    assert saga(sim_settings).sync(order_id).action == "unchanged"


def test_a_part_void_before_capture_rewrites_the_order(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay, state="AUTH_APPROVED")["id"])
    saga(sim_settings).sync(order_id)
    _afterpay(afterpay).void(order_id, Decimal("39.95"), "AUD", request_id="void-part")
    result = saga(sim_settings).sync(order_id)
    assert result.steps[:1] == ["order"]
    assert "DELETE sale" in cin7_writes(cin7)  # undone first: an authorised order cannot be re-posted
    order = cin7.get("sale", ID=result.cin7_sale_id)["Order"]
    assert sum(Decimal(str(x["Total"])) for x in order["Lines"] + order["AdditionalCharges"]) == Decimal("68.90")


def test_the_rest_voided_after_invoicing_becomes_a_credit_note(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay, state="AUTH_APPROVED")["id"])
    client = _afterpay(afterpay)
    client.capture(order_id, Decimal("60.00"), "AUD", request_id="cap-1")
    partly = saga(sim_settings).sync(order_id)
    assert partly.state == "partially_paid" and "invoice" in partly.steps
    assert sale_row(cin7, order_id)["CombinedPaymentStatus"] == "PARTIALLY PAID"
    client.void(order_id, None, "AUD", request_id="void-rest")
    settled = saga(sim_settings).sync(order_id)
    assert settled.state == "paid" and "creditnote" in settled.steps and "refund" not in settled.steps
    row = sale_row(cin7, order_id)
    assert row["InvoiceAmount"] == 60.00 and row["PaidAmount"] == 60.00


def test_declined_orders_are_recorded_not_synced(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(afterpay.create_payment(paymentState="AUTH_DECLINED", originalAmount=money("50.00"))["id"])
    result = saga(sim_settings).sync(order_id)
    assert result.action == "skipped" and result.state == "declined"
    assert cin7_writes(cin7) == [] and cin7.sales(ExternalID=order_id) == []


def test_a_lost_answer_to_the_sale_post_makes_no_second_sale(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    cin7.fault(method="POST", path="/sale$", action="drop_response", count=1)
    result = saga(sim_settings).sync(order_id)
    assert result.action == "updated"  # the sale was found by ExternalID and completed
    assert sale_row(cin7, order_id)["PaidAmount"] == 108.85
    assert [w for w in cin7_writes(cin7) if w == "POST sale"] == ["POST sale"]


def test_an_empty_redis_cannot_make_a_duplicate(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, r: redis.Redis
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    first = saga(sim_settings).sync(order_id)
    r.flushall()
    again = saga(sim_settings).sync(order_id)
    assert again.action == "unchanged" and again.cin7_sale_id == first.cin7_sale_id
    assert len(cin7.sales(ExternalID=order_id)) == 1


def test_repeat_customers_are_created_once_and_then_cached(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    one = str(order_payment(afterpay)["id"])
    two = str(order_payment(afterpay, amount="118.85")["id"])
    saga(sim_settings).sync(one)
    lookups = len(cin7.requests("/customer", method="GET"))
    saga(sim_settings).sync(two)
    assert len(cin7.requests("/customer", method="POST")) == 1
    assert len(cin7.requests("/customer", method="GET")) == lookups  # the second order asked Cin7 nothing
    assert sale_row(cin7, one)["CustomerID"] == sale_row(cin7, two)["CustomerID"]


def test_a_duplicate_already_in_cin7_is_reported_and_not_added_to(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    for _ in range(2):
        cin7.send(
            "POST",
            "sale",
            {"Customer": "Web Sales", "ExternalID": order_id, "Location": "Main Warehouse", "SkipQuote": True},
        )
    with receiver() as alerts:
        result = saga({**sim_settings, "ALERT_WEBHOOK_URL": alerts.url}).sync(order_id)
        assert any("2 sales" in a.json()["text"] for a in alerts.requests)
    assert len(cin7.sales(ExternalID=order_id)) == 2  # never a third
    assert result.cin7_sale_id == sorted(cin7.sales(ExternalID=order_id), key=lambda s: s["OrderNumber"])[0]["SaleID"]


def test_rules_naming_missing_reference_data_stop_before_any_write(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, tmp_path: object
) -> None:
    from pathlib import Path

    mapping = Path(str(tmp_path)) / "m.yaml"
    mapping.write_text("cin7:\n  location: Melbourne Warehouse\n")
    order_id = str(order_payment(afterpay)["id"])
    with pytest.raises(ReferenceDataMismatch, match="Melbourne Warehouse"):
        saga({**sim_settings, "BRIDGE_MAPPING_FILE": str(mapping)}).sync(order_id)
    assert cin7_writes(cin7) == []
