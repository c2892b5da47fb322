"""map-order: in-process mappings per second, and requests per second through gunicorn
against a trivial JSON endpoint of the same server (target: ratio ≥ 0.6)."""

from __future__ import annotations

import copy
import json
import time

from app.afterpay.schemas import load_payment
from app.api.examples import HERE
from app.domain.mapping import map_payment
from app.domain.rules import parse_rules
from bench._load import base_env, interleaved, throughput, web_server


def five_line_order() -> dict[str, object]:
    """The documented example grown to five lines (a realistic basket), still balancing."""
    payment = json.loads((HERE / "map_order_request.json").read_text())
    items = payment["orderDetails"]["items"]
    extra = [
        {
            "name": "Soy candle - Fig",
            "sku": "CANDLE-SOY-FIG",
            "quantity": 1,
            "price": {"amount": "34.95", "currency": "AUD"},
        },
        {"name": "Ceramic mug", "sku": "MUG-CER-WHT", "quantity": 2, "price": {"amount": "18.00", "currency": "AUD"}},
        {"name": "Gift card", "sku": "GIFT-50", "quantity": 1, "price": {"amount": "50.00", "currency": "AUD"}},
    ]
    items.extend(copy.deepcopy(extra))
    # 163.85 + 34.95 + 36.00 + 50.00
    total = "284.80"
    payment["originalAmount"]["amount"] = total
    for event in payment["events"]:
        event["amount"]["amount"] = total
    payment["orderDetails"]["taxAmount"]["amount"] = "25.89"
    return payment


def main() -> None:
    payment_json = five_line_order()
    payment = load_payment(payment_json)
    rules = parse_rules(None)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 2.0:
        map_payment(payment, rules)
        count += 1
    in_process = count / (time.perf_counter() - started)
    print(f"in-process map_payment (5-line order): {in_process:,.0f} mappings/s")

    with web_server(base_env()) as url:
        throughput(url, "GET", "/healthz", seconds=1)  # warm up both workers
        medians = interleaved(
            5,
            ("trivial", lambda: throughput(url, "GET", "/healthz")),
            ("map-order", lambda: throughput(url, "POST", "/v1/map-order", body=payment_json)),
        )
    ratio = medians["map-order"] / medians["trivial"]
    print(f"GET /healthz (trivial JSON):  {medians['trivial']:,.0f} req/s")
    print(f"POST /v1/map-order:           {medians['map-order']:,.0f} req/s")
    print(f"ratio map-order / trivial:    {ratio:.2f}  (target ≥ 0.60)")


if __name__ == "__main__":
    main()
