"""Reconciliation and settlement-check jobs: run, keep the report, tell people and triggers."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis.client import Pipeline
from rq import Retry
from rq.job import Job

from app.alerts import Alert
from app.domain.settlement import parse_settlement_csv
from app.domain.times import utc_text
from app.jobs.context import services
from app.jobs.hooks import publish
from app.reports import TYPE_TITLES, report_link
from app.services import Services
from app.store.gst import GstLedger
from app.store.reports import ReportStore
from app.sync.reconcile import Reconciler, heal, new_report_id, reconciliation_report
from app.sync.settlement import SettlementCheck, fee_entries, settlement_report

log = logging.getLogger(__name__)

JOB_TIMEOUT = 4 * 3600
"""A year of a busy merchant's orders at Cin7's 60 calls a minute still fits."""
RETRY = Retry(max=3, interval=[60, 600, 1800])
EVENTS_PER_RUN = 500
"""``discrepancy.found`` events published per report, at most (the report has them all)."""
UPLOAD_SECONDS = 7 * 24 * 3600


def _announce(svc: Services, kind: str, path: str, report: dict[str, Any]) -> None:
    """Publish the report's events and alert when anything is off."""
    link = report_link(svc.settings, f"{path}/{report['id']}", report["id"])
    counts = report["counts"]
    if kind == "reconciliation":
        publish(
            svc,
            "reconciliation.completed",
            {key: report[key] for key in ("id", "window", "counts", "byType", "healed", "trigger")} | {"link": link},
        )
    for discrepancy in report["discrepancies"][:EVENTS_PER_RUN]:
        publish(svc, "discrepancy.found", {"reportId": report["id"], "report": kind, **discrepancy})
    found = counts["discrepancies"]
    if not found:
        return
    by_type: dict[str, int] = {}
    for discrepancy in report["discrepancies"]:
        by_type[discrepancy["type"]] = by_type.get(discrepancy["type"], 0) + 1
    parts = ", ".join(f"{count} {TYPE_TITLES[t].lower()}" for t, count in sorted(by_type.items()))
    healed = sum(1 for d in report["discrepancies"] if d["healed"])
    person = by_type.get("duplicate_in_cin7", 0) + by_type.get("missing_in_afterpay", 0)
    text = (
        f"{kind.capitalize()} {report['id']}: {found} discrepanc{'y' if found == 1 else 'ies'} ({parts})"
        + (f"; {healed} queued to heal" if healed else "")
        + (f"; {person} need a person (duplicates or sales Afterpay does not know)" if person else "")
        + "."
    )
    svc.alerter().send(Alert(kind=f"{kind}.discrepancies", subject=report["id"], text=text, link=link))


def run_reconciliation(
    svc: Services, start: datetime, end: datetime, *, auto_heal: bool, trigger: str
) -> dict[str, Any]:
    """Reconcile Afterpay orders created in ``[start, end)``; keep, announce and return the report."""
    created = datetime.now(UTC)
    afterpay, cin7 = svc.afterpay_client(), svc.cin7_client()
    result = Reconciler(afterpay=afterpay, cin7=cin7, rules=svc.rules).run(start, end)
    discrepancies = heal(svc, result.discrepancies) if auto_heal else list(result.discrepancies)
    report = reconciliation_report(
        result,
        report_id=new_report_id("rec", created),
        start=start,
        end=end,
        created=created,
        trigger=trigger,
        auto_heal=auto_heal,
        discrepancies=discrepancies,
        api_calls={"afterpay": afterpay.calls, "cin7": cin7.calls},
    )
    ReportStore(svc.redis, svc.keys, "reconciliation").save(report)
    log.info("reconciliation", extra={"report": {k: report[k] for k in ("id", "window", "counts", "apiCalls")}})
    _announce(svc, "reconciliation", "/v1/reconciliations", report)
    return report


def reconcile(start: str, end: str, auto_heal: bool = False, trigger: str = "api") -> dict[str, Any]:
    """The job behind ``POST /v1/reconcile`` and ``bridge reconcile`` (ISO instants)."""
    return run_reconciliation(
        services(), datetime.fromisoformat(start), datetime.fromisoformat(end), auto_heal=auto_heal, trigger=trigger
    )


def local_days(now: datetime, zone: ZoneInfo, days: int) -> tuple[datetime, datetime]:
    """The ``days`` whole local days before today in ``zone``, as a UTC ``[start, end)``."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(today.year, today.month, today.day, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def reconcile_yesterday() -> dict[str, Any]:
    """The daily run: yesterday in the merchant's time zone."""
    svc = services()
    start, end = local_days(datetime.now(UTC), ZoneInfo(svc.settings.BRIDGE_TIMEZONE), 1)
    return run_reconciliation(svc, start, end, auto_heal=svc.settings.BRIDGE_RECONCILE_AUTOHEAL, trigger="daily")


def reconcile_last_week() -> dict[str, Any]:
    """The weekly run: the seven days before today, catching what settled late."""
    svc = services()
    start, end = local_days(datetime.now(UTC), ZoneInfo(svc.settings.BRIDGE_TIMEZONE), 7)
    return run_reconciliation(svc, start, end, auto_heal=svc.settings.BRIDGE_RECONCILE_AUTOHEAL, trigger="weekly")


def enqueue_reconcile(
    svc: Services,
    start: datetime,
    end: datetime,
    *,
    auto_heal: bool,
    trigger: str,
    request_id: str | None = None,
    pipeline: Pipeline | None = None,
) -> Job:
    """Queue ``reconcile`` for ``[start, end)``."""
    return svc.queue("low").enqueue(
        "app.jobs.reconcile.reconcile",
        utc_text(start),
        utc_text(end),
        auto_heal,
        trigger,
        job_id=svc.keys.job_id("reconcile", uuid.uuid4().hex[:16]),
        job_timeout=JOB_TIMEOUT,
        retry=RETRY,
        result_ttl=30 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        meta={"kind": "reconcile", **({"request_id": request_id} if request_id else {})},
        pipeline=pipeline,
    )


# -- settlement files -------------------------------------------------------------------------------


def _upload_key(svc: Services, upload_id: str) -> str:
    return svc.keys("upload", "settlement", upload_id)


def check_settlement(upload_id: str, timezone: str, day_first: bool = True) -> dict[str, Any]:
    """Match an uploaded Business Hub settlement file with Cin7, keep its fees for the GST
    summary, and keep, announce and return the report."""
    svc = services()
    text: str | None = svc.redis.get(_upload_key(svc, upload_id))  # type: ignore[assignment]
    if text is None:
        raise LookupError(f"settlement upload {upload_id} is gone (uploads are kept {UPLOAD_SECONDS // 86400} days)")
    zone = ZoneInfo(timezone)
    parsed = parse_settlement_csv(text, timezone=zone, day_first=day_first)
    created = datetime.now(UTC)
    cin7 = svc.cin7_client()
    discrepancies = SettlementCheck(cin7=cin7, redis_client=svc.redis, keys=svc.keys).run(parsed)
    new_fees = GstLedger(svc.redis, svc.keys).record_fees(fee_entries(parsed, zone))
    report = settlement_report(
        parsed,
        discrepancies,
        report_id=new_report_id("stl", created),
        created=created,
        timezone=timezone,
        new_fees=new_fees,
        api_calls={"cin7": cin7.calls},
    )
    ReportStore(svc.redis, svc.keys, "settlement").save(report)
    _announce(svc, "settlement", "/v1/settlements", report)
    return report


def enqueue_settlement(
    svc: Services, text: str, *, timezone: str, day_first: bool, request_id: str | None, pipeline: Pipeline
) -> Job:
    """Keep the file for the job (not in its arguments: files are big) and queue the check."""
    upload_id = uuid.uuid4().hex[:16]
    job = svc.queue("low").enqueue(
        "app.jobs.reconcile.check_settlement",
        upload_id,
        timezone,
        day_first,
        job_id=svc.keys.job_id("settlement", upload_id),
        job_timeout=JOB_TIMEOUT,
        retry=RETRY,
        result_ttl=30 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        meta={"kind": "settlement", **({"request_id": request_id} if request_id else {})},
        pipeline=pipeline,
    )
    # After the enqueue: RQ opens the pipeline's transaction itself.
    pipeline.set(_upload_key(svc, upload_id), text, ex=UPLOAD_SECONDS)
    return job
