"""Conformance: responses have the keys and value types of the recorded examples and the OpenAPI file.

The golden fixtures are the blueprint's examples in /work/shared/reference/examples/cin7/ (the
project's reference folder, read-only); the OpenAPI file is the portal's conversion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import validators
from openapi_schema_validator import OAS30Validator

from tests.sandbox_cin7.conftest import Cin7, charge, line

REFERENCE = Path("/work/shared/reference")
EXAMPLES = REFERENCE / "examples" / "cin7"
OPENAPI = REFERENCE / "vendor" / "cin7-core-openapi.yaml"

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the Cin7 reference examples are not available")


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def differences(ours: Any, theirs: Any, path: str = "$") -> list[str]:
    """Where ``ours`` does not have the keys or value types of ``theirs``, recursively.

    Lists are compared item by item against the example's first item, when both are non-empty;
    a null on either side matches any type (the examples mix nulls and values freely).
    """
    if ours is None or theirs is None:
        return []
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{path}: object expected, got {_kind(ours)}"]
        found = [f"{path}: missing {key}" for key in theirs.keys() - ours.keys()]
        found += [f"{path}: unexpected {key}" for key in ours.keys() - theirs.keys()]
        for key in theirs.keys() & ours.keys():
            found += differences(ours[key], theirs[key], f"{path}.{key}")
        return found
    if isinstance(theirs, list):
        if not isinstance(ours, list):
            return [f"{path}: array expected, got {_kind(ours)}"]
        if not theirs:
            return []
        return [d for index, item in enumerate(ours) for d in differences(item, theirs[0], f"{path}[{index}]")]
    if _kind(ours) != _kind(theirs):
        return [f"{path}: {_kind(theirs)} expected, got {_kind(ours)} ({ours!r})"]
    return []


def assert_like(ours: Any, name: str, *, pick: Any = None) -> None:
    theirs = example(name)
    if pick is not None:
        theirs = pick(theirs)
    problems = differences(ours, theirs)
    assert not problems, "\n".join(problems)


def test_the_comparison_itself_catches_drift() -> None:
    assert differences({"A": 1, "B": {"C": "x"}}, {"A": 2, "B": {"C": "y"}}) == []
    assert differences({"A": "1"}, {"A": 1}) == ["$.A: number expected, got str ('1')"]
    assert differences({"A": [{"B": 1}]}, {"A": [{"B": 1, "C": 2}]}) == ["$.A[0]: missing C"]
    assert differences({"A": 1, "X": 2}, {"A": 1}) == ["$: unexpected X"]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with OPENAPI.open() as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return document


def _type_or_null(validator: Any, types: Any, instance: Any, schema: Any) -> Any:
    # The OpenAPI file's schemas were inferred from examples, so a field an example shows as a
    # string is typed string even where Cin7 also returns null: a null passes any type here.
    if instance is None:
        return
    yield from OAS30Validator.VALIDATORS["type"](validator, types, instance, schema)


NullTolerantValidator = validators.extend(OAS30Validator, {"type": _type_or_null})


def assert_schema(spec: dict[str, Any], instance: Any, name: str, *, inferred_from_empty: tuple[str, ...] = ()) -> None:
    """Validate against a component schema; ``inferred_from_empty`` names arrays the file types as
    ``items: string`` only because its example array was empty (checked against the blueprint's
    models by the key comparison instead)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    errors = [
        e
        for e in NullTolerantValidator(schema).iter_errors(instance)
        if not any(p in inferred_from_empty for p in e.path if isinstance(p, str))
    ]
    errors.sort(key=lambda e: [str(p) for p in e.path])
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])


@pytest.fixture
def rich_sale(cin7: Cin7) -> str:
    """A sale with every document: quote, order, fulfilment, invoice, payment, credit note, refund."""
    shipping = {
        "Line1": "1 George St",
        "City": "Sydney",
        "State": "NSW",
        "Postcode": "2000",
        "Country": "Australia",
        "Company": "",
        "Contact": "Jo",
        "ShipToOther": False,
    }
    sale_id = cin7.new_sale(SkipQuote=False, ShippingAddress=shipping, BillingAddress=shipping, ShipBy="2024-05-10")[
        "ID"
    ]
    lines = [line("DRESS-LIN-OLV-10", 2, "149.00")]
    charges = [charge("Shipping", "9.95")]
    cin7.ok(
        cin7.post(
            "sale/quote", {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": lines, "AdditionalCharges": charges}
        )
    )
    cin7.ok(cin7.pay(sale_id, 10, kind="PREPAYMENT"))
    cin7.ok(cin7.order(sale_id, lines, charges, AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    invoice = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]
    cin7.ok(cin7.pay(sale_id, 297.95))
    note = {
        "SaleID": sale_id,
        "TaskID": sale_id,
        "CreditNoteInvoiceNumber": invoice["InvoiceNumber"],
        "Status": "AUTHORISED",
        "CreditNoteDate": "2024-05-03",
        "Lines": [line("DRESS-LIN-OLV-10", 1, "149.00")],
        "AdditionalCharges": charges,
        "Restock": [{"SKU": "DRESS-LIN-OLV-10", "Quantity": 1}],
    }
    cin7.ok(cin7.post("sale/creditnote", note))
    cin7.ok(cin7.pay(sale_id, 50, kind="REFUND"))
    return str(sale_id)


def test_sale_get(cin7: Cin7, rich_sale: str, spec: dict[str, Any]) -> None:
    with_transactions = cin7.sale(rich_sale, IncludeTransactions="true")
    assert with_transactions["Transactions"]
    assert_like(with_transactions, "core_sale_GET_response.json")
    plain = cin7.sale(rich_sale)
    assert "Transactions" not in plain
    assert_like(plain, "core_sale_POST_response.json")
    assert_schema(
        spec,
        with_transactions,
        "sale_Id__Combineadditionalcharges__Hideinventorymovements__Includetransactions__Countryformat__get_200_response",
        inferred_from_empty=("Payments", "Prepayments"),
    )
    assert "InventoryMovements" not in cin7.sale(rich_sale, HideInventoryMovements="true")


def test_sale_post(cin7: Cin7, spec: dict[str, Any]) -> None:
    request = example("core_sale_POST_request.json")
    request.update({"CustomerID": cin7.web_sales_id(), "TaxRule": "GST on Income"})
    created = cin7.ok(cin7.post("sale", request))  # the blueprint's own request, string booleans and all
    assert (created["Customer"], created["SkipQuote"], created["Carrier"]) == ("Web Sales", False, "test carrier")
    assert_like(created, "core_sale_POST_response.json")
    assert_schema(spec, created, "sale_post_200_response")


def test_sale_list(cin7: Cin7, rich_sale: str, spec: dict[str, Any]) -> None:
    cin7.new_sale()
    body = cin7.ok(cin7.get("saleList"))
    assert_like(body, "core_saleList_GET_response.json")
    assert_like(body, "core_saleList_GET_response.json", pick=lambda e: {**e, "SaleList": e["SaleList"][1:]})
    assert_schema(spec, body, "Pg__Lmt__Srch__Createdsince__Updatedsince__Etc1_200_response")


def test_sale_delete_void(cin7: Cin7, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    cin7.ok(
        cin7.post(
            "sale/quote", {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [line("TEE-ORG-WHT-M", 1, "39.95")]}
        )
    )
    cin7.ok(
        cin7.order(
            sale_id,
            [line("TEE-ORG-WHT-M", 1, "39.95")],
            [charge("Shipping", "9.95")],
            AutoPickPackShipMode="AUTOPICKPACK",
        )
    )
    cin7.ok(cin7.invoice(sale_id))
    voided = cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    assert voided["Status"] == "VOIDED"
    assert_like(voided, "core_sale_DELETE_void_response.json")
    assert_schema(spec, voided, "sale_Id__Void__delete_200_response")


def test_sale_order(cin7: Cin7, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale(TaxInclusive=False)["ID"]
    request = example("core_sale_order_POST_request.json")
    request["SaleID"] = sale_id
    request["Lines"][0].update({"ProductID": None, "SKU": "TEE-ORG-WHT-M", "TaxRule": "GST Free"})
    request["AdditionalCharges"][0]["TaxRule"] = "GST Free"
    posted = cin7.ok(cin7.post("sale/order", request))
    assert (posted["Status"], posted["Total"]) == ("DRAFT", 358)
    assert_like(posted, "core_sale_order_POST_response.json")
    assert_like(cin7.ok(cin7.get("sale/order", SaleID=sale_id)), "core_sale_order_POST_response.json")
    assert_schema(spec, posted, "saleOrder_post_200_response")


def test_sale_quote(cin7: Cin7, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale(SkipQuote=False, TaxInclusive=False)["ID"]
    request = example("core_sale_quote_POST_request.json")
    request["SaleID"] = sale_id
    request["Lines"][0].update({"ProductID": None, "SKU": "TEE-ORG-WHT-M", "TaxRule": "GST Free"})
    request["AdditionalCharges"][0]["TaxRule"] = "GST Free"
    posted = cin7.ok(cin7.post("sale/quote", request))
    assert set(posted) == {
        "SaleID",
        "CombineAdditionalCharges",
        "Memo",
        "Status",
        "Lines",
        "AdditionalCharges",
        "TotalBeforeTax",
        "Tax",
        "Total",
    }
    assert_schema(spec, posted, "saleQuote_post_200_response")


def test_sale_invoice(cin7: Cin7, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale(TaxInclusive=False)["ID"]
    cin7.ok(cin7.order(sale_id, [{"SKU": "TEE-ORG-WHT-M", "Quantity": 1, "Price": 8, "TaxRule": "GST Free"}]))
    request = example("core_sale_invoice_POST_request.json")
    request.update({"SaleID": sale_id, "TaskID": sale_id})
    request["Lines"][0].update({"ProductID": None, "SKU": "TEE-ORG-WHT-M", "TaxRule": "GST Free"})
    request["AdditionalCharges"][0]["TaxRule"] = "GST Free"
    posted = cin7.ok(cin7.post("sale/invoice", request))
    assert posted["Invoices"][0]["Status"] == "DRAFT"
    assert_like(posted, "core_sale_invoice_POST_response.json")
    assert_like(cin7.ok(cin7.get("sale/invoice", SaleID=sale_id)), "core_sale_invoice_POST_response.json")
    assert_schema(spec, posted, "saleInvoice_post_200_response")


def test_sale_payment(cin7: Cin7, rich_sale: str, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    cin7.ok(cin7.invoice(sale_id))
    request = example("core_sale_payment_POST_request.json")
    request.update({"TaskID": sale_id, "Account": "090"})
    posted = cin7.ok(cin7.post("sale/payment", request))
    assert_like(posted, "core_sale_payment_POST_response.json")
    assert_schema(spec, posted, "salePayment_post_200_response")
    listed = cin7.ok(cin7.get("sale/payment", SaleID=rich_sale))
    assert [p["Type"] for p in listed] == ["Prepayment", "Payment", "Refund"]
    assert_like(listed, "core_sale_payment_GET_response.json")
    assert_like(listed[2:], "core_sale_payment_GET_response.json", pick=lambda e: e[1:])
    assert cin7.ok(cin7.delete("sale/payment", ID=posted["ID"])) == example("core_sale_payment_DELETE_response.json")


def test_customer(cin7: Cin7, spec: dict[str, Any]) -> None:
    request = example("core_customer_POST_request.json")
    request.update({"TaxRule": "GST Free", "PaymentTerm": "30 days"})
    created = cin7.ok(cin7.post("customer", request))  # the blueprint's own request
    assert_like(created, "core_customer_GET_response.json", pick=lambda e: {**e, "CustomerList": e["CustomerList"][:1]})
    listed = cin7.ok(cin7.get("customer"))
    assert_like(listed, "core_customer_GET_response.json", pick=lambda e: {**e, "CustomerList": e["CustomerList"][:1]})
    with_prices = cin7.ok(cin7.get("customer", IncludeProductPrices="true"))
    assert_like(
        with_prices, "core_customer_GET_response.json", pick=lambda e: {**e, "CustomerList": e["CustomerList"][1:]}
    )
    assert_schema(spec, with_prices, "Pg__Lmt__Id__Name__Modifiedsince__Etc_200_response")


def test_product_availability(cin7: Cin7, spec: dict[str, Any]) -> None:
    body = cin7.ok(cin7.get("ref/productavailability"))
    assert_like(body, "core_productavailability_GET_response.json")
    assert_schema(spec, body, "Productavailability_Pg__Lmt__Id__Name__Etc_200_response")


def test_webhooks(cin7: Cin7, spec: dict[str, Any]) -> None:
    request = {k: v for k, v in example("core_webhooks_GET_response.json").items() if k not in ("ID", "Name")}
    posted = cin7.ok(cin7.post("webhooks", request))
    assert_like(posted, "core_webhooks_POST_response.json")
    assert_schema(spec, posted, "webhooks_post_200_response")
    listed = cin7.ok(cin7.get("webhooks"))
    assert_like(listed["Webhooks"][0], "core_webhooks_GET_response.json")
    assert_schema(spec, listed, "webhooks_get_200_response")


@pytest.mark.parametrize(
    ("endpoint", "schema"),
    [
        ("me", "me_get_200_response"),
        ("ref/tax", "Tax_Pg__Lmt__Id__Name__Etc_200_response"),
        ("ref/account", "Account_Pg__Lmt__Code__Name__Etc_200_response"),
        ("ref/account/bank", "AccountBank_Pg__Lmt__Id__Etc_200_response"),
        ("ref/location", "Loc_Id__Pg__Lmt__Deprecated__Etc_200_response"),
    ],
)
def test_reference_data_matches_the_openapi_schemas(
    cin7: Cin7, spec: dict[str, Any], endpoint: str, schema: str
) -> None:
    assert_schema(spec, cin7.ok(cin7.get(endpoint)), schema)


def test_ship_matches_the_openapi_schema(cin7: Cin7, spec: dict[str, Any]) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    shipped = cin7.ok(
        cin7.post(
            "sale/fulfilment/ship",
            {
                "TaskID": sale_id,
                "Status": "AUTHORISED",
                "Lines": [{"ShipmentDate": "2024-05-02", "Box": "Box 1", "TrackingNumber": "T1"}],
            },
        )
    )
    assert_schema(spec, shipped, "saleFulfilmentShip_put_200_response")
    assert_schema(
        spec, cin7.ok(cin7.get("sale/fulfilment/ship", TaskID=sale_id)), "saleFulfilmentShip_Taskid__get_200_response"
    )
