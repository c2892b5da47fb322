"""Authentication, headers and the protocol-level errors every endpoint shares (afterpay.md §1, §2, §6)."""

from __future__ import annotations

import re

import requests

from .conftest import Sandbox, assert_error, money


def test_ping_is_public_plain_text(sandbox: Sandbox) -> None:
    response = requests.get(sandbox.url + "/ping", timeout=10)
    assert response.status_code == 200
    assert response.text == "pong"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_every_v2_endpoint_needs_basic_auth(sandbox: Sandbox) -> None:
    calls = [
        ("GET", "/v2/configuration"),
        ("POST", "/v2/checkouts"),
        ("GET", "/v2/checkouts/002.x"),
        ("POST", "/v2/payments/capture"),
        ("POST", "/v2/payments/auth"),
        ("GET", "/v2/payments"),
        ("GET", "/v2/payments/400000000001"),
        ("GET", "/v2/payments/token:002.x"),
        ("PUT", "/v2/payments/400000000001"),
        ("PUT", "/v2/payments/400000000001/courier"),
        ("POST", "/v2/payments/400000000001/capture"),
        ("POST", "/v2/payments/400000000001/void"),
        ("POST", "/v2/payments/400000000001/refund"),
        ("POST", "/v2/payments/token:002.x/reversal"),
        ("GET", "/v2/disputes"),
        ("GET", "/v2/disputes/dp_x"),
        ("POST", "/v2/disputes/dp_x/accept"),
    ]
    for method, path in calls:
        anonymous = requests.request(method, sandbox.url + path, json={}, timeout=10)
        assert_error(anonymous, 401, "unauthorized", "Credentials are required to access this resource.")
        wrong = requests.request(method, sandbox.url + path, json={}, auth=("demo-merchant", "nope"), timeout=10)
        assert_error(wrong, 401, "unauthorized")


def test_bearer_tokens_are_not_accepted(sandbox: Sandbox) -> None:
    response = requests.get(sandbox.url + "/v2/configuration", headers={"Authorization": "Bearer abc"}, timeout=10)
    assert_error(response, 401, "unauthorized")


def test_credentials_follow_the_config(sandbox: Sandbox) -> None:
    sandbox.configure(merchant_id="600032000", secret_key="s3cret")
    assert sandbox.get("/v2/configuration").status_code == 401
    response = requests.get(sandbox.url + "/v2/configuration", auth=("600032000", "s3cret"), timeout=10)
    assert response.status_code == 200


def test_every_response_carries_a_correlation_id(sandbox: Sandbox) -> None:
    shape = re.compile(r"[a-z2-7]{26}")
    seen = set()
    for response in (
        requests.get(sandbox.url + "/ping", timeout=10),
        sandbox.get("/v2/configuration"),
        sandbox.get("/v2/payments/1"),
        requests.get(sandbox.url + "/v2/configuration", timeout=10),
    ):
        value = response.headers["HTTP_CORRELATION_ID"]
        assert shape.fullmatch(value), value
        seen.add(value)
    assert len(seen) == 4


def test_bodies_are_printed_like_jackson(sandbox: Sandbox) -> None:
    payment = sandbox.authorised()
    text = sandbox.get(f"/v2/payments/{payment['id']}").text
    assert text.startswith('{\n  "id" : "')
    assert '"refunds" : [ ],' in text
    assert '"courier" : { },' in text
    assert '"events" : [ {\n    "id" : ' in text
    assert text.endswith("  } ]\n}")


def test_unknown_route_is_not_found(sandbox: Sandbox) -> None:
    assert_error(sandbox.get("/v2/nothing-here"), 404, "not_found")


def test_wrong_method_is_method_not_allowed(sandbox: Sandbox) -> None:
    assert_error(sandbox.http.delete(sandbox.url + "/v2/configuration", timeout=10), 405, "method_not_allowed")
    assert_error(sandbox.http.patch(sandbox.url + "/v2/payments/auth", json={}, timeout=10), 405, "method_not_allowed")


def test_post_needs_json_content_type(sandbox: Sandbox) -> None:
    response = sandbox.http.post(sandbox.url + "/v2/checkouts", data="amount=1", timeout=10)
    assert_error(response, 415, "error")
    response = sandbox.http.post(
        sandbox.url + "/v2/payments/1/void", timeout=10, headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415, "error")


def test_malformed_json_is_invalid_json(sandbox: Sandbox) -> None:
    headers = {"Content-Type": "application/json"}
    response = sandbox.http.post(sandbox.url + "/v2/checkouts", data="{not json", headers=headers, timeout=10)
    assert_error(response, 400, "invalid_json")
    response = sandbox.http.post(sandbox.url + "/v2/checkouts", data="[1, 2]", headers=headers, timeout=10)
    assert_error(response, 400, "invalid_json")


def test_missing_body_is_a_500_as_documented(sandbox: Sandbox) -> None:
    # afterpay.md §6: 500 `error`, "often caused by a missing or empty request body".
    assert_error(sandbox.post("/v2/checkouts"), 500, "error", "An error occurred processing your request")


def test_unacceptable_accept_header_is_406(sandbox: Sandbox) -> None:
    response = sandbox.get("/v2/configuration", headers={"Accept": "text/html"})
    assert_error(response, 406, "error")
    assert sandbox.get("/v2/configuration", headers={"Accept": "*/*"}).status_code == 200
    assert sandbox.get("/v2/configuration", headers={"Accept": "application/json"}).status_code == 200


def test_null_optional_fields_count_as_absent(sandbox: Sandbox) -> None:
    # Real clients send {"requestId": null, "merchantReference": null} (afterpay.md [VCR]).
    token = sandbox.checkout()
    response = sandbox.post("/v2/payments/auth", {"requestId": None, "token": token, "merchantReference": None})
    assert response.status_code == 201
    payment = response.json()
    refund = sandbox.post(
        f"/v2/payments/{payment['id']}/capture",
        {"requestId": None, "amount": money("30.00"), "merchantReference": None},
    )
    assert refund.status_code == 201
