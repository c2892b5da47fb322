"""Customers: create, update, search (cin7.md A14).

POST requires Name, Status, Currency, PaymentTerm, AccountReceivable, RevenueAccount and TaxRule;
every missing one is reported in the same Error Model list, each with the value the seed data
would suggest. Reference names (tax rule, payment term, accounts, location, price tier) must
exist (cin7.md C6). ``Name`` filters by prefix and ``ContactFilter`` matches a contact whose name
starts with the value or whose email equals it, both ignoring case.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Protocol, TypeVar

from app.sandbox.cin7 import seed
from app.sandbox.cin7.errors import ValidationError
from app.sandbox.cin7.models import Customer, CustomerAddress, CustomerContact
from app.sandbox.cin7.money import HUNDRED, ZERO
from app.sandbox.cin7.store import Cin7Store, new_id
from app.sandbox.cin7.wire import Fields, Query

ADDRESS_TYPES = ("Billing", "Business", "Shipping")
STATUSES = ("Active", "Deprecated")


def _required_hints(store: Cin7Store) -> dict[str, str]:
    return {
        "Name": "Name is required.",
        "Status": "Status is required: 'Active' or 'Deprecated'.",
        "Currency": f"Currency is required, e.g. '{store.base_currency}'.",
        "PaymentTerm": f"PaymentTerm is required, e.g. '{seed.DEFAULT_PAYMENT_TERM}' (see /ref/paymentterm).",
        "AccountReceivable": "AccountReceivable is required, e.g. '610' (see /ref/account).",
        "RevenueAccount": "RevenueAccount is required, e.g. '200' (see /ref/account).",
        "TaxRule": f"TaxRule is required, e.g. '{seed.GST_ON_INCOME}' (see /ref/tax).",
    }


def create_customer(store: Cin7Store, body: Fields, *, unique_names: bool) -> Customer:
    """Validate a POST /customer body and add the customer."""
    missing = [hint for name, hint in _required_hints(store).items() if not _present(body, name)]
    if missing:
        raise ValidationError(*missing)
    customer = Customer(
        id=new_id(),
        name="",
        status="Active",
        currency=store.base_currency,
        payment_term=seed.DEFAULT_PAYMENT_TERM,
        account_receivable="610",
        revenue_account="200",
        tax_rule=seed.GST_ON_INCOME,
        modified=store.stamp(),
    )
    _apply(store, customer, body, unique_names=unique_names, creating=True)
    store.customers[customer.id] = customer
    return customer


def update_customer(store: Cin7Store, body: Fields, *, unique_names: bool) -> Customer:
    """Validate a PUT /customer body (by ID) and update the customer; sub-entities by their ID."""
    customer_id = body.required_guid("ID")
    current = store.customers.get(customer_id)
    if current is None:
        raise ValidationError(f"Customer with ID {customer_id} not found.")
    updated = copy.deepcopy(current)  # a failed update must leave the customer as it was
    _apply(store, updated, body, unique_names=unique_names, creating=False)
    updated.modified = store.stamp()
    store.customers[customer_id] = updated
    return updated


def _present(body: Fields, name: str) -> bool:
    value = body.raw(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _apply(store: Cin7Store, customer: Customer, body: Fields, *, unique_names: bool, creating: bool) -> None:
    if body.has("Name"):
        name = body.required_text("Name", max_length=256).strip()
        clash = store.customer_named(name)
        if unique_names and clash is not None and clash.id != customer.id:
            raise ValidationError(f"Customer with name '{name}' already exists.")
        customer.name = name
    if body.has("Status"):
        status = body.required_text("Status")
        match = next((s for s in STATUSES if s.lower() == status.strip().lower()), None)
        if match is None:
            raise ValidationError("Status must be 'Active' or 'Deprecated'.")
        customer.status = match
    if body.has("Currency"):
        currency = body.required_text("Currency").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError("Currency must be a three-letter currency code.")
        customer.currency = currency
    if body.has("PaymentTerm"):
        term = store.payment_term_named(body.required_text("PaymentTerm"))
        if term is None:
            raise ValidationError(f"Payment term '{body.raw('PaymentTerm')}' not found.")
        customer.payment_term = term.name
    for field_name, attribute in (("AccountReceivable", "account_receivable"), ("RevenueAccount", "revenue_account")):
        if body.has(field_name):
            code = body.required_text(field_name)
            if store.account(code) is None:
                raise ValidationError(f"{field_name}: Account with code '{code}' not found.")
            setattr(customer, attribute, code)
    if body.has("TaxRule"):
        customer.tax_rule = store.sale_tax_rule(body.required_text("TaxRule"), "TaxRule").name
    if body.given("PriceTier"):
        tier = body.required_text("PriceTier")
        match = next((t for t in seed.PRICE_TIERS if t.lower() == tier.strip().lower()), None)
        if match is None:
            raise ValidationError(f"Price tier '{tier}' not found.")
        customer.price_tier = match
    if body.given("Location"):
        location = store.location_named(body.required_text("Location"))
        if location is None:
            raise ValidationError(f"Location '{body.raw('Location')}' not found.")
        customer.location = location.name
    if body.has("Discount"):
        discount = body.decimal("Discount", places=2) or ZERO
        if not ZERO <= discount <= HUNDRED:
            raise ValidationError("Discount must be between 0 and 100.")
        customer.discount = discount
    if body.has("CreditLimit"):
        customer.credit_limit = body.decimal("CreditLimit", places=2) or ZERO
    for field_name, attribute, length in (
        ("Carrier", "carrier", 256),
        ("SalesRepresentative", "sales_representative", 256),
        ("Comments", "comments", 2000),
        ("TaxNumber", "tax_number", 50),
        ("Tags", "tags", 256),
        ("AttributeSet", "attribute_set", 50),
    ):
        if body.has(field_name):
            setattr(customer, attribute, body.text(field_name, max_length=length))
    for n in range(1, 11):
        if body.has(f"AdditionalAttribute{n}"):
            customer.attributes[n - 1] = body.text(f"AdditionalAttribute{n}", max_length=256)
    if body.has("IsOnCreditHold"):
        customer.is_on_credit_hold = body.boolean("IsOnCreditHold")
    addresses = body.objects("Addresses")
    if addresses is not None:
        customer.addresses = _merge_addresses(customer.addresses, addresses, creating=creating)
    contacts = body.objects("Contacts")
    if contacts is not None:
        customer.contacts = _merge_contacts(customer.contacts, contacts, creating=creating)


class _HasId(Protocol):
    id: str


E = TypeVar("E", bound=_HasId)


def _upsert(entries: list[E], entry: E, existing_id: str | None) -> None:
    # cin7.md A14 / [APIB] L30522: "entry will be searched by id, found entry will be updated,
    # otherwise created". On POST every entry is new.
    existing = next((e for e in entries if e.id == existing_id), None) if existing_id else None
    if existing is None:
        entries.append(entry)
        return
    entry.id = existing.id
    entries[entries.index(existing)] = entry


def _merge_addresses(current: list[CustomerAddress], items: list[Fields], *, creating: bool) -> list[CustomerAddress]:
    result = list(current)
    for item in items:
        kind = item.required_text("Type")
        match = next((t for t in ADDRESS_TYPES if t.lower() == kind.strip().lower()), None)
        if match is None:
            raise ValidationError(f"{item.where}.Type must be one of {', '.join(ADDRESS_TYPES)}.")
        address = CustomerAddress(
            id=new_id(),
            line1=item.required_text("Line1", max_length=256),
            country=item.required_text("Country", max_length=256),
            type=match,
            line2=item.text("Line2", max_length=256),
            city=item.text("City", max_length=256),
            state=item.text("State", max_length=256),
            postcode=item.text("Postcode", max_length=20),
            default_for_type=item.boolean("DefaultForType"),
        )
        _upsert(result, address, None if creating else item.guid("ID"))
    return result


def _merge_contacts(current: list[CustomerContact], items: list[Fields], *, creating: bool) -> list[CustomerContact]:
    result = list(current)
    for item in items:
        contact = CustomerContact(
            id=new_id(),
            name=item.required_text("Name", max_length=256),
            job_title=item.text("JobTitle", max_length=256),
            phone=item.text("Phone", max_length=50),
            mobile_phone=item.text("MobilePhone", max_length=50),
            fax=item.text("Fax", max_length=50),
            email=item.text("Email", max_length=256),
            website=item.text("Website", max_length=256),
            comment=item.text("Comment", max_length=256),
            default=item.boolean("Default"),
            include_in_email=item.boolean("IncludeInEmail"),
        )
        _upsert(result, contact, None if creating else item.guid("ID"))
    return result


def find_customers(store: Cin7Store, query: Query) -> list[Customer]:
    """The customers GET /customer returns for ``query`` (before paging)."""
    wanted_id = query.guid("ID")
    name = (query.get("Name") or "").lower()
    contact_filter = (query.get("ContactFilter") or "").strip().lower()
    since: datetime | None = query.moment("ModifiedSince")
    include_deprecated = query.boolean("IncludeDeprecated")
    result = []
    for customer in store.customers.values():
        if wanted_id is not None and customer.id != wanted_id:
            continue
        if customer.status == "Deprecated" and not include_deprecated and wanted_id is None:
            continue
        if name and not customer.name.lower().startswith(name):
            continue
        if contact_filter and not any(
            (c.name or "").lower().startswith(contact_filter) or (c.email or "").strip().lower() == contact_filter
            for c in customer.contacts
        ):
            continue
        if since is not None and customer.modified < since:
            continue
        result.append(customer)
    return result
