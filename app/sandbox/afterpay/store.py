"""In-memory state: checkouts, payments and their indexes, per-record locks, id sequences.

Payments are copy-on-write: ``edit()`` locks one payment, hands out a deep copy, and swaps it
in only if the block finishes without raising. Readers take the committed version without a
lock and never see a half-applied write; writers to one payment are serialised.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .idempotency import IdempotencyCache
from .ids import SequentialIds, order_ids, refund_ids
from .models import Checkout, Payment


class Store:
    """Everything the simulated merchant account holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._payments: dict[str, Payment] = {}
        self._by_token: dict[str, str] = {}
        self._checkouts: dict[str, Checkout] = {}
        self._locks: dict[str, threading.Lock] = {}
        self.order_ids: SequentialIds = order_ids()
        self.refund_ids: SequentialIds = refund_ids()
        self.idempotency = IdempotencyCache()

    def lock(self, name: str) -> threading.Lock:
        """The lock serialising writes to one record (``payment:<id>``, ``token:<token>``)."""
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    # -- checkouts ------------------------------------------------------------------------

    def add_checkout(self, checkout: Checkout) -> None:
        """Keep a new checkout."""
        with self._lock:
            self._checkouts[checkout.token] = checkout

    def checkout(self, token: str) -> Checkout | None:
        """The checkout with ``token``; mutate it only under ``lock("token:" + token)``."""
        with self._lock:
            return self._checkouts.get(token)

    # -- payments -------------------------------------------------------------------------

    def add_payment(self, payment: Payment) -> None:
        """Keep a new payment (its id must come from, or be claimed in, ``order_ids``)."""
        with self._lock:
            self._payments[payment.id] = payment
            self._by_token[payment.token] = payment.id

    def token_taken(self, token: str) -> bool:
        """Whether a checkout or payment already uses ``token``."""
        with self._lock:
            return token in self._by_token or token in self._checkouts

    def payment(self, payment_id: str) -> Payment | None:
        """The committed version of a payment; treat it as read-only."""
        with self._lock:
            return self._payments.get(payment_id)

    def payment_by_token(self, token: str) -> Payment | None:
        """The committed payment made from checkout ``token``."""
        with self._lock:
            payment_id = self._by_token.get(token)
            return self._payments.get(payment_id) if payment_id else None

    def payments(self) -> list[Payment]:
        """Every committed payment."""
        with self._lock:
            return list(self._payments.values())

    @contextmanager
    def edit(self, payment_id: str) -> Iterator[Payment]:
        """Lock ``payment_id`` and yield a draft; commit it if the block does not raise."""
        with self.lock(f"payment:{payment_id}"):
            current = self.payment(payment_id)
            if current is None:
                raise KeyError(payment_id)
            draft = copy.deepcopy(current)
            yield draft
            with self._lock:
                self._payments[payment_id] = draft
