"""Reports for people: a reconciliation or settlement check as CSV (for the spreadsheet) or
HTML (to read), and links to them that open in a browser without the API key.

An alert's link carries a token that opens that one report and nothing else: an HMAC of the
report id under ``BRIDGE_API_KEY`` (rotating the key revokes every link).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from app.config import Settings

TYPE_TITLES = {
    "missing_in_cin7": "Missing in Cin7",
    "missing_in_afterpay": "In Cin7 but not in Afterpay",
    "duplicate_in_cin7": "Duplicate sales in Cin7",
    "status_mismatch": "Status differs",
    "currency_mismatch": "Currency differs",
    "amount_mismatch": "Amount differs",
    "payment_mismatch": "Payments differ",
    "refund_mismatch": "Refunds differ",
}
DISCREPANCY_COLUMNS = ("Type", "Afterpay order", "Cin7 sales", "Expected", "Found in Cin7", "Healed", "What to do")


def report_token(settings: Settings, report_id: str) -> str:
    """The token that opens report ``report_id`` (and no other) without the API key."""
    digest = hmac.new(settings.BRIDGE_API_KEY.encode(), f"report:{report_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_opens(settings: Settings, report_id: str, token: str | None) -> bool:
    """Whether ``token`` is report ``report_id``'s (constant-time)."""
    return token is not None and hmac.compare_digest(token.encode(), report_token(settings, report_id).encode())


def report_link(settings: Settings, path: str, report_id: str) -> str | None:
    """A browser link to the HTML report at ``path`` (e.g. ``/v1/reconciliations/<id>``)."""
    if not settings.BRIDGE_PUBLIC_URL:
        return None
    return f"{settings.BRIDGE_PUBLIC_URL}{path}?format=html&token={report_token(settings, report_id)}"


def _pairs(values: Mapping[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in values.items())


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that would start a formula (an ExternalID
    typed by anyone, an id from an uploaded file) is prefixed with ``'``; numbers stay numbers."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _discrepancy_rows(discrepancies: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            TYPE_TITLES.get(d["type"], d["type"]),
            d["afterpayOrderId"],
            " ".join(d["cin7SaleIds"]),
            _pairs(d["expected"]),
            _pairs(d["actual"]),
            "yes" if d["healed"] else "no",
            d.get("detail", ""),
        ]
        for d in discrepancies
    ]


def reconciliation_csv(report: Mapping[str, Any]) -> str:
    """One row per discrepancy, with plain headers (RFC 4180, CRLF)."""
    return _csv(DISCREPANCY_COLUMNS, _discrepancy_rows(report["discrepancies"]))


def settlement_csv(report: Mapping[str, Any]) -> str:
    """The per-date settlement summary, then the discrepancies, as two tables in one file."""
    summary_header = ("Settlement date", "Orders", "Refunds", "Gross", "Refunded", "Settled",
                      "Fee ex GST", "GST on fee", "Fee inc GST", "Net deposit")  # fmt: skip
    keys = ("settlementDate", "orders", "refundCount", "gross", "refunds", "settlement",
            "merchantFeeExclTax", "merchantFeeTax", "merchantFeeInclTax", "net")  # fmt: skip
    summary = _csv(summary_header, ([s.get(k, "") for k in keys] for s in report["summaries"]))
    return summary + "\r\n" + _csv(DISCREPANCY_COLUMNS, _discrepancy_rows(report["discrepancies"]))


def gst_csv(report: Mapping[str, Any]) -> str:
    """The month's GST figures, one row per currency."""
    header = ("Month", "Time zone", "Currency", "Invoices", "Invoice total", "GST on invoices", "Credit notes",
              "Credit note total", "GST on credit notes", "GST collected", "Fee rows", "Fees ex GST",
              "GST on fees", "Net GST")  # fmt: skip
    rows = []
    for c in report["currencies"]:
        sales, fees = c["sales"], c["fees"]
        rows.append(
            [report["month"], report["timezone"], c["currency"], sales["invoices"], sales["invoiceTotal"],
             sales["invoiceGst"], sales["creditNotes"], sales["creditNoteTotal"], sales["creditNoteGst"],
             sales["gstCollected"], fees["rows"], fees["feesExGst"], fees["gstOnFees"], c["netGst"]]
        )  # fmt: skip
    return _csv(header, rows)


# -- HTML -----------------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}
.meta{color:#5b6475}.counts{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.count{border:1px solid #d8dde6;border-radius:8px;padding:.6rem 1rem;min-width:8rem}
.count b{display:block;font-size:1.4rem}.ok{color:#19703c}.bad{color:#b3261e}
table{border-collapse:collapse;width:100%;margin-top:.5rem}th,td{text-align:left;padding:.4rem .6rem;
border-bottom:1px solid #e4e7ee;vertical-align:top}th{background:#f4f6fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.85em}
"""


def _local(moment: str, zone: ZoneInfo) -> str:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed.astimezone(zone).strftime("%d %b %Y %H:%M")


def _page(title: str, body: str, links: Mapping[str, str]) -> str:
    nav = " · ".join(f'<a href="{escape(href)}">{escape(label)}</a>' for label, href in links.items())
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body>{body}<p class=meta>{nav}</p></body></html>"
    )


def _count(label: str, value: Any, good: bool | None = None) -> str:
    css = "" if good is None else (" ok" if good else " bad")
    return f'<div class="count"><b class="{css.strip()}">{escape(str(value))}</b>{escape(label)}</div>'


def _discrepancy_tables(discrepancies: Sequence[Mapping[str, Any]]) -> str:
    if not discrepancies:
        return "<p class=ok>Afterpay and Cin7 agree on every order of the window.</p>"
    parts = []
    for kind, title in TYPE_TITLES.items():
        found = [d for d in discrepancies if d["type"] == kind]
        if not found:
            continue
        rows = "".join(
            "<tr>"
            f"<td><code>{escape(d['afterpayOrderId'])}</code></td>"
            f"<td>{'<br>'.join(f'<code>{escape(s)}</code>' for s in d['cin7SaleIds']) or '—'}</td>"
            f"<td>{escape(_pairs(d['expected'])) or '—'}</td>"
            f"<td>{escape(_pairs(d['actual'])) or '—'}</td>"
            f"<td>{'healed' if d['healed'] else ''}</td>"
            f"<td>{escape(d.get('detail', ''))}</td>"
            "</tr>"
            for d in found
        )
        parts.append(
            f"<h2>{escape(title)} ({len(found)})</h2><table><tr><th>Afterpay order</th><th>Cin7 sales</th>"
            f"<th>Expected</th><th>Found in Cin7</th><th></th><th>What to do</th></tr>{rows}</table>"
        )
    return "".join(parts)


def reconciliation_html(report: Mapping[str, Any], zone: ZoneInfo, links: Mapping[str, str]) -> str:
    """The report as a page: the window in the merchant's time, counts, a table per type."""
    counts = report["counts"]
    window = report["window"]
    found = counts["discrepancies"]
    body = (
        f"<h1>Reconciliation {escape(report['id'])}</h1>"
        f"<p class=meta>Afterpay orders created {escape(_local(window['from'], zone))} to "
        f"{escape(_local(window['to'], zone))} ({escape(zone.key)}) · run "
        f"{escape(_local(report['createdAt'], zone))} ({escape(report.get('trigger', 'api'))})"
        f"{' · auto-heal on' if report.get('autoHeal') else ''}</p>"
        '<div class="counts">'
        + _count("Afterpay orders", counts["afterpay"])
        + _count("Cin7 sales", counts["cin7"])
        + _count("matched", counts["matched"])
        + _count("discrepancies", found, good=found == 0)
        + _count("healed", report.get("healed", 0))
        + "</div>"
        + _discrepancy_tables(report["discrepancies"])
    )
    return _page(f"Reconciliation {report['id']}", body, links)


def settlement_html(report: Mapping[str, Any], links: Mapping[str, str]) -> str:
    """The settlement check as a page: one line per deposit, then the discrepancies."""
    rows = "".join(
        "<tr>"
        f"<td>{escape(str(s['settlementDate']))}</td>"
        + "".join(
            f"<td class=num>{escape(str(s[k]))}</td>"
            for k in ("orders", "refundCount", "gross", "refunds", "merchantFeeExclTax", "merchantFeeTax", "net")
        )
        + "</tr>"
        for s in report["summaries"]
    )
    counts = report["counts"]
    body = (
        f"<h1>Settlement check {escape(report['id'])}</h1>"
        f"<p class=meta>{counts['rows']} rows, {counts['orders']} orders</p>"
        "<h2>Deposits</h2><table><tr><th>Settlement date</th><th>Orders</th><th>Refunds</th><th>Gross</th>"
        f"<th>Refunded</th><th>Fee ex GST</th><th>GST on fee</th><th>Net deposit</th></tr>{rows}</table>"
        + _discrepancy_tables(report["discrepancies"])
    )
    return _page(f"Settlement check {report['id']}", body, links)
