"""Finding (or creating) the Cin7 customer of an order, with a Redis cache in front.

Repeat customers are the norm in a shop, so an email already seen costs no Cin7 call at all
(reference/cin7.md A12 counts the customer look-up as one of the calls to save).
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis

from app.cin7.client import Cin7Client
from app.cin7.errors import Cin7Invalid
from app.domain.cin7_documents import Customer, SharedCustomer
from app.store.keys import Keys
from app.store.locks import short_lock

CACHE_SECONDS = 30 * 24 * 3600
ABSENT_SECONDS = 900
LOCK_WAIT_SECONDS = 30
"""How long a complete customer listing's "no customer has this email" stays usable."""


class CustomerMissing(Exception):
    """The shared customer the mapping names does not exist in Cin7 (a configuration error)."""


class CustomerResolver:
    """Maps the mapping's customer to a Cin7 CustomerID."""

    def __init__(self, cin7: Cin7Client, client: redis.Redis, keys: Keys) -> None:
        self._cin7 = cin7
        self._redis = client
        self._keys = keys

    def _cache_key(self, kind: str, value: str) -> str:
        return self._keys("cache", "customer", kind, hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32])

    def resolve(self, customer: Customer | SharedCustomer) -> str:
        """The CustomerID for ``customer``: cached, found by email (or exact name), or created."""
        if isinstance(customer, SharedCustomer):
            return self._shared(customer.name)
        key = self._cache_key("email", customer.email)
        cached = self._cached(key)
        if cached:
            return cached
        # Two jobs for the same new shopper must not both create her: the second waits here,
        # then finds the first one's customer in the cache.
        with short_lock(self._redis, self._cache_key("lock", customer.email), wait=LOCK_WAIT_SECONDS):
            return self._cached(key) or self._look_up_or_create(customer, key)

    def _cached(self, key: str) -> str | None:
        value: str | None = self._redis.get(key)  # type: ignore[assignment]
        return value

    def _look_up_or_create(self, customer: Customer, key: str) -> str:
        absent_key = self._cache_key("absent", customer.email)
        found = [] if self._redis.get(absent_key) else self._cin7.find_customers_by_email(customer.email)
        customer_id = str(found[0]["ID"]) if found else self._create(customer)
        self._redis.delete(absent_key)
        self._redis.set(key, customer_id, ex=CACHE_SECONDS)
        return customer_id

    def is_cached(self, email: str) -> bool:
        """Whether the CustomerID for ``email`` is already known."""
        return bool(self._redis.exists(self._cache_key("email", email)))

    def remember(self, email: str, customer_id: str) -> None:
        """Cache a CustomerID found another way (a batch listing)."""
        self._redis.set(self._cache_key("email", email), customer_id, ex=CACHE_SECONDS)

    def remember_absent(self, email: str) -> None:
        """A complete listing showed no customer with ``email``: create it without a look-up."""
        self._redis.set(self._cache_key("absent", email), "1", ex=ABSENT_SECONDS)

    def forget(self, customer: Customer | SharedCustomer) -> None:
        """Drop the cached id (Cin7 refused it: the customer was deleted or deprecated)."""
        if isinstance(customer, SharedCustomer):
            self._redis.delete(self._cache_key("name", customer.name))
        else:
            self._redis.delete(self._cache_key("email", customer.email))

    def _shared(self, name: str) -> str:
        key = self._cache_key("name", name)
        cached: str | None = self._redis.get(key)  # type: ignore[assignment]
        if cached:
            return cached
        found = self._cin7.find_customers_by_name(name)
        if not found:
            raise CustomerMissing(
                f"the shared customer {name!r} does not exist in Cin7; create it or fix customer.shared_name"
            )
        customer_id = str(found[0]["ID"])
        self._redis.set(key, customer_id, ex=CACHE_SECONDS)
        return customer_id

    def _create(self, customer: Customer) -> str:
        body: dict[str, Any] = {k: v for k, v in customer.to_dict().items() if k != "match"}
        try:
            created = self._cin7.create_customer(body)
        except Cin7Invalid as exc:
            if "already exists" not in exc.message.lower():
                raise
            # Cin7 customer names are unique; two shoppers can share a name. Their email
            # tells them apart, on the card and for the person reading it.
            body["Name"] = f"{body['Name']} ({customer.email})"[:256]
            created = self._cin7.create_customer(body)
        return str(created["ID"])
