"""Webhook subscriptions and delivery: auth, payload shapes, retries, deactivation (cin7.md A13, D7)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox_cin7.conftest import Cin7, Receiver, basic, error_text, free_port, line, wait_for


def _hook(cin7: Cin7, kind: str, url: str, **extra: Any) -> dict[str, Any]:
    body = {"Type": kind, "IsActive": True, "ExternalURL": url, "ExternalAuthorizationType": "noauth"}
    body.update(extra)
    hook: dict[str, Any] = cin7.ok(cin7.post("webhooks", body))["Webhooks"][0]
    return hook


def test_register_list_update_and_delete(cin7: Cin7) -> None:
    body = {
        "Type": "Sale/OrderAuthorised",
        "IsActive": True,
        "ExternalURL": "https://hooks.example.com/cin7",
        "ExternalAuthorizationType": "basicauth",
        "ExternalUserName": "Hello",
        "ExternalPassword": "123",
        "ExternalBearerToken": "",
        "ExternalHeaders": [{"Key": "Key", "Value": "123"}, {"Key": "6", "Value": "0"}],
    }
    created = cin7.ok(cin7.post("webhooks", body))["Webhooks"]
    assert len(created) == 1
    hook = created[0]
    assert (hook["Name"], hook["ExternalBearerToken"], hook["IsActive"]) == (
        "Sale order has been authorised",
        None,
        True,
    )
    assert hook["ExternalHeaders"] == body["ExternalHeaders"]
    assert cin7.ok(cin7.get("webhooks"))["Webhooks"] == [hook]
    changed = cin7.ok(cin7.put("webhooks", {**body, "ID": hook["ID"], "Name": "ignored", "IsActive": False}))[
        "Webhooks"
    ][0]
    assert (changed["IsActive"], changed["Name"]) == (False, "Sale order has been authorised")
    assert cin7.ok(cin7.delete("webhooks", ID=hook["ID"])) == {"Webhooks": []}
    assert cin7.ok(cin7.get("webhooks")) == {"Webhooks": []}
    assert cin7.delete("webhooks", ID=hook["ID"]).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Type": "Sale/Exploded"}, "Type 'Sale/Exploded' is not a webhook type."),
        ({"ExternalURL": "ftp://example.com"}, "ExternalURL must be an absolute http or https URL."),
        (
            {"ExternalAuthorizationType": "hmac"},
            "ExternalAuthorizationType must be one of noauth, basicauth, bearerauth.",
        ),
        (
            {"ExternalAuthorizationType": "basicauth", "ExternalUserName": "u"},
            "ExternalUserName and ExternalPassword are required for basicauth.",
        ),
        ({"ExternalAuthorizationType": "bearerauth"}, "ExternalBearerToken is required for bearerauth."),
        ({"IsActive": None}, "IsActive is required."),
    ],
)
def test_registration_validation(cin7: Cin7, change: dict[str, Any], message: str) -> None:
    body = {
        "Type": "Sale/Voided",
        "IsActive": True,
        "ExternalURL": "https://x.example/h",
        "ExternalAuthorizationType": "noauth",
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = cin7.post("webhooks", body)
    assert response.status_code == 400
    assert error_text(response).startswith(message)


def test_at_most_five_webhooks_of_a_type(cin7: Cin7) -> None:
    for n in range(5):
        _hook(cin7, "Sale/Voided", f"https://x.example/{n}")
    refused = cin7.post(
        "webhooks",
        {
            "Type": "Sale/Voided",
            "IsActive": False,
            "ExternalURL": "https://x.example/6",
            "ExternalAuthorizationType": "noauth",
        },
    )
    assert refused.status_code == 400
    assert error_text(refused) == "There is a limit of 5 webhooks of the same type (Sale/Voided)."
    _hook(cin7, "Sale/Undo", "https://x.example/other-type")


def test_delivery_is_a_json_post_with_the_registered_headers(cin7: Cin7, receiver: Receiver) -> None:
    _hook(cin7, "Sale/OrderAuthorised", receiver.url, ExternalHeaders=[{"Key": "X-Bridge-Token", "Value": "s3cret"}])
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    [delivery] = receiver.wait(1)
    assert delivery.path == "/hooks/cin7"
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.headers["X-Bridge-Token"] == "s3cret"
    assert "Authorization" not in delivery.headers
    number = cin7.sale(sale_id)["Order"]["SaleOrderNumber"]
    assert delivery.body == {"SaleID": sale_id.upper(), "SaleOrderNumber": number, "EventType": "Sale/OrderAuthorised"}
    attempts = wait_for(lambda: cin7.deliveries()["deliveries"], what="the attempt record")
    assert (attempts[0]["attempt"], attempts[0]["status_code"], attempts[0]["delivered"]) == (1, 200, True)
    assert attempts[0]["url"] == receiver.url


def test_basic_and_bearer_auth(cin7: Cin7, receiver: Receiver) -> None:
    _hook(
        cin7,
        "Sale/Created",
        receiver.url,
        ExternalAuthorizationType="basicauth",
        ExternalUserName="bridge",
        ExternalPassword="pa55",
    )
    _hook(cin7, "Sale/Created", receiver.url, ExternalAuthorizationType="bearerauth", ExternalBearerToken="tok-123")
    cin7.new_sale()
    received = receiver.wait(2)
    assert sorted(r.headers["Authorization"] for r in received) == sorted([basic("bridge", "pa55"), "Bearer tok-123"])


def test_each_event_type_has_its_own_payload_shape(cin7: Cin7, receiver: Receiver) -> None:
    types = [
        "Sale/Created", "Sale/QuoteAuthorised", "Sale/OrderAuthorised", "Sale/Backordered", "Sale/PickAuthorised",
        "Sale/PackAuthorised", "Sale/ShipmentAuthorised", "Sale/InvoiceAuthorised", "Sale/PartialPaymentReceived",
        "Sale/FullPaymentReceived", "Sale/CreditNoteAuthorised", "Sale/Voided", "Sale/Undo", "Customer/Updated",
    ]  # fmt: skip
    for kind in types:
        _hook(cin7, kind, receiver.url)
    sale_id = cin7.new_sale(SkipQuote=False, Contact="Jo Citizen", Email="jo@example.com")["ID"]
    cin7.ok(
        cin7.post(
            "sale/quote", {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [line("DRESS-LIN-OLV-10", 1, "149.00")]}
        )
    )
    cin7.ok(cin7.order(sale_id, [line("DRESS-LIN-OLV-10", 1, "149.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    invoice = cin7.ok(cin7.invoice(sale_id, InvoiceDate="2024-05-01T00:00:00"))["Invoices"][0]
    cin7.ok(cin7.pay(sale_id, 100))
    cin7.ok(cin7.pay(sale_id, 49))
    note = {
        "SaleID": sale_id,
        "TaskID": sale_id,
        "CreditNoteInvoiceNumber": invoice["InvoiceNumber"],
        "Status": "AUTHORISED",
        "CreditNoteDate": "2024-05-02",
        "Lines": [line("DRESS-LIN-OLV-10", 1, "149.00")],
    }
    cin7.ok(cin7.post("sale/creditnote", note))
    backordered = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(backordered, [line("DRESS-LIN-OLV-10", 5, "149.00")]))
    cin7.ok(cin7.delete("sale", ID=backordered))
    cin7.ok(cin7.delete("sale", ID=backordered, Void="true"))
    customer = {
        "Name": "Jo Citizen",
        "Status": "Active",
        "Currency": "AUD",
        "PaymentTerm": "30 days",
        "AccountReceivable": "610",
        "RevenueAccount": "200",
        "TaxRule": "GST on Income",
        "Contacts": [{"Name": "Jo", "Email": "jo@example.com"}],
    }
    cin7.ok(cin7.post("customer", customer))
    receiver.wait(len(types) + 2, timeout=10)  # two sales: Created and OrderAuthorised twice

    def one(kind: str, index: int = 0) -> dict[str, Any]:
        body: dict[str, Any] = receiver.of_type(kind)[index].body
        return body

    upper, lower = sale_id.upper(), sale_id.lower()
    number = cin7.sale(sale_id)["Order"]["SaleOrderNumber"]
    people = {
        "CustomerName": "Web Sales",
        "CustomerContactName": "Jo Citizen",
        "CustomerContactEmail": "jo@example.com",
    }
    created = one("Sale/Created")
    assert list(created) == [
        "SaleID",
        "SaleOrderNumber",
        "CustomerName",
        "CustomerContactName",
        "CustomerContactEmail",
        "SaleRepEmail",
        "SaleOrderDate",
        "TaskTypeSign",
        "IsServiceOnly",
        "DownloadLink",
        "EventType",
    ]
    assert (created["SaleID"], created["TaskTypeSign"], created["IsServiceOnly"]) == (upper, "0", "0")
    assert len(created["SaleOrderDate"]) == 10  # yyyy-MM-dd in this newer event
    assert one("Sale/QuoteAuthorised") == {
        "SaleID": upper,
        "SaleOrderNumber": number,
        "EventType": "Sale/QuoteAuthorised",
    }
    assert one("Sale/Backordered")["SaleID"] == backordered.upper()
    for kind in ("Sale/PickAuthorised", "Sale/PackAuthorised"):
        assert one(kind) == {"SaleID": upper, "SaleOrderNumber": number, "TaskID": upper, **people, "EventType": kind}
    tenant = one("Sale/ShipmentAuthorised")["TenantID"]
    assert tenant == tenant.upper() and len(tenant) == 36
    assert one("Sale/ShipmentAuthorised") == {
        "SaleTaskID": upper,
        "TenantID": tenant,
        "OrderNumber": number,
        **people,
        "EventType": "Sale/ShipmentAuthorised",
    }
    assert one("Sale/InvoiceAuthorised") == {
        "SaleTaskID": upper,
        "TenantID": tenant,
        "OrderNumber": number,
        "InvoiceNumber": invoice["InvoiceNumber"],
        **people,
        "EventType": "Sale/InvoiceAuthorised",
    }
    document = {
        "SaleID": lower,
        "DocumentNumber": invoice["InvoiceNumber"],
        "DocumentType": "invoice",
        "DocumentDate": "01/05/2024",
        **people,
    }
    assert one("Sale/PartialPaymentReceived") == {
        **document,
        "AmountPercent": "67.11",
        "EventType": "Sale/PartialPaymentReceived",
    }
    assert one("Sale/FullPaymentReceived") == {**document, "EventType": "Sale/FullPaymentReceived"}
    credit = one("Sale/CreditNoteAuthorised")
    assert credit["CreditNoteNumber"].endswith(" ")  # as in the blueprint's example
    assert list(credit) == [
        "SaleID",
        "SaleOrderNumber",
        "CreditNoteNumber",
        "TaskID",
        "CustomerName",
        "CustomerContactName",
        "CustomerContactEmail",
        "EventType",
    ]
    assert list(one("Sale/Voided")) == [
        "SaleID",
        "SaleOrderNumber",
        "EventType",
        "CustomerName",
        "CustomerContactName",
        "CustomerContactEmail",
    ]
    assert list(one("Sale/Undo")) == [
        "SaleID",
        "SaleOrderNumber",
        "CustomerContactName",
        "CustomerContactEmail",
        "EventType",
    ]
    updated = one("Customer/Updated")
    assert (updated["NumberOfCustomers"], updated["EventType"]) == (1, "Customer/Updated")
    details = updated["CustomerDetailsList"][0]
    assert details["Customer"]["Name"] == "Jo Citizen"
    assert details["Contacts"][0]["CustomerID"] == details["Customer"]["ID"]


def test_stock_level_changes_arrive_as_an_array(cin7: Cin7, receiver: Receiver) -> None:
    _hook(cin7, "Stock/AvailableStockLevelChanged", receiver.url)
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("VASE-CER-MATTE", 1, "79.00"), line("SHIPPING", 1, "9.95")]))
    [delivery] = receiver.wait(1)
    rows = delivery.body
    assert isinstance(rows, list)
    assert [(r["SKU"], r["Location"]) for r in rows] == [
        ("VASE-CER-MATTE", "Main Warehouse"),
        ("VASE-CER-MATTE", "Sydney Store"),
    ]
    main = rows[0]
    assert (main["OnHand"], main["Allocated"], main["Available"], main["MaxRows"], main["Category"]) == (
        1,
        1,
        0,
        2,
        "Homewares",
    )
    assert set(main) == {
        "ID",
        "SKU",
        "Name",
        "Barcode",
        "Location",
        "Bin",
        "Batch",
        "ExpiryDate",
        "Category",
        "OnHand",
        "Allocated",
        "Available",
        "OnOrder",
        "StockOnHand",
        "MaxRows",
    }


def test_retries_follow_the_schedule_then_the_webhook_is_silently_deactivated(
    make_cin7: Callable[..., Cin7], receiver: Receiver
) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=0.0, webhook_retry_delays_seconds=[0.1, 0.1, 0.2, 0.2, 0.3])
    hook = _hook(cin7, "Sale/Created", receiver.url)
    receiver.statuses = [500, 404, 503, 302, 400, 500]
    cin7.new_sale()
    attempts = wait_for(
        lambda: (lambda a: a if len(a) == 6 else None)(cin7.deliveries()["deliveries"]), what="6 attempts"
    )
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert [a["status_code"] for a in attempts] == [500, 404, 503, 302, 400, 500]
    assert not any(a["delivered"] for a in attempts)
    wait_for(lambda: not cin7.ok(cin7.get("webhooks"))["Webhooks"][0]["IsActive"], what="deactivation")
    assert cin7.deliveries()["pending"] == []
    cin7.new_sale()  # an inactive webhook is not offered the event
    time.sleep(0.3)
    assert len(receiver.requests) == 6
    # PUT with IsActive true re-activates it.
    cin7.ok(
        cin7.put(
            "webhooks",
            {
                "ID": hook["ID"],
                "Type": "Sale/Created",
                "IsActive": True,
                "ExternalURL": receiver.url,
                "ExternalAuthorizationType": "noauth",
            },
        )
    )
    cin7.new_sale()
    assert receiver.wait(7)[-1].body["EventType"] == "Sale/Created"


def test_retry_delays_are_measured_from_the_previous_attempt(
    make_cin7: Callable[..., Cin7], receiver: Receiver
) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=0.0, webhook_retry_delays_seconds=[0.4])
    _hook(cin7, "Sale/Created", receiver.url)
    receiver.statuses = [500]
    started = time.monotonic()
    cin7.new_sale()
    receiver.wait(2)
    assert time.monotonic() - started >= 0.4
    attempts = wait_for(
        lambda: (lambda a: a if len(a) == 2 else None)(cin7.deliveries()["deliveries"]), what="2 attempts"
    )
    assert [(a["attempt"], a["delivered"]) for a in attempts] == [(1, False), (2, True)]
    assert cin7.ok(cin7.get("webhooks"))["Webhooks"][0]["IsActive"] is True


def test_timeouts_and_connection_errors_are_failures(make_cin7: Callable[..., Cin7], receiver: Receiver) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=0.0, webhook_retry_delays_seconds=[], webhook_timeout_seconds=0.2)
    receiver.delay_seconds = 0.5
    _hook(cin7, "Sale/Created", receiver.url)
    _hook(cin7, "Sale/Created", f"http://127.0.0.1:{free_port()}/nobody-listens")
    cin7.new_sale()
    attempts = wait_for(
        lambda: (lambda a: a if len(a) == 2 else None)(cin7.deliveries()["deliveries"]), what="2 attempts"
    )
    errors = sorted(a["error"].split(":")[0] for a in attempts)
    assert errors == ["ConnectionError", "ReadTimeout"]
    assert all(a["status_code"] is None for a in attempts)
    hooks = wait_for(
        lambda: (lambda h: h if not any(x["IsActive"] for x in h) else None)(cin7.ok(cin7.get("webhooks"))["Webhooks"]),
        what="deactivation",
    )
    assert len(hooks) == 2  # a single attempt configured: both deactivated


def test_deliveries_to_one_webhook_stay_in_order(make_cin7: Callable[..., Cin7], receiver: Receiver) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=0.0, webhook_retry_delays_seconds=[0.3])
    _hook(cin7, "Sale/Created", receiver.url)
    receiver.statuses = [500]
    first = cin7.new_sale()["ID"].upper()
    second = cin7.new_sale()["ID"].upper()
    received = receiver.wait(3)
    assert [r.body["SaleID"] for r in received] == [first, first, second]


def test_the_first_delay_follows_the_sandbox_clock(make_cin7: Callable[..., Cin7], receiver: Receiver) -> None:
    cin7 = make_cin7()  # the real first delay: about a minute
    _hook(cin7, "Sale/Created", receiver.url)
    cin7.new_sale()
    time.sleep(0.3)
    assert receiver.requests == []
    [pending] = cin7.deliveries()["pending"]
    assert (pending["type"], pending["next_attempt"]) == ("Sale/Created", 1)
    cin7.advance(61)
    receiver.wait(1)


def test_flush_delivers_everything_due_now(make_cin7: Callable[..., Cin7], receiver: Receiver) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=3600.0)
    _hook(cin7, "Sale/Created", receiver.url)
    _hook(cin7, "Sale/OrderAuthorised", receiver.url)
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    assert len(cin7.deliveries()["pending"]) == 2
    assert cin7.flush() == {"attempted": 2, "delivered": 2, "failed": 0}
    assert sorted(r.body["EventType"] for r in receiver.requests) == ["Sale/Created", "Sale/OrderAuthorised"]
    assert cin7.deliveries()["pending"] == []
    receiver.statuses = [500]
    cin7.new_sale()
    assert cin7.flush() == {"attempted": 1, "delivered": 0, "failed": 1}
    [retry] = cin7.deliveries()["pending"]
    assert retry["next_attempt"] == 2  # the retry keeps its schedule
    assert cin7.flush() == {"attempted": 1, "delivered": 1, "failed": 0}


def test_reset_cancels_pending_deliveries(make_cin7: Callable[..., Cin7], receiver: Receiver) -> None:
    cin7 = make_cin7(webhook_first_delay_seconds=1.0)
    _hook(cin7, "Sale/Created", receiver.url)
    cin7.new_sale()
    assert len(cin7.deliveries()["pending"]) == 1
    assert cin7.sandbox("POST", "reset").status_code == 204
    assert cin7.deliveries() == {"deliveries": [], "pending": []}
    time.sleep(1.3)  # past the first delay: the cancelled delivery never goes out
    assert receiver.requests == []
    assert cin7.flush() == {"attempted": 0, "delivered": 0, "failed": 0}
    assert cin7.ok(cin7.get("webhooks")) == {"Webhooks": []}
    # The next event after a reset starts the delivery thread again.
    _hook(cin7, "Sale/Created", receiver.url)
    cin7.new_sale()
    receiver.wait(1)


def test_a_delivery_that_can_not_even_be_sent_is_a_failed_attempt(cin7: Cin7, receiver: Receiver) -> None:
    # A header value outside Latin-1 fails inside http.client: the scheduler must survive it.
    _hook(cin7, "Sale/Created", receiver.url, ExternalHeaders=[{"Key": "X-Currency", "Value": "€"}])
    _hook(cin7, "Sale/Created", receiver.url)
    cin7.new_sale()
    receiver.wait(1)
    attempts = wait_for(
        lambda: (lambda a: a if len(a) == 2 else None)(cin7.deliveries()["deliveries"]), what="2 attempts"
    )
    assert sorted(a["delivered"] for a in attempts) == [False, True]
    assert any((a["error"] or "").startswith("UnicodeEncodeError") for a in attempts)
