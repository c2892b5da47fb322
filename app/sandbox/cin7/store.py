"""The simulated account's data, in memory, and the look-ups every rule needs.

One store per app; the runtime's lock guards it (every API call runs under that lock). Reference
data is looked up by name case-insensitively, as Cin7 resolves names (cin7.md C6).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from app.sandbox.cin7 import seed
from app.sandbox.cin7.clock import SandboxClock
from app.sandbox.cin7.errors import ValidationError
from app.sandbox.cin7.models import (
    Account,
    Carrier,
    Customer,
    CustomerAddress,
    CustomerContact,
    Location,
    PaymentTerm,
    Product,
    Sale,
    TaxRule,
    Webhook,
)

StockKey = tuple[str, str]  # (product ID, location ID)


class Cin7Store:
    """Reference data, customers, products, stock, sales and webhooks of one simulated account."""

    def __init__(self, clock: SandboxClock, base_currency: str, tenant_id: str) -> None:
        self.clock = clock
        self.base_currency = base_currency
        # Webhook payloads name the company by a TenantID GUID, upper-case (cin7.md D7).
        self.tenant_id = tenant_id
        self.locations: dict[str, Location] = {}
        self.tax_rules: dict[str, TaxRule] = {}
        self.accounts: dict[str, Account] = {}
        self.payment_terms: dict[str, PaymentTerm] = {}
        self.carriers: dict[str, Carrier] = {}
        self.products: dict[str, Product] = {}
        self.customers: dict[str, Customer] = {}
        self.sales: dict[str, Sale] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.on_hand: dict[StockKey, Decimal] = {}
        self.allocated: dict[StockKey, Decimal] = {}
        self.payment_index: dict[str, str] = {}  # payment ID -> sale ID
        # task ID -> sale ID of the credit notes whose task ID is not the sale ID (the second and
        # later ones), so POST /sale/payment can find the sale of a REFUND's credit-note task.
        self.task_index: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._last_stamp: datetime | None = None

    # -- time ---------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock's current time."""
        return self.clock.now()

    def stamp(self) -> datetime:
        """A modification time that is later than every earlier one (``Updated`` must advance)."""
        now = self.clock.now()
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = now
        return now

    def touch(self, sale: Sale) -> None:
        """Record that ``sale`` or one of its documents changed."""
        sale.updated = self.stamp()

    def next_number(self, prefix: str) -> str:
        """The next document number of a series: SO-00001, INV-00001, CR-00001."""
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}-{self._counters[prefix]:05d}"

    # -- look-ups -----------------------------------------------------------------------------------

    def location_named(self, name: str) -> Location | None:
        """The location with this name (case-insensitive)."""
        wanted = name.strip().lower()
        return next((x for x in self.locations.values() if x.name.lower() == wanted), None)

    def default_location(self) -> Location:
        """The default location."""
        return next(x for x in self.locations.values() if x.is_default)

    def tax_rule_named(self, name: str) -> TaxRule | None:
        """The tax rule with this name (case-insensitive)."""
        wanted = name.strip().lower()
        return next((x for x in self.tax_rules.values() if x.name.lower() == wanted), None)

    def sale_tax_rule(self, name: str, where: str) -> TaxRule:
        """A tax rule usable on sales; ValidationError otherwise (cin7.md C6)."""
        rule = self.tax_rule_named(name)
        if rule is None or not rule.is_active:
            raise ValidationError(f"{where}: Tax rule '{name}' not found.")
        if not rule.for_sale:
            raise ValidationError(f"{where}: Tax rule '{name}' is not applicable to sales.")
        return rule

    def product_by_sku(self, sku: str) -> Product | None:
        """The product with this SKU (case-insensitive)."""
        wanted = sku.strip().lower()
        return next((x for x in self.products.values() if x.sku.lower() == wanted), None)

    def customer_named(self, name: str) -> Customer | None:
        """The customer with this name (case-insensitive, exact)."""
        wanted = name.strip().lower()
        return next((x for x in self.customers.values() if x.name.lower() == wanted), None)

    def payment_term_named(self, name: str) -> PaymentTerm | None:
        """The payment term with this name (case-insensitive)."""
        wanted = name.strip().lower()
        return next((x for x in self.payment_terms.values() if x.name.lower() == wanted), None)

    def sale_of_task(self, task_id: str) -> Sale | None:
        """The sale a task ID belongs to: the sale ID itself, or a later credit-note task."""
        sale = self.sales.get(task_id)
        return sale if sale is not None else self.sales.get(self.task_index.get(task_id, ""))

    def account(self, code: str) -> Account | None:
        """The account with this code."""
        return self.accounts.get(code.strip())

    # -- stock --------------------------------------------------------------------------------------

    def available(self, key: StockKey) -> Decimal:
        """On hand less allocated at a location."""
        return self.on_hand.get(key, Decimal("0")) - self.allocated.get(key, Decimal("0"))

    def ensure_stock_record(self, key: StockKey) -> None:
        """Create the (product, location) stock record the first time it is used."""
        self.on_hand.setdefault(key, Decimal("0"))
        self.allocated.setdefault(key, Decimal("0"))

    # -- seed ---------------------------------------------------------------------------------------

    @classmethod
    def seeded(cls, clock: SandboxClock, base_currency: str, account_id: str) -> Cin7Store:
        """A store holding the seed data of seed.py."""
        store = cls(clock, base_currency, seed.seed_id("tenant", account_id).upper())
        now = clock.now()
        for loc in seed.LOCATIONS:
            store.locations[loc.id] = Location(
                id=loc.id,
                name=loc.name,
                is_default=loc.is_default,
                address_line1=loc.address_line1,
                city=loc.city,
                state=loc.state,
                postcode=loc.postcode,
            )
        for rule in seed.TAX_RULES:
            store.tax_rules[rule.id] = TaxRule(
                id=rule.id,
                name=rule.name,
                percent=rule.percent,
                account=rule.account,
                for_sale=rule.for_sale,
                for_purchase=rule.for_purchase,
            )
        for acc in seed.ACCOUNTS:
            store.accounts[acc.code] = Account(
                code=acc.code,
                name=acc.name,
                type=acc.type,
                account_class=acc.account_class,
                description=acc.description,
                system_account=acc.system_account,
                bank=acc.bank,
                bank_account_id=seed.seed_id("bankaccount", acc.code) if acc.type == "BANK" else None,
                currency=base_currency,
            )
        for term in seed.PAYMENT_TERMS:
            store.payment_terms[term.id] = PaymentTerm(
                id=term.id, name=term.name, duration=term.duration, method=term.method, is_default=term.is_default
            )
        for description in seed.CARRIERS:
            carrier = Carrier(id=seed.seed_id("carrier", description), description=description)
            store.carriers[carrier.id] = carrier
        for item in seed.SEED_PRODUCTS:
            store.products[item.id] = Product(
                id=item.id,
                sku=item.sku,
                name=item.name,
                category=item.category,
                type=item.product_type,
                uom=item.uom,
                price=item.price,
                average_cost=item.cost,
                sale_tax_rule=item.tax_rule,
                barcode=item.barcode if item.product_type == "Stock" else "",
                brand=item.brand,
                weight=item.weight,
                last_modified=now,
            )
            for location_name, quantity in item.stock_by_location:
                location = store.location_named(location_name)
                assert location is not None, location_name
                store.on_hand[(item.id, location.id)] = Decimal(quantity)
                store.allocated[(item.id, location.id)] = Decimal("0")
        web_sales = Customer(
            id=seed.seed_id("customer", seed.WEB_SALES),
            name=seed.WEB_SALES,
            status="Active",
            currency="AUD",
            payment_term="Due on receipt",
            account_receivable="610",
            revenue_account="200",
            tax_rule=seed.GST_ON_INCOME,
            modified=now,
            location=seed.MAIN_WAREHOUSE,
            carrier="Australia Post",
            comments="Catch-all customer for web orders",
            addresses=[
                CustomerAddress(
                    id=seed.seed_id("address", seed.WEB_SALES),
                    line1="12 Distribution Drive",
                    city="Eastern Creek",
                    state="NSW",
                    postcode="2766",
                    country="Australia",
                    type="Billing",
                    default_for_type=True,
                )
            ],
            contacts=[
                CustomerContact(
                    id=seed.seed_id("contact", seed.WEB_SALES),
                    name=seed.WEB_SALES_CONTACT,
                    email=seed.WEB_SALES_EMAIL,
                    default=True,
                    include_in_email=True,
                )
            ],
        )
        store.customers[web_sales.id] = web_sales
        return store


def new_id() -> str:
    """A fresh GUID, lower-case, as Cin7 writes them."""
    return str(uuid.uuid4())
