"""POST /_sandbox/payments: payments in any state, generated consistently, checked when given."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, money

# afterpay.md E1 and E2, verbatim.
E1: dict[str, Any] = {
    "id": "400123851542",
    "token": "003.gb393bn1r2v3a0kotv4mlhgof8d5ondm01ldj793gneduppe",
    "status": "APPROVED",
    "created": "2020-04-09T15:26:53.140Z",
    "originalAmount": {"amount": "30.00", "currency": "GBP"},
    "openToCaptureAmount": {"amount": "0.00", "currency": "GBP"},
    "paymentState": "CAPTURED",
    "merchantReference": "ref-5e8f3ea1a27c0",
    "refunds": [],
    "orderDetails": {
        "consumer": {
            "phoneNumber": "07123123456",
            "givenNames": "Testy",
            "surname": "Testerson",
            "email": "name@example.com",
        },
        "courier": {},
        "items": [],
        "discounts": [],
    },
    "events": [
        {
            "id": "1aJG2lUme9AEyz12sN3zhpnrDqU",
            "created": "2020-04-09T15:27:57.308Z",
            "expires": "2020-04-11T03:27:57.308Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aJGmEpQdiZGRX4tfpxernxRoLd",
            "created": "2020-04-09T15:33:59.338Z",
            "expires": None,
            "type": "CAPTURED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
    ],
}
E2: dict[str, Any] = {
    "id": "400123851519",
    "token": "003.gdekaou4h9e4nnkf1ejjip26ghmi9aeflhchg7oi9nddc771",
    "status": "APPROVED",
    "created": "2020-04-08T09:44:33.231Z",
    "originalAmount": {"amount": "30.00", "currency": "GBP"},
    "openToCaptureAmount": {"amount": "0.00", "currency": "GBP"},
    "paymentState": "CAPTURED",
    "merchantReference": "ref-5e8d9ce279fdd",
    "refunds": [
        {"amount": {"amount": "20.00", "currency": "GBP"}, "refundId": "3221", "refundedAt": "2020-04-08T13:37:46.639Z"}
    ],
    "orderDetails": {
        "consumer": {
            "phoneNumber": "07855782357",
            "givenNames": "Testy",
            "surname": "Testerson",
            "email": "bmcmanus+clearpay-customer@inviqa.com",
        },
        "courier": {},
        "items": [],
        "discounts": [],
    },
    "events": [
        {
            "id": "1aFls8coGVgpTC9QvrK6mpnjaH8",
            "created": "2020-04-08T09:50:26.135Z",
            "expires": "2020-04-09T21:50:26.135Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aGDMrB7wL2rrc27joIIcNdEFRV",
            "created": "2020-04-08T13:36:31.139Z",
            "expires": None,
            "type": "CAPTURED",
            "amount": {"amount": "10.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aGDWRxyqHMzEnBtfLwA0XBAwYQ",
            "created": "2020-04-08T13:37:47.222Z",
            "expires": None,
            "type": "VOIDED",
            "amount": {"amount": "20.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
    ],
}


@pytest.fixture
def gbp(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox(AfterpaySandboxConfig(currency="GBP", country_code="GB"))


def seed_raw(sandbox: Sandbox, body: Any) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/payments", json=body, timeout=10)


@pytest.mark.parametrize("example", [E1, E2], ids=["E1", "E2"])
def test_recorded_payments_round_trip_exactly(gbp: Sandbox, example: dict[str, Any]) -> None:
    created = gbp.seed(**copy.deepcopy(example))
    assert created == example
    assert gbp.get(f"/v2/payments/{example['id']}").json() == example
    assert gbp.get(f"/v2/payments/token:{example['token']}").json() == example


def test_defaults_make_a_captured_payment(sandbox: Sandbox) -> None:
    payment = sandbox.seed(originalAmount=money("25.00"))
    assert re.fullmatch(r"\d{12}", payment["id"]) and re.fullmatch(r"002\.[0-9a-z]{48}", payment["token"])
    assert (payment["status"], payment["paymentState"], payment["openToCaptureAmount"]) == (
        "APPROVED",
        "CAPTURED",
        money("0.00"),
    )
    assert [e["type"] for e in payment["events"]] == ["AUTH_APPROVED", "CAPTURED"]
    assert payment["orderDetails"]["consumer"]["email"] == "consumer@example.com"
    assert "merchantReference" not in payment


@pytest.mark.parametrize(
    ("extra", "state", "open_amount", "events", "refunds"),
    [
        ({"paymentState": "AUTH_APPROVED"}, "AUTH_APPROVED", "40.00", ["AUTH_APPROVED"], []),
        (
            {"paymentState": "AUTH_APPROVED", "voidedAmount": money("5.00")},
            "AUTH_APPROVED",
            "35.00",
            ["AUTH_APPROVED", "VOIDED"],
            ["5.00"],
        ),
        ({"paymentState": "PARTIALLY_CAPTURED"}, "PARTIALLY_CAPTURED", "20.00", ["AUTH_APPROVED", "CAPTURED"], []),
        (
            {"paymentState": "PARTIALLY_CAPTURED", "capturedAmount": money("15.00")},
            "PARTIALLY_CAPTURED",
            "25.00",
            ["AUTH_APPROVED", "CAPTURED"],
            [],
        ),
        (
            {"paymentState": "CAPTURED", "capturedAmount": money("10.00")},
            "CAPTURED",
            "0.00",
            ["AUTH_APPROVED", "CAPTURED", "VOIDED"],
            ["30.00"],
        ),
        ({"paymentState": "VOIDED"}, "VOIDED", "0.00", ["AUTH_APPROVED", "VOIDED"], ["40.00"]),
        ({"paymentState": "EXPIRED"}, "EXPIRED", "0.00", ["AUTH_APPROVED", "EXPIRED"], []),
        ({"paymentState": "AUTH_DECLINED"}, "AUTH_DECLINED", "0.00", ["AUTH_DECLINED"], []),
        ({"paymentState": "CAPTURE_DECLINED"}, "CAPTURE_DECLINED", "0.00", ["CAPTURE_DECLINED"], []),
    ],
)
def test_every_state_is_generated_consistently(
    sandbox: Sandbox, extra: dict[str, Any], state: str, open_amount: str, events: list[str], refunds: list[str]
) -> None:
    payment = sandbox.seed(originalAmount=money("40.00"), **extra)
    assert payment["paymentState"] == state
    assert payment["status"] == ("DECLINED" if "DECLINED" in state else "APPROVED")
    assert payment["openToCaptureAmount"] == money(open_amount)
    assert [e["type"] for e in payment["events"]] == events
    assert [r["amount"]["amount"] for r in payment["refunds"]] == refunds
    assert sandbox.get(f"/v2/payments/{payment['id']}").json() == payment


def test_seeded_auth_can_be_operated_on(sandbox: Sandbox) -> None:
    payment = sandbox.seed(originalAmount=money("40.00"), paymentState="PARTIALLY_CAPTURED")
    body = sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("20.00")}).json()
    assert body["paymentState"] == "CAPTURED"


def test_expired_seed_dates_its_auth_in_the_past(sandbox: Sandbox) -> None:
    payment = sandbox.seed(originalAmount=money("40.00"), paymentState="EXPIRED")
    auth, expired = payment["events"]
    assert auth["expires"] == expired["created"]
    assert datetime.fromisoformat(expired["created"]) < datetime.fromisoformat(
        requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()["now"]
    )


def test_past_created_for_backfill_and_refunds(sandbox: Sandbox) -> None:
    payment = sandbox.seed(
        originalAmount=money("80.00"),
        created="2024-06-01T08:00:00+10:00",
        merchantReference="shop-1001",
        refunds=[
            {"amount": money("10.00"), "merchantReference": "credit-1", "refundedAt": "2024-06-05T00:00:00Z"},
            {"amount": money("5.00")},
        ],
    )
    assert payment["created"] == "2024-05-31T22:00:00.000Z"
    assert [r["amount"]["amount"] for r in payment["refunds"]] == ["10.00", "5.00"]
    assert payment["refunds"][0]["merchantReference"] == "credit-1"
    assert payment["paymentState"] == "CAPTURED"


def test_events_can_be_given(sandbox: Sandbox) -> None:
    payment = sandbox.seed(
        originalAmount=money("50.00"),
        created="2024-01-01T00:00:00Z",
        events=[
            {"type": "AUTH_APPROVED", "amount": money("50.00"), "expires": "2024-01-14T00:00:00Z"},
            {"type": "CAPTURED", "amount": money("20.00"), "paymentEventMerchantReference": "ship-1"},
            {"type": "EXPIRED", "amount": money("30.00")},
        ],
    )
    assert payment["paymentState"] == "CAPTURED"  # expired_partial_capture_state default
    assert payment["events"][1]["paymentEventMerchantReference"] == "ship-1"
    assert payment["events"][2]["created"] == "2024-01-14T00:00:00.000Z"


def test_an_old_auth_without_state_expires_on_its_own(sandbox: Sandbox) -> None:
    payment = sandbox.seed(
        originalAmount=money("50.00"),
        created="2024-01-01T00:00:00Z",
        events=[{"type": "AUTH_APPROVED", "amount": money("50.00")}],
    )
    assert payment["paymentState"] == "EXPIRED"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "originalAmount may not be null"),
        ({"originalAmount": money("0.00")}, "originalAmount must be positive"),
        ({"originalAmount": money("10.00", "USD")}, "USD"),
        ({"originalAmount": money("10.00"), "paymentState": "REFUNDED"}, "paymentState must be one of"),
        ({"originalAmount": money("10.00"), "status": "DECLINED"}, "status 'DECLINED' contradicts"),
        ({"originalAmount": money("10.00"), "id": "abc"}, "id must be a numeric string"),
        ({"originalAmount": money("10.00"), "created": "2999-01-01T00:00:00Z"}, "created must not be in the future"),
        ({"originalAmount": money("10.00"), "created": "soon"}, "created is not an ISO 8601"),
        ({"originalAmount": money("10.00"), "openToCaptureAmount": money("5.00")}, "openToCaptureAmount 5.00"),
        (
            {"originalAmount": money("10.00"), "paymentState": "PARTIALLY_CAPTURED", "capturedAmount": money("10.00")},
            "PARTIALLY_CAPTURED payment needs",
        ),
        (
            {
                "originalAmount": money("10.00"),
                "paymentState": "CAPTURED",
                "capturedAmount": money("6.00"),
                "voidedAmount": money("6.00"),
            },
            "capturedAmount + voidedAmount = originalAmount",
        ),
        (
            {"originalAmount": money("10.00"), "paymentState": "VOIDED", "capturedAmount": money("1.00")},
            "no capturedAmount",
        ),
        (
            {"originalAmount": money("10.00"), "paymentState": "AUTH_APPROVED", "voidedAmount": money("10.00")},
            "keeps something open",
        ),
        (
            {"originalAmount": money("10.00"), "paymentState": "AUTH_DECLINED", "capturedAmount": money("1.00")},
            "nothing captured",
        ),
        (
            {"originalAmount": money("10.00"), "paymentState": "EXPIRED", "created": "2999-01-01T00:00:00Z"},
            "must not be in the future",
        ),
        (
            {"originalAmount": money("10.00"), "paymentState": "AUTH_APPROVED", "created": "2020-01-01T00:00:00Z"},
            "would be EXPIRED, not AUTH_APPROVED",
        ),
        ({"originalAmount": money("10.00"), "refunds": [{"amount": money("11.00")}]}, "exceeded refundable amount"),
        (
            {"originalAmount": money("10.00"), "paymentState": "AUTH_APPROVED", "refunds": [{"amount": money("1.00")}]},
            "no funds have been captured",
        ),
        (
            {"originalAmount": money("10.00"), "refunds": [{"amount": money("1.00"), "refundId": "R-1"}]},
            "refundId must be a numeric string",
        ),
        (
            {"originalAmount": money("10.00"), "events": [{"type": "CAPTURED", "amount": money("10.00")}]},
            "the first event",
        ),
        (
            {"originalAmount": money("10.00"), "events": [{"type": "AUTH_APPROVED", "amount": money("9.00")}]},
            "events[0].amount must equal originalAmount",
        ),
        (
            {
                "originalAmount": money("10.00"),
                "events": [
                    {"type": "AUTH_APPROVED", "amount": money("10.00")},
                    {"type": "CAPTURED", "amount": money("11.00")},
                ],
            },
            "exceeded open to capture amount",
        ),
        (
            {
                "originalAmount": money("10.00"),
                "events": [
                    {"type": "AUTH_APPROVED", "amount": money("10.00")},
                    {"type": "EXPIRED", "amount": money("10.00")},
                ],
            },
            "EXPIRED comes last, after the auth's expires",
        ),
        (
            {"originalAmount": money("10.00"), "events": [{"type": "PAID", "amount": money("10.00")}]},
            "events[0].type must be one of",
        ),
        (
            {
                "originalAmount": money("10.00"),
                "events": [{"type": "AUTH_APPROVED", "amount": money("10.00")}],
                "capturedAmount": money("1.00"),
            },
            "either events or capturedAmount",
        ),
        (
            {
                "originalAmount": money("10.00"),
                "paymentState": "CAPTURED",
                "events": [{"type": "AUTH_APPROVED", "amount": money("10.00")}],
            },
            "produce paymentState AUTH_APPROVED",
        ),
        (
            {"originalAmount": money("10.00"), "orderDetails": {"consumer": {"givenNames": "x"}}},
            "consumer.email may not be empty",
        ),
    ],
)
def test_inconsistent_input_is_rejected(sandbox: Sandbox, body: dict[str, Any], fragment: str) -> None:
    response = seed_raw(sandbox, body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"], response.json()["error"]


def test_duplicate_ids_and_tokens_are_rejected(sandbox: Sandbox) -> None:
    payment = sandbox.seed(originalAmount=money("10.00"), id="400000000123", token="002.mine")
    assert payment["id"] == "400000000123"
    again = seed_raw(sandbox, {"originalAmount": money("10.00"), "id": "400000000123"})
    assert "already exists" in again.json()["error"]
    token = seed_raw(sandbox, {"originalAmount": money("10.00"), "token": "002.mine"})
    assert "already used" in token.json()["error"]
    assert seed_raw(sandbox, []).status_code == 400


def test_seeded_created_feeds_the_list(sandbox: Sandbox) -> None:
    now = datetime.fromisoformat(requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()["now"])
    old = sandbox.seed(originalAmount=money("10.00"), created=(now - timedelta(days=30)).isoformat())
    sandbox.seed(originalAmount=money("10.00"))
    since = (now - timedelta(days=31)).isoformat()
    until = (now - timedelta(days=29)).isoformat()
    body = sandbox.get("/v2/payments", params={"fromCreatedDate": since, "toCreatedDate": until}).json()
    assert [p["id"] for p in body["results"]] == [old["id"]]


def test_expired_state_may_be_asked_for_an_old_auth(sandbox: Sandbox) -> None:
    payment = sandbox.seed(
        originalAmount=money("50.00"),
        created="2024-01-01T00:00:00Z",
        paymentState="EXPIRED",
        events=[{"type": "AUTH_APPROVED", "amount": money("50.00"), "expires": "2024-01-08T00:00:00Z"}],
    )
    assert [e["type"] for e in payment["events"]] == ["AUTH_APPROVED", "EXPIRED"]
    assert payment["events"][1]["created"] == "2024-01-08T00:00:00.000Z"


def test_a_refused_body_does_not_use_up_its_ids(sandbox: Sandbox) -> None:
    bad = {
        "originalAmount": money("10.00"),
        "id": "400000000777",
        "refunds": [{"amount": money("11.00"), "refundId": "777"}],
    }
    assert seed_raw(sandbox, bad).status_code == 400
    good = sandbox.seed(
        originalAmount=money("10.00"), id="400000000777", refunds=[{"amount": money("1.00"), "refundId": "777"}]
    )
    assert (good["id"], good["refunds"][0]["refundId"]) == ("400000000777", "777")
    reuse = seed_raw(
        sandbox, {"originalAmount": money("10.00"), "refunds": [{"amount": money("1.00"), "refundId": "777"}]}
    )
    assert "refundId 777 is already used" in reuse.json()["error"]
