"""Sale headers: create, update, void and undo (cin7.md A7).

Every sale starts as a Simple Sale (one quote, order, fulfilment and invoice; their task IDs are
the sale ID); a second credit note turns it into an Advanced Sale (billing.py). A POST needs
``Location`` and a customer, by ``CustomerID`` or by exact name; ``CustomerID`` wins when both
are sent, as in the blueprint's example where the posted name "Test" comes back as the
customer's real name. Unknown properties are ignored, as .NET model binding ignores them (an
embedded ``Order`` is therefore not created: cin7.md A7 UNVERIFIED).
"""

from __future__ import annotations

import copy
from decimal import Decimal

from app.sandbox.cin7 import payloads, seed, stock
from app.sandbox.cin7.errors import RuleError, ValidationError
from app.sandbox.cin7.models import (
    AUTHORISED,
    DRAFT,
    NOT_AVAILABLE,
    VOIDED,
    Customer,
    CustomerAddress,
    Document,
    Location,
    Sale,
    SaleAddress,
)
from app.sandbox.cin7.payloads import Event
from app.sandbox.cin7.store import Cin7Store, new_id
from app.sandbox.cin7.wire import Fields

_TEXT_FIELDS = (
    # (property, attribute, max length) from the POST/PUT table, cin7.md A7
    ("Contact", "contact", 256),
    ("Phone", "phone", 50),
    ("Email", "email", 256),
    ("ShippingNotes", "shipping_notes", 1024),
    ("Note", "note", 1024),
    ("CustomerReference", "customer_reference", 256),
    ("SalesRepresentative", "sales_representative", 256),
    ("Carrier", "carrier", 256),
    ("ExternalID", "external_id", 256),
)
_NOT_NULL = ("shipping_notes", "note", "customer_reference")


def create_sale(store: Cin7Store, body: Fields) -> tuple[Sale, list[Event]]:
    """POST /sale: validate the header and add a new Simple Sale."""
    sale_type = body.text("SaleType", max_length=50)
    if sale_type is not None and sale_type.strip().lower() != "simple":
        raise ValidationError(f"SaleType '{sale_type}' is not simulated: the sandbox models Simple sales only.")
    if body.boolean("ServiceOnly"):
        raise ValidationError("ServiceOnly sales are not simulated: the sandbox models Simple sales only.")
    customer = _customer(store, body)
    location = _location(store, body, required=True)
    assert location is not None
    now = store.now()
    contact = customer.default_contact()
    billing = customer.address_of_type("Billing") or customer.address_of_type("Business")
    shipping = customer.address_of_type("Shipping")
    sale = Sale(
        id=new_id(),
        order_number="",
        customer_id=customer.id,
        customer=customer.name,
        location_id=location.id,
        created=now,
        updated=now,
        tax_rule=customer.tax_rule,
        tax_inclusive=False,
        base_currency=store.base_currency,
        customer_currency=customer.currency,
        currency_rate=_currency_rate(store, body, customer),
        default_account=customer.revenue_account,
        contact=contact.name if contact else None,
        phone=contact.phone if contact else None,
        email=contact.email if contact else None,
        terms=customer.payment_term,
        price_tier=customer.price_tier,
        carrier=customer.carrier,
        sales_representative=customer.sales_representative,
        sale_order_date=now.date(),
        billing_address=_from_customer(billing) if billing else None,
        shipping_address=_from_customer(shipping) if shipping else None,
    )
    _apply_header(store, sale, body)
    sale.skip_quote = body.boolean("SkipQuote")
    # Numbered and stamped only once valid, so a refused POST leaves no gap in the series.
    sale.order_number = store.next_number("SO")
    sale.created = sale.updated = store.stamp()
    store.sales[sale.id] = sale
    return sale, [payloads.sale_created(sale)]


def update_sale(store: Cin7Store, body: Fields) -> Sale:
    """PUT /sale: update header fields of an existing, not voided sale."""
    sale_id = body.required_guid("ID")
    current = store.sales.get(sale_id)
    if current is None:
        raise ValidationError(f"Sale with ID {sale_id} not found.")
    sale = copy.deepcopy(current)  # a refused update must leave the sale as it was
    if sale.voided:
        raise RuleError("Sale is voided and can not be changed.")
    if body.given("CustomerID") or body.given("Customer"):
        customer = _customer(store, body)
        if customer.id != sale.customer_id and sale.invoice is not None:
            raise RuleError("The customer can not be changed once the sale has an invoice.")
        sale.customer_id, sale.customer, sale.customer_currency = customer.id, customer.name, customer.currency
    location = _location(store, body, required=False)
    if location is not None and location.id != sale.location_id:
        if sale.order.status == AUTHORISED:
            raise RuleError("Location can not be changed after the order is authorised.")
        sale.location_id = location.id
    if body.has("SkipQuote"):
        skip = body.boolean("SkipQuote")
        if skip != sale.skip_quote and sale.quote.status != NOT_AVAILABLE:
            raise RuleError("SkipQuote can not be changed once the quote has been started.")
        sale.skip_quote = skip
    if body.has("CurrencyRate"):
        sale.currency_rate = _currency_rate(store, body, store.customers[sale.customer_id])
    _apply_header(store, sale, body)
    store.touch(sale)
    store.sales[sale.id] = sale
    return sale


def _apply_header(store: Cin7Store, sale: Sale, body: Fields) -> None:
    """The header fields common to POST and PUT; only properties that were sent change."""
    for name, attribute, length in _TEXT_FIELDS:
        if body.has(name):
            value = body.text(name, max_length=length)
            setattr(sale, attribute, (value or "") if attribute in _NOT_NULL else value)
    if body.given("DefaultAccount"):
        code = body.required_text("DefaultAccount", max_length=50)
        if store.account(code) is None:
            raise ValidationError(f"DefaultAccount: Account with code '{code}' not found.")
        sale.default_account = code
    if body.given("TaxRule"):
        sale.tax_rule = store.sale_tax_rule(body.required_text("TaxRule", max_length=50), "TaxRule").name
    if body.has("TaxInclusive"):
        inclusive = body.boolean("TaxInclusive")
        has_lines = any(d.lines or d.charges for d in _documents(sale))
        if inclusive != sale.tax_inclusive and has_lines:
            raise RuleError("TaxInclusive can not be changed once the sale has lines.")
        sale.tax_inclusive = inclusive
    if body.given("Terms"):
        term = store.payment_term_named(body.required_text("Terms", max_length=256))
        if term is None:
            raise ValidationError(f"Terms: Payment term '{body.raw('Terms')}' not found.")
        sale.terms = term.name
    if body.given("PriceTier"):
        tier = body.required_text("PriceTier", max_length=50).strip()
        match = next((t for t in seed.PRICE_TIERS if t.lower() == tier.lower()), None)
        if match is None:
            raise ValidationError(f"PriceTier: Price tier '{tier}' not found.")
        sale.price_tier = match
    if body.has("ShipBy"):
        sale.ship_by = body.date("ShipBy")
    if body.given("SaleOrderDate"):
        sale.sale_order_date = body.date("SaleOrderDate")
    billing = body.object("BillingAddress")
    if billing is not None:
        sale.billing_address = _address(billing, shipping=False)
    shipping = body.object("ShippingAddress")
    if shipping is not None:
        sale.shipping_address = _address(shipping, shipping=True)
    attributes = body.object("AdditionalAttributes")
    if attributes is not None:
        for name in attributes.names():
            slot = name.lower().removeprefix("additionalattribute")
            if not slot.isdigit() or not 1 <= int(slot) <= 10:
                raise ValidationError(
                    f"AdditionalAttributes.{name}: use AdditionalAttribute1 to AdditionalAttribute10."
                )
            sale.attributes[int(slot) - 1] = attributes.text(name, max_length=256) or ""


def _documents(sale: Sale) -> list[Document]:
    docs: list[Document] = [sale.quote, sale.order]
    docs += [sale.invoice] if sale.invoice is not None else []
    docs += sale.credit_notes
    return docs


def _customer(store: Cin7Store, body: Fields) -> Customer:
    customer_id = body.guid("CustomerID")
    if customer_id is not None:
        customer = store.customers.get(customer_id)
        if customer is None:
            raise ValidationError(f"Customer with ID {customer_id} not found.")
        return customer
    name = body.text("Customer", max_length=256)
    if not name:
        raise ValidationError("Customer or CustomerID is required.")
    customer = store.customer_named(name)
    if customer is None:
        raise ValidationError(f"Customer '{name}' not found. Create it with POST /customer first.")
    return customer


def _location(store: Cin7Store, body: Fields, *, required: bool) -> Location | None:
    name = body.text("Location", max_length=256, required=required)
    if name is None:
        return None
    location = store.location_named(name)
    if location is None:
        raise ValidationError(f"Location '{name}' not found.")
    return location


def _currency_rate(store: Cin7Store, body: Fields, customer: Customer) -> Decimal:
    rate = body.decimal("CurrencyRate", places=5)
    if rate is None:
        # cin7.md A7: "required if customer currency is different from base currency".
        if customer.currency != store.base_currency:
            raise ValidationError(
                f"CurrencyRate is required: the customer pays in {customer.currency}, "
                f"the base currency is {store.base_currency}."
            )
        return Decimal("1")
    if rate <= 0:
        raise ValidationError("CurrencyRate must be greater than 0.")
    return rate


def _address(item: Fields, *, shipping: bool) -> SaleAddress:
    return SaleAddress(
        line1=item.required_text("Line1", max_length=256),
        country=item.required_text("Country", max_length=256),
        line2=item.text("Line2", max_length=256),
        city=item.text("City", max_length=256),
        state=item.text("State", max_length=256),
        postcode=item.text("Postcode", max_length=20),
        company=item.text("Company", max_length=128) if shipping else None,
        contact=item.text("Contact", max_length=512) if shipping else None,
        ship_to_other=item.boolean("ShipToOther") if shipping else False,
    )


def _from_customer(address: CustomerAddress) -> SaleAddress:
    return SaleAddress(
        line1=address.line1,
        country=address.country,
        line2=address.line2,
        city=address.city,
        state=address.state,
        postcode=address.postcode,
    )


# -- void and undo ----------------------------------------------------------------------------------


def void_sale(store: Cin7Store, sale: Sale) -> list[Event]:
    """DELETE /sale?Void=true: every document VOIDED, allocated stock released.

    Refused once goods have shipped (the stock has left; the bridge alerts a person instead,
    DESIGN.md §4) and while payments are recorded (delete them first), both UNVERIFIED choices.
    """
    if sale.voided:
        raise RuleError("Sale is already voided.")
    if sale.shipped:
        raise RuleError("Sale has an authorised shipment and can not be voided.")
    if sale.payments:
        raise RuleError("Sale has payments. Delete the payments before voiding the sale.")
    changed = stock.release(store, sale)
    # "everything VOIDED": quote and order too, even a quote the sale skipped.
    for document in _documents(sale):
        document.status = VOIDED
    if sale.fulfilment is not None:
        task = sale.fulfilment
        task.pick_status = task.pack_status = task.ship_status = VOIDED
    sale.voided = True
    store.touch(sale)
    return _with_stock(store, [payloads.sale_voided(sale)], changed)


def undo_sale(store: Cin7Store, sale: Sale) -> list[Event]:
    """DELETE /sale?Void=false: revert every authorisation (cin7.md A7 "undo").

    Authorised quote, order, invoice and every credit note go back to DRAFT (each keeps its number
    and task ID, and an Advanced Sale stays one); allocations are released, a shipment and every
    restock are reversed. Refused while payments (refunds included) are recorded.
    """
    if sale.voided:
        raise RuleError("Sale is voided and can not be undone.")
    if sale.payments:
        raise RuleError("Sale has payments. Delete the payments before undoing the sale.")
    documents = _documents(sale)
    if not any(d.status == AUTHORISED for d in documents):
        raise RuleError("There is nothing to undo: no document of the sale is authorised.")
    changed = stock.reverse_movements(store, sale) | stock.release(store, sale)
    for document in documents:
        if document.status == AUTHORISED:
            document.status = DRAFT
    sale.fulfilment = None
    store.touch(sale)
    return _with_stock(store, [payloads.sale_undone(sale)], changed)


def _with_stock(store: Cin7Store, events: list[Event], changed: set[str]) -> list[Event]:
    event = payloads.stock_changed(store, changed) if changed else None
    return [*events, event] if event is not None else events
