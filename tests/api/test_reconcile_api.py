"""POST /v1/reconcile, the reports as JSON, CSV and HTML, settlement files and the GST summary,
against the simulators and real Redis; jobs run by a real RQ worker in the test process."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from rq import SimpleWorker

from app import create_app
from app.config import Settings
from app.jobs.context import use_services
from app.services import Services
from tests.conftest import AUTH, problem
from tests.sims import AfterpaySim, Cin7Sim, money
from tests.sync.helpers import order_payment, saga


@pytest.fixture
def services(sim_settings: dict[str, str]) -> Iterator[Services]:
    svc = Services(Settings.from_mapping(sim_settings))
    use_services(svc)
    yield svc
    use_services(None)


@pytest.fixture
def app(sim_settings: dict[str, str]) -> Flask:
    return create_app(sim_settings)


def _drain(services: Services) -> None:
    SimpleWorker(services.queues(), connection=services.rq_redis).work(burst=True)


def _post(client: Any, path: str, key: str | None = None, **kwargs: Any) -> Any:
    headers = {**AUTH, "Idempotency-Key": key or uuid.uuid4().hex, **kwargs.pop("headers", {})}
    return client.post(path, headers=headers, **kwargs)


def _reconcile(client: Any, services: Services, body: dict[str, Any]) -> dict[str, Any]:
    response = _post(client, "/v1/reconcile", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.get_json()["id"]
    _drain(services)
    job = client.get(f"/v1/jobs/{job_id}", headers=AUTH).get_json()
    assert job["status"] == "finished", job
    result: dict[str, Any] = job["result"]
    return result


WINDOW = {"from": "2026-11-30T13:00:00Z", "to": "2026-12-01T13:00:00Z"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"from": "2026-12-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "#/to"),
        ({"from": "2025-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "#/to"),
        ({"from": "2026-12-01T00:00:00", "to": "2026-12-02T00:00:00Z"}, "#/from"),
        ({"to": "2026-12-02T00:00:00Z"}, "#/from"),
        ({**WINDOW, "autoHeal": "sometimes"}, "#/autoHeal"),
    ],
)
def test_bad_windows_point_at_the_field(client: Any, body: dict[str, Any], pointer: str) -> None:
    response = _post(client, "/v1/reconcile", json=body)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in problem(response)["errors"]]


def test_reconcile_runs_in_a_job_and_keeps_its_report(
    client: Any, services: Services, sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    assert problem(client.post("/v1/reconcile", json=WINDOW, headers=AUTH))["status"] == 400  # no key
    missing = str(order_payment(afterpay, created="2026-11-30T20:00:00.000Z")["id"])
    synced = str(order_payment(afterpay, created="2026-11-30T21:00:00.000Z")["id"])
    saga(sim_settings).sync(synced)
    first = _post(client, "/v1/reconcile", key="rec-1", json=WINDOW)
    replay = _post(client, "/v1/reconcile", key="rec-1", json=WINDOW)
    assert replay.get_data() == first.get_data() and replay.headers["Idempotent-Replayed"] == "true"
    _drain(services)
    report = client.get(first.headers["Location"], headers=AUTH).get_json()["result"]
    assert report["window"] == WINDOW and report["trigger"] == "api" and report["autoHeal"] is False
    assert report["counts"] == {"afterpay": 2, "cin7": 1, "matched": 1, "discrepancies": 1}
    assert [(d["type"], d["afterpayOrderId"], d["healed"]) for d in report["discrepancies"]] == [
        ("missing_in_cin7", missing, False)
    ]
    assert client.get(f"/v1/reconciliations/{report['id']}", headers=AUTH).get_json() == report
    listing = client.get("/v1/reconciliations", headers=AUTH).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == report["id"]
    assert "discrepancies" not in listing["items"][0]
    assert problem(client.get("/v1/reconciliations/rec-nope", headers=AUTH))["status"] == 404


def test_reports_read_as_csv_and_html_and_open_with_their_own_token(
    client: Any, services: Services, afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay, created="2026-11-30T20:00:00.000Z")["id"])
    report = _reconcile(client, services, {**WINDOW, "autoHeal": True})
    assert report["healed"] == 1 and report["discrepancies"][0]["healed"] is True
    path = f"/v1/reconciliations/{report['id']}"

    as_csv = client.get(path, headers={**AUTH, "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv" and "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0] == ["Type", "Afterpay order", "Cin7 sales", "Expected", "Found in Cin7", "Healed", "What to do"]
    assert rows[1][:2] == ["Missing in Cin7", order_id] and rows[1][5] == "yes"

    page = client.get(f"{path}?format=html", headers=AUTH)
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<h2>Missing in Cin7 (1)</h2>" in html and order_id in html and "Australia/Sydney" in html

    token = _token(html)
    opened = client.get(f"{path}?format=html&token={token}")  # a browser following an alert link
    assert opened.status_code == 200 and order_id in opened.get_data(as_text=True)
    assert client.get(f"{path}?format=csv&token={token}").status_code == 200
    assert problem(client.get(f"{path}?token={token[:-2]}xx"))["status"] == 401
    assert problem(client.get(path))["status"] == 401
    other = _reconcile(client, services, WINDOW)
    assert problem(client.get(f"/v1/reconciliations/{other['id']}?token={token}"))["status"] == 401


def _token(html: str) -> str:
    start = html.index("token=") + len("token=")
    return html[start : html.index('"', start)]


# -- settlements and GST ------------------------------------------------------------------------

SETTLEMENT_HEADER = (
    "Settlement Date,Afterpay Order ID,Type,Order Amount,Settlement Amount,Merchant Fee excl Tax,"
    "Merchant Fee Tax,Merchant Fee incl Tax,Net Settlement Amount,Afterpay Refund ID\n"
)


def test_a_settlement_file_is_matched_with_cin7_and_its_fees_reach_the_gst_summary(
    client: Any, services: Services, sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    sync = saga(sim_settings)
    # Captured 2026-11-30T12:00Z (23:00 in Sydney, November) and 14:00Z (01:00 on 1 December).
    november = str(order_payment(afterpay, created="2026-11-30T12:00:00.000Z")["id"])
    december = str(order_payment(afterpay, created="2026-11-30T14:00:00.000Z")["id"])
    refund = {"requestId": "r-1", "amount": money("20.00"), "merchantReference": "RMA-1"}
    assert afterpay.post(f"/v2/payments/{december}/refund", refund).status_code == 201
    for order_id in (november, december):
        sync.sync(order_id)
    unsynced = str(order_payment(afterpay, created="2026-11-30T15:00:00.000Z")["id"])
    text = SETTLEMENT_HEADER + "\n".join(
        [
            f"2026-12-02,{november},Order,108.85,108.85,4.00,0.40,4.40,104.45,",
            f"2026-12-02,{december},Order,108.85,108.85,4.00,0.40,4.40,104.45,",
            f"2026-12-03,{december},Refund,108.85,-20.00,-0.50,-0.05,-0.55,-19.45,rf-9",
            f"2026-12-03,{unsynced},Order,108.85,100.00,3.70,0.37,4.07,95.93,",
        ]
    )
    bad = _post(client, "/v1/settlements", data="Settlement Date,Nope\n2026-13-45,x\n",
                headers={"Content-Type": "text/csv"})  # fmt: skip
    assert bad.status_code == 422 and problem(bad)["errors"]
    response = _post(client, "/v1/settlements", data=text, headers={"Content-Type": "text/csv"})
    assert response.status_code == 202, response.get_data(as_text=True)
    _drain(services)
    report = client.get(response.headers["Location"], headers=AUTH).get_json()["result"]
    assert report["counts"] == {"rows": 4, "orders": 3, "discrepancies": 1}
    assert [(d["type"], d["afterpayOrderId"]) for d in report["discrepancies"]] == [("missing_in_cin7", unsynced)]
    assert [(s["settlementDate"], s["net"]) for s in report["summaries"]] == [
        ("2026-12-02", "208.90"),
        ("2026-12-03", "76.48"),
    ]
    assert report["feesRecorded"] == 4
    as_csv = client.get(f"/v1/settlements/{report['id']}?format=csv", headers=AUTH).get_data(as_text=True)
    assert as_csv.startswith("Settlement date,Orders,Refunds,Gross") and "Missing in Cin7" in as_csv

    # The same file again: its fees are not counted twice.
    again = _post(client, "/v1/settlements", data=text, headers={"Content-Type": "text/csv"})
    _drain(services)
    assert client.get(again.headers["Location"], headers=AUTH).get_json()["result"]["feesRecorded"] == 0
    listing = client.get("/v1/settlements?perPage=1", headers=AUTH).get_json()
    assert listing["total"] == 2 and len(listing["items"]) == 1 and listing["items"][0]["id"] != report["id"]

    gst = client.get("/v1/reports/gst?month=2026-12", headers=AUTH).get_json()
    assert (gst["from"], gst["to"], gst["timezone"]) == (
        "2026-11-30T13:00:00Z",
        "2026-12-31T13:00:00Z",
        "Australia/Sydney",
    )
    [aud] = gst["currencies"]
    # December: the second order's invoice (GST 9.90 of 108.85) less its refund's credit note
    # (20.00 x 9.90 / 108.85 = 1.82); fees of the three December settlements.
    assert aud["sales"] == {"invoices": 1, "invoiceTotal": "108.85", "invoiceGst": "9.90", "creditNotes": 1,
                            "creditNoteTotal": "20.00", "creditNoteGst": "1.82", "gstCollected": "8.08"}  # fmt: skip
    assert aud["fees"] == {"rows": 4, "feesExGst": "11.20", "gstOnFees": "1.12"}
    assert aud["netGst"] == "6.96"
    november_gst = client.get("/v1/reports/gst?month=2026-11", headers=AUTH).get_json()["currencies"][0]
    assert november_gst["sales"]["invoices"] == 1 and november_gst["sales"]["invoiceGst"] == "9.90"
    assert november_gst["fees"]["rows"] == 0
    utc = client.get("/v1/reports/gst?month=2026-11&timezone=UTC", headers=AUTH).get_json()["currencies"][0]
    assert utc["sales"]["invoices"] == 2  # cut in UTC both captures are November's
    as_csv = client.get("/v1/reports/gst?month=2026-12&format=csv", headers=AUTH).get_data(as_text=True)
    assert as_csv.splitlines()[1].startswith(
        "2026-12,Australia/Sydney,AUD,1,108.85,9.90,1,20.00,1.82,8.08,4,11.20,1.12,6.96"
    )
    for query in ("month=2026-13", "month=Dec", "month=9999-12", "month=2026-12&timezone=Mars/Olympus",
                  "month=2026-12&timezone=Australia"):  # fmt: skip
        assert problem(client.get(f"/v1/reports/gst?{query}", headers=AUTH))["status"] == 422


def test_csv_cells_never_start_a_formula() -> None:
    from app.reports import reconciliation_csv

    report = {
        "discrepancies": [
            {"type": "missing_in_afterpay", "afterpayOrderId": '=HYPERLINK("http://x","y")', "cin7SaleIds": ["s"],
             "expected": {}, "actual": {"invoiceAmount": "-20.00"}, "healed": False, "detail": "@SUM(A1)"}
        ]
    }  # fmt: skip
    [_, row] = list(csv.reader(io.StringIO(reconciliation_csv(report))))
    assert row[1].startswith("'=") and row[6].startswith("'@") and row[4] == "invoiceAmount: -20.00"
