"""The simulated Cin7 Core account as it is after creation and after every reset (DESIGN.md §7).

Demo Retail Pty Ltd, an Australian retailer of apparel, homewares and beauty products, selling
online with Afterpay. IDs are derived from names, so they are the same after every reset and on
every machine: a user can keep a product or location ID in a note and it stays valid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

_NAMESPACE = uuid.UUID("6f0e4a52-8c7e-4d1b-9a53-1f3c0de7c1a7")

COMPANY_NAME = "Demo Retail Pty Ltd"
# cin7.md A14: /me reports a Windows time-zone name, as Cin7 Core's .NET back end does.
TIME_ZONE = "AUS Eastern Standard Time"
MAIN_WAREHOUSE = "Main Warehouse"
SYDNEY_STORE = "Sydney Store"
GST_ON_INCOME = "GST on Income"
GST_FREE = "GST Free"
GST_ON_EXPENSES = "GST on Expenses"
WEB_SALES = "Web Sales"
DEFAULT_PAYMENT_TERM = "30 days"


def seed_id(kind: str, name: str) -> str:
    """A stable GUID for a seeded record."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


@dataclass(frozen=True)
class SeedLocation:
    """A stock location."""

    name: str
    is_default: bool
    address_line1: str
    city: str
    state: str
    postcode: str

    @property
    def id(self) -> str:
        """The location's GUID."""
        return seed_id("location", self.name)


@dataclass(frozen=True)
class SeedTaxRule:
    """A taxation rule (cin7.md A14 ``/ref/tax``)."""

    name: str
    percent: Decimal
    account: str
    for_sale: bool
    for_purchase: bool

    @property
    def id(self) -> str:
        """The tax rule's GUID."""
        return seed_id("tax", self.name)


@dataclass(frozen=True)
class SeedAccount:
    """A chart-of-accounts entry; BANK accounts also appear in ``/ref/account/bank``."""

    code: str
    name: str
    type: str
    account_class: str
    system_account: str | None = None
    bank: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SeedPaymentTerm:
    """A payment term (``/ref/paymentterm``)."""

    name: str
    duration: int
    method: str = "number of days"
    is_default: bool = False

    @property
    def id(self) -> str:
        """The payment term's GUID."""
        return seed_id("paymentterm", self.name)


@dataclass(frozen=True)
class SeedProduct:
    """One product of the catalogue. ``price`` is PriceTier1, the GST-inclusive sale price.

    ``stock_by_location`` is the quantity on hand per location name; ``stock`` is their sum.
    Service products carry no stock.
    """

    sku: str
    name: str
    category: str
    price: Decimal
    cost: Decimal
    tax_rule: str = GST_ON_INCOME
    stock_by_location: tuple[tuple[str, int], ...] = ()
    product_type: str = "Stock"
    uom: str = "Item"
    brand: str | None = None
    weight: Decimal = Decimal("0")

    @property
    def id(self) -> str:
        """The product's GUID."""
        return seed_id("product", self.sku)

    @property
    def stock(self) -> int:
        """Quantity on hand across all locations."""
        return sum(quantity for _, quantity in self.stock_by_location)

    @property
    def barcode(self) -> str:
        """A valid EAN-13 in the GS1 Australia range, derived from the SKU."""
        digits = f"93{int(uuid.UUID(self.id)) % 10**10:010d}"
        body = digits[:12]
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
        return f"{body}{check}"


LOCATIONS: tuple[SeedLocation, ...] = (
    SeedLocation(MAIN_WAREHOUSE, True, "12 Distribution Drive", "Eastern Creek", "NSW", "2766"),
    SeedLocation(SYDNEY_STORE, False, "250 George Street", "Sydney", "NSW", "2000"),
)

TAX_RULES: tuple[SeedTaxRule, ...] = (
    SeedTaxRule(GST_ON_INCOME, Decimal("10"), "820", for_sale=True, for_purchase=False),
    SeedTaxRule(GST_FREE, Decimal("0"), "820", for_sale=True, for_purchase=True),
    SeedTaxRule(GST_ON_EXPENSES, Decimal("10"), "820", for_sale=False, for_purchase=True),
)

ACCOUNTS: tuple[SeedAccount, ...] = (
    SeedAccount("090", "Afterpay Clearing", "BANK", "ASSET", bank="Afterpay", description="Afterpay settlements"),
    SeedAccount("091", "Stripe Clearing", "BANK", "ASSET", bank="Stripe", description="Stripe settlements"),
    SeedAccount("200", "Sales", "REVENUE", "REVENUE", description="Income from any normal business activity"),
    SeedAccount("260", "Other Revenue", "REVENUE", "REVENUE", description="Any other income"),
    SeedAccount("404", "Bank Fees", "EXPENSE", "EXPENSE", description="Fees charged by banks and payment providers"),
    SeedAccount(
        "610", "Accounts Receivable", "CURRENT", "ASSET", "DEBTORS", description="Invoices not yet paid by customers"
    ),
    SeedAccount("820", "GST", "CURRLIAB", "LIABILITY", "GST", description="GST collected less GST paid"),
)

PAYMENT_TERMS: tuple[SeedPaymentTerm, ...] = (
    SeedPaymentTerm("Due on receipt", 0),
    SeedPaymentTerm("7 days", 7),
    SeedPaymentTerm("14 days", 14),
    SeedPaymentTerm(DEFAULT_PAYMENT_TERM, 30, is_default=True),
)

CARRIERS: tuple[str, ...] = ("Australia Post", "StarTrack", "Sendle", "Click & Collect")

PRICE_TIERS: tuple[str, ...] = tuple(f"Tier {n}" for n in range(1, 11))


def _stock(main: int, store: int) -> tuple[tuple[str, int], ...]:
    return ((MAIN_WAREHOUSE, main), (SYDNEY_STORE, store))


def _p(
    sku: str,
    name: str,
    category: str,
    price: str,
    cost: str,
    main: int,
    store: int,
    *,
    tax_rule: str = GST_ON_INCOME,
    brand: str | None = None,
) -> SeedProduct:
    return SeedProduct(
        sku=sku,
        name=name,
        category=category,
        price=Decimal(price),
        cost=Decimal(cost),
        tax_rule=tax_rule,
        stock_by_location=_stock(main, store),
        brand=brand,
    )


SEED_PRODUCTS: tuple[SeedProduct, ...] = (
    # Apparel
    _p("TEE-ORG-WHT-M", "Organic Cotton Tee - White - M", "Apparel", "39.95", "12.50", 120, 30, brand="Coast & Co"),
    _p("TEE-ORG-BLK-L", "Organic Cotton Tee - Black - L", "Apparel", "39.95", "12.50", 110, 25, brand="Coast & Co"),
    _p("HOOD-MRN-GRY-M", "Merino Hoodie - Grey Marl - M", "Apparel", "129.00", "46.00", 40, 10, brand="Coast & Co"),
    _p("JEAN-SLIM-IND-32", "Slim Fit Jeans - Indigo - 32", "Apparel", "89.95", "31.00", 60, 12, brand="Coast & Co"),
    _p("SOCK-BMB-3PK", "Bamboo Socks 3-Pack", "Apparel", "24.95", "7.20", 200, 50),
    _p("CAP-LIN-SAND", "Linen Cap - Sand", "Apparel", "34.95", "10.40", 80, 20),
    _p("SWIM-BOARD-NVY-M", "Boardshorts - Navy - M", "Apparel", "59.00", "19.80", 70, 15),
    # Low stock on purpose: two units, so a demo order can backorder (cin7.md A8, C7).
    _p("DRESS-LIN-OLV-10", "Linen Midi Dress - Olive - 10", "Apparel", "149.00", "52.00", 2, 0),
    # Homewares
    _p("CANDLE-SOY-EUC", "Soy Candle - Eucalyptus & Mint 300g", "Homewares", "32.50", "9.60", 150, 40),
    _p("THROW-WOOL-OAT", "Wool Throw - Oatmeal", "Homewares", "189.00", "68.00", 30, 6),
    _p("MUG-STONE-4PK", "Stoneware Mug Set of 4", "Homewares", "49.95", "16.00", 90, 20),
    _p("CUSH-LIN-RST-50", "Linen Cushion Cover - Rust 50cm", "Homewares", "44.95", "13.20", 100, 25),
    _p("TOWEL-TURK-SAGE", "Turkish Cotton Bath Towel - Sage", "Homewares", "59.95", "19.00", 75, 15),
    # Low stock on purpose: a single unit.
    _p("VASE-CER-MATTE", "Matte Ceramic Vase - Large", "Homewares", "79.00", "24.50", 1, 0),
    _p("BOARD-ACACIA-L", "Acacia Serving Board - Large", "Homewares", "64.95", "21.00", 55, 10),
    _p("DIFF-AROMA-WHT", "Ultrasonic Aroma Diffuser", "Homewares", "99.00", "33.00", 45, 10),
    # Beauty
    _p("SERUM-VITC-30", "Vitamin C Serum 30ml", "Beauty", "54.00", "14.50", 140, 35, brand="Kin Botanicals"),
    _p("CREAM-KAK-50", "Kakadu Plum Night Cream 50ml", "Beauty", "68.00", "19.00", 90, 20, brand="Kin Botanicals"),
    _p("OIL-ROSEHIP-30", "Rosehip Oil 30ml", "Beauty", "29.95", "8.10", 160, 40, brand="Kin Botanicals"),
    _p("BALM-LIP-BERRY", "Lip Balm - Wild Berry", "Beauty", "12.95", "3.20", 300, 80, brand="Kin Botanicals"),
    _p("SOAP-GOAT-3PK", "Goat Milk Soap 3-Pack", "Beauty", "19.50", "5.40", 180, 45),
    # GST-free lines (gift cards and basic food carry no GST in Australia).
    _p("GIFT-50", "Gift Card $50", "Gift Cards", "50.00", "0.80", 500, 100, tax_rule=GST_FREE),
    _p("GIFT-100", "Gift Card $100", "Gift Cards", "100.00", "0.80", 500, 100, tax_rule=GST_FREE),
    _p("COFFEE-BEAN-1KG", "Single Origin Coffee Beans 1kg", "Pantry", "48.00", "17.00", 60, 15, tax_rule=GST_FREE),
    _p("HONEY-RAW-500", "Raw Australian Honey 500g", "Pantry", "18.50", "6.30", 90, 25, tax_rule=GST_FREE),
    # Services: no stock. AFTERPAY-ORDER is the bridge's line for an Afterpay order without items.
    SeedProduct(
        "AFTERPAY-ORDER",
        "Afterpay order (no item detail)",
        "Services",
        Decimal("0"),
        Decimal("0"),
        product_type="Service",
    ),
    SeedProduct("SHIPPING", "Shipping", "Services", Decimal("9.95"), Decimal("0"), product_type="Service"),
)

WEB_SALES_CONTACT = "Web Sales"
WEB_SALES_EMAIL = "websales@demo-retail.example"
