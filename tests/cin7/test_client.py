"""The Cin7 client against the Cin7 Core simulator over real HTTP: the 4-write sale, lookups,
pages, every error class, throttles and cool-downs, and no blind retry of a write."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from typing import Any

import pytest
import redis

from app.cin7.client import Cin7Client
from app.cin7.errors import (
    Cin7AuthError,
    Cin7ConnectionError,
    Cin7Invalid,
    Cin7NotFound,
    Cin7RateLimited,
    Cin7ServerError,
)
from app.store.ratelimit import SharedRateLimiter
from app.upstream import RetryPolicy
from tests.processes import ROOT
from tests.sims import Cin7Sim

FAST_RETRY = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_elapsed=10)


def _client(cin7: Cin7Sim, **kwargs: Any) -> Cin7Client:
    options: dict[str, Any] = {"retry": FAST_RETRY, **kwargs}
    return Cin7Client(base_url=cin7.api, account_id="demo-account", application_key="demo-key", **options)


def _new_sale(client: Cin7Client, external_id: str) -> dict[str, Any]:
    return client.create_sale(
        {
            "Customer": "Web Sales",
            "ExternalID": external_id,
            "Location": "Main Warehouse",
            "SkipQuote": True,
            "TaxInclusive": True,
            "TaxRule": "GST on Income",
        }
    )


def _line(sku: str = "AFTERPAY-ORDER", price: str = "55.00", tax: str = "5.00") -> dict[str, Any]:
    return {"SKU": sku, "Name": "Afterpay order", "Quantity": 1, "Price": Decimal(price), "Discount": 0,
            "Tax": Decimal(tax), "TaxRule": "GST on Income", "Total": Decimal(price)}  # fmt: skip


def test_a_fully_paid_sale_takes_four_writes(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    sale = _new_sale(client, "400000000001")
    sale_id = sale["ID"]
    client.save_order({"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [_line()], "AdditionalCharges": []})
    client.save_invoice({"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED",
                         "InvoiceDate": "2026-11-28T03:14:09Z", "InvoiceDueDate": "2026-11-28T03:14:09Z"})  # fmt: skip
    client.add_payment({"TaskID": sale_id, "Type": "PAYMENT", "Amount": Decimal("55.00"), "DatePaid": "2026-11-28T03:14:09Z",
                        "Reference": "400000000001/ev1", "Account": "090", "CurrencyRate": 1})  # fmt: skip
    assert client.calls == 4
    (row,) = client.find_sales_by_external_id("400000000001")
    assert row["SaleID"] == sale_id and row["InvoiceAmount"] == 55 and row["PaidAmount"] == 55
    assert row["CombinedPaymentStatus"] == "PAID"
    full = client.get_sale(sale_id)
    assert full["ExternalID"] == "400000000001"
    assert [p["Reference"] for p in client.sale_payments(sale_id)] == ["400000000001/ev1"]


def test_external_id_lookup_is_exact(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    _new_sale(client, "400000000012")
    _new_sale(client, "4000000000123")
    assert [r["ExternalID"] for r in client.find_sales_by_external_id("400000000012")] == ["400000000012"]
    assert client.find_sales_by_external_id("40000000001") == []


def test_lists_are_paged_by_total(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    for i in range(5):
        _new_sale(client, f"40000000010{i}")
    pager = _client(cin7, page_size=2)
    assert len(list(pager.iter_sales())) == 5
    assert pager.calls == 3  # 2 + 2 + 1; the last page is never followed by an empty one


def test_customers_by_email_and_exact_name(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    created = client.create_customer({
        "Name": "Mia Nguyen", "Status": "Active", "Currency": "AUD", "PaymentTerm": "30 days", "AccountReceivable": "610",
        "RevenueAccount": "200", "TaxRule": "GST on Income",
        "Contacts": [{"Name": "Mia Nguyen", "Email": "Mia.Nguyen@example.com.au", "Default": True}],
    })  # fmt: skip
    assert [c["ID"] for c in client.find_customers_by_email("mia.nguyen@example.com.au")] == [created["ID"]]
    assert client.find_customers_by_email("mia@example.com.au") == []
    assert [c["Name"] for c in client.find_customers_by_name("Web Sales")] == ["Web Sales"]
    assert client.find_customers_by_name("Web") == []


def test_reference_data_and_products(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    assert {"GST on Income", "GST Free"} <= {t["Name"] for t in client.tax_rules()}
    assert "090" in {a["Code"] for a in client.accounts()}
    assert "Main Warehouse" in {loc["Name"] for loc in client.locations()}
    assert client.find_product_by_sku("AFTERPAY-ORDER") is not None
    assert client.find_product_by_sku("AFTERPAY") is None  # a prefix is not a match
    assert client.webhooks() == []


def test_wrong_credentials_are_an_auth_error(cin7: Cin7Sim) -> None:
    client = Cin7Client(base_url=cin7.api, account_id="demo-account", application_key="nope", retry=FAST_RETRY)
    with pytest.raises(Cin7AuthError) as caught:
        client.tax_rules()
    assert caught.value.status == 403 and client.calls == 1


def test_business_rule_refusals_are_invalid_and_not_retried(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    sale_id = _new_sale(client, "400000000021")["ID"]
    with pytest.raises(Cin7Invalid) as caught:
        client.save_invoice({"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED",
                             "InvoiceDate": "2026-11-28T03:14:09Z", "InvoiceDueDate": "2026-11-28T03:14:09Z"})  # fmt: skip
    assert caught.value.status == 400 and "order" in caught.value.message.lower()
    assert len(cin7.requests("sale/invoice")) == 1


def test_an_error_inside_a_200_is_still_an_error(cin7: Cin7Sim) -> None:
    cin7.configure(errors_in_200=True)
    client = _client(cin7)
    sale_id = _new_sale(client, "400000000022")["ID"]
    with pytest.raises(Cin7Invalid) as caught:
        client.save_invoice({"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED",
                             "InvoiceDate": "2026-11-28T03:14:09Z", "InvoiceDueDate": "2026-11-28T03:14:09Z"})  # fmt: skip
    assert caught.value.status == 200


def test_unknown_sale_is_not_found(cin7: Cin7Sim) -> None:
    with pytest.raises(Cin7NotFound):
        _client(cin7).get_sale("00000000-0000-0000-0000-00000000abcd")


@pytest.mark.parametrize("style", ["503", "429", "400"])
def test_each_throttle_style_is_recognised_and_retried(cin7: Cin7Sim, style: str, r: redis.Redis) -> None:
    cin7.configure(rate_limit_per_minute=2, throttle_response=style, throttle_retry_after=False)
    limiter = SharedRateLimiter(r, "t:cin7", 6000)
    client = _client(cin7, limiter=limiter)
    client.tax_rules()
    client.tax_rules()
    cin7.configure(rate_limit_per_minute=100_000)  # the window frees up: the retry succeeds
    started = time.monotonic()
    client.locations()  # no throttle: configure() reset the window's limit
    assert client.throttled == 0 and time.monotonic() - started < 2
    cin7.configure(rate_limit_per_minute=1)
    with pytest.raises(Cin7RateLimited) as caught:
        _client(cin7, retry=RetryPolicy(attempts=1)).tax_rules()
    assert caught.value.retryable and caught.value.status == int(style)


def test_a_throttle_cools_every_caller_down(cin7: Cin7Sim, r: redis.Redis) -> None:
    limiter = SharedRateLimiter(r, "t:cin7", 6000)
    client = _client(cin7, limiter=limiter)
    cin7.fault(method="GET", path="ref/tax", status=503, body="You reached 60 calls per minute API limit", count=1)
    started = time.monotonic()
    assert client.tax_rules()
    assert client.throttled == 1 and limiter.stats().cooldowns == 1
    assert time.monotonic() - started >= 4.5  # the 5 s cool-down Cin7's bare 503 implies


def test_reads_heal_from_5xx_and_resets(cin7: Cin7Sim) -> None:
    cin7.fault(method="GET", path="ref/location", status=500, count=1)
    cin7.fault(method="GET", path="ref/location", action="reset", count=1)
    client = _client(cin7)
    assert client.locations()
    assert client.calls == 3


def test_a_write_whose_answer_is_lost_is_not_repeated(cin7: Cin7Sim) -> None:
    cin7.fault(method="POST", path="/sale$", action="drop_response", count=1)
    client = _client(cin7)
    with pytest.raises(Cin7ConnectionError) as caught:
        _new_sale(client, "400000000031")
    assert caught.value.outcome_unknown and not caught.value.retryable
    assert client.calls == 1
    assert len(client.find_sales_by_external_id("400000000031")) == 1  # it happened: look before writing again


def test_a_5xx_on_a_write_leaves_the_outcome_unknown(cin7: Cin7Sim) -> None:
    cin7.fault(method="POST", path="/sale$", status=500, count=1)
    with pytest.raises(Cin7ServerError) as caught:
        _new_sale(_client(cin7), "400000000032")
    assert caught.value.outcome_unknown and not caught.value.retryable


def test_a_write_that_never_connected_is_retried(cin7: Cin7Sim) -> None:
    client = Cin7Client(
        base_url="http://127.0.0.1:9/ExternalApi/v2", account_id="a", application_key="k", retry=FAST_RETRY
    )
    with pytest.raises(Cin7ConnectionError) as caught:
        _new_sale(client, "400000000033")
    assert caught.value.retryable and not caught.value.outcome_unknown
    assert client.calls == FAST_RETRY.attempts


_CALLER = textwrap.dedent(
    """
    import sys, time, redis
    from app.cin7.client import Cin7Client
    from app.store.ratelimit import SharedRateLimiter
    url, api, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3])
    limiter = SharedRateLimiter(redis.Redis.from_url(url), "t:cin7:multi", 240)
    client = Cin7Client(base_url=api, account_id="demo-account", application_key="demo-key", limiter=limiter)
    while time.time() < deadline:
        client.locations()
    print(client.calls, client.throttled)
    """
)


@pytest.mark.slow
def test_processes_sharing_the_limiter_never_trip_cin7s_throttle(cin7: Cin7Sim, redis_url: str) -> None:
    cin7.configure(rate_limit_per_minute=240, throttle_response="503")
    deadline = time.time() + 8
    callers = [
        subprocess.Popen([sys.executable, "-c", _CALLER, redis_url, cin7.api, repr(deadline)], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    outputs = [caller.communicate(timeout=60)[0].split() for caller in callers]
    calls = sum(int(out[0]) for out in outputs)
    assert sum(int(out[1]) for out in outputs) == 0
    assert not [r for r in cin7.requests("ref/location") if r["status"] != 200]
    assert calls >= 10  # they did make calls (about 4 per second between them)
