"""The Afterpay Online API v2 client: one class, one pooled session, retries in one place."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from app.afterpay.errors import AfterpayConnectionError, AfterpayError, AfterpayInvalid, error_from_response
from app.afterpay.schemas import load_payment
from app.domain.afterpay import Payment
from app.upstream import RetryPolicy, Timeouts, build_session, call_with_retries

# afterpay.md §3.1/§5: open 10 s; read 20 s for reads and updates, 70 s for payment writes.
READ_TIMEOUTS = Timeouts(connect=10, read=20)
WRITE_TIMEOUTS = Timeouts(connect=10, read=70)

_REQUEST_ID_NAMESPACE = uuid.UUID("5d1f0f8e-7e52-4c86-9d25-2b0c6a3b9a41")


def request_id_for(*parts: str) -> str:
    """A stable ``requestId`` for one logical write, derived from what identifies it.

    The same parts always give the same id, so a write that is retried — by this client,
    by an RQ retry, or by a redelivered Cin7 webhook — is replayed by Afterpay instead of
    being carried out twice (afterpay.md §5).
    """
    return str(uuid.uuid5(_REQUEST_ID_NAMESPACE, "|".join(parts)))


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currency": currency}


class AfterpayClient:
    """Talks to one Afterpay merchant account.

    Every write carries a ``requestId`` (derived by the caller with ``request_id_for`` or
    generated once per call, before the retry loop), so retries of writes are safe.

    Attributes:
        calls: HTTP requests sent so far (retries included), for the job's ``apiCalls``.
    """

    def __init__(
        self,
        *,
        base_url: str,
        merchant_id: str,
        secret_key: str,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        public_url: str | None = None,
        read_timeouts: Timeouts = READ_TIMEOUTS,
        write_timeouts: Timeouts = WRITE_TIMEOUTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._auth = (merchant_id, secret_key)
        self._session = session or build_session()
        # afterpay.md §1.3: the documented User-Agent names the merchant and its site.
        agent = f"AfterpayCin7Bridge/0.1.0 (Python; Cin7Core/v2; Merchant/{merchant_id})"
        self._session.headers["User-Agent"] = f"{agent} {public_url}" if public_url else agent
        self._retry = retry or RetryPolicy()
        self._read_timeouts = read_timeouts
        self._write_timeouts = write_timeouts
        self._sleep = sleep
        self.calls = 0

    # -- transport ---------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        write: bool = False,
    ) -> requests.Response:
        timeouts = self._write_timeouts if write else self._read_timeouts
        url = path_or_url if path_or_url.startswith("http") else f"{self._base}{path_or_url}"

        def attempt() -> requests.Response:
            self.calls += 1
            try:
                response = self._session.request(
                    method, url, params=params, json=body, auth=self._auth, timeout=timeouts.as_tuple()
                )
            except requests.RequestException as exc:
                # Writes carry a requestId, so even an unanswered write is safe to repeat.
                raise AfterpayConnectionError(
                    f"{method} {urlsplit(url).path}: {type(exc).__name__}",
                    retryable=True,
                    outcome_unknown=method != "GET",
                ) from exc
            if response.status_code >= 400:
                raise error_from_response(response)
            return response

        return call_with_retries(
            attempt, self._retry, describe=f"afterpay {method} {urlsplit(url).path}", sleep=self._sleep
        )

    def _payment(self, response: requests.Response) -> Payment:
        try:
            return load_payment(response.json())
        except ValueError as exc:  # marshmallow's ValidationError is a ValueError
            raise AfterpayError(f"unreadable payment from Afterpay: {exc}", status=response.status_code) from exc

    # -- reads --------------------------------------------------------------------------

    def ping(self) -> bool:
        """True when Afterpay answers ``/ping`` (no credentials involved)."""
        return self._request("GET", "/ping").text.strip() == "pong"

    def get_configuration(self) -> dict[str, Any]:
        """The merchant's order limits (``minimumAmount``/``maximumAmount``); also proves the credentials."""
        body: dict[str, Any] = self._request("GET", "/v2/configuration").json()
        return body

    def get_payment(self, order_id: str) -> Payment:
        """The payment with Afterpay order id ``order_id``."""
        return self._payment(self._request("GET", f"/v2/payments/{order_id}"))

    def get_payment_by_token(self, token: str) -> Payment:
        """The payment created from checkout ``token`` (the literal ``token:`` prefix, §3.1 #11)."""
        return self._payment(self._request("GET", f"/v2/payments/token:{token}"))

    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        """The dispute ``dispute_id`` (afterpay.md §7 Disputes API): ``order``, ``amount``,
        ``reason``, ``status``, ``responseDueBy`` (epoch seconds) ..."""
        body: dict[str, Any] = self._request("GET", f"/v2/disputes/{quote(dispute_id, safe='')}").json()
        return body

    def iter_payments(
        self,
        *,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        ids: Sequence[str] = (),
        merchant_references: Sequence[str] = (),
        statuses: Sequence[str] = (),
        order_by: str = "createdAt",
        ascending: bool = True,
        page_size: int = 250,
    ) -> Iterator[Payment]:
        """Every payment matching the filters, following Afterpay's cursor pages (§2).

        Cursor pages stay correct while new payments are being created, which offset
        pages do not. Repeated keys are sent repeated, never comma-joined (§3.2).
        """
        if not 1 <= page_size <= 250:
            raise ValueError("page_size must be 1-250")
        params: list[tuple[str, str]] = [
            ("limit", str(page_size)),
            ("orderBy", order_by),
            ("ascending", "true" if ascending else "false"),
            ("includeNextLink", "true"),
        ]
        if created_from is not None:
            params.append(("fromCreatedDate", _iso(created_from)))
        if created_to is not None:
            params.append(("toCreatedDate", _iso(created_to)))
        params += [("ids", v) for v in ids]
        params += [("merchantReferences", v) for v in merchant_references]
        params += [("statuses", v) for v in statuses]
        page: dict[str, Any] = self._request("GET", "/v2/payments", params=params).json()
        while True:
            for raw in page.get("results", []):
                yield load_payment(raw)
            next_url = page.get("nextPageUrl")
            if not next_url:
                return
            page = self._request("GET", self._same_origin(next_url)).json()

    def _same_origin(self, url: str) -> str:
        # The next-page URL comes from the response; never send our credentials elsewhere.
        base, target = urlsplit(self._base), urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            return f"{self._base}{target.path}?{target.query}"
        return url

    # -- writes -------------------------------------------------------------------------

    def capture(
        self, order_id: str, amount: Decimal, currency: str, *, request_id: str, event_reference: str | None = None
    ) -> Payment:
        """Deferred capture of ``amount`` of an authorised payment (§3.2 "Deferred capture")."""
        body: dict[str, Any] = {"requestId": request_id, "amount": _money(amount, currency)}
        if event_reference:
            body["paymentEventMerchantReference"] = event_reference[:128]
        return self._payment(self._request("POST", f"/v2/payments/{order_id}/capture", body=body, write=True))

    def void(self, order_id: str, amount: Decimal | None, currency: str, *, request_id: str) -> Payment:
        """Void ``amount`` of the open-to-capture amount, or all of it when ``amount`` is None."""
        body: dict[str, Any] = {"requestId": request_id}
        if amount is not None:
            body["amount"] = _money(amount, currency)
        return self._payment(self._request("POST", f"/v2/payments/{order_id}/void", body=body, write=True))

    def refund(
        self,
        order_id: str,
        amount: Decimal,
        currency: str,
        *,
        request_id: str,
        merchant_reference: str,
        refund_merchant_reference: str | None = None,
    ) -> dict[str, Any]:
        """Refund captured funds; returns Afterpay's Refund object (``refundId``, ``refundedAt``...).

        Afterpay keys refund idempotency on requestId AND merchantReference (§5), so both
        must be stable for one logical refund.
        """
        if amount <= 0:
            raise AfterpayInvalid("refund amount must be positive", status=None)
        body: dict[str, Any] = {
            "requestId": request_id,
            "amount": _money(amount, currency),
            "merchantReference": merchant_reference[:64],
        }
        if refund_merchant_reference:
            body["refundMerchantReference"] = refund_merchant_reference[:128]
        refund: dict[str, Any] = self._request("POST", f"/v2/payments/{order_id}/refund", body=body, write=True).json()
        return refund


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetimes sent to Afterpay must be timezone-aware")
    return moment.isoformat(timespec="milliseconds")
