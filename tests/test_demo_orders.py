"""The demo's seeded orders are realistic and consistent: the Afterpay simulator accepts
every one, and each maps to Cin7 documents without corrective adjustments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from app.afterpay.schemas import load_payment
from app.cli.demo import _demo_mapping_file
from app.domain.mapping import map_payment
from app.mapping_file import load_mapping_rules
from app.sandbox.cin7.seed import SEED_PRODUCTS
from app.sandbox.demo_orders import demo_payments
from tests.sims import AfterpaySim


def test_demo_orders_are_accepted_and_map_cleanly(afterpay: AfterpaySim, tmp_path: Path) -> None:
    rules = load_mapping_rules(_demo_mapping_file(tmp_path))
    skus = {product.sku for product in SEED_PRODUCTS}
    orders = demo_payments(36, now=datetime.now(UTC))
    emails = [order["orderDetails"]["consumer"]["email"] for order in orders]
    assert len(set(emails)) < len(emails) * 0.6  # repeat customers
    for order in orders:
        stored = afterpay.create_payment(**order)
        mapped = map_payment(load_payment(afterpay.get(f"/v2/payments/{stored['id']}").json()), rules)
        assert not [w for w in mapped.warnings if "djustment" in w], mapped.warnings
        assert {line.sku for line in mapped.order.lines} <= skus
        body = mapped.to_dict()
        total = sum(Decimal(str(x["Total"])) for x in body["order"]["Lines"] + body["order"]["AdditionalCharges"])
        assert total == Decimal(body["totals"]["total"])
    states = {o["paymentState"] for o in orders}
    assert {"CAPTURED", "AUTH_APPROVED", "PARTIALLY_CAPTURED", "VOIDED"} <= states
    assert sum(1 for o in orders if o.get("refunds")) >= 2
