"""Reconciliation, settlement checks and the month-end GST summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma
from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from app.api.hooks import accepts, has_api_key, public, refuse_unauthenticated
from app.api.idempotency import idempotent, writes_pipeline
from app.api.jobs import PREFER_WAIT_DOC, JobSchema, accepted_job_response
from app.api.problems import abort_problem, documents_errors
from app.domain.gst_report import BadMonth, gst_summary, month_window
from app.domain.reconcile import DiscrepancyType
from app.domain.settlement import SettlementCsvError, parse_settlement_csv
from app.jobs.reconcile import enqueue_reconcile, enqueue_settlement
from app.reports import (
    gst_csv,
    reconciliation_csv,
    reconciliation_html,
    report_token,
    settlement_csv,
    settlement_html,
    token_opens,
)
from app.services import Services
from app.store.gst import GstLedger
from app.store.reports import ReportStore

blp = Blueprint(
    "reconcile",
    __name__,
    url_prefix="/v1",
    description="Reconciliation of Afterpay with Cin7, settlement files and the month-end GST summary.",
)

MAX_WINDOW = timedelta(days=366)
MAX_SETTLEMENT_BYTES = 1024 * 1024
FORMATS = ("json", "csv", "html")


def _services() -> Services:
    services: Services = current_app.extensions["bridge"]
    return services


class ReconcileSchema(ma.Schema):
    """The window: Afterpay orders created from `from` (inclusive) to `to` (exclusive)."""

    from_ = ma.fields.AwareDateTime(
        data_key="from", required=True, metadata={"example": "2026-11-30T13:00:00Z"}, format="iso"
    )
    to = ma.fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T13:00:00Z"}, format="iso")
    autoHeal = ma.fields.Boolean(load_default=False, metadata={"description": "Queue syncs for what a sync can fix"})

    @ma.validates_schema
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["from_"] >= data["to"]:
            raise ma.ValidationError("must be after from", field_name="to")
        if data["to"] - data["from_"] > MAX_WINDOW:
            raise ma.ValidationError("a window is at most 366 days; split longer ones", field_name="to")


class DiscrepancySchema(ma.Schema):
    type = ma.fields.String(metadata={"enum": [t.value for t in DiscrepancyType]})
    afterpayOrderId = ma.fields.String()
    cin7SaleIds = ma.fields.List(ma.fields.String())
    expected = ma.fields.Dict(metadata={"description": "What Cin7 should show, per Afterpay"})
    actual = ma.fields.Dict(metadata={"description": "What Cin7 shows"})
    healed = ma.fields.Boolean(metadata={"description": "A sync was queued to fix it"})
    detail = ma.fields.String(metadata={"description": "One sentence an accountant can act on"})


class WindowSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from", metadata={"format": "date-time"})
    to = ma.fields.String(metadata={"format": "date-time"})


class CountsSchema(ma.Schema):
    afterpay = ma.fields.Integer()
    cin7 = ma.fields.Integer()
    matched = ma.fields.Integer()
    discrepancies = ma.fields.Integer()


class ReconciliationSummarySchema(ma.Schema):
    """A reconciliation without its discrepancies (the list)."""

    id = ma.fields.String(metadata={"example": "rec-20261201T163000-3f2a9c"})
    window = ma.fields.Nested(WindowSchema)
    createdAt = ma.fields.String(metadata={"format": "date-time"})
    trigger = ma.fields.String(metadata={"enum": ["api", "cli", "daily", "weekly"]})
    autoHeal = ma.fields.Boolean()
    counts = ma.fields.Nested(CountsSchema)
    byType = ma.fields.Dict(metadata={"description": "Discrepancies per type (types with none left out)"})
    healed = ma.fields.Integer()
    apiCalls = ma.fields.Dict()


class ReconciliationSchema(ReconciliationSummarySchema):
    """DESIGN.md §3.3: the window, counts and every discrepancy, in report order."""

    discrepancies = ma.fields.List(ma.fields.Nested(DiscrepancySchema))


class ReconciliationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReconciliationSummarySchema))
    page = ma.fields.Integer()
    perPage = ma.fields.Integer()
    total = ma.fields.Integer()


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    perPage = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


class ReportArgs(ma.Schema):
    format = ma.fields.String(
        validate=ma.validate.OneOf(FORMATS),
        metadata={"description": "Instead of the Accept header: json, csv or html"},
    )
    token = ma.fields.String(
        metadata={"description": "The report's own token (in alert links): opens this report without the API key"}
    )


class SettlementArgs(ma.Schema):
    timezone = ma.fields.String(
        metadata={
            "description": "Time zone of the file's times (default BRIDGE_TIMEZONE)",
            "example": "Australia/Sydney",
        }
    )
    dayFirst = ma.fields.Boolean(load_default=True, metadata={"description": "Dates are dd/MM/yyyy (false: M/d/yyyy)"})


class SettlementReportSchema(ma.Schema):
    id = ma.fields.String(metadata={"example": "stl-20261201T163000-3f2a9c"})
    createdAt = ma.fields.String(metadata={"format": "date-time"})
    timezone = ma.fields.String()
    counts = ma.fields.Dict(metadata={"description": "rows, orders, discrepancies"})
    summaries = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "Per settlement date: gross, refunds, fee, GST on fee, net"}
    )
    warnings = ma.fields.List(ma.fields.Dict())
    feesRecorded = ma.fields.Integer(metadata={"description": "Fee rows new to the GST ledger"})
    apiCalls = ma.fields.Dict()
    discrepancies = ma.fields.List(ma.fields.Nested(DiscrepancySchema))


class SettlementPageSchema(ReconciliationPageSchema):
    items = ma.fields.List(ma.fields.Nested(SettlementReportSchema))


class GstArgs(ma.Schema):
    month = ma.fields.String(required=True, metadata={"example": "2026-11", "description": "YYYY-MM"})
    timezone = ma.fields.String(metadata={"description": "Where the month is cut (default BRIDGE_TIMEZONE)"})
    format = ma.fields.String(validate=ma.validate.OneOf(("json", "csv")))


class GstSchema(ma.Schema):
    """GST collected on Afterpay sales per Cin7 invoices and credit notes, and GST on Afterpay's fees."""

    month = ma.fields.String(metadata={"example": "2026-11"})
    timezone = ma.fields.String(metadata={"example": "Australia/Sydney"})
    from_ = ma.fields.String(data_key="from", attribute="from", metadata={"format": "date-time"})
    to = ma.fields.String(metadata={"format": "date-time"})
    currencies = ma.fields.List(ma.fields.Dict(), metadata={"description": "sales, fees and netGst per currency"})


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or _services().settings.BRIDGE_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        abort_problem(422, f"{name!r} is not an IANA time zone such as Australia/Sydney.",
                      errors=[{"pointer": "#/timezone", "detail": "unknown time zone"}])  # fmt: skip


def _wanted_format(args: dict[str, Any], choices: tuple[str, ...] = FORMATS) -> str:
    if args.get("format"):
        return str(args["format"])
    best = request.accept_mimetypes.best_match(
        [m for f, m in (("json", "application/json"), ("csv", "text/csv"), ("html", "text/html")) if f in choices],
        default="application/json",
    )
    return {"text/csv": "csv", "text/html": "html"}.get(best or "", "json")


def _page(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    services = _services()
    per_page = args["perPage"]
    reports, total = ReportStore(services.redis, services.keys, kind).newest(
        offset=(args["page"] - 1) * per_page, limit=per_page
    )
    return {"items": reports, "page": args["page"], "perPage": per_page, "total": total}


def _report(
    kind: str,
    report_id: str,
    args: dict[str, Any],
    path: str,
    to_csv: Callable[[dict[str, Any]], str],
    to_html: Callable[[dict[str, Any], dict[str, str]], str],
) -> Any:
    """One stored report as JSON, CSV or HTML; the API key or the report's own token opens it."""
    services = _services()
    if not has_api_key() and not token_opens(services.settings, report_id, args.get("token")):
        refuse_unauthenticated()
    report = ReportStore(services.redis, services.keys, kind).get(report_id)
    if report is None:
        abort_problem(404, f"No {kind} {report_id!r} (reports are kept for the newest 500).")
    fmt = _wanted_format(args)
    if fmt == "json":
        return report
    token = report_token(services.settings, report_id)
    if fmt == "csv":
        response = Response(to_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{kind}-{report_id}.csv"'
        return response
    links = {"CSV": f"{path}/{report_id}?format=csv&token={token}", "JSON": f"{path}/{report_id}?token={token}"}
    return Response(to_html(report, links), mimetype="text/html")


def _formats(schema: str, description: str, *, html: bool = True) -> dict[str, Any]:
    """The 200 response of a report in each of its media types (for the spec)."""
    content: dict[str, Any] = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
        "text/csv": {"schema": {"type": "string"}},
    }
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"200": {"description": description, "content": content}}


# -- reconciliation -------------------------------------------------------------------------------


@blp.route("/reconcile", methods=["POST"])
@blp.doc(
    operationId="reconcile",
    summary="Reconcile a window of Afterpay orders with Cin7",
    parameters=[PREFER_WAIT_DOC],
)
@blp.arguments(ReconcileSchema(), example={"from": "2026-11-30T13:00:00Z", "to": "2026-12-01T13:00:00Z"})
@idempotent(blp, "reconcile")
@blp.response(202, JobSchema, headers={"Location": {"description": "The job", "schema": {"type": "string"}}})
@blp.alt_response(200, schema=JobSchema, description="With `Prefer: wait=N`: the job finished in time", success=True)
@documents_errors(blp, 401, 413, 415)
def reconcile(body: dict[str, Any]) -> Response:
    """Diffs the Afterpay orders created in the window against Cin7 by order id, in a job whose
    result is the Reconciliation: `{id, window, counts, byType, healed, discrepancies[]}`, each
    discrepancy with its `type`, the Cin7 sale ids, what was expected and what Cin7 shows. With
    `autoHeal`, a sync is queued for every discrepancy a sync can fix (missing, payment, refund,
    void); nothing is ever deleted, and duplicates are left to a person. The report is kept
    (`GET /v1/reconciliations/{id}`), announced (`reconciliation.completed`, `discrepancy.found`)
    and alerted when anything is off."""
    services = _services()
    job = enqueue_reconcile(
        services,
        body["from_"],
        body["to"],
        auto_heal=body["autoHeal"],
        trigger="api",
        request_id=g.get("request_id"),
        pipeline=writes_pipeline(),
    )
    return accepted_job_response(job)


@blp.route("/reconciliations")
@blp.doc(operationId="listReconciliations", summary="Reconciliations, newest first")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReconciliationPageSchema)
@documents_errors(blp, 401)
def list_reconciliations(args: dict[str, Any]) -> dict[str, Any]:
    """Scheduled and requested runs, newest first, without their discrepancies."""
    page = _page("reconciliation", args)
    page["items"] = [{k: v for k, v in report.items() if k != "discrepancies"} for report in page["items"]]
    return page


@blp.route("/reconciliations/<string:id>")
@public
@blp.doc(
    operationId="getReconciliation",
    summary="A reconciliation as JSON, CSV or HTML",
    responses=_formats("Reconciliation", "The reconciliation"),
)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReconciliationSchema)
@documents_errors(blp, 401, 404)
def get_reconciliation(args: dict[str, Any], id: str) -> Any:
    """JSON by default; `Accept: text/csv` (or `?format=csv`) gives one row per discrepancy
    with plain headers, and `Accept: text/html` (or `?format=html`) a page with the counts and a
    table per type. Alert links carry `?token=`, which opens this report, and only it,
    without the API key."""
    return _report("reconciliation", id, args, "/v1/reconciliations", reconciliation_csv,
                   lambda report, links: reconciliation_html(report, _zone(None), links))  # fmt: skip


# -- settlement files ---------------------------------------------------------------------------------


@blp.route("/settlements", methods=["POST"])
@accepts("text/csv", "text/plain", "application/octet-stream")
@blp.doc(
    operationId="checkSettlement",
    summary="Check an Afterpay settlement file against Cin7",
    requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
)
@blp.arguments(SettlementArgs, location="query")
@idempotent(blp, "settlements")
@blp.response(202, JobSchema, headers={"Location": {"description": "The job", "schema": {"type": "string"}}})
@documents_errors(
    blp, 401, 413, 415, (422, "The file is not a readable settlement export; `errors` lists each problem")
)
def check_settlement(args: dict[str, Any]) -> Response:
    """Send the Business Hub's Settlement Export as the body (`Content-Type: text/csv`). The
    file is checked at once (every bad value reported with its line and column as a 422);
    then a job matches each settled capture and refund with the Cin7 PAYMENT or REFUND of the
    order, sums gross, merchant fee, GST on the fee and net per settlement date, and adds the
    fees to the GST ledger (uploading the same file twice counts its fees once)."""
    services = _services()
    zone = _zone(args.get("timezone"))
    raw = request.get_data()
    if len(raw) > MAX_SETTLEMENT_BYTES:
        abort_problem(413, f"A settlement file is at most {MAX_SETTLEMENT_BYTES} bytes; split larger ones.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        abort_problem(422, "The file is not UTF-8 text; export it from the Business Hub as CSV.")
    try:
        parse_settlement_csv(text, timezone=zone, day_first=args["dayFirst"])
    except SettlementCsvError as exc:
        errors = [{"pointer": f"/line/{i.line}" + (f"/{i.column}" if i.column else ""), "detail": i.message}
                  for i in exc.issues]  # fmt: skip
        abort_problem(422, f"The settlement file has {len(errors)} problem(s); see errors.", errors=errors)
    job = enqueue_settlement(
        services, text, timezone=zone.key, day_first=args["dayFirst"], request_id=g.get("request_id"),
        pipeline=writes_pipeline(),
    )  # fmt: skip
    return accepted_job_response(job)


@blp.route("/settlements")
@blp.doc(operationId="listSettlements", summary="Settlement checks, newest first")
@blp.arguments(PageArgs, location="query")
@blp.response(200, SettlementPageSchema)
@documents_errors(blp, 401)
def list_settlements(args: dict[str, Any]) -> dict[str, Any]:
    """Settlement checks, newest first."""
    return _page("settlement", args)


@blp.route("/settlements/<string:id>")
@public
@blp.doc(
    operationId="getSettlement",
    summary="A settlement check as JSON, CSV or HTML",
    responses=_formats("SettlementReport", "The settlement check"),
)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, SettlementReportSchema)
@documents_errors(blp, 401, 404)
def get_settlement(args: dict[str, Any], id: str) -> Any:
    """JSON by default; CSV (deposits per date, then discrepancies) or an HTML page by
    `Accept` or `?format=`; `?token=` from an alert link opens it without the API key."""
    return _report("settlement", id, args, "/v1/settlements", settlement_csv, settlement_html)


# -- GST ------------------------------------------------------------------------------------------------


@blp.route("/reports/gst")
@blp.doc(
    operationId="gstSummary",
    summary="Month-end GST on Afterpay sales and fees",
    responses=_formats("Gst", "The month's GST figures", html=False),
)
@blp.arguments(GstArgs, location="query")
@blp.response(200, GstSchema)
@documents_errors(blp, 401, 422)
def gst_report(args: dict[str, Any]) -> Any:
    """For the month, cut in `timezone` (default BRIDGE_TIMEZONE, so an order captured at
    2026-11-30T14:00Z is December's in Sydney): the Cin7 invoices and credit notes of Afterpay
    sales with their totals and GST, GST collected (invoices less credit notes), the Afterpay
    fees of the settlement files uploaded and the GST on them, and the net — to the cent, per
    currency. CSV with `Accept: text/csv` or `?format=csv`."""
    services = _services()
    zone = _zone(args.get("timezone"))
    try:
        start, end = month_window(args["month"], zone)
    except BadMonth as exc:
        abort_problem(422, str(exc), errors=[{"pointer": "#/month", "detail": "use YYYY-MM"}])
    ledger = GstLedger(services.redis, services.keys)
    report = gst_summary(args["month"], zone, ledger.documents(start, end), ledger.fees(start, end))
    if _wanted_format(args, ("json", "csv")) == "csv":
        response = Response(gst_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="gst-{args["month"]}.csv"'
        return response
    return report
