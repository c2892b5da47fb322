"""The Cin7 Core API v2 client: one class, one pooled session, the shared rate limiter,
retries in one place, list pages as iterators."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from app.cin7.errors import (
    Cin7ConnectionError,
    Cin7Invalid,
    Cin7RateLimited,
    error_from_response,
    error_model,
)
from app.store.ratelimit import SharedRateLimiter, SlotUnavailable
from app.upstream import RetryPolicy, Timeouts, build_session, call_with_retries, json_body

# cin7.md C12: integrators use 10 s to connect and 30 s to read.
TIMEOUTS = Timeouts(connect=10, read=30)
MAX_PAGE = 1000
"""cin7.md A3: ``Limit`` is 1-1000; the largest page costs the fewest calls."""


class Cin7Client:
    """Talks to one Cin7 Core account through one API application.

    Every request first takes a slot from the deployment-wide ``SharedRateLimiter``, so all
    processes together stay inside Cin7's per-application limit; when Cin7 throttles anyway,
    every process is cooled down.

    Attributes:
        calls: HTTP requests sent (retries included), for the job's ``apiCalls``.
        throttled: how many of them Cin7 refused as over its limit.
    """

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        application_key: str,
        limiter: SharedRateLimiter | None = None,
        max_slot_wait: float = 600.0,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts = TIMEOUTS,
        page_size: int = MAX_PAGE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1-{MAX_PAGE}")
        self._base = base_url.rstrip("/")
        self._session = session or build_session()
        self._headers = {
            "api-auth-accountid": account_id,
            "api-auth-applicationkey": application_key,
            "Content-Type": "application/json",
        }
        self._limiter = limiter
        self._max_slot_wait = max_slot_wait
        self._retry = retry or RetryPolicy()
        self._timeouts = timeouts
        self._page_size = page_size
        self._sleep = sleep
        self.calls = 0
        self.throttled = 0

    # -- transport ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one call and return the decoded JSON body.

        Args:
            idempotent: whether repeating the call is harmless. Defaults to True for GET and
                False otherwise; non-idempotent calls are retried only when Cin7 provably
                did not run them.
        """
        safe_to_repeat = method == "GET" if idempotent is None else idempotent
        url = f"{self._base}/{endpoint.lstrip('/')}"

        def attempt() -> Any:
            if self._limiter is not None:
                try:
                    self._limiter.acquire(self._max_slot_wait)
                except SlotUnavailable as exc:
                    raise Cin7RateLimited(
                        f"no Cin7 call slot within {self._max_slot_wait:.0f} s", retry_after=exc.retry_after
                    ) from exc
            self.calls += 1
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    data=json_body(body) if body is not None else None,
                    headers=self._headers,
                    timeout=self._timeouts.as_tuple(),
                )
            except requests.RequestException as exc:
                never_sent = _never_sent(exc)
                raise Cin7ConnectionError(
                    f"{method} {urlsplit(url).path}: {type(exc).__name__}",
                    retryable=safe_to_repeat or never_sent,
                    outcome_unknown=not safe_to_repeat and not never_sent,
                ) from exc
            payload = _decode(response)
            if response.status_code >= 400 or (response.status_code == 200 and error_model(payload)):
                error = error_from_response(response, is_write=not safe_to_repeat)
                if isinstance(error, Cin7RateLimited):
                    self.throttled += 1
                    if self._limiter is not None:
                        # Push every process back, not just this one (reliability.md §3.3).
                        self._limiter.cool_down(error.retry_after or 0)
                        error.retry_after = None
                raise error
            return payload

        return call_with_retries(attempt, self._retry, describe=f"cin7 {method} {endpoint}", sleep=self._sleep)

    def pages(self, endpoint: str, list_key: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every row of a paginated list, fetched ``page_size`` (default 1000) at a time.

        The page count comes from ``Total`` (Cin7 does not echo the limit, cin7.md A3), so
        the last page is never followed by an empty one.
        """
        page = 1
        while True:
            body = self.request("GET", endpoint, params={**(params or {}), "Page": page, "Limit": self._page_size})
            rows = body.get(list_key) or []
            yield from rows
            total = int(body.get("Total") or 0)
            if not rows or page * self._page_size >= total:
                return
            page += 1

    # -- sales ------------------------------------------------------------------------------

    def iter_sales(self, **filters: str) -> Iterator[dict[str, Any]]:
        """saleList rows matching ``filters`` (CreatedSince, UpdatedSince, Status, Search, ...)."""
        return self.pages("saleList", "SaleList", filters)

    def find_sales_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        """Sales whose ExternalID is exactly ``external_id`` (the Afterpay order id).

        The filter is documented as exact, but equality is checked here too: a near match
        must never be taken for the order (cin7.md C2, C5).
        """
        return [row for row in self.iter_sales(ExternalID=external_id) if row.get("ExternalID") == external_id]

    def get_sale(self, sale_id: str) -> dict[str, Any]:
        """The full sale: header, order, invoices with payments, credit notes with refunds."""
        sale: dict[str, Any] = self.request("GET", "sale", params={"ID": sale_id})
        return sale

    def create_sale(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /sale; returns the created sale (with its ``ID``)."""
        sale: dict[str, Any] = self.request("POST", "sale", body=body)
        return sale

    def update_sale(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT /sale (header fields, by ``ID``); repeating the same update is harmless."""
        sale: dict[str, Any] = self.request("PUT", "sale", body=body, idempotent=True)
        return sale

    def void_sale(self, sale_id: str) -> dict[str, Any]:
        """DELETE /sale?Void=true: void the sale and everything in it."""
        sale: dict[str, Any] = self.request("DELETE", "sale", params={"ID": sale_id, "Void": "true"})
        return sale

    def save_order(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /sale/order: write the order's lines and charges (overwrites the previous ones)."""
        order: dict[str, Any] = self.request("POST", "sale/order", body=body)
        return order

    def save_invoice(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /sale/invoice (needs an authorised order)."""
        invoice: dict[str, Any] = self.request("POST", "sale/invoice", body=body)
        return invoice

    def add_payment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /sale/payment: a PAYMENT against an invoice task or a REFUND against a credit note."""
        payment: dict[str, Any] = self.request("POST", "sale/payment", body=body)
        return payment

    def sale_payments(self, sale_id: str) -> list[dict[str, Any]]:
        """Every payment and refund of a sale (a bare array, cin7.md A10)."""
        payments: list[dict[str, Any]] = self.request("GET", "sale/payment", params={"SaleID": sale_id})
        return payments

    def save_credit_note(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /sale/creditnote (needs an authorised or paid invoice)."""
        note: dict[str, Any] = self.request("POST", "sale/creditnote", body=body)
        return note

    # -- customers, products, reference data -------------------------------------------------

    def find_customers_by_email(self, email: str) -> list[dict[str, Any]]:
        """Customers with a contact whose email is ``email`` (``ContactFilter``, cin7.md A14).

        ContactFilter also matches contact *names* by prefix, so the email is checked here.
        """
        wanted = email.strip().lower()
        return [
            row
            for row in self.pages("customer", "CustomerList", {"ContactFilter": email})
            if any(str(contact.get("Email") or "").strip().lower() == wanted for contact in row.get("Contacts") or [])
        ]

    def find_customers_by_name(self, name: str) -> list[dict[str, Any]]:
        """Customers whose name is exactly ``name`` (``Name`` filters by prefix)."""
        return [row for row in self.pages("customer", "CustomerList", {"Name": name}) if row.get("Name") == name]

    def create_customer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /customer; returns the created customer."""
        created = self.request("POST", "customer", body=body)
        rows = created.get("CustomerList") or []
        if not rows:
            raise Cin7Invalid("customer POST returned no customer", body=created)
        customer: dict[str, Any] = rows[0]
        return customer

    def find_product_by_sku(self, sku: str) -> dict[str, Any] | None:
        """The product whose SKU is exactly ``sku`` (``Sku`` filters by prefix, cin7.md A14)."""
        for row in self.pages("product", "Products", {"Sku": sku}):
            if row.get("SKU") == sku:
                return row
        return None

    def availability(self, sku: str) -> list[dict[str, Any]]:
        """Stock rows (per location, bin, batch) of the product ``sku``, exact SKU only."""
        return [
            row
            for row in self.pages("ref/productavailability", "ProductAvailabilityList", {"Sku": sku})
            if row.get("SKU") == sku
        ]

    def tax_rules(self) -> list[dict[str, Any]]:
        """Every tax rule (``TaxRuleList``)."""
        return list(self.pages("ref/tax", "TaxRuleList"))

    def accounts(self) -> list[dict[str, Any]]:
        """The chart of accounts (``AccountsList``)."""
        return list(self.pages("ref/account", "AccountsList"))

    def locations(self) -> list[dict[str, Any]]:
        """Every location (``LocationList``)."""
        return list(self.pages("ref/location", "LocationList"))

    # -- webhooks ---------------------------------------------------------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """Registered webhooks, active or not."""
        body = self.request("GET", "webhooks")
        hooks: list[dict[str, Any]] = body.get("Webhooks") or []
        return hooks

    def create_webhook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /webhooks; returns the registered webhook."""
        created = self.request("POST", "webhooks", body=body)
        return _first_webhook(created)

    def update_webhook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT /webhooks (by ``ID``), e.g. to re-activate one Cin7 switched off."""
        return _first_webhook(self.request("PUT", "webhooks", body=body, idempotent=True))


def _first_webhook(body: Any) -> dict[str, Any]:
    hooks = body.get("Webhooks") if isinstance(body, dict) and "Webhooks" in body else [body]
    first: dict[str, Any] = hooks[0] if hooks else {}
    return first


def _decode(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _never_sent(exc: requests.RequestException) -> bool:
    # A refused or timed-out *connect* means Cin7 never saw the request, so even a write may
    # be repeated. Anything after the connection was made (read timeout, reset, no answer)
    # leaves the outcome unknown.
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, NewConnectionError | ConnectionRefusedError)
