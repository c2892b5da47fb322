"""The vendor-shaped API under ``/ExternalApi/v2/`` (cin7.md A1-A15).

One catch-all route: endpoint names are matched case-insensitively (clients send both
``saleList`` and ``SaleList``, cin7.md A1) and singular (``/Products`` is a 404). Each request is
authenticated with the two ``api-auth-*`` headers (403 "Incorrect credentials!"), then counted by
the throttle, then routed; the handlers below are thin: read the query or body, call one rule
function, render one success shape.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, request

from app.sandbox.cin7 import billing, customers, ordering, render, sales, stock, webhooks
from app.sandbox.cin7.errors import Cin7Error, MethodNotAllowed, NotFoundError, RuleError, ValidationError
from app.sandbox.cin7.models import AUTHORISED, Sale
from app.sandbox.cin7.payloads import Event, customer_updated
from app.sandbox.cin7.runtime import Cin7Runtime
from app.sandbox.cin7.seed import COMPANY_NAME, TIME_ZONE
from app.sandbox.cin7.wire import Fields, Query, parse_body, to_json

PREFIX = "externalapi/v2/"
# cin7.md A4: the Error Model "sometimes inside a 200": the sale sub-document writes.
SUB_DOCUMENTS = frozenset(
    {"sale/quote", "sale/order", "sale/invoice", "sale/payment", "sale/creditnote", "sale/fulfilment/ship"}
)


@dataclass
class Reply:
    """A handler's success: the body and the events it caused."""

    body: Any
    events: list[Event] = field(default_factory=list)


@dataclass
class Call:
    """What a handler needs from the request."""

    runtime: Cin7Runtime
    query: Query
    raw_body: bytes

    def body(self) -> Fields:
        """The JSON body as case-insensitive Fields; ValidationError unless it is an object."""
        value = parse_body(self.raw_body)
        if not isinstance(value, Mapping):
            raise ValidationError("The request body must be a JSON object.")
        return Fields(value)


Handler = Callable[[Call], Reply]


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response (Decimals as numbers)."""
    return Response(to_json(body), status=status, mimetype="application/json")


def install(app: Flask) -> None:
    """Register the catch-all vendor route on ``app``."""
    app.add_url_rule(
        "/<path:path>", "cin7_api", _dispatch, methods=["GET", "POST", "PUT", "DELETE", "PATCH"], strict_slashes=False
    )


def _runtime() -> Cin7Runtime:
    runtime = current_app.extensions["cin7_sandbox"]
    assert isinstance(runtime, Cin7Runtime)
    return runtime


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _dispatch(path: str) -> Response:
    runtime = _runtime()
    lowered = path.strip("/").lower()
    if not lowered.startswith(PREFIX):
        return json_response(NotFoundError(f"No such endpoint: /{path}").body(), 404)
    config = runtime.config
    account = request.headers.get("api-auth-accountid")
    key = request.headers.get("api-auth-applicationkey")
    # cin7.md A1: 403, body "Incorrect credentials!". Such calls identify no application, so
    # they are not counted by the per-application throttle.
    if not (_same(account, config.account_id) and _same(key, config.application_key)):
        return Response("Incorrect credentials!", status=403, mimetype="text/plain")
    decision = runtime.throttle.check(
        (config.account_id, config.application_key),
        config.rate_limit_per_minute,
        count_rejected=config.throttle_counts_rejected,
    )
    if not decision.allowed:
        return _throttled(runtime, decision.retry_after_seconds)
    endpoint = lowered.removeprefix(PREFIX).strip("/")
    handlers = ROUTES.get(endpoint)
    if handlers is None:
        return json_response(NotFoundError(f"No such endpoint: /{path}").body(), 404)
    handler = handlers.get(request.method)
    if handler is None:
        error = MethodNotAllowed(f"The requested resource does not support http method '{request.method}'.")
        return json_response(error.body(), 405)
    call = Call(runtime, Query(request.args), request.get_data())
    with runtime.lock:
        try:
            reply = handler(call)
        except Cin7Error as exc:
            status = exc.status
            if isinstance(exc, RuleError) and runtime.config.errors_in_200 and endpoint in SUB_DOCUMENTS:
                status = 200
            return json_response(exc.body(), status)
        except Exception:
            # cin7.md A4: "some unexpected error occurred" is a 500; the traceback goes to the log.
            current_app.logger.exception("cin7 sandbox: %s %s failed", request.method, request.path)
            return json_response([{"ErrorCode": 500, "Exception": "An unexpected error occurred."}], 500)
        runtime.publish(reply.events)
    return json_response(reply.body)


def _throttled(runtime: Cin7Runtime, retry_after: int) -> Response:
    config = runtime.config
    limit = config.rate_limit_per_minute
    if config.throttle_response == "400":
        # cin7.md A2/D6: observed live as a 400 with the Error Model.
        body = [{"ErrorCode": 400, "Exception": f"You have reached {limit} calls per 60 seconds API limit."}]
        return json_response(body, 400)
    text = f"You reached {limit} calls per minute API limit"
    if config.throttle_response == "429":
        response = Response(text, status=429, mimetype="text/plain")
        if config.throttle_retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response
    # cin7.md A2: the documented 503, with no Retry-After.
    return Response(text, status=503, mimetype="text/plain")


# -- helpers ----------------------------------------------------------------------------------------


def _page(items: Sequence[Any], query: Query, key: str) -> dict[str, Any]:
    page, limit = query.page()
    start = (page - 1) * limit
    return {"Total": len(items), "Page": page, key: list(items[start : start + limit])}


def _sale_by_query(call: Call, name: str = "SaleID") -> Sale:
    sale_id = call.query.guid(name)
    if sale_id is None:
        raise ValidationError(f"{name} is required.")
    sale = call.runtime.store.sales.get(sale_id)
    if sale is None:
        raise NotFoundError("Sale not found.")
    return sale


def _starts(value: str | None, prefix: str | None) -> bool:
    return prefix is None or (value or "").lower().startswith(prefix.lower())


def _equals(value: str | None, wanted: str | None) -> bool:
    return wanted is None or (value or "").lower() == wanted.strip().lower()


# -- sales ------------------------------------------------------------------------------------------

_STATUS_FILTERS = {
    "Status": "Status",
    "QuoteStatus": "QuoteStatus",
    "OrderStatus": "OrderStatus",
    "CombinedPickStatus": "CombinedPickingStatus",
    "CombinedPackStatus": "CombinedPackingStatus",
    "CombinedShippingStatus": "CombinedShippingStatus",
    "CombinedInvoiceStatus": "CombinedInvoiceStatus",
    "CombinedPaymentStatus": "CombinedPaymentStatus",
    "CreditNoteStatus": "CreditNoteStatus",
}
_SEARCHED = ("OrderNumber", "Status", "Customer", "InvoiceNumber", "CustomerReference", "CreditNoteNumber")


def sale_list(call: Call) -> Reply:
    """GET /saleList with every filter of cin7.md A6, oldest sale first."""
    query = call.query
    store = call.runtime.store
    query.page()
    search = (query.get("Search") or "").lower()
    created_since = query.moment("CreatedSince")
    updated_since = query.moment("UpdatedSince")
    updated_until = query.moment("UpdatedUntil")
    ship_by = query.moment("ShipBy")
    external_id = query.get("ExternalID")
    location_id = query.guid("OrderLocationID")
    ready = query.boolean("ReadyForShipping") if query.get("ReadyForShipping") else False
    wanted = {column: query.get(param) for param, column in _STATUS_FILTERS.items() if query.get(param)}
    rows = []
    for sale in sorted(store.sales.values(), key=lambda s: s.created):
        row = render.sale_row(store, sale)
        if search and not any(search in str(row[name] or "").lower() for name in _SEARCHED):
            continue
        # cin7.md A6/C2: ExternalID is an exact match, unlike Search.
        if external_id is not None and sale.external_id != external_id:
            continue
        if created_since is not None and sale.created < created_since:
            continue
        if updated_since is not None and sale.updated < updated_since:
            continue
        if updated_until is not None and sale.updated > updated_until:
            continue
        if location_id is not None and sale.location_id != location_id:
            continue
        if any(not _equals(row[column], value) for column, value in wanted.items()):
            continue
        # "Ship By on or before the date, with not authorised Shipment"; a voided sale ships nothing.
        if ship_by is not None and (
            sale.ship_by is None or sale.ship_by > ship_by.date() or sale.shipped or sale.voided
        ):
            continue
        if ready and not (sale.fulfilment and sale.fulfilment.pack_status == AUTHORISED and not sale.shipped):
            continue
        rows.append(row)
    return Reply(_page(rows, query, "SaleList"))


def get_sale(call: Call) -> Reply:
    """GET /sale?ID=."""
    sale = _sale_by_query(call, "ID")
    body = render.sale(
        call.runtime.store,
        sale,
        transactions=call.query.boolean("IncludeTransactions"),
        movements=not call.query.boolean("HideInventoryMovements"),
    )
    return Reply(body)


def post_sale(call: Call) -> Reply:
    """POST /sale."""
    sale, events = sales.create_sale(call.runtime.store, call.body())
    return Reply(render.sale(call.runtime.store, sale), events)


def put_sale(call: Call) -> Reply:
    """PUT /sale."""
    sale = sales.update_sale(call.runtime.store, call.body())
    return Reply(render.sale(call.runtime.store, sale))


def delete_sale(call: Call) -> Reply:
    """DELETE /sale?ID=&Void= (true voids, false undoes)."""
    sale = _sale_by_query(call, "ID")
    store = call.runtime.store
    events = sales.void_sale(store, sale) if call.query.boolean("Void") else sales.undo_sale(store, sale)
    return Reply(render.voided_sale(store, sale), events)


def _tax_validation(call: Call) -> str:
    return call.runtime.config.tax_validation


def get_quote(call: Call) -> Reply:
    """GET /sale/quote?SaleID=."""
    return Reply(render.quote_document(call.runtime.store, _sale_by_query(call)))


def post_quote(call: Call) -> Reply:
    """POST /sale/quote."""
    sale, events = ordering.post_quote(call.runtime.store, call.body(), tax_validation=_tax_validation(call))
    return Reply(render.quote_document(call.runtime.store, sale), events)


def get_order(call: Call) -> Reply:
    """GET /sale/order?SaleID=."""
    return Reply(render.order_document(call.runtime.store, _sale_by_query(call)))


def post_order(call: Call) -> Reply:
    """POST /sale/order."""
    sale, events = ordering.post_order(call.runtime.store, call.body(), tax_validation=_tax_validation(call))
    return Reply(render.order_document(call.runtime.store, sale), events)


def get_invoice(call: Call) -> Reply:
    """GET /sale/invoice?SaleID=."""
    return Reply(render.invoice_document(call.runtime.store, _sale_by_query(call)))


def post_invoice(call: Call) -> Reply:
    """POST /sale/invoice."""
    sale, events = billing.post_invoice(call.runtime.store, call.body(), tax_validation=_tax_validation(call))
    return Reply(render.invoice_document(call.runtime.store, sale), events)


def put_invoice(call: Call) -> Reply:
    """PUT /sale/invoice."""
    sale, events = billing.put_invoice(call.runtime.store, call.body(), tax_validation=_tax_validation(call))
    return Reply(render.invoice_document(call.runtime.store, sale), events)


def get_credit_note(call: Call) -> Reply:
    """GET /sale/creditnote?SaleID=&IncludePaymentInfo=."""
    sale = _sale_by_query(call)
    include = call.query.boolean("IncludePaymentInfo")
    return Reply(render.credit_note_document(call.runtime.store, sale, include_payments=include))


def post_credit_note(call: Call) -> Reply:
    """POST /sale/creditnote: answers with the credit note written (as the blueprint's example,
    which returns CR-00002 alone for a sale that already had CR-00001)."""
    store = call.runtime.store
    sale, note, events = billing.post_credit_note(store, call.body(), tax_validation=_tax_validation(call))
    return Reply(render.credit_note_document(store, sale, include_payments=False, only=note), events)


def get_payments(call: Call) -> Reply:
    """GET /sale/payment?SaleID=: a bare array (cin7.md A10)."""
    sale = _sale_by_query(call)
    return Reply([render.payment(sale, p) for p in sale.payments])


def post_payment(call: Call) -> Reply:
    """POST /sale/payment."""
    sale, item, events = billing.post_payment(call.runtime.store, call.body())
    return Reply(render.payment(sale, item), events)


def put_payment(call: Call) -> Reply:
    """PUT /sale/payment."""
    sale, item = billing.put_payment(call.runtime.store, call.body())
    return Reply(render.payment(sale, item))


def delete_payment(call: Call) -> Reply:
    """DELETE /sale/payment?ID= → ``{"Success": true}``."""
    payment_id = call.query.guid("ID")
    if payment_id is None:
        raise ValidationError("ID is required.")
    billing.delete_payment(call.runtime.store, payment_id)
    return Reply({"Success": True})


def get_fulfilment(call: Call) -> Reply:
    """GET /sale/fulfilment?SaleID=."""
    return Reply(render.fulfilment_document(call.runtime.store, _sale_by_query(call)))


def get_ship(call: Call) -> Reply:
    """GET /sale/fulfilment/ship?TaskID= (TaskID = SaleID on a simple sale)."""
    sale = _sale_by_query(call, "TaskID")
    if sale.fulfilment is None:
        raise NotFoundError("Fulfilment task not found: the order is not authorised.")
    return Reply(render.ship(sale))


def post_ship(call: Call) -> Reply:
    """POST /sale/fulfilment/ship."""
    sale, events = ordering.post_ship(call.runtime.store, call.body())
    return Reply(render.ship(sale), events)


# -- customers and products -------------------------------------------------------------------------


def get_customers(call: Call) -> Reply:
    """GET /customer."""
    found = customers.find_customers(call.runtime.store, call.query)
    prices = call.query.boolean("IncludeProductPrices")
    rows = [render.customer(c, product_prices=prices) for c in found]
    return Reply(_page(rows, call.query, "CustomerList"))


def post_customer(call: Call) -> Reply:
    """POST /customer → ``{Total, Page, CustomerList: [created]}``."""
    config = call.runtime.config
    created = customers.create_customer(call.runtime.store, call.body(), unique_names=config.unique_customer_names)
    body = {"Total": 1, "Page": 1, "CustomerList": [render.customer(created)]}
    return Reply(body, [customer_updated(created)])


def put_customer(call: Call) -> Reply:
    """PUT /customer (by ID)."""
    config = call.runtime.config
    updated = customers.update_customer(call.runtime.store, call.body(), unique_names=config.unique_customer_names)
    body = {"Total": 1, "Page": 1, "CustomerList": [render.customer(updated)]}
    return Reply(body, [customer_updated(updated)])


def get_products(call: Call) -> Reply:
    """GET /product: ``Name`` and ``Sku`` are prefix filters (cin7.md A14)."""
    query = call.query
    store = call.runtime.store
    wanted_id = query.guid("ID")
    since = query.moment("ModifiedSince")
    include_deprecated = query.boolean("IncludeDeprecated")
    flags = frozenset(
        name
        for name in (
            "includebom",
            "includesuppliers",
            "includemovements",
            "includeattachments",
            "includereorderlevels",
            "includecustomprices",
        )
        if query.boolean(name)
    )
    rows = [
        render.product(p, store, includes=flags)
        for p in store.products.values()
        if (wanted_id is None or p.id == wanted_id)
        and _starts(p.name, query.get("Name"))
        and _starts(p.sku, query.get("Sku"))
        and (since is None or p.last_modified >= since)
        and (include_deprecated or p.status == "Active")
    ]
    return Reply(_page(rows, query, "Products"))


# -- reference data ---------------------------------------------------------------------------------


def _flag(query: Query, name: str) -> bool | None:
    return query.boolean(name) if query.get(name) is not None else None


def get_tax_rules(call: Call) -> Reply:
    """GET /ref/tax."""
    query = call.query
    wanted_id = query.guid("ID")
    filters = {name: _flag(query, name) for name in ("IsActive", "IsTaxForSale", "IsTaxForPurchase")}
    rows = [
        render.tax_rule(rule)
        for rule in call.runtime.store.tax_rules.values()
        if (wanted_id is None or rule.id == wanted_id)
        and _starts(rule.name, query.get("Name"))
        and _equals(rule.account, query.get("Account"))
        and filters["IsActive"] in (None, rule.is_active)
        and filters["IsTaxForSale"] in (None, rule.for_sale)
        and filters["IsTaxForPurchase"] in (None, rule.for_purchase)
    ]
    return Reply(_page(rows, query, "TaxRuleList"))


def get_accounts(call: Call) -> Reply:
    """GET /ref/account; an unknown ``Code`` is a 400, as observed live (cin7.md A4)."""
    query = call.query
    store = call.runtime.store
    code = query.get("Code")
    if code is not None and store.account(code) is None:
        raise ValidationError("Account with specified ID not found")
    rows = [
        render.account(acc)
        for acc in store.accounts.values()
        if _equals(acc.code, code)
        and _starts(acc.name, query.get("Name"))
        and _equals(acc.type, query.get("Type"))
        and _equals(acc.status, query.get("Status"))
    ]
    return Reply(_page(rows, query, "AccountsList"))


def get_bank_accounts(call: Call) -> Reply:
    """GET /ref/account/bank: the source of payment ``Account`` codes."""
    query = call.query
    wanted_id = query.guid("ID")
    rows = [
        render.bank_account(acc)
        for acc in call.runtime.store.accounts.values()
        if acc.type == "BANK"
        and (wanted_id is None or acc.bank_account_id == wanted_id)
        and _starts(acc.name, query.get("Name"))
        and _equals(acc.bank, query.get("Bank"))
    ]
    return Reply(_page(rows, query, "BankAccountsList"))


def get_locations(call: Call) -> Reply:
    """GET /ref/location."""
    query = call.query
    wanted_id = query.guid("ID")
    deprecated = _flag(query, "Deprecated")
    rows = [
        render.location(loc)
        for loc in call.runtime.store.locations.values()
        if (wanted_id is None or loc.id == wanted_id)
        and _starts(loc.name, query.get("Name"))
        and deprecated in (None, loc.is_deprecated)
    ]
    return Reply(_page(rows, query, "LocationList"))


def get_payment_terms(call: Call) -> Reply:
    """GET /ref/paymentterm."""
    query = call.query
    rows = [
        render.payment_term(term)
        for term in call.runtime.store.payment_terms.values()
        if _starts(term.name, query.get("Name")) and _equals(term.method, query.get("Method"))
    ]
    return Reply(_page(rows, query, "PaymentTermList"))


def get_carriers(call: Call) -> Reply:
    """GET /ref/carrier."""
    query = call.query
    rows = [
        {"CarrierID": c.id, "Description": c.description}
        for c in call.runtime.store.carriers.values()
        if _starts(c.description, query.get("Description"))
    ]
    return Reply(_page(rows, query, "CarrierList"))


def get_availability(call: Call) -> Reply:
    """GET /ref/productavailability: Name prefix, Sku exact, Location, Category, Batch."""
    query = call.query
    wanted_id = query.guid("ID")
    rows = [
        render.availability_row(entry)
        for entry in stock.availability(call.runtime.store)
        if (wanted_id is None or entry.product.id == wanted_id)
        and _starts(entry.product.name, query.get("Name"))
        and _equals(entry.product.sku, query.get("Sku"))
        and _equals(entry.location.name, query.get("Location"))
        and _equals(entry.product.category, query.get("Category"))
        and query.get("Batch") is None  # no batch-tracked stock in the sandbox
    ]
    return Reply(_page(rows, query, "ProductAvailabilityList"))


def get_me(call: Call) -> Reply:
    """GET /me (cin7.md A14)."""
    store = call.runtime.store
    rule = store.tax_rule_named("GST on Income")
    return Reply(
        {
            "Company": COMPANY_NAME,
            "Currency": store.base_currency,
            "TimeZone": TIME_ZONE,
            "DefaultWeightUnits": "kg",
            "DefaultDimensionsUnits": "cm",
            "LockDate": None,
            "OpeningBalanceDate": "2020-07-01T00:00:00",
            "TaxCalculationMethod": "Row Total",
            "DefaultSaleTaxRuleId": rule.id if rule else None,
            "DefaultSaleTaxRuleName": rule.name if rule else None,
            "MaximumDecimalPlacesInQuantity": "N2",
            "ApplyCustomerDiscountsAfterOtherDiscounts": False,
            "DiscountRule": "Discount",
            "AutomaticallyApplyDiscounts": False,
            "RoundingTable": [],
        }
    )


# -- webhooks ---------------------------------------------------------------------------------------


def _webhook_json(call: Call, hook_id: str) -> dict[str, Any]:
    hook = call.runtime.store.webhooks[hook_id]
    return render.webhook(hook, webhooks.WEBHOOK_NAMES[hook.type])


def get_webhooks(call: Call) -> Reply:
    """GET /webhooks → ``{"Webhooks": [...]}``."""
    return Reply({"Webhooks": [_webhook_json(call, hook_id) for hook_id in call.runtime.store.webhooks]})


def post_webhook(call: Call) -> Reply:
    """POST /webhooks → ``{"Webhooks": [created]}``."""
    hook = webhooks.create_webhook(call.runtime.store, call.body())
    return Reply({"Webhooks": [_webhook_json(call, hook.id)]})


def put_webhook(call: Call) -> Reply:
    """PUT /webhooks → ``{"Webhooks": [updated]}``."""
    hook = webhooks.update_webhook(call.runtime.store, call.body())
    return Reply({"Webhooks": [_webhook_json(call, hook.id)]})


def delete_webhook(call: Call) -> Reply:
    """DELETE /webhooks?ID= → ``{"Webhooks": []}``."""
    hook_id = call.query.guid("ID")
    if hook_id is None:
        raise ValidationError("ID is required.")
    webhooks.delete_webhook(call.runtime.store, hook_id)
    return Reply({"Webhooks": []})


ROUTES: dict[str, dict[str, Handler]] = {
    "salelist": {"GET": sale_list},
    "sale": {"GET": get_sale, "POST": post_sale, "PUT": put_sale, "DELETE": delete_sale},
    "sale/quote": {"GET": get_quote, "POST": post_quote},
    "sale/order": {"GET": get_order, "POST": post_order},
    "sale/invoice": {"GET": get_invoice, "POST": post_invoice, "PUT": put_invoice},
    "sale/creditnote": {"GET": get_credit_note, "POST": post_credit_note},
    "sale/payment": {"GET": get_payments, "POST": post_payment, "PUT": put_payment, "DELETE": delete_payment},
    "sale/fulfilment": {"GET": get_fulfilment},
    "sale/fulfilment/ship": {"GET": get_ship, "POST": post_ship},
    "customer": {"GET": get_customers, "POST": post_customer, "PUT": put_customer},
    "product": {"GET": get_products},
    "ref/tax": {"GET": get_tax_rules},
    "ref/account": {"GET": get_accounts},
    "ref/account/bank": {"GET": get_bank_accounts},
    "ref/location": {"GET": get_locations},
    "ref/paymentterm": {"GET": get_payment_terms},
    "ref/carrier": {"GET": get_carriers},
    "ref/productavailability": {"GET": get_availability},
    "me": {"GET": get_me},
    "webhooks": {"GET": get_webhooks, "POST": post_webhook, "PUT": put_webhook, "DELETE": delete_webhook},
}
