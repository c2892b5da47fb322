"""Mapping rules: defaults, every option, and every problem with its path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.domain.rules import (
    DEFAULT_ATTRIBUTE_SLOTS,
    CustomerMode,
    MappingRules,
    RulesError,
    SalesRepRule,
    parse_rules,
)

D = Decimal


def problems(data: Any) -> list[str]:
    with pytest.raises(RulesError) as caught:
        parse_rules(data)
    assert str(caught.value).startswith("invalid mapping rules:\n  - ")
    return caught.value.problems


def test_defaults_match_the_cin7_simulator_seed_data() -> None:
    rules = parse_rules(None)
    assert rules == parse_rules({}) == MappingRules()
    assert rules.cin7.location == "Main Warehouse"
    assert (rules.cin7.default_account, rules.cin7.payment_account, rules.cin7.base_currency) == ("200", "090", "AUD")
    assert rules.cin7.currency_rates == {} and rules.cin7.auto_pick_pack_ship is None
    assert (rules.tax.default_rule, rules.tax.free_rule) == ("GST on Income", "GST Free")
    assert rules.tax.rates == {"GST on Income": D(10), "GST Free": D(0)}
    assert rules.tax.shipping_rule == rules.tax.discount_rule == "GST on Income"
    assert rules.tax.prices_include_tax is True
    assert rules.customer.mode is CustomerMode.PER_CONSUMER and rules.customer.shared_name == "Web Sales"
    assert (rules.customer.account_receivable, rules.customer.revenue_account) == ("610", "200")
    assert rules.fallback_product.sku == "AFTERPAY-ORDER"
    assert dict(rules.attribute_slots) == DEFAULT_ATTRIBUTE_SLOTS
    assert rules.sales_reps.default is None and rules.sales_reps.rules == ()
    assert rules.status_map.authorised == "AUTHORISED" and rules.status_map.invoice_partially_paid is True
    assert rules.sync_rules.min_amount is None and rules.sync_rules.currencies is None
    assert rules.transforms.note == "Afterpay order {id} ({paymentState})"
    assert rules.invoice.due_days == 0 and rules.invoice.memo == "Afterpay order {id}"
    assert rules.afterpay.merchant_label == "Afterpay" and rules.afterpay.void_entry_window_seconds == 60


FULL: dict[str, Any] = {
    "version": 1,
    "cin7": {
        "location": "Sydney DC",
        "default_account": "4000",
        "payment_account": "1090",
        "base_currency": "NZD",
        "currency_rates": {"AUD": 1.0823, "USD": "1.61"},
        "auto_pick_pack_ship": "AUTOPICK",
    },
    "tax": {
        "default_rule": "GST",
        "free_rule": "Zero Rated",
        "rates": {"GST": 15, "Zero Rated": "0", "Half": 7.5},
        "shipping_rule": "Half",
        "discount_rule": "Zero Rated",
        "free_skus": ["GIFT-CARD", "BOOK-1"],
        "free_categories": ["Books", "FRESH food"],
        "prices_include_tax": False,
    },
    "customer": {
        "mode": "shared",
        "shared_name": "Afterpay Customers",
        "name": "{surname}, {givenNames}",
        "payment_term": "Prepaid",
        "account_receivable": "1100",
        "revenue_account": "4100",
    },
    "fallback_product": {"sku": "WEB", "name": "Web order {merchantReference}"},
    "attributes": {"slots": {1: "orderId", "2": None, 10: "courierTracking"}},
    "sales_reps": {"default": "House", "rules": [{"email": "*@acme.com", "name": "Acme Rep"}]},
    "status_map": {
        "authorised": "DRAFT",
        "voided": "AUTHORISED",
        "expired": "AUTHORISED",
        "declined": "AUTHORISED",
        "invoice_partially_paid": False,
    },
    "sync_rules": {
        "min_amount": "10.00",
        "max_amount": 5000,
        "currencies": ["NZD", "AUD"],
        "reference_prefixes": ["WEB-"],
        "exclude_reference_prefixes": ["WEB-TEST-"],
    },
    "transforms": {
        "customer_reference": {
            "strip_prefix": "#",
            "regex": {"pattern": "^0+", "replace": ""},
            "template": "AP {merchantReference}",
        },
        "note": "{consumerEmail}",
    },
    "invoice": {"due_days": 14, "memo": None},
    "afterpay": {"merchant_label": "Acme NZ", "void_entry_window_seconds": 120},
}


def test_every_option() -> None:
    rules = parse_rules(FULL)
    assert rules.cin7.location == "Sydney DC"
    assert (rules.cin7.default_account, rules.cin7.payment_account, rules.cin7.base_currency) == ("4000", "1090", "NZD")
    assert rules.cin7.currency_rates == {"AUD": D("1.0823"), "USD": D("1.61")}
    assert rules.cin7.auto_pick_pack_ship == "AUTOPICK"
    tax = rules.tax
    assert (tax.default_rule, tax.free_rule, tax.shipping_rule, tax.discount_rule) == (
        "GST",
        "Zero Rated",
        "Half",
        "Zero Rated",
    )
    assert tax.rates["GST"] == D(15) and tax.rates["Half"] == D("7.5") and tax.rates["GST on Income"] == D(10)
    assert tax.rate("Half") == D("7.5")
    assert tax.free_skus == frozenset({"GIFT-CARD", "BOOK-1"})
    assert tax.free_categories == frozenset({"books", "fresh food"})
    assert tax.prices_include_tax is False
    customer = rules.customer
    assert customer.mode is CustomerMode.SHARED and customer.shared_name == "Afterpay Customers"
    assert (customer.name, customer.payment_term) == ("{surname}, {givenNames}", "Prepaid")
    assert (customer.account_receivable, customer.revenue_account) == ("1100", "4100")
    assert (rules.fallback_product.sku, rules.fallback_product.name) == ("WEB", "Web order {merchantReference}")
    assert dict(rules.attribute_slots) == {
        1: "orderId",
        3: "merchant",
        4: "refundIds",
        5: "consumerEmail",
        10: "courierTracking",
    }
    assert rules.sales_reps.default == "House"
    assert rules.sales_reps.rules == (SalesRepRule(email="*@acme.com", name="Acme Rep"),)
    status = rules.status_map
    assert (status.authorised, status.voided, status.expired, status.declined) == (
        "DRAFT",
        "AUTHORISED",
        "AUTHORISED",
        "AUTHORISED",
    )
    assert status.invoice_partially_paid is False
    sync = rules.sync_rules
    assert (sync.min_amount, sync.max_amount) == (D("10.00"), D("5000.00"))
    assert sync.currencies == frozenset({"NZD", "AUD"})
    assert sync.reference_prefixes == ("WEB-",) and sync.exclude_reference_prefixes == ("WEB-TEST-",)
    ref = rules.transforms.customer_reference
    assert ref.apply("#00042") == "42" and ref.template == "AP {merchantReference}"
    assert rules.transforms.note == "{consumerEmail}"
    assert rules.invoice.due_days == 14 and rules.invoice.memo is None
    assert rules.afterpay.merchant_label == "Acme NZ" and rules.afterpay.void_entry_window_seconds == 120


def test_shipping_and_discount_rules_follow_the_default_rule() -> None:
    rules = parse_rules({"tax": {"default_rule": "GST", "rates": {"GST": 15}}})
    assert rules.tax.shipping_rule == rules.tax.discount_rule == "GST"


def test_explicit_null_clears_an_optional_option() -> None:
    rules = parse_rules(
        {"sales_reps": {"default": None, "rules": None}, "sync_rules": {"min_amount": None, "currencies": None}}
    )
    assert rules.sales_reps.default is None and rules.sync_rules.min_amount is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], ["(top level): must be a mapping of options, not a list"]),
        ({"cin7": "Main"}, ["cin7: must be a mapping of options, not a string"]),
        ({"version": 2}, ["version: must be a whole number from 1 to 1"]),
        (
            {"colour": "red"},
            [
                "colour: unknown option (known: afterpay, attributes, cin7, customer, "
                "fallback_product, invoice, sales_reps, status_map, sync_rules, tax, transforms, version)"
            ],
        ),
        ({"cin7": {"locaton": "X"}}, ["cin7.locaton: unknown option; did you mean location?"]),
        ({"cin7": {"location": ""}}, ["cin7.location: must be a non-empty string"]),
        ({"cin7": {"location": None}}, ["cin7.location: must not be null"]),
        ({"cin7": {"location": 7}}, ["cin7.location: must be a non-empty string"]),
        ({"cin7": {"location": "L" * 257}}, ["cin7.location: must be at most 256 characters (Cin7's limit)"]),
        (
            {"cin7": {"payment_account": "9" * 51}},
            ["cin7.payment_account: must be at most 50 characters (Cin7's limit)"],
        ),
        (
            {"cin7": {"base_currency": "aud"}},
            ["cin7.base_currency: must be a 3-letter ISO 4217 currency code such as AUD"],
        ),
        (
            {"cin7": {"currency_rates": {"USD": 0}}},
            ["cin7.currency_rates.USD: must be a positive number with at most 5 decimal places (Cin7 CurrencyRate)"],
        ),
        (
            {"cin7": {"currency_rates": {"USD": "1.123456"}}},
            ["cin7.currency_rates.USD: must be a positive number with at most 5 decimal places (Cin7 CurrencyRate)"],
        ),
        (
            {"cin7": {"currency_rates": {"USD": "abc"}}},
            ["cin7.currency_rates.USD: must be a positive number such as 1.0523"],
        ),
        (
            {"cin7": {"currency_rates": {"USD": True}}},
            ["cin7.currency_rates.USD: must be a positive number such as 1.0523"],
        ),
        (
            {"cin7": {"currency_rates": {"usd": 1}}},
            ["cin7.currency_rates.usd: must be a 3-letter ISO 4217 currency code such as AUD"],
        ),
        (
            {"cin7": {"currency_rates": {"AUD": 1}}},
            ["cin7.currency_rates.AUD: is the base currency; its rate is always 1"],
        ),
        (
            {"cin7": {"auto_pick_pack_ship": "SHIP"}},
            ["cin7.auto_pick_pack_ship: must be one of NOPICK, AUTOPICK, AUTOPICKPACK, AUTOPICKPACKSHIP"],
        ),
        ({"tax": {"default_rule": ""}}, ["tax.default_rule: must be a non-empty string"]),
        (
            {"tax": {"default_rule": "GST"}},
            [
                "tax.default_rule: no rate for tax rule 'GST': add it under tax.rates",
                "tax.shipping_rule: no rate for tax rule 'GST': add it under tax.rates",
                "tax.discount_rule: no rate for tax rule 'GST': add it under tax.rates",
            ],
        ),
        (
            {"tax": {"shipping_rule": "Freight"}},
            ["tax.shipping_rule: no rate for tax rule 'Freight': add it under tax.rates"],
        ),
        ({"tax": {"rates": {"GST Free": 10}}}, ["tax.free_rule: tax rule 'GST Free' must have a rate of 0"]),
        (
            {"tax": {"rates": {"GST": 100}}},
            ["tax.rates.GST: must be a percentage from 0 to below 100 with at most 4 decimal places"],
        ),
        (
            {"tax": {"rates": {"GST": -1}}},
            ["tax.rates.GST: must be a percentage from 0 to below 100 with at most 4 decimal places"],
        ),
        ({"tax": {"rates": {"GST": "ten"}}}, ["tax.rates.GST: must be a percentage such as 10"]),
        ({"tax": {"rates": {5: 10}}}, ["tax.rates.5: must be a non-empty string"]),
        ({"tax": {"rates": []}}, ["tax.rates: must be a mapping of options, not a list"]),
        ({"tax": {"free_skus": "GIFT"}}, ["tax.free_skus: must be a list of strings, not a string"]),
        ({"tax": {"free_skus": ["A", ""]}}, ["tax.free_skus.1: must be a non-empty string"]),
        ({"tax": {"prices_include_tax": "yes"}}, ["tax.prices_include_tax: must be true or false"]),
        ({"customer": {"mode": "each"}}, ["customer.mode: must be one of per_consumer, shared"]),
        (
            {"customer": {"name": "{nom}"}},
            [
                "customer.name: unknown placeholder {nom} (known: id, token, "
                "merchantReference, orderReference, paymentState, status, state, "
                "consumerEmail, consumerName, givenNames, surname, currency, amount, "
                "created)"
            ],
        ),
        (
            {"fallback_product": {"name": "{id!r}"}},
            ["fallback_product.name: placeholder {id} takes no format spec or conversion"],
        ),
        (
            {"fallback_product": {"name": "{id:>5}"}},
            ["fallback_product.name: placeholder {id} takes no format spec or conversion"],
        ),
        (
            {"fallback_product": {"name": "{"}},
            [
                "fallback_product.name: not a valid template (Single '{' encountered in format string); "
                "write a literal "
                "brace as {{ or }}"
            ],
        ),
        (
            {"fallback_product": {"sku": "S" * 51}},
            ["fallback_product.sku: must be at most 50 characters (Cin7's limit)"],
        ),
        ({"attributes": {"slots": {11: "token"}}}, ["attributes.slots.11: slot numbers are 1-10"]),
        ({"attributes": {"slots": {0: "token"}}}, ["attributes.slots.0: slot numbers are 1-10"]),
        ({"attributes": {"slots": {"one": "token"}}}, ["attributes.slots.one: slot numbers are 1-10"]),
        ({"attributes": {"slots": {True: "token"}}}, ["attributes.slots.True: slot numbers are 1-10"]),
        (
            {"attributes": {"slots": {1: "colour"}}},
            [
                "attributes.slots.1: unknown source 'colour' (known: token, "
                "paymentState, merchant, refundIds, consumerEmail, consumerName, "
                "consumerPhone, orderId, merchantReference, status, state, created, "
                "events, captured, refunded, courierName, courierTracking)"
            ],
        ),
        ({"attributes": {"slot": {}}}, ["attributes.slot: unknown option; did you mean slots?"]),
        (
            {"sales_reps": {"rules": {"email": "x"}}},
            ["sales_reps.rules: must be a list of {email, name} mappings, not a mapping"],
        ),
        (
            {"sales_reps": {"rules": [{"email": "acme.com", "name": "A"}]}},
            ["sales_reps.rules.0.email: must be an email address or *@domain"],
        ),
        (
            {"sales_reps": {"rules": [{"email": "*@*.com", "name": "A"}]}},
            ["sales_reps.rules.0.email: must be an email address or *@domain"],
        ),
        ({"sales_reps": {"rules": [{"name": "A"}]}}, ["sales_reps.rules.0.email: is required"]),
        ({"sales_reps": {"rules": [{"email": "a@b.co"}]}}, ["sales_reps.rules.0.name: is required"]),
        (
            {"sales_reps": {"rules": [{"email": "a@b.co", "name": "A", "team": "x"}]}},
            ["sales_reps.rules.0.team: unknown option (known: email, name)"],
        ),
        (
            {"sales_reps": {"rules": ["a@b.co"]}},
            [
                "sales_reps.rules.0: must be a mapping of options, not a string",
                "sales_reps.rules.0.email: is required",
                "sales_reps.rules.0.name: is required",
            ],
        ),
        ({"status_map": {"authorised": "VOIDED"}}, ["status_map.authorised: must be one of AUTHORISED, DRAFT"]),
        (
            {"status_map": {"paid": "DRAFT"}},
            ["status_map.paid: is always AUTHORISED: Cin7 only invoices an authorised order (cin7.md A9)"],
        ),
        ({"status_map": {"invoice_partially_paid": 1}}, ["status_map.invoice_partially_paid: must be true or false"]),
        (
            {"sync_rules": {"min_amount": "10.001"}},
            ["sync_rules.min_amount: must be an amount of at least 0.00 with at most 2 decimal places"],
        ),
        (
            {"sync_rules": {"min_amount": -1}},
            ["sync_rules.min_amount: must be an amount of at least 0.00 with at most 2 decimal places"],
        ),
        ({"sync_rules": {"max_amount": "lots"}}, ["sync_rules.max_amount: must be an amount such as 10.00"]),
        ({"sync_rules": {"min_amount": 20, "max_amount": 10}}, ["sync_rules.max_amount: must not be below min_amount"]),
        (
            {"sync_rules": {"currencies": ["AUD", "dollars"]}},
            ["sync_rules.currencies.1: must be a 3-letter currency code"],
        ),
        (
            {"sync_rules": {"reference_prefixes": "WEB-"}},
            ["sync_rules.reference_prefixes: must be a list of strings, not a string"],
        ),
        ({"transforms": {"note": 5}}, ["transforms.note: must be a text template such as 'Afterpay order {id}'"]),
        (
            {"transforms": {"customer_reference": {"regex": {"pattern": "("}}}},
            [
                "transforms.customer_reference.regex.pattern: is not a valid regular expression: "
                "missing ), unterminated "
                "subpattern at position 0"
            ],
        ),
        (
            {"transforms": {"customer_reference": {"regex": {"replace": "x"}}}},
            ["transforms.customer_reference.regex.pattern: is required"],
        ),
        (
            {"transforms": {"customer_reference": {"regex": {"pattern": "a", "replace": 5}}}},
            [
                "transforms.customer_reference.regex.replace: must be a string "
                "(use '' to delete what the pattern matches)"
            ],
        ),
        (
            {"transforms": {"customer_reference": {"regex": {"pattern": "a", "replace": r"\2"}}}},
            [
                "transforms.customer_reference.regex.replace: does not fit the pattern: invalid group reference 2 at "
                "position 1"
            ],
        ),
        (
            {"transforms": {"customer_reference": {"strip": "#"}}},
            ["transforms.customer_reference.strip: unknown option; did you mean strip_prefix?"],
        ),
        ({"invoice": {"due_days": -1}}, ["invoice.due_days: must be a whole number from 0 to 365"]),
        ({"invoice": {"due_days": 1.5}}, ["invoice.due_days: must be a whole number from 0 to 365"]),
        (
            {"invoice": {"memo": "{bad}"}},
            [
                "invoice.memo: unknown placeholder {bad} (known: id, token, merchantReference, "
                "orderReference, paymentState, status, state, consumerEmail, consumerName, "
                "givenNames, surname, currency, amount, created)"
            ],
        ),
        (
            {"afterpay": {"void_entry_window_seconds": 4000}},
            ["afterpay.void_entry_window_seconds: must be a whole number from 0 to 3600"],
        ),
        ({"afterpay": {"merchant_label": ""}}, ["afterpay.merchant_label: must be a non-empty string"]),
    ],
)
def test_problem_paths(data: Any, expected: list[str]) -> None:
    assert problems(data) == expected


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        {
            "tax": {"default_rule": "", "rates": {"GST": 150}},
            "attributes": {"slots": {11: "token", 2: "nope"}},
            "customer": {"mode": "x"},
            "extra": 1,
        }
    )
    assert found == [
        "tax.rates.GST: must be a percentage from 0 to below 100 with at most 4 decimal places",
        "tax.default_rule: must be a non-empty string",
        "customer.mode: must be one of per_consumer, shared",
        "attributes.slots.11: slot numbers are 1-10",
        "attributes.slots.2: unknown source 'nope' (known: token, paymentState, merchant, refundIds, consumerEmail, "
        "consumerName, consumerPhone, orderId, merchantReference, status, state, created, events, captured, refunded, "
        "courierName, courierTracking)",
        "extra: unknown option (known: afterpay, attributes, cin7, customer, fallback_product, invoice, sales_reps, "
        "status_map, sync_rules, tax, transforms, version)",
    ]


def test_sales_rep_rule_matching() -> None:
    rule = SalesRepRule(email="*@Acme.com", name="A")
    assert rule.matches("jo@acme.COM") and not rule.matches("jo@notacme.com.au") and not rule.matches("acme.com")
    assert SalesRepRule(email="Jo@x.io", name="B").matches("jo@X.io")
