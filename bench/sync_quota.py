"""Cin7 quota efficiency of the sync (DESIGN.md §8): calls per fully paid sale, throttles met,
and the share of the quota used while a backlog is queued.

Runs the real thing on one machine: both simulators (Cin7 at 120 calls/min), embedded Redis,
four worker processes, a week of the demo's fully paid orders from repeat customers, synced
through the batch path. Targets: ≤ 4.2 calls per fully paid sale, 0 throttles, ≥ 90 % of
the quota used.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import requests

from app.config import Settings
from app.processes import Supervisor, python_argv
from app.sandbox.demo_orders import demo_payments, existing_customers
from app.services import Services
from app.store.embedded import EmbeddedRedis
from app.sync.demo_run import sync_all_and_check
from bench._load import base_env, free_port

ORDERS = 90
LIMIT = 120
WORKERS = 4
CIN7_HEADERS = {"api-auth-accountid": "demo-account", "api-auth-applicationkey": "demo-key"}


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def main() -> None:
    afterpay_port, cin7_port = free_port(), free_port()
    afterpay = f"http://127.0.0.1:{afterpay_port}"
    cin7 = f"http://127.0.0.1:{cin7_port}"
    with EmbeddedRedis() as redis_server:
        assert redis_server.url is not None
        env = base_env(
            REDIS_URL=redis_server.url,
            AFTERPAY_API_URL=afterpay,
            CIN7_API_URL=f"{cin7}/ExternalApi/v2",
            CIN7_RATE_LIMIT_PER_MINUTE=str(LIMIT),
        )
        os.environ.update(env)
        supervisor = Supervisor()
        try:
            supervisor.start("afterpay", python_argv("sandbox", "afterpay", "--port", str(afterpay_port)))
            cin7_argv = python_argv("sandbox", "cin7", "--port", str(cin7_port), "--rate-limit", str(LIMIT))
            supervisor.start("cin7", cin7_argv)
            supervisor.wait_until(lambda: _up(f"{afterpay}/ping"), timeout=60, what="afterpay")
            supervisor.wait_until(lambda: _up(f"{cin7}/_sandbox/config"), timeout=60, what="cin7")
            for body in existing_customers():
                requests.post(f"{cin7}/ExternalApi/v2/customer", json=body, headers=CIN7_HEADERS, timeout=10)
            requests.post(f"{cin7}/_sandbox/clock", json={"advance_seconds": 61}, timeout=10)  # a fresh rate window
            for payment in _fully_paid(ORDERS):
                requests.post(f"{afterpay}/_sandbox/payments", json=payment, timeout=10).raise_for_status()
            for i in range(WORKERS):
                supervisor.start(f"worker-{i}", python_argv("worker"))
            time.sleep(3)
            before = len(requests.get(f"{cin7}/_sandbox/requests", timeout=10).json()["requests"])
            summary = sync_all_and_check(Services(Settings.from_env()))
            log = requests.get(f"{cin7}/_sandbox/requests", timeout=10).json()["requests"][before:]
        finally:
            supervisor.stop()
    _report(summary, [r for r in log if "/ExternalApi/" in r["path"]])


def _fully_paid(count: int) -> list[dict[str, Any]]:
    payments = demo_payments(count, now=datetime.now(UTC))
    for payment in payments:
        payment["paymentState"] = "CAPTURED"
        payment.pop("capturedAmount", None)
        payment.pop("refunds", None)
    return payments


def _report(summary: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    if not summary["correct"]:
        sys.exit(f"the sync was wrong: {summary['problems']}")
    throttled = sum(1 for c in calls if c["status"] in (429, 503))
    times = sorted(datetime.fromisoformat(c["at"].replace("Z", "+00:00")) for c in calls)
    minutes = max((times[-1] - times[0]).total_seconds(), 1) / 60
    share = len(calls) / (LIMIT * minutes)
    per_sale = len(calls) / summary["orders"]
    print(f"orders synced:                 {summary['synced']}/{summary['orders']} (all fully paid; {WORKERS} workers)")
    print(f"Cin7 calls:                    {len(calls)} ({summary['cin7Calls']} counted by the bridge)")
    print(f"Cin7 calls per fully paid sale: {per_sale:.2f}   (target ≤ 4.20; the documented minimum is 4 writes)")
    print(f"Cin7 throttle responses:        {throttled}      (target 0)")
    print(f"quota used while backlogged:    {share:.0%} of {LIMIT}/min over {minutes:.1f} min   (target ≥ 90 %)")
    print(f"wall time:                      {summary['seconds']} s")


if __name__ == "__main__":
    main()
