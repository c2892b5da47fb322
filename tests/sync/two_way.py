"""A whole bridge for two-way tests: the web process (Cin7 and Afterpay deliver to it),
workers, optionally the cron scheduler, an alert receiver, and the two simulators."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from app.cin7.webhooks import webhook_token
from app.config import Settings
from app.services import Services
from tests.conftest import AUTH
from tests.processes import BRIDGE, ROOT, Proc, free_port, http_ok, process_env, wait_for
from tests.receiver import Receiver, receiver
from tests.sims import AfterpaySim, Cin7Sim, money

DISPUTE_SECRET = "dispute-secret-5a1f"
EMPTY_TASK = "00000000-0000-0000-0000-000000000000"


@dataclass
class Bridge:
    """The running bridge under test and handles on everything around it."""

    settings: dict[str, str]
    afterpay: AfterpaySim
    cin7: Cin7Sim
    alerts: Receiver
    port: int
    procs: dict[str, Proc] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def services(self) -> Services:
        return Services(Settings.from_mapping(self.settings))

    @property
    def token(self) -> str:
        return webhook_token(Settings.from_mapping(self.settings))

    def start(self, name: str, *args: str) -> Proc:
        proc = Proc([*BRIDGE, *args], process_env(self.settings), name=name)
        self.procs[name] = proc
        return proc

    def start_web(self) -> None:
        self.start("web", "serve", "--port", str(self.port), "--workers", "1")
        wait_for(lambda: http_ok(f"{self.url}/healthz"), timeout=30, what="the bridge web process")

    def stop(self, name: str) -> None:
        self.procs.pop(name).stop()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*BRIDGE, *args], cwd=ROOT, env=process_env(self.settings), capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip

    def register_webhooks(self) -> None:
        result = self.cli("cin7", "register-webhooks", "--url", self.url)
        assert result.returncode == 0, result.stderr
        assert "created" in result.stdout

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.url}{path}", headers=AUTH, timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()

    def deliver(self, body: Any) -> requests.Response:
        """POST a Cin7 webhook payload to the bridge as Cin7 would."""
        return requests.post(
            f"{self.url}/v1/webhooks/cin7", json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )

    def upsert(self, order_id: str) -> dict[str, Any]:
        """Sync an order through the API and wait for the job."""
        response = requests.post(
            f"{self.url}/v1/upsert-cin7",
            json={"afterpayOrderId": order_id},
            headers={**AUTH, "Idempotency-Key": f"t-{order_id}-{datetime.now(UTC).timestamp()}", "Prefer": "wait=30"},
            timeout=40,
        )
        body: dict[str, Any] = response.json()
        assert body.get("status") == "finished", body
        return body

    # -- Afterpay and Cin7 as seen from outside ---------------------------------------------------

    def payment(self, order_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.afterpay.get(f"/v2/payments/{order_id}").json()
        return body

    def sale(self, order_id: str) -> dict[str, Any]:
        rows = self.cin7.sales(ExternalID=order_id)
        assert len(rows) == 1, rows
        sale: dict[str, Any] = self.cin7.get("sale", ID=rows[0]["SaleID"])
        return sale

    def wait_sale(self, order_id: str, check: Any = bool, what: str = "", timeout: float = 45) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            rows = self.cin7.sales(ExternalID=order_id)
            if len(rows) != 1:
                return None
            sale: dict[str, Any] = self.cin7.get("sale", ID=rows[0]["SaleID"])
            return sale if check(sale) else None

        found = wait_for(ready, timeout=timeout, what=what or f"the Cin7 sale of {order_id}", interval=0.3)
        assert isinstance(found, dict)
        return found

    def wait_payment(self, order_id: str, check: Any, what: str, timeout: float = 45) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            payment = self.payment(order_id)
            return payment if check(payment) else None

        found = wait_for(ready, timeout=timeout, what=what, interval=0.3)
        assert isinstance(found, dict)
        return found

    def idle(self, timeout: float = 45) -> None:
        """Wait until no job is queued, scheduled or running."""
        services = self.services

        def quiet() -> bool:
            for queue in services.queues():
                if queue.count or queue.started_job_registry.count or queue.scheduled_job_registry.count:
                    return False
            return True

        wait_for(quiet, timeout=timeout, what="the bridge's queues to drain", interval=0.3)

    def ship(self, sale_id: str) -> None:
        response = self.cin7.send("POST", "sale/fulfilment/ship", {"TaskID": sale_id, "Status": "AUTHORISED"})
        assert response.status_code == 200, response.text

    def void(self, sale_id: str) -> None:
        response = self.cin7.send("DELETE", "sale", ID=sale_id, Void="true")
        assert response.status_code == 200, response.text

    def credit_note(self, sale: dict[str, Any], amount: str, memo: str = "Goodwill: scuffed box") -> dict[str, Any]:
        """A credit note a person raises in Cin7 (no bridge memo key)."""
        invoice = sale["Invoices"][0]["InvoiceNumber"]
        tax = f"{float(amount) / 11:.2f}"
        response = self.cin7.send(
            "POST",
            "sale/creditnote",
            {
                "SaleID": sale["ID"],
                "TaskID": EMPTY_TASK,
                "CreditNoteInvoiceNumber": invoice,
                "Memo": memo,
                "Status": "AUTHORISED",
                "CreditNoteDate": datetime.now(UTC).strftime("%Y-%m-%d"),
                "Lines": [],
                "AdditionalCharges": [
                    {"Description": memo, "Quantity": 1, "Price": float(amount), "Tax": float(tax),
                     "TaxRule": "GST on Income", "Total": float(amount)}
                ],
            },
        )  # fmt: skip
        assert response.status_code == 200, response.text
        note: dict[str, Any] = response.json()["CreditNotes"][0]
        return note

    def afterpay_refund(self, order_id: str, amount: str, request_id: str) -> None:
        """A refund made in Afterpay's merchant portal."""
        response = self.afterpay.post(
            f"/v2/payments/{order_id}/refund",
            {"requestId": request_id, "amount": money(amount), "merchantReference": f"portal-{request_id}"},
        )
        assert response.status_code == 201, response.text


def bridge_settings(sim_settings: dict[str, str], port: int, alerts: Receiver) -> dict[str, str]:
    return {
        **sim_settings,
        "BRIDGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ALERT_WEBHOOK_URL": alerts.url,
        "AFTERPAY_DISPUTE_WEBHOOK_SECRET": DISPUTE_SECRET,
        "BRIDGE_POLL_SECONDS": "2",
        "BRIDGE_WEBHOOK_CHECK_SECONDS": "2",
        "BRIDGE_ORDER_LOCK_SECONDS": "5",
    }


@contextmanager
def running_bridge(
    sim_settings: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim, *, workers: int = 2
) -> Iterator[Bridge]:
    with receiver([200]) as alerts:
        port = free_port()
        bridge = Bridge(bridge_settings(sim_settings, port, alerts), afterpay, cin7, alerts, port)
        try:
            bridge.start_web()
            for index in range(workers):
                bridge.start(f"worker-{index}", "worker")
            yield bridge
        finally:
            for proc in bridge.procs.values():
                proc.stop()
