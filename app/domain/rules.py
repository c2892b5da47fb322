"""The merchant's mapping rules: what ``BRIDGE_MAPPING_FILE`` configures, with defaults.

Every option has a default that matches the Cin7 simulator's seed data (DESIGN.md §7):
location ``Main Warehouse``, tax rules ``GST on Income`` (10 %) and ``GST Free`` (0 %),
payment account ``090`` (Afterpay Clearing), revenue account ``200``, shared customer
``Web Sales`` and fallback SKU ``AFTERPAY-ORDER``. ``parse_rules({})`` is therefore a working
configuration for an Australian merchant.

``parse_rules`` checks the whole document and reports every problem at once, each naming its
path (``tax.default_rule: must be a non-empty string``). Unknown keys are errors: a typo in a
mapping file must never be silently ignored, because the default it leaves in place would put
wrong numbers in front of an accountant. docs/mapping.md documents every option.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.templates import template_problems

T = TypeVar("T")


class RulesError(ValueError):
    """The mapping rules are invalid; ``problems`` lists every problem, each with its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid mapping rules:\n" + "\n".join(f"  - {p}" for p in problems))


class CustomerMode(StrEnum):
    """Which Cin7 customer a sale is booked to (mapping rule 9)."""

    PER_CONSUMER = "per_consumer"
    SHARED = "shared"


#: Cin7 order statuses a POST /sale/order accepts (cin7.md A8).
ORDER_STATUSES = ("AUTHORISED", "DRAFT")
#: Cin7 ``AutoPickPackShipMode`` values (cin7.md A8).
AUTO_PICK_PACK_SHIP_MODES = ("NOPICK", "AUTOPICK", "AUTOPICKPACK", "AUTOPICKPACKSHIP")

#: What an ``attributes.slots`` entry may name (the values come from the payment).
ATTRIBUTE_SOURCES: dict[str, str] = {
    "token": "checkout token",
    "paymentState": "Afterpay paymentState, e.g. CAPTURED",
    "merchant": "afterpay.merchant_label",
    "refundIds": "comma-joined refundIds of the real refunds (void entries excluded)",
    "consumerEmail": "the consumer's email",
    "consumerName": "'<givenNames> <surname>'",
    "consumerPhone": "the consumer's phone number",
    "orderId": "Afterpay order id",
    "merchantReference": "the storefront's order number (raw)",
    "status": "Afterpay status (APPROVED/DECLINED)",
    "state": "the bridge's state (paid, partially_paid, ...)",
    "created": "the order's creation time (UTC)",
    "events": "the events as 'TYPE amount' pairs, comma-joined, e.g. 'AUTH_APPROVED 30.00, CAPTURED 10.00'",
    "captured": "captured amount (2 dp)",
    "refunded": "refunded amount (2 dp)",
    "courierName": "orderDetails.courier.name",
    "courierTracking": "orderDetails.courier.tracking",
}

DEFAULT_ATTRIBUTE_SLOTS: dict[int, str] = {
    1: "token",
    2: "paymentState",
    3: "merchant",
    4: "refundIds",
    5: "consumerEmail",
}


@dataclass(frozen=True)
class Cin7Rules:
    """Cin7 Core reference data the documents name (cin7.md A7, A10, A14)."""

    location: str = "Main Warehouse"
    default_account: str = "200"
    payment_account: str = "090"
    base_currency: str = "AUD"
    currency_rates: Mapping[str, Decimal] = field(default_factory=dict)
    auto_pick_pack_ship: str | None = None


@dataclass(frozen=True)
class TaxRules:
    """GST configuration: rule names, their rates (percent), GST-free goods, price basis."""

    default_rule: str = "GST on Income"
    free_rule: str = "GST Free"
    rates: Mapping[str, Decimal] = field(
        default_factory=lambda: {"GST on Income": Decimal("10"), "GST Free": Decimal("0")}
    )
    shipping_rule: str = "GST on Income"
    discount_rule: str = "GST on Income"
    free_skus: frozenset[str] = frozenset()
    free_categories: frozenset[str] = frozenset()
    prices_include_tax: bool = True

    def rate(self, rule: str) -> Decimal:
        """The percentage of ``rule`` (parse_rules guarantees every rule used has one)."""
        return self.rates[rule]

    @property
    def rule_names(self) -> frozenset[str]:
        """Every Cin7 tax rule these rules write onto a document."""
        return frozenset({self.default_rule, self.free_rule, self.shipping_rule, self.discount_rule})


@dataclass(frozen=True)
class CustomerRules:
    """How the Cin7 customer of a sale is chosen or created (mapping rule 9)."""

    mode: CustomerMode = CustomerMode.PER_CONSUMER
    shared_name: str = "Web Sales"
    name: str = "{consumerName}"
    payment_term: str = "30 days"
    account_receivable: str = "610"
    revenue_account: str = "200"


@dataclass(frozen=True)
class FallbackProduct:
    """The line that carries the goods value of an order sent without items (mapping rule 3)."""

    sku: str = "AFTERPAY-ORDER"
    name: str = "Afterpay order {orderReference}"


@dataclass(frozen=True)
class SalesRepRule:
    """``email`` is an exact address or ``*@domain``; compared case-insensitively."""

    email: str
    name: str

    def matches(self, email: str) -> bool:
        """Whether this rule applies to a consumer with ``email``."""
        pattern = self.email.lower()
        address = email.lower()
        if pattern.startswith("*@"):
            return address.endswith(pattern[1:])
        return address == pattern


@dataclass(frozen=True)
class SalesReps:
    """``SalesRepresentative`` by consumer email: first matching rule, else ``default``."""

    default: str | None = None
    rules: tuple[SalesRepRule, ...] = ()

    def for_email(self, email: str | None) -> str | None:
        """The sales representative for a consumer, or None to leave the field out."""
        if email:
            for rule in self.rules:
                if rule.matches(email):
                    return rule.name
        return self.default


@dataclass(frozen=True)
class StatusMap:
    """Cin7 order status per bridge state where there is a choice (mapping rule 12).

    Paid and partially paid orders are always AUTHORISED: Cin7 only invoices an authorised
    order (cin7.md A9).
    """

    authorised: str = "AUTHORISED"
    voided: str = "DRAFT"
    expired: str = "DRAFT"
    declined: str = "DRAFT"
    invoice_partially_paid: bool = True


@dataclass(frozen=True)
class SyncRules:
    """Which orders the merchant wants synced; an excluded order gets a ``skipReason``."""

    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    currencies: frozenset[str] | None = None
    reference_prefixes: tuple[str, ...] | None = None
    exclude_reference_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceTransform:
    """merchantReference → CustomerReference: strip a prefix, then a regex, then a template."""

    strip_prefix: str | None = None
    pattern: re.Pattern[str] | None = None
    replace: str = ""
    template: str = "{merchantReference}"

    def apply(self, reference: str) -> str:
        """``reference`` with the prefix stripped and the regex replaced (template applied later)."""
        if self.strip_prefix and reference.startswith(self.strip_prefix):
            reference = reference[len(self.strip_prefix) :]
        if self.pattern is not None:
            reference = self.pattern.sub(self.replace, reference)
        return reference


@dataclass(frozen=True)
class Transforms:
    """Field transforms: CustomerReference and the sale Note."""

    customer_reference: ReferenceTransform = field(default_factory=ReferenceTransform)
    note: str = "Afterpay order {id} ({paymentState})"


@dataclass(frozen=True)
class InvoiceRules:
    """Invoice dates and memo."""

    due_days: int = 0
    memo: str | None = "Afterpay order {id}"


@dataclass(frozen=True)
class AfterpayRules:
    """Facts about the Afterpay account that the payment does not carry."""

    merchant_label: str = "Afterpay"
    void_entry_window_seconds: int = 60


@dataclass(frozen=True)
class MappingRules:
    """The whole merchant configuration of the Afterpay → Cin7 mapping (docs/mapping.md)."""

    cin7: Cin7Rules = field(default_factory=Cin7Rules)
    tax: TaxRules = field(default_factory=TaxRules)
    customer: CustomerRules = field(default_factory=CustomerRules)
    fallback_product: FallbackProduct = field(default_factory=FallbackProduct)
    attribute_slots: Mapping[int, str] = field(default_factory=lambda: dict(DEFAULT_ATTRIBUTE_SLOTS))
    sales_reps: SalesReps = field(default_factory=SalesReps)
    status_map: StatusMap = field(default_factory=StatusMap)
    sync_rules: SyncRules = field(default_factory=SyncRules)
    transforms: Transforms = field(default_factory=Transforms)
    invoice: InvoiceRules = field(default_factory=InvoiceRules)
    afterpay: AfterpayRules = field(default_factory=AfterpayRules)


# ------------------------------------------------------------------------------------------
# Parsing


class _Missing:
    """Marker for "key not given" (distinct from an explicit null)."""


_MISSING = _Missing()
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_EMAIL_RULE_RE = re.compile(r"^(\*|[^@\s*]+)@[^@\s*]+\.[^@\s*]+$")


class _Section:
    """One mapping of the rules document: typed reads that record problems, not raise them."""

    def __init__(self, data: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.used: set[str] = set()
        if data is None or data is _MISSING:
            self.data: Mapping[Any, Any] = {}
        elif isinstance(data, Mapping):
            self.data = data
        else:
            self.data = {}
            self.problems.append(f"{path or '(top level)'}: must be a mapping of options, not {_kind(data)}")

    def key_path(self, key: str) -> str:
        """Dotted path of ``key`` in the document."""
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        """Record a problem at ``key``."""
        self.problems.append(f"{self.key_path(key)}: {message}")

    def raw(self, key: str) -> Any:
        """The raw value of ``key`` (``_MISSING`` when absent), marking it as known."""
        self.used.add(key)
        return self.data.get(key, _MISSING)

    def section(self, key: str) -> _Section:
        """The nested mapping at ``key`` (empty when absent or null)."""
        return _Section(self.raw(key), self.key_path(key), self.problems)

    def value(self, key: str, default: T, convert: Callable[[Any], T]) -> T:
        """``convert(raw)``; a ValueError from ``convert`` becomes a problem and keeps ``default``."""
        raw = self.raw(key)
        if raw is _MISSING:
            return default
        if raw is None:
            self.problem(key, "must not be null")
            return default
        try:
            return convert(raw)
        except ValueError as exc:
            self.problem(key, str(exc))
            return default

    def nullable(self, key: str, default: T | None, convert: Callable[[Any], T]) -> T | None:
        """Like ``value``, but an explicit null is allowed and means "none"."""
        raw = self.raw(key)
        if raw is _MISSING:
            return default
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError as exc:
            self.problem(key, str(exc))
            return default

    def string(self, key: str, default: str, *, max_length: int | None = None) -> str:
        """A non-empty string option."""
        return self.value(key, default, lambda v: _string(v, max_length))

    def optional_string(self, key: str, default: str | None, *, max_length: int | None = None) -> str | None:
        """A non-empty string option that may be null (null = leave the field out)."""
        return self.nullable(key, default, lambda v: _string(v, max_length))

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        """One of ``choices``."""
        return self.value(key, default, lambda v: _choice(v, choices))

    def boolean(self, key: str, default: bool) -> bool:
        """A true/false option (YAML booleans only, never "yes" strings)."""
        return self.value(key, default, _boolean)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number between ``low`` and ``high``."""
        return self.value(key, default, lambda v: _integer(v, low, high))

    def template(self, key: str, default: str) -> str:
        """A text template whose placeholders are all known."""
        return self.value(key, default, _template)

    def string_list(self, key: str, *, max_length: int | None = None) -> tuple[str, ...] | None:
        """A list of non-empty strings (None when absent or null)."""
        raw = self.raw(key)
        if raw is _MISSING or raw is None:
            return None
        if not isinstance(raw, list):
            self.problem(key, f"must be a list of strings, not {_kind(raw)}")
            return None
        out: list[str] = []
        for index, item in enumerate(raw):
            try:
                out.append(_string(item, max_length))
            except ValueError as exc:
                self.problems.append(f"{self.key_path(key)}.{index}: {exc}")
        return tuple(out)

    def finish(self) -> None:
        """Report every key that no reader asked for: unknown options are errors."""
        known = sorted(self.used)
        for key in self.data:
            if key in self.used:
                continue
            hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.55)
            suggestion = f"; did you mean {hint[0]}?" if hint else f" (known: {', '.join(known)})"
            self.problems.append(f"{self.key_path(str(key))}: unknown option{suggestion}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _string(value: Any, max_length: int | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters (Cin7's limit)")
    return value


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _integer(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    number: int = value
    return number


def _decimal(value: Any, what: str) -> Decimal:
    """A decimal from a YAML/JSON number or a numeric string.

    YAML reads ``rate: 0.10`` as a float; ``str()`` of a float is its shortest repr ("0.1"),
    so the Decimal is the number the merchant wrote, not the binary approximation.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"must be {what}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"must be {what}") from None
    if not number.is_finite():
        raise ValueError(f"must be {what}")
    return number


def _amount(value: Any) -> Decimal:
    number = _decimal(value, "an amount such as 10.00")
    if number < 0 or number != number.quantize(Decimal("0.01")):
        raise ValueError("must be an amount of at least 0.00 with at most 2 decimal places")
    return number.quantize(Decimal("0.01"))


def _percent(value: Any) -> Decimal:
    number = _decimal(value, "a percentage such as 10")
    if not Decimal(0) <= number < Decimal(100) or number != number.quantize(Decimal("0.0001")):
        raise ValueError("must be a percentage from 0 to below 100 with at most 4 decimal places")
    return number


def _currency_rate(value: Any) -> Decimal:
    number = _decimal(value, "a positive number such as 1.0523")
    # cin7.md A7: the sale's CurrencyRate takes at most 5 decimal places.
    if number <= 0 or number != number.quantize(Decimal("0.00001")):
        raise ValueError("must be a positive number with at most 5 decimal places (Cin7 CurrencyRate)")
    return number


def _template(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a text template such as 'Afterpay order {id}'")
    problems = template_problems(value)
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY_RE.match(value):
        raise ValueError("must be a 3-letter ISO 4217 currency code such as AUD")
    return value


def _regex(value: Any) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a valid regular expression: {exc}") from None


def _parse_cin7(section: _Section) -> Cin7Rules:
    d = Cin7Rules()
    rates: dict[str, Decimal] = {}
    rates_section = section.section("currency_rates")
    for code, raw in rates_section.data.items():
        rates_section.used.add(code)
        try:
            rates[_currency(code)] = _currency_rate(raw)
        except ValueError as exc:
            rates_section.problem(str(code), str(exc))
    base = section.value("base_currency", d.base_currency, _currency)
    rules = Cin7Rules(
        location=section.string("location", d.location, max_length=256),
        default_account=section.string("default_account", d.default_account, max_length=50),
        payment_account=section.string("payment_account", d.payment_account, max_length=50),
        base_currency=base,
        currency_rates=rates,
        auto_pick_pack_ship=section.nullable(
            "auto_pick_pack_ship", d.auto_pick_pack_ship, lambda v: _choice(v, AUTO_PICK_PACK_SHIP_MODES)
        ),
    )
    if base in rates:
        rates_section.problem(base, "is the base currency; its rate is always 1")
    section.finish()
    return rules


def _parse_tax(section: _Section) -> TaxRules:
    d = TaxRules()
    rates = dict(d.rates)
    rates_section = section.section("rates")
    for name, raw in rates_section.data.items():
        rates_section.used.add(name)
        try:
            rates[_string(name, 50)] = _percent(raw)
        except ValueError as exc:
            rates_section.problem(str(name), str(exc))
    default_rule = section.string("default_rule", d.default_rule, max_length=50)
    free_rule = section.string("free_rule", d.free_rule, max_length=50)
    rules = TaxRules(
        default_rule=default_rule,
        free_rule=free_rule,
        rates=rates,
        shipping_rule=section.string("shipping_rule", default_rule, max_length=50),
        discount_rule=section.string("discount_rule", default_rule, max_length=50),
        free_skus=frozenset(section.string_list("free_skus") or ()),
        free_categories=frozenset(c.casefold() for c in section.string_list("free_categories") or ()),
        prices_include_tax=section.boolean("prices_include_tax", d.prices_include_tax),
    )
    for option in ("default_rule", "free_rule", "shipping_rule", "discount_rule"):
        rule = getattr(rules, option)
        if rule not in rates:
            section.problem(option, f"no rate for tax rule {rule!r}: add it under {section.key_path('rates')}")
    if rates.get(free_rule, Decimal(0)) != 0:
        section.problem("free_rule", f"tax rule {free_rule!r} must have a rate of 0")
    section.finish()
    return rules


def _parse_customer(section: _Section) -> CustomerRules:
    d = CustomerRules()
    mode = section.choice("mode", d.mode.value, tuple(m.value for m in CustomerMode))
    rules = CustomerRules(
        mode=CustomerMode(mode),
        shared_name=section.string("shared_name", d.shared_name, max_length=256),
        name=section.template("name", d.name),
        payment_term=section.string("payment_term", d.payment_term, max_length=256),
        account_receivable=section.string("account_receivable", d.account_receivable, max_length=50),
        revenue_account=section.string("revenue_account", d.revenue_account, max_length=50),
    )
    section.finish()
    return rules


def _parse_fallback(section: _Section) -> FallbackProduct:
    d = FallbackProduct()
    rules = FallbackProduct(
        sku=section.string("sku", d.sku, max_length=50),
        name=section.template("name", d.name),
    )
    section.finish()
    return rules


def _parse_attributes(section: _Section) -> dict[int, str]:
    slots = dict(DEFAULT_ATTRIBUTE_SLOTS)
    slots_section = section.section("slots")
    for key, source in slots_section.data.items():
        slots_section.used.add(key)
        slot = _slot_number(key)
        if slot is None:
            slots_section.problem(str(key), "slot numbers are 1-10")
            continue
        if source is None:
            slots.pop(slot, None)
        elif isinstance(source, str) and source in ATTRIBUTE_SOURCES:
            slots[slot] = source
        else:
            slots_section.problem(str(key), f"unknown source {source!r} (known: {', '.join(ATTRIBUTE_SOURCES)})")
    section.finish()
    return dict(sorted(slots.items()))


def _slot_number(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, str) and key.isdigit():
        key = int(key)
    if isinstance(key, int) and 1 <= key <= 10:
        return key
    return None


def _parse_sales_reps(section: _Section) -> SalesReps:
    default = section.optional_string("default", None, max_length=256)
    rules: list[SalesRepRule] = []
    raw = section.raw("rules")
    if raw is not _MISSING and raw is not None:
        if not isinstance(raw, list):
            section.problem("rules", f"must be a list of {{email, name}} mappings, not {_kind(raw)}")
        else:
            for index, item in enumerate(raw):
                entry = _Section(item, f"{section.key_path('rules')}.{index}", section.problems)
                email = entry.value("email", "", _sales_rep_email)
                name = entry.string("name", "", max_length=256)
                if "email" not in entry.data:
                    entry.problem("email", "is required")
                if "name" not in entry.data:
                    entry.problem("name", "is required")
                entry.finish()
                if email and name:
                    rules.append(SalesRepRule(email=email, name=name))
    section.finish()
    return SalesReps(default=default, rules=tuple(rules))


def _sales_rep_email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL_RULE_RE.match(value.strip()):
        raise ValueError("must be an email address or *@domain")
    return value.strip()


def _parse_status_map(section: _Section) -> StatusMap:
    d = StatusMap()
    rules = StatusMap(
        authorised=section.choice("authorised", d.authorised, ORDER_STATUSES),
        voided=section.choice("voided", d.voided, ORDER_STATUSES),
        expired=section.choice("expired", d.expired, ORDER_STATUSES),
        declined=section.choice("declined", d.declined, ORDER_STATUSES),
        invoice_partially_paid=section.boolean("invoice_partially_paid", d.invoice_partially_paid),
    )
    for state in ("paid", "partially_paid"):
        if state in section.data:
            section.used.add(state)
            section.problem(state, "is always AUTHORISED: Cin7 only invoices an authorised order (cin7.md A9)")
    section.finish()
    return rules


def _parse_sync_rules(section: _Section) -> SyncRules:
    currencies = section.string_list("currencies")
    for index, code in enumerate(currencies or ()):
        if not _CURRENCY_RE.match(code):
            section.problems.append(f"{section.key_path('currencies')}.{index}: must be a 3-letter currency code")
    rules = SyncRules(
        min_amount=section.nullable("min_amount", None, _amount),
        max_amount=section.nullable("max_amount", None, _amount),
        currencies=frozenset(currencies) if currencies is not None else None,
        reference_prefixes=section.string_list("reference_prefixes"),
        exclude_reference_prefixes=section.string_list("exclude_reference_prefixes") or (),
    )
    if rules.min_amount is not None and rules.max_amount is not None and rules.min_amount > rules.max_amount:
        section.problem("max_amount", "must not be below min_amount")
    section.finish()
    return rules


def _parse_transforms(section: _Section) -> Transforms:
    d = Transforms()
    ref = section.section("customer_reference")
    regex = ref.section("regex")
    pattern = regex.nullable("pattern", None, _regex)
    replace = regex.value("replace", "", _replacement)
    if regex.data and "pattern" not in regex.data:
        regex.problem("pattern", "is required")
    if pattern is not None:
        try:
            pattern.sub(replace, "")
        except (re.error, IndexError) as exc:
            regex.problem("replace", f"does not fit the pattern: {exc}")
            pattern = None
    regex.finish()
    transform = ReferenceTransform(
        strip_prefix=ref.optional_string("strip_prefix", None),
        pattern=pattern,
        replace=replace,
        template=ref.template("template", d.customer_reference.template),
    )
    ref.finish()
    rules = Transforms(customer_reference=transform, note=section.template("note", d.note))
    section.finish()
    return rules


def _replacement(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string (use '' to delete what the pattern matches)")
    return value


def _parse_invoice(section: _Section) -> InvoiceRules:
    d = InvoiceRules()
    rules = InvoiceRules(
        due_days=section.integer("due_days", d.due_days, 0, 365),
        memo=section.nullable("memo", d.memo, _template),
    )
    section.finish()
    return rules


def _parse_afterpay(section: _Section) -> AfterpayRules:
    d = AfterpayRules()
    rules = AfterpayRules(
        merchant_label=section.string("merchant_label", d.merchant_label, max_length=256),
        void_entry_window_seconds=section.integer("void_entry_window_seconds", d.void_entry_window_seconds, 0, 3600),
    )
    section.finish()
    return rules


def parse_rules(data: Mapping[str, Any] | None) -> MappingRules:
    """Validate a mapping-rules document (the parsed YAML/JSON) and build ``MappingRules``.

    ``None`` or ``{}`` gives the defaults. Raises ``RulesError`` listing every problem, each
    prefixed with its dotted path, e.g. ``attributes.slots.11: slot numbers are 1-10``.
    """
    problems: list[str] = []
    root = _Section(data, "", problems)
    root.value("version", 1, lambda v: _integer(v, 1, 1))
    rules = MappingRules(
        cin7=_parse_cin7(root.section("cin7")),
        tax=_parse_tax(root.section("tax")),
        customer=_parse_customer(root.section("customer")),
        fallback_product=_parse_fallback(root.section("fallback_product")),
        attribute_slots=_parse_attributes(root.section("attributes")),
        sales_reps=_parse_sales_reps(root.section("sales_reps")),
        status_map=_parse_status_map(root.section("status_map")),
        sync_rules=_parse_sync_rules(root.section("sync_rules")),
        transforms=_parse_transforms(root.section("transforms")),
        invoice=_parse_invoice(root.section("invoice")),
        afterpay=_parse_afterpay(root.section("afterpay")),
    )
    root.finish()
    if problems:
        raise RulesError(problems)
    return rules
