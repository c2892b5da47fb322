"""Shared pieces of the sync tests: a saga wired to the simulators and real Redis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.config import Settings
from app.services import Services
from app.sync.factory import order_sync
from app.sync.saga import OrderSync
from tests.sims import AfterpaySim, Cin7Sim, money

WRITES = ("POST", "PUT", "DELETE")


def saga(settings_map: dict[str, str]) -> OrderSync:
    return order_sync(Services(Settings.from_mapping(settings_map)))


def cin7_writes(cin7: Cin7Sim) -> list[str]:
    """Method and endpoint of every write the bridge sent to Cin7, in order."""
    return [
        f"{r['method']} {r['path'].split('/ExternalApi/v2/')[-1]}"
        for r in cin7.requests("/ExternalApi/")
        if r["method"] in WRITES
    ]


def order_payment(afterpay: AfterpaySim, state: str = "CAPTURED", amount: str = "108.85", email: str = "mia.nguyen@example.com.au",
                  **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A realistic AU order (two tees, shipping, GST) stored in the Afterpay simulator."""
    items_total = Decimal("79.90")
    shipping = Decimal(amount) - items_total
    return afterpay.create_payment(
        paymentState=state,
        originalAmount=money(amount),
        merchantReference="#WEB-10452",
        orderDetails={
            "consumer": {"email": email, "givenNames": "Mia", "surname": "Nguyen", "phoneNumber": "0412 345 678"},
            "billing": {"name": "Mia Nguyen", "line1": "12 Darling St", "area1": "Balmain", "region": "NSW",
                        "postcode": "2041", "countryCode": "AU"},
            "items": [{"name": "Organic Cotton Tee - White - M", "sku": "TEE-ORG-WHT-M", "quantity": 2,
                       "price": money("39.95")}],
            "shippingAmount": money(shipping),
            "taxAmount": money((Decimal(amount) / 11).quantize(Decimal("0.01"))),
        },
        **extra,
    )  # fmt: skip


def sale_row(cin7: Cin7Sim, order_id: str) -> dict[str, Any]:
    rows = cin7.sales(ExternalID=order_id)
    assert len(rows) == 1, rows
    return rows[0]


def wait_job(client: Any, job_id: str, auth: dict[str, str], statuses: tuple[str, ...] = ("finished", "failed"),
             timeout: float = 60) -> dict[str, Any]:  # fmt: skip
    """Poll GET /v1/jobs/{id} until the job reaches one of ``statuses``."""
    from tests.processes import wait_for

    def done() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=auth).get_json()
        return body if body["status"] in statuses else None

    found = wait_for(done, timeout=timeout, what=f"job {job_id} to be {'/'.join(statuses)}", interval=0.2)
    assert isinstance(found, dict)
    return found
