"""Reconciliation against the simulators and real Redis: every discrepancy type made on purpose
through the vendors' own endpoints and found; a clean window is clean; auto-heal fixes what it
may; windows cut in the merchant's time zone; reports kept, announced and alerted."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker

from app.config import Settings
from app.jobs.context import use_services
from app.jobs.reconcile import local_days, run_reconciliation
from app.services import Services
from app.store.events import EventLog
from app.store.reports import ReportStore
from tests.processes import BRIDGE, ROOT, process_env
from tests.receiver import Receiver, receiver
from tests.sims import AfterpaySim, Cin7Sim, money
from tests.sync.helpers import order_payment, saga

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture
def alerts() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


@pytest.fixture
def settings_map_all(sim_settings: dict[str, str], alerts: Receiver) -> dict[str, str]:
    return {**sim_settings, "ALERT_WEBHOOK_URL": alerts.url, "BRIDGE_PUBLIC_URL": "https://bridge.example.com"}


@pytest.fixture
def services(settings_map_all: dict[str, str]) -> Iterator[Services]:
    svc = Services(Settings.from_mapping(settings_map_all))
    use_services(svc)
    yield svc
    use_services(None)


def _created(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds")


def _order(afterpay: AfterpaySim, hours_ago: float = 2, **extra: Any) -> str:
    return str(order_payment(afterpay, created=_created(hours_ago), **extra)["id"])


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=6), now


def _run(services: Services, *, heal: bool = False) -> dict[str, Any]:
    start, end = _window()
    return run_reconciliation(services, start, end, auto_heal=heal, trigger="api")


def _types(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((d["type"], d["afterpayOrderId"]) for d in report["discrepancies"])


def _drain(services: Services) -> None:
    SimpleWorker(services.queues(), connection=services.rq_redis).work(burst=True)


def test_a_clean_window_reports_nothing(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, alerts: Receiver
) -> None:
    ids = [_order(afterpay), _order(afterpay, state="AUTH_APPROVED"), _order(afterpay, hours_ago=3)]
    for order_id in ids:
        saga(settings_map_all).sync(order_id)
    _order(afterpay, hours_ago=30)  # outside the window: not counted
    report = _run(services)
    assert report["counts"] == {"afterpay": 3, "cin7": 3, "matched": 3, "discrepancies": 0}
    assert report["discrepancies"] == [] and not alerts.requests
    assert report["apiCalls"] == {"afterpay": 1, "cin7": 1}  # one page each: the minimum
    assert ReportStore(services.redis, services.keys, "reconciliation").get(report["id"]) == report
    [event] = EventLog(services.redis, services.keys).newest_first(type_="reconciliation.completed")
    assert event.data["id"] == report["id"] and event.data["counts"]["discrepancies"] == 0


def test_every_kind_of_discrepancy_is_found(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, alerts: Receiver
) -> None:
    sync = saga(settings_map_all)
    never_synced = _order(afterpay)
    duplicated = _order(afterpay)
    sync.sync(duplicated)
    sale = {"Customer": "Web Sales", "Location": "Main Warehouse", "SkipQuote": True}
    assert cin7.send("POST", "sale", {**sale, "ExternalID": duplicated}).status_code == 200
    assert cin7.send("POST", "sale", {**sale, "ExternalID": "400999999999"}).status_code == 200  # unknown order
    captured_later = _order(afterpay, state="AUTH_APPROVED")
    sync.sync(captured_later)
    response = afterpay.post(f"/v2/payments/{captured_later}/capture", {"requestId": "c1", "amount": money("108.85")})
    assert response.status_code == 201
    refunded_later = _order(afterpay)
    sync.sync(refunded_later)
    refund = {"requestId": "r1", "amount": money("20.00"), "merchantReference": "RMA-1"}
    assert afterpay.post(f"/v2/payments/{refunded_later}/refund", refund).status_code == 201
    voided_later = _order(afterpay, state="AUTH_APPROVED")
    sync.sync(voided_later)
    assert afterpay.post(f"/v2/payments/{voided_later}/void", {"requestId": "v1"}).status_code in (200, 201)
    unpaid_in_cin7 = _order(afterpay)
    sync.sync(unpaid_in_cin7)
    sale_id = cin7.sales(ExternalID=unpaid_in_cin7)[0]["SaleID"]
    payment = cin7.get("sale/payment", SaleID=sale_id)[0]
    assert cin7.send("DELETE", "sale/payment", ID=payment["ID"]).status_code == 200

    report = _run(services)
    assert _types(report) == sorted(
        [
            ("missing_in_cin7", never_synced),
            ("duplicate_in_cin7", duplicated),
            ("missing_in_afterpay", "400999999999"),
            ("amount_mismatch", captured_later),  # captured in Afterpay, never invoiced in Cin7
            ("payment_mismatch", captured_later),
            ("refund_mismatch", refunded_later),
            ("status_mismatch", voided_later),
            ("payment_mismatch", unpaid_in_cin7),
        ]
    )
    duplicate = next(d for d in report["discrepancies"] if d["type"] == "duplicate_in_cin7")
    assert len(duplicate["cin7SaleIds"]) == 2
    refund_gap = next(d for d in report["discrepancies"] if d["type"] == "refund_mismatch")
    assert refund_gap["expected"] != refund_gap["actual"] and refund_gap["detail"]
    [alert] = [r.json() for r in alerts.requests]
    assert "8 discrepancies" in alert["text"] and "need a person" in alert["text"]
    assert alert["link"].startswith(f"https://bridge.example.com/v1/reconciliations/{report['id']}?format=html&token=")
    found = EventLog(services.redis, services.keys).newest_first(type_="discrepancy.found", limit=50)
    assert len(found) == 8 and {e.data["reportId"] for e in found} == {report["id"]}


def test_auto_heal_fixes_what_a_sync_may_and_the_rerun_is_clean_of_it(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    sync = saga(settings_map_all)
    never_synced = _order(afterpay)
    refunded_later = _order(afterpay)
    sync.sync(refunded_later)
    refund = {"requestId": "r1", "amount": money("20.00"), "merchantReference": "RMA-1"}
    assert afterpay.post(f"/v2/payments/{refunded_later}/refund", refund).status_code == 201
    sale = {"Customer": "Web Sales", "Location": "Main Warehouse", "SkipQuote": True, "ExternalID": "400999999998"}
    assert cin7.send("POST", "sale", sale).status_code == 200

    healed = _run(services, heal=True)
    assert sorted((d["type"], d["healed"]) for d in healed["discrepancies"]) == [
        ("missing_in_afterpay", False),
        ("missing_in_cin7", True),
        ("refund_mismatch", True),
    ]
    assert healed["healed"] == 2
    _drain(services)
    again = _run(services, heal=True)
    assert _types(again) == [("missing_in_afterpay", "400999999998")]  # never deleted: left to a person
    assert len(cin7.sales(ExternalID=never_synced)) == 1


def test_orders_outside_the_window_with_sales_inside_are_diffed_not_called_missing(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    old = _order(afterpay, hours_ago=30)
    saga(settings_map_all).sync(old)  # its sale is created now, inside the window
    report = _run(services)
    assert report["discrepancies"] == [] and report["counts"]["afterpay"] == 0


def test_windows_are_cut_in_the_merchants_time_zone(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    # 2026-11-30T13:30Z is half past midnight on 1 December in Sydney.
    edge = str(order_payment(afterpay, created="2026-11-30T13:30:00.000Z")["id"])
    december = (datetime(2026, 12, 1, tzinfo=SYDNEY), datetime(2026, 12, 2, tzinfo=SYDNEY))
    november_utc = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    in_december = run_reconciliation(services, *december, auto_heal=False, trigger="api")
    assert _types(in_december) == [("missing_in_cin7", edge)]
    assert in_december["window"] == {"from": "2026-11-30T13:00:00Z", "to": "2026-12-01T13:00:00Z"}
    assert _types(run_reconciliation(services, *november_utc, auto_heal=False, trigger="api")) == [
        ("missing_in_cin7", edge)
    ]
    before = (datetime(2026, 11, 30, tzinfo=SYDNEY), datetime(2026, 12, 1, tzinfo=SYDNEY))
    assert run_reconciliation(services, *before, auto_heal=False, trigger="api")["discrepancies"] == []


def test_the_daily_window_is_yesterday_in_sydney_across_daylight_saving() -> None:
    # 2026-10-04 02:00 AEST became 03:00 AEDT: that Sunday had 23 hours.
    start, end = local_days(datetime(2026, 10, 5, 1, 0, tzinfo=UTC), SYDNEY, 1)
    assert (start, end) == (datetime(2026, 10, 3, 14, 0, tzinfo=UTC), datetime(2026, 10, 4, 13, 0, tzinfo=UTC))
    week = local_days(datetime(2026, 12, 7, 20, 0, tzinfo=UTC), SYDNEY, 7)
    assert week == (datetime(2026, 11, 30, 13, 0, tzinfo=UTC), datetime(2026, 12, 7, 13, 0, tzinfo=UTC))


def test_a_sale_in_another_currency_is_a_currency_mismatch(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = _order(afterpay)
    customer = {"Name": "Kiwi Wholesale", "Status": "Active", "Currency": "NZD", "PaymentTerm": "30 days",
                "AccountReceivable": "610", "RevenueAccount": "200", "TaxRule": "GST Free"}  # fmt: skip
    assert cin7.send("POST", "customer", customer).status_code == 200, "customer"
    sale = {"Customer": "Kiwi Wholesale", "Location": "Main Warehouse", "SkipQuote": True, "ExternalID": order_id,
            "CurrencyRate": 1.08}  # fmt: skip
    created = cin7.send("POST", "sale", sale)
    assert created.status_code == 200, created.text
    [found] = _run(services)["discrepancies"]
    assert found["type"] == "currency_mismatch" and found["actual"]["currency"] == "NZD"


def test_the_cli_prints_a_summary_writes_csv_and_exits_3_when_something_is_off(
    settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, tmp_path: Path
) -> None:
    missing = str(order_payment(afterpay, created="2026-11-30T20:00:00.000Z")["id"])
    out = tmp_path / "nov.csv"
    result = subprocess.run(
        [*BRIDGE, "reconcile", "--from", "2026-12-01", "--to", "2026-12-02", "--csv", str(out)],
        cwd=ROOT, env=process_env(settings_map_all), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "window      2026-12-01 00:00 to 2026-12-02 00:00 Australia/Sydney" in result.stdout
    assert "found       1 discrepancy" in result.stdout
    assert f"Missing in Cin7              {missing}" in result.stdout
    assert out.read_text().splitlines()[1].startswith(f"Missing in Cin7,{missing},")
    clean = subprocess.run(
        [*BRIDGE, "reconcile", "--from", "2026-11-01", "--to", "2026-11-02"],
        cwd=ROOT, env=process_env(settings_map_all), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert clean.returncode == 0 and "found       0 discrepancies" in clean.stdout
    bad = subprocess.run(
        [*BRIDGE, "reconcile", "--from", "2026-12-02", "--to", "2026-12-01"],
        cwd=ROOT, env=process_env(settings_map_all), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_scheduled_runs_are_registered_in_the_merchants_time_zone(settings_map_all: dict[str, str]) -> None:
    from rq.cron import CronScheduler

    from app.jobs.schedule import register_jobs

    svc = Services(Settings.from_mapping({**settings_map_all, "BRIDGE_RECONCILE_WEEKLY_CRON": "0 4 * * 1"}))
    cron = CronScheduler(connection=svc.rq_redis)
    register_jobs(cron, svc)
    jobs = {job.func_name: job for job in cron.get_jobs()}
    assert jobs["app.jobs.reconcile.reconcile_yesterday"].cron == "30 3 * * *"
    assert jobs["app.jobs.reconcile.reconcile_last_week"].cron == "0 4 * * 1"
    off = Services(Settings.from_mapping({**settings_map_all, "BRIDGE_RECONCILE_DAILY_CRON": "off"}))
    cron = CronScheduler(connection=off.rq_redis)
    register_jobs(cron, off)
    assert not any("reconcile" in job.func_name for job in cron.get_jobs())


def test_the_daily_job_reconciles_yesterday_with_the_configured_healing(
    services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    from app.jobs.reconcile import reconcile_yesterday

    start, _end = local_days(datetime.now(UTC), SYDNEY, 1)
    order_id = str(
        order_payment(afterpay, created=(start + timedelta(hours=3)).isoformat(timespec="milliseconds"))["id"]
    )
    report = reconcile_yesterday()
    assert report["trigger"] == "daily" and report["autoHeal"] is True
    assert [(d["type"], d["afterpayOrderId"], d["healed"]) for d in report["discrepancies"]] == [
        ("missing_in_cin7", order_id, True)
    ]


def test_an_older_orders_sale_in_the_window_still_has_its_money_checked(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    old = _order(afterpay, hours_ago=30)
    saga(settings_map_all).sync(old)  # its sale is created now, inside the window
    sale_id = cin7.sales(ExternalID=old)[0]["SaleID"]
    payment = cin7.get("sale/payment", SaleID=sale_id)[0]
    assert cin7.send("DELETE", "sale/payment", ID=payment["ID"]).status_code == 200
    assert _types(_run(services)) == [("payment_mismatch", old)]


def test_orders_created_after_the_window_are_left_to_their_own_run(
    services: Services, settings_map_all: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    newer = _order(afterpay, hours_ago=0.1)
    saga(settings_map_all).sync(newer)
    start, end = datetime.now(UTC) - timedelta(hours=6), datetime.now(UTC) - timedelta(hours=1)
    report = run_reconciliation(services, start, end, auto_heal=False, trigger="api")
    assert report["discrepancies"] == []
