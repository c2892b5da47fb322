"""Transport: credentials, endpoint names, verbs, pagination, bodies (cin7.md A1, A3, A4)."""

from __future__ import annotations

import requests

from tests.sandbox_cin7.conftest import AUTH, Cin7, error_text


def test_missing_or_wrong_credentials_are_403_incorrect_credentials(cin7: Cin7) -> None:
    url = f"{cin7.api}/me"
    assert requests.get(url, timeout=5).status_code == 403
    wrong = requests.get(url, headers={**AUTH, "api-auth-applicationkey": "nope"}, timeout=5)
    assert wrong.status_code == 403
    assert wrong.text == "Incorrect credentials!"
    other_account = requests.get(url, headers={**AUTH, "api-auth-accountid": "other"}, timeout=5)
    assert other_account.status_code == 403


def test_endpoint_names_are_case_insensitive_and_singular(cin7: Cin7) -> None:
    for path in ("ExternalApi/v2/saleList", "externalapi/v2/SaleList", "EXTERNALAPI/V2/salelist/"):
        assert cin7.http.get(f"{cin7.base}/{path}", timeout=5).status_code == 200, path
    missing = cin7.get("Products")
    assert missing.status_code == 404
    assert missing.json() == {"ErrorCode": 404, "Exception": "No such endpoint: /ExternalApi/v2/Products"}
    assert cin7.http.get(f"{cin7.base}/api/v1/SalesOrders", timeout=5).status_code == 404


def test_an_unsupported_verb_is_405_with_the_error_model(cin7: Cin7) -> None:
    response = cin7.delete("saleList")
    assert response.status_code == 405
    assert response.json()["ErrorCode"] == 405


def test_pagination_defaults_bounds_and_parameter_case(cin7: Cin7) -> None:
    body = cin7.ok(cin7.get("product"))
    assert body["Page"] == 1
    assert body["Total"] == len(body["Products"]) >= 24
    first = cin7.ok(cin7.get("product", page=2, limit=5))
    second = cin7.ok(cin7.get("product", Page=2, Limit=5))
    assert first == second
    assert first["Page"] == 2
    assert len(first["Products"]) == 5
    assert first["Products"][0]["SKU"] == body["Products"][5]["SKU"]
    beyond = cin7.ok(cin7.get("product", Page=99))
    assert beyond["Products"] == []
    assert beyond["Total"] == body["Total"]
    for bad in ({"Limit": 0}, {"Limit": 1001}, {"Page": 0}, {"Limit": "ten"}):
        response = cin7.get("product", **bad)
        assert response.status_code == 400, bad
        assert isinstance(response.json(), list)
    assert cin7.get("product", Limit=1000).status_code == 200


def test_unparseable_body_is_a_500_and_an_empty_or_non_object_body_a_400(cin7: Cin7) -> None:
    garbage = cin7.http.post(f"{cin7.api}/sale", data="{not json", timeout=5)
    assert garbage.status_code == 500
    assert garbage.json()[0]["ErrorCode"] == 500
    empty = cin7.http.post(f"{cin7.api}/sale", data="", timeout=5)
    assert empty.status_code == 400
    array = cin7.post("sale", [1, 2])
    assert array.status_code == 400
    assert error_text(array) == "The request body must be a JSON object."


def test_the_blueprints_own_example_syntax_is_accepted(cin7: Cin7) -> None:
    # cin7.md A7/D2: trailing commas, string booleans and (in the credit-note example) bare keys.
    raw = '{Customer: "Web Sales", "Location": "Main Warehouse", "SkipQuote": "true", "TaxInclusive": "false",}'
    response = cin7.http.post(f"{cin7.api}/sale", data=raw, headers={"Content-Type": "application/json"}, timeout=5)
    body = cin7.ok(response)
    assert body["SkipQuote"] is True
    assert body["TaxCalculation"] == "Exclusive"


def test_json_property_names_are_matched_case_insensitively(cin7: Cin7) -> None:
    body = cin7.ok(cin7.post("sale", {"customer": "Web Sales", "location": "Sydney Store", "skipQuote": True}))
    assert body["Location"] == "Sydney Store"
    assert body["SkipQuote"] is True


def test_sandbox_endpoints_need_no_credentials(cin7: Cin7) -> None:
    for path in ("config", "clock", "webhook-deliveries", "requests", "faults"):
        assert requests.get(f"{cin7.base}/_sandbox/{path}", timeout=5).status_code == 200, path
