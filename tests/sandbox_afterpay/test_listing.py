"""GET /v2/payments: filters, ordering, offset and cursor pagination, limits, search lag
(afterpay.md §2 Pagination, §3.2 List payments, E5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money


def seed_five(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Five payments on consecutive days of 2024, with distinct amounts, references and emails."""
    rows = [
        ("2024-03-01T10:00:00.000Z", "30.00", "ref-c", "carol@example.com", "CAPTURED"),
        ("2024-03-02T10:00:00.000Z", "10.00", "ref-a", "eve@example.com", "AUTH_DECLINED"),
        ("2024-03-03T10:00:00.000Z", "50.00", "ref-e", "alice@example.com", "VOIDED"),
        ("2024-03-04T10:00:00.000Z", "20.00", "ref-b", "dave@example.com", "CAPTURED"),
        ("2024-03-05T10:00:00.000Z", "40.00", "ref-d", "bob@example.com", "CAPTURED"),
    ]
    return [
        sandbox.seed(
            created=created,
            originalAmount=money(amount),
            merchantReference=reference,
            orderDetails={"consumer": {"email": email}},
            paymentState=state,
        )
        for created, amount, reference, email, state in rows
    ]


def ids(body: dict[str, Any]) -> list[str]:
    return [p["id"] for p in body["results"]]


def test_default_is_newest_first_with_offset_shape(sandbox: Sandbox) -> None:
    payments = seed_five(sandbox)
    body = sandbox.get("/v2/payments").json()
    assert list(body) == ["totalResults", "offset", "limit", "results"]
    assert (body["totalResults"], body["offset"], body["limit"]) == (5, 0, 20)
    assert ids(body) == [p["id"] for p in reversed(payments)]
    assert body["results"][0] == sandbox.get(f"/v2/payments/{payments[-1]['id']}").json()


def test_repeated_key_filters(sandbox: Sandbox) -> None:
    p = seed_five(sandbox)
    assert set(ids(sandbox.get("/v2/payments", params=[("ids", p[0]["id"]), ("ids", p[2]["id"])]).json())) == {
        p[0]["id"],
        p[2]["id"],
    }
    assert ids(sandbox.get("/v2/payments", params={"tokens": p[1]["token"]}).json()) == [p[1]["id"]]
    by_reference = sandbox.get(
        "/v2/payments", params=[("merchantReferences", "ref-a"), ("merchantReferences", "ref-b")]
    )
    assert set(ids(by_reference.json())) == {p[1]["id"], p[3]["id"]}
    declined = sandbox.get("/v2/payments", params={"statuses": "DECLINED"}).json()
    assert ids(declined) == [p[1]["id"]]
    approved = sandbox.get("/v2/payments", params={"statuses": "approved"}).json()  # case as the PHP SDK sends it
    assert approved["totalResults"] == 4
    both = sandbox.get("/v2/payments", params=[("statuses", "APPROVED"), ("ids", p[1]["id"])]).json()
    assert both["totalResults"] == 0


def test_created_date_range_is_inclusive_and_accepts_offsets(sandbox: Sandbox) -> None:
    p = seed_five(sandbox)
    body = sandbox.get(
        "/v2/payments", params={"fromCreatedDate": "2024-03-02T10:00:00Z", "toCreatedDate": "2024-03-04T10:00:00.000Z"}
    ).json()
    assert ids(body) == [p[3]["id"], p[2]["id"], p[1]["id"]]
    # 20:00+10:00 is 10:00Z: the `+` must be URL-encoded, which params= does.
    offset = sandbox.get("/v2/payments", params={"fromCreatedDate": "2024-03-05T20:00:00+10:00"}).json()
    assert ids(offset) == [p[4]["id"]]
    date_only = sandbox.get("/v2/payments", params={"toCreatedDate": "2024-03-02"}).json()
    assert ids(date_only) == [p[0]["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"fromCreatedDate": "yesterday"},
        {"toCreatedDate": "2024-13-45T00:00:00Z"},
        {"ids": "1,2"},
        {"statuses": "APPROVED,DECLINED"},
        {"ids[]": "1"},
    ],
)
def test_malformed_parameters_are_500_as_recorded(sandbox: Sandbox, params: dict[str, str]) -> None:
    assert_error(sandbox.get("/v2/payments", params=params), 500, "error")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "251"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"orderBy": "amount"},
        {"ascending": "yes"},
        {"statuses": "CAPTURED"},
    ],
)
def test_bad_paging_and_ordering_are_422_error(sandbox: Sandbox, params: dict[str, str]) -> None:
    assert_error(sandbox.get("/v2/payments", params=params), 422, "error")


def test_limit_bounds_accept_1_and_250(sandbox: Sandbox) -> None:
    seed_five(sandbox)
    assert len(sandbox.get("/v2/payments", params={"limit": "1"}).json()["results"]) == 1
    assert sandbox.get("/v2/payments", params={"limit": "250"}).json()["limit"] == 250


@pytest.mark.parametrize(
    ("order_by", "ascending_order"),
    [
        ("createdAt", [0, 1, 2, 3, 4]),
        ("totalAmount", [1, 3, 0, 4, 2]),
        ("merchantReference", [1, 3, 0, 4, 2]),
        ("email", [2, 4, 0, 3, 1]),
    ],
)
def test_order_by(sandbox: Sandbox, order_by: str, ascending_order: list[int]) -> None:
    p = seed_five(sandbox)
    up = sandbox.get("/v2/payments", params={"orderBy": order_by, "ascending": "true"}).json()
    assert ids(up) == [p[i]["id"] for i in ascending_order]
    down = sandbox.get("/v2/payments", params={"orderBy": order_by, "ascending": "false"}).json()
    assert ids(down) == [p[i]["id"] for i in reversed(ascending_order)]


def test_order_by_id(sandbox: Sandbox) -> None:
    p = seed_five(sandbox)
    expected = sorted((x["id"] for x in p), key=int)
    assert ids(sandbox.get("/v2/payments", params={"orderBy": "id", "ascending": "true"}).json()) == expected


def test_offset_paging(sandbox: Sandbox) -> None:
    p = seed_five(sandbox)
    pages = [
        ids(sandbox.get("/v2/payments", params={"limit": 2, "offset": offset, "ascending": "true"}).json())
        for offset in (0, 2, 4, 6)
    ]
    assert pages == [[p[0]["id"], p[1]["id"]], [p[2]["id"], p[3]["id"]], [p[4]["id"]], []]


def test_cursor_paging_follows_next_page_url(sandbox: Sandbox) -> None:
    p = seed_five(sandbox)
    first = sandbox.get(
        "/v2/payments", params={"includeNextLink": "true", "limit": 2, "ascending": "true", "statuses": "APPROVED"}
    ).json()
    assert list(first) == ["totalResults", "limit", "nextPageUrl", "results"]  # no offset (E5)
    assert first["totalResults"] == 4
    seen = ids(first)
    url = first["nextPageUrl"]
    assert url.startswith(sandbox.url + "/v2/payments?")
    assert "cursor" in parse_qs(urlsplit(url).query)
    # A payment created between pages does not shift them.
    sandbox.seed(created="2024-03-01T09:00:00.000Z", originalAmount=money("5.00"))
    while url:
        page = sandbox.http.get(url, timeout=10).json()
        seen += ids(page)
        url = page["nextPageUrl"]
    assert seen == [p[0]["id"], p[2]["id"], p[3]["id"], p[4]["id"]]


def test_cursor_last_page_and_bad_cursor(sandbox: Sandbox) -> None:
    seed_five(sandbox)
    everything = sandbox.get("/v2/payments", params={"includeNextLink": "true", "limit": 5}).json()
    assert everything["nextPageUrl"] == ""
    assert_error(sandbox.get("/v2/payments", params={"cursor": "garbage"}), 422, "error")


def test_search_index_lag_hides_new_payments(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(search_index_lag_ms=1000))
    payment = sandbox.authorised("20.00")
    assert_error(sandbox.get(f"/v2/payments/{payment['id']}"), 404, "not_found")
    assert_error(sandbox.get(f"/v2/payments/token:{payment['token']}"), 404, "not_found")
    assert sandbox.get("/v2/payments").json()["totalResults"] == 0
    # The order store is not the search index: writes work at once.
    assert sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("5.00")}).status_code == 201
    seeded = sandbox.seed(originalAmount=money("9.00"))
    assert sandbox.get(f"/v2/payments/{seeded['id']}").status_code == 200  # seeds skip the lag
    time.sleep(1.05)
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("15.00")
    assert sandbox.get("/v2/payments").json()["totalResults"] == 2


def test_list_needs_auth_and_get(sandbox: Sandbox) -> None:
    assert requests.get(sandbox.url + "/v2/payments", timeout=10).status_code == 401
    assert sandbox.http.delete(sandbox.url + "/v2/payments", timeout=10).status_code == 405
