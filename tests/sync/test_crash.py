"""A worker killed (SIGKILL, the whole process tree) in the middle of each saga step, while its
write is on the wire: the next worker completes the order with one sale and the right money."""

from __future__ import annotations

import contextlib
import signal
import time
from decimal import Decimal

import psutil
import pytest
import redis

from app.afterpay.client import AfterpayClient, request_id_for
from app.config import Settings
from app.jobs.sync import enqueue_sync
from app.services import Services
from tests.processes import BRIDGE, Proc, process_env, wait_for
from tests.sims import AfterpaySim, Cin7Sim
from tests.sync.helpers import order_payment, saga, sale_row

pytestmark = pytest.mark.slow

# (the pending mark the saga sets before the write, the request to hold on the wire, refund first?)
STEPS = [
    ("header", "/sale$", False),
    ("order", "sale/order", False),
    ("invoice", "sale/invoice", False),
    ("payment:", "sale/payment", False),
    ("creditnote:", "sale/creditnote", True),
    ("refund:", "sale/payment", True),
]


def _kill_tree(proc: Proc) -> None:
    parent = psutil.Process(proc.pid)
    for process in [*parent.children(recursive=True), parent]:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGKILL)
    proc.popen.wait(timeout=10)


@pytest.mark.parametrize(("pending", "path", "after_refund"), STEPS, ids=[s[0].rstrip(":") for s in STEPS])
def test_killed_mid_step_then_resumed(
    pending: str,
    path: str,
    after_refund: bool,
    sim_settings: dict[str, str],
    afterpay: AfterpaySim,
    cin7: Cin7Sim,
    r: redis.Redis,
) -> None:
    settings = {**sim_settings, "BRIDGE_ORDER_LOCK_SECONDS": "2"}
    services = Services(Settings.from_mapping(settings))
    order_id = str(order_payment(afterpay)["id"])
    if after_refund:
        saga(settings).sync(order_id)
        client = AfterpayClient(base_url=afterpay.api, merchant_id="demo-merchant", secret_key="demo-secret")
        client.refund(
            order_id, Decimal("39.95"), "AUD", request_id=request_id_for("t", order_id), merchant_reference="RMA-9"
        )

    cin7.fault(method="POST", path=path, delay_ms=2500, count=1)
    env = process_env(settings)
    first = Proc([*BRIDGE, "worker"], env, name="worker-1")
    try:
        enqueue_sync(services, order_id)
        key = services.keys("order", order_id)
        wait_for(lambda: (r.hget(key, "pending") or "").startswith(pending), timeout=30, what=f"the {pending} write")
        _kill_tree(first)
    finally:
        first.stop()
    time.sleep(3)  # the held request completes at Cin7: the write happened, its answer is lost

    second = Proc([*BRIDGE, "worker"], env, name="worker-2")
    try:
        job = enqueue_sync(services, order_id)
        wait_for(lambda: job.get_status() in ("finished", "failed"), timeout=60, what="the resumed sync")
        assert job.get_status() == "finished", job.meta.get("problem")
    finally:
        second.stop()

    row = sale_row(cin7, order_id)  # exactly one sale
    sale = cin7.get("sale", ID=row["SaleID"])
    refunded = Decimal("39.95") if after_refund else Decimal("0")
    assert Decimal(str(row["PaidAmount"])) == Decimal("108.85") - refunded
    assert len(sale["Invoices"]) == 1 and len(sale["Invoices"][0]["Payments"]) == 1
    assert len(sale["CreditNotes"]) == (1 if after_refund else 0)
    assert sum(len(note["Refunds"]) for note in sale["CreditNotes"]) == (1 if after_refund else 0)
    assert r.hget(services.keys("order", order_id), "pending") is None
