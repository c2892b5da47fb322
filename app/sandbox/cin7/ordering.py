"""Quote, order and fulfilment of a simple sale (cin7.md A8, A11).

* ``POST /sale/quote`` fails when the sale skips the quote or the quote is past DRAFT.
* ``POST /sale/order`` needs ``SkipQuote`` or an authorised quote and an order still in DRAFT or
  NOT AVAILABLE; it overwrites the lines and charges ("POST will overwrite data in the related
  document", [APIB] L20033). Authorising allocates stock and silently backorders what is short;
  ``AutoPickPackShipMode`` is honoured only when nothing is backordered ([APIB] L22940-L22953).
* ``POST /sale/fulfilment/ship`` (TaskID = SaleID) ships the whole order. The blueprint requires
  an authorised pack first; on a simple sale the simulator authorises pick and pack implicitly
  (firing their webhooks), which needs every backordered quantity to be in stock by then.
"""

from __future__ import annotations

import copy

from app.sandbox.cin7 import payloads, stock
from app.sandbox.cin7.errors import RuleError, ValidationError
from app.sandbox.cin7.lines import LineReader
from app.sandbox.cin7.models import (
    AUTHORISED,
    DRAFT,
    NOT_AVAILABLE,
    Document,
    Fulfilment,
    PickPackLine,
    Sale,
    SaleAddress,
    ShipLine,
)
from app.sandbox.cin7.payloads import Event
from app.sandbox.cin7.store import Cin7Store, new_id
from app.sandbox.cin7.wire import Fields

AUTO_MODES = ("NOPICK", "AUTOPICK", "AUTOPICKPACK", "AUTOPICKPACKSHIP")
EDITABLE = (DRAFT, NOT_AVAILABLE)


def sale_for_write(store: Cin7Store, body: Fields, key: str = "SaleID") -> Sale:
    """A working copy of the sale named in the body; it replaces the stored one on success."""
    sale_id = body.required_guid(key)
    sale = store.sales.get(sale_id)
    if sale is None:
        raise ValidationError(f"Sale with ID {sale_id} not found.")
    if sale.voided:
        raise RuleError("Sale is voided and can not be changed.")
    return copy.deepcopy(sale)


def post_status(body: Fields) -> str:
    """The ``Status`` of a sub-document POST: DRAFT or AUTHORISED only (cin7.md A8, A9)."""
    status = body.required_text("Status").strip().upper()
    if status not in (DRAFT, AUTHORISED):
        raise ValidationError("Status must be DRAFT or AUTHORISED.")
    return status


def fill_document(document: Document, reader: LineReader, body: Fields, status: str, what: str) -> None:
    """Overwrite a document's lines, charges, memo and status from a POST body."""
    lines = reader.lines(body.objects("Lines") or [])
    charges = reader.charges(body.objects("AdditionalCharges") or [])
    if status == AUTHORISED and not lines and not charges:
        raise ValidationError(f"The {what} has no lines: send Lines or AdditionalCharges to authorise it.")
    document.lines = lines
    document.charges = charges
    document.memo = body.text("Memo", max_length=1024) or ""
    document.combine_additional_charges = body.boolean("CombineAdditionalCharges")
    document.status = status


def post_quote(store: Cin7Store, body: Fields, *, tax_validation: str) -> tuple[Sale, list[Event]]:
    """POST /sale/quote."""
    sale = sale_for_write(store, body)
    if sale.skip_quote:
        raise RuleError("The sale was created with SkipQuote = true: it has no quote to post.")
    if sale.quote.status not in EDITABLE:
        raise RuleError(f"Quote status is {sale.quote.status}: only a DRAFT or NOT AVAILABLE quote can be posted.")
    status = post_status(body)
    reader = LineReader(store, sale, tax_validation=tax_validation, with_account=False)
    fill_document(sale.quote, reader, body, status, "quote")
    store.touch(sale)
    store.sales[sale.id] = sale
    events = [payloads.sale_pointer("Sale/QuoteAuthorised", sale)] if status == AUTHORISED else []
    return sale, events


def post_order(store: Cin7Store, body: Fields, *, tax_validation: str) -> tuple[Sale, list[Event]]:
    """POST /sale/order."""
    sale = sale_for_write(store, body)
    if sale.order.status not in EDITABLE:
        raise RuleError(f"Order status is {sale.order.status}: only a DRAFT or NOT AVAILABLE order can be posted.")
    if not sale.skip_quote and sale.quote.status != AUTHORISED:
        raise RuleError("Quote is not authorised: authorise the quote first, or create the sale with SkipQuote = true.")
    status = post_status(body)
    mode = (body.text("AutoPickPackShipMode") or "NOPICK").strip().upper()
    if mode not in AUTO_MODES:
        raise ValidationError(f"AutoPickPackShipMode must be one of {', '.join(AUTO_MODES)}.")
    reader = LineReader(store, sale, tax_validation=tax_validation, with_account=False)
    fill_document(sale.order, reader, body, status, "order")
    store.touch(sale)
    store.sales[sale.id] = sale
    if status != AUTHORISED:
        return sale, []
    changed = stock.allocate(store, sale)
    sale.fulfilment = Fulfilment(task_id=sale.id)
    events = [payloads.sale_pointer("Sale/OrderAuthorised", sale)]
    if sale.backordered:
        events.append(payloads.sale_pointer("Sale/Backordered", sale))
    elif mode != "NOPICK":
        events += _authorise_pick(store, sale)
        if mode in ("AUTOPICKPACK", "AUTOPICKPACKSHIP"):
            events += _authorise_pack(store, sale)
        if mode == "AUTOPICKPACKSHIP":
            line = ShipLine(id=new_id(), shipment_date=store.now(), box="Box 1", carrier=sale.carrier)
            sale.fulfilment.ship_lines = [line]
            events += _authorise_ship(store, sale, changed)
    stock_event = payloads.stock_changed(store, changed)
    return sale, events + ([stock_event] if stock_event else [])


def _stock_lines(store: Cin7Store, sale: Sale, *, box: str | None) -> list[PickPackLine]:
    lines = []
    for allocation in sale.allocations:
        order_line = sale.order.lines[allocation.line_index]
        lines.append(
            PickPackLine(
                product_id=order_line.product_id,
                sku=order_line.sku,
                name=order_line.name,
                location_id=allocation.location_id,
                location=store.locations[allocation.location_id].name,
                quantity=allocation.quantity,
                box=box,
            )
        )
    return lines


def _authorise_pick(store: Cin7Store, sale: Sale) -> list[Event]:
    task = sale.fulfilment
    assert task is not None
    task.pick_lines = _stock_lines(store, sale, box=None)
    task.pick_status = AUTHORISED
    return [payloads.stage_authorised("Sale/PickAuthorised", sale, task.task_id)]


def _authorise_pack(store: Cin7Store, sale: Sale) -> list[Event]:
    task = sale.fulfilment
    assert task is not None
    task.pack_lines = _stock_lines(store, sale, box="Box 1")
    task.pack_status = AUTHORISED
    return [payloads.stage_authorised("Sale/PackAuthorised", sale, task.task_id)]


def _authorise_ship(store: Cin7Store, sale: Sale, changed: set[str]) -> list[Event]:
    task = sale.fulfilment
    assert task is not None
    changed |= stock.ship(store, sale, task.task_id, store.now())
    task.ship_status = AUTHORISED
    return [payloads.shipment_authorised(store, sale, task.task_id)]


def find_by_task(store: Cin7Store, task_id: str) -> Sale | None:
    """The sale a simple-sale task ID belongs to (every task ID of a simple sale is its sale ID)."""
    return store.sales.get(task_id)


def post_ship(store: Cin7Store, body: Fields) -> tuple[Sale, list[Event]]:
    """POST /sale/fulfilment/ship."""
    task_id = body.required_guid("TaskID")
    current = find_by_task(store, task_id)
    if current is None:
        raise ValidationError(f"Fulfilment task with TaskID {task_id} not found.")
    sale = copy.deepcopy(current)
    if sale.voided:
        raise RuleError("Sale is voided and can not be changed.")
    if sale.order.status != AUTHORISED or sale.fulfilment is None:
        raise RuleError("Order is not authorised: authorise the order before shipping.")
    task = sale.fulfilment
    if task.ship_status == AUTHORISED:
        raise RuleError("Shipment is already AUTHORISED.")
    status = body.required_text("Status").strip().upper()
    if status not in (DRAFT, AUTHORISED):
        raise ValidationError("Status must be DRAFT or AUTHORISED (partial shipments are not simulated).")
    lines = [_ship_line(store, sale, item) for item in body.objects("Lines") or []]
    if not lines:
        lines = [ShipLine(id=new_id(), shipment_date=store.now(), box="Box 1", carrier=sale.carrier)]
    require_by = body.date("RequireBy") if body.has("RequireBy") else task.require_by
    address = body.object("ShippingAddress")
    shipping_address = _ship_address(address) if address is not None else task.shipping_address
    notes = body.text("ShippingNotes", max_length=1024)
    events: list[Event] = []
    changed: set[str] = set()
    if status == AUTHORISED and task.pick_status != AUTHORISED:
        changed |= stock.fill_backorders(store, sale)  # refuses, before any change, if still short
    store.sales[sale.id] = sale
    task.ship_lines = lines
    task.require_by = require_by
    task.shipping_address = shipping_address
    task.shipping_notes = notes if notes is not None else task.shipping_notes
    if status == DRAFT:
        task.ship_status = DRAFT
    else:
        if task.pick_status != AUTHORISED:
            events += _authorise_pick(store, sale)
        if task.pack_status != AUTHORISED:
            events += _authorise_pack(store, sale)
        events += _authorise_ship(store, sale, changed)
        stock_event = payloads.stock_changed(store, changed)
        if stock_event is not None:
            events.append(stock_event)
    store.touch(sale)
    return sale, events


def _ship_line(store: Cin7Store, sale: Sale, item: Fields) -> ShipLine:
    when = item.datetime("ShipmentDate", required=True)
    assert when is not None
    return ShipLine(
        id=new_id(),
        shipment_date=when,
        box=item.text("Box", max_length=256) or item.text("Boxes", max_length=256) or "Box 1",
        carrier=item.text("Carrier", max_length=256) or sale.carrier,
        tracking_number=item.text("TrackingNumber", max_length=256) or "",
        tracking_url="",
        is_shipped=item.boolean("IsShipped", default=True),
    )


def _ship_address(item: Fields) -> SaleAddress:
    return SaleAddress(
        line1=item.required_text("Line1", max_length=256),
        country=item.required_text("Country", max_length=256),
        line2=item.text("Line2", max_length=256),
        city=item.text("City", max_length=256),
        state=item.text("State", max_length=256),
        postcode=item.text("Postcode", max_length=20),
        company=item.text("Company", max_length=128),
        contact=item.text("Contact", max_length=512),
        ship_to_other=item.boolean("ShipToOther"),
    )
