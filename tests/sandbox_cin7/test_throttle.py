"""The 60-calls-per-minute limit and its three response styles (cin7.md A2)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.sandbox_cin7.conftest import AUTH, Cin7


def _burn(cin7: Cin7, calls: int) -> list[requests.Response]:
    return [cin7.get("me") for _ in range(calls)]


def test_503_is_the_documented_response(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=5)
    responses = _burn(cin7, 6)
    assert [r.status_code for r in responses] == [200] * 5 + [503]
    assert responses[-1].text == "You reached 5 calls per minute API limit"
    assert "Retry-After" not in responses[-1].headers


def test_429_carries_retry_after_until_a_slot_frees(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=3, throttle_response="429")
    _burn(cin7, 3)
    cin7.advance(20)
    throttled = cin7.get("me")
    assert throttled.status_code == 429
    assert 39 <= int(throttled.headers["Retry-After"]) <= 40
    cin7.configure(throttle_retry_after=False)
    assert "Retry-After" not in cin7.get("me").headers


def test_400_with_the_error_model_as_observed_live(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=2, throttle_response="400")
    responses = _burn(cin7, 3)
    assert responses[-1].status_code == 400
    assert responses[-1].json() == [
        {"ErrorCode": 400, "Exception": "You have reached 2 calls per 60 seconds API limit."}
    ]


def test_the_window_rolls_and_every_endpoint_and_verb_shares_it(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=4)
    assert cin7.get("me").status_code == 200
    assert cin7.get("saleList").status_code == 200
    assert cin7.post("customer", {}).status_code == 400  # a refused write still counts
    cin7.advance(30)
    assert cin7.get("Products").status_code == 404  # so does an unknown endpoint
    assert cin7.get("ref/tax").status_code == 503
    cin7.advance(31)  # the first three calls have left the window; the 404 and the 503 remain
    assert [r.status_code for r in _burn(cin7, 3)] == [200, 200, 503]


def test_a_throttled_call_does_nothing(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=1)
    assert cin7.get("me").status_code == 200
    assert cin7.post("sale", {"Customer": "Web Sales", "Location": "Main Warehouse"}).status_code == 503
    cin7.advance(61)
    assert cin7.ok(cin7.get("saleList"))["Total"] == 0


def test_refused_calls_can_be_left_out_of_the_window(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=2, throttle_counts_rejected=False)
    _burn(cin7, 2)
    cin7.advance(30)
    assert cin7.get("me").status_code == 503
    cin7.advance(31)
    assert cin7.get("me").status_code == 200
    assert cin7.get("me").status_code == 200


def test_sandbox_endpoints_and_bad_credentials_are_not_counted(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=2)
    for _ in range(5):
        assert cin7.sandbox("GET", "config").status_code == 200
        assert (
            requests.get(f"{cin7.api}/me", headers={**AUTH, "api-auth-applicationkey": "x"}, timeout=5).status_code
            == 403
        )
    assert [r.status_code for r in _burn(cin7, 3)] == [200, 200, 503]


def test_the_limit_is_per_application_key(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=1)
    assert cin7.get("me").status_code == 200
    assert cin7.get("me").status_code == 503
    cin7.configure(application_key="second-key")
    second = requests.get(f"{cin7.api}/me", headers={**AUTH, "api-auth-applicationkey": "second-key"}, timeout=5)
    assert second.status_code == 200
