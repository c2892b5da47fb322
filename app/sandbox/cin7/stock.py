"""Stock on hand, allocations and backorders (cin7.md A8, A15, C7).

Authorising an order allocates stock at the sale's location; what is not available is silently
backordered. Shipping takes the allocated stock off hand; a credit note's restock lines put stock
back; voiding or undoing a sale releases what it holds. Availability is always derived:
Available = OnHand - Allocated, StockOnHand = OnHand x average cost (the stock's value, as in
the blueprint's example where 497 on hand at cost 5 is worth 2485).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.sandbox.cin7.errors import RuleError
from app.sandbox.cin7.models import Allocation, CreditNote, Location, Movement, Product, Sale
from app.sandbox.cin7.money import ZERO, cents
from app.sandbox.cin7.store import Cin7Store

Changed = set[str]  # product IDs whose availability changed


def allocate(store: Cin7Store, sale: Sale) -> Changed:
    """Allocate the order's stock lines at the sale's location; backorder the shortfall."""
    changed: Changed = set()
    sale.allocations = []
    for index, line in enumerate(sale.order.lines):
        product = store.products[line.product_id]
        line.backorder_quantity = ZERO
        if not product.is_stock:
            continue
        key = (product.id, sale.location_id)
        store.ensure_stock_record(key)
        take = min(line.quantity, max(store.available(key), ZERO))
        store.allocated[key] += take
        line.backorder_quantity = line.quantity - take
        sale.allocations.append(Allocation(product.id, sale.location_id, take, line.quantity - take, index))
        changed.add(product.id)
    return changed


def release(store: Cin7Store, sale: Sale) -> Changed:
    """Give back everything the sale's order holds."""
    changed: Changed = set()
    for allocation in sale.allocations:
        key = (allocation.product_id, allocation.location_id)
        store.allocated[key] -= allocation.quantity
        changed.add(allocation.product_id)
    sale.allocations = []
    for line in sale.order.lines:
        line.backorder_quantity = ZERO
    return changed


def fill_backorders(store: Cin7Store, sale: Sale) -> Changed:
    """Allocate backordered quantities that have become available; RuleError if any is still short.

    Picking needs the goods on the shelf, so a ship (which implies a pick) cannot go ahead while a
    line is still on backorder.
    """
    changed: Changed = set()
    short: list[str] = []
    for allocation in sale.allocations:
        if allocation.backordered <= 0:
            continue
        key = (allocation.product_id, allocation.location_id)
        if store.available(key) < allocation.backordered:
            short.append(store.products[allocation.product_id].sku)
    if short:
        raise RuleError(f"Not enough stock to pick: {', '.join(sorted(set(short)))} is on backorder.")
    for allocation in sale.allocations:
        if allocation.backordered <= 0:
            continue
        key = (allocation.product_id, allocation.location_id)
        store.allocated[key] += allocation.backordered
        allocation.quantity += allocation.backordered
        allocation.backordered = ZERO
        sale.order.lines[allocation.line_index].backorder_quantity = ZERO
        changed.add(allocation.product_id)
    return changed


def ship(store: Cin7Store, sale: Sale, task_id: str, when: datetime) -> Changed:
    """Take the allocated stock off hand and record the movements with their cost of goods."""
    changed: Changed = set()
    for allocation in sale.allocations:
        key = (allocation.product_id, allocation.location_id)
        product = store.products[allocation.product_id]
        store.allocated[key] -= allocation.quantity
        store.on_hand[key] -= allocation.quantity
        sale.movements.append(
            Movement(
                task_id=task_id,
                product_id=product.id,
                location_id=allocation.location_id,
                moved_at=when,
                quantity=-allocation.quantity,
                cogs=cents(allocation.quantity * product.average_cost),
            )
        )
        changed.add(product.id)
    sale.allocations = []
    return changed


def restock(store: Cin7Store, sale: Sale, note: CreditNote, when: datetime) -> Changed:
    """Put one credit note's restock lines back on hand (movements under the note's task ID)."""
    changed: Changed = set()
    task_id = note.task_id
    for line in note.restock:
        key = (line.product_id, line.location_id)
        store.ensure_stock_record(key)
        store.on_hand[key] += line.quantity
        product = store.products[line.product_id]
        sale.movements.append(
            Movement(
                task_id=task_id,
                product_id=product.id,
                location_id=line.location_id,
                moved_at=when,
                quantity=line.quantity,
                cogs=-cents(line.quantity * product.average_cost),
            )
        )
        changed.add(product.id)
    return changed


def reverse_movements(store: Cin7Store, sale: Sale) -> Changed:
    """Undo every shipment and restock of the sale (used by Undo)."""
    changed: Changed = set()
    for movement in sale.movements:
        store.on_hand[(movement.product_id, movement.location_id)] -= movement.quantity
        changed.add(movement.product_id)
    sale.movements = []
    return changed


def shipped_quantity(sale: Sale, product_id: str) -> Decimal:
    """How much of a product the sale has shipped, less what every credit note has restocked."""
    return -sum((m.quantity for m in sale.movements if m.product_id == product_id), ZERO)


@dataclass(frozen=True)
class Availability:
    """The stock of one product at one location."""

    product: Product
    location: Location
    on_hand: Decimal
    allocated: Decimal

    @property
    def available(self) -> Decimal:
        """On hand less allocated."""
        return self.on_hand - self.allocated

    @property
    def value(self) -> Decimal:
        """StockOnHand: the value of the stock on hand at average cost."""
        return cents(self.on_hand * self.product.average_cost)


def availability(store: Cin7Store, product_ids: set[str] | None = None) -> list[Availability]:
    """One entry per stock product and location with a stock record, in catalogue order."""
    location_order = list(store.locations)
    entries: list[Availability] = []
    for product in store.products.values():
        if not product.is_stock or (product_ids is not None and product.id not in product_ids):
            continue
        keys = sorted((key for key in store.on_hand if key[0] == product.id), key=lambda k: location_order.index(k[1]))
        entries.extend(
            Availability(product, store.locations[key[1]], store.on_hand[key], store.allocated.get(key, ZERO))
            for key in keys
        )
    return entries
