"""Cin7 → Afterpay: make the Afterpay payment follow what happened to its Cin7 sale.

A Cin7 webhook only says *that* something happened to a sale. The handler reads the whole
sale and the whole payment, and lets ``app.domain.reverse.reverse_plan`` decide what Afterpay
still needs — a capture for what shipped, a void, a refund for a credit note a person raised —
so redelivered, reordered and late webhooks all converge on the same writes. Each write's
``requestId`` is derived from the Cin7 facts behind it, so a retry replays rather than
repeats (afterpay.md §5).

Under the order's lock it also records what a person changed in Cin7 that Afterpay owns
(DESIGN.md §4: the owner wins, the other change goes to the audit trail), and checkpoints
the sale as read, so the forward sync that follows starts from the truth. When Afterpay
refuses a write (declined capture, expired authorisation, refund window passed), its answer
is kept for the sale's Note and a person is alerted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from app.afterpay.client import AfterpayClient, request_id_for
from app.afterpay.errors import AfterpayAPIError, AfterpayNotFound
from app.alerts import Alert, Alerter, order_link
from app.cin7.client import Cin7Client
from app.cin7.errors import Cin7NotFound
from app.cin7.snapshot import gst_documents, sale_facts, sale_snapshot
from app.domain.afterpay import Payment
from app.domain.cin7_documents import MappedOrder
from app.domain.mapping import map_payment
from app.domain.reverse import (
    CannotMirror,
    CaptureShipped,
    ReverseAction,
    VoidOpen,
    origin_tag,
    reverse_plan,
)
from app.domain.rules import MappingRules
from app.domain.sync import CIN7_KEY, Cin7Sale, cancellation_descriptions, note_with_messages, owned_header
from app.store.gst import GstLedger
from app.store.orders import OrderStore

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 60
MAX_WRITES = 20
"""More Afterpay writes than one sale can ask for (a capture, a void, a refund per credit note)."""


@dataclass
class ReverseResult:
    """What one look at a Cin7 sale did."""

    sale_id: str
    afterpay_order_id: str | None = None
    ignored: str | None = None
    not_found: bool = False
    writes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"cin7SaleId": self.sale_id, "afterpayOrderId": self.afterpay_order_id}
        if self.ignored:
            body["ignored"] = self.ignored
        body["afterpayWrites"] = self.writes
        body["conflicts"] = self.conflicts
        return body


class ReverseSync:
    """Brings Cin7 changes to Afterpay, one sale at a time."""

    def __init__(
        self,
        *,
        cin7: Cin7Client,
        afterpay: AfterpayClient,
        store: OrderStore,
        rules: MappingRules,
        alerter: Alerter,
        ledger: GstLedger,
        public_url: str | None = None,
    ) -> None:
        self._cin7 = cin7
        self._afterpay = afterpay
        self._store = store
        self._rules = rules
        self._alerter = alerter
        self._public_url = public_url
        self._slots = [f"AdditionalAttribute{slot}" for slot in rules.attribute_slots]
        self._ledger = ledger

    def handle_sale(self, sale_id: str) -> ReverseResult:
        """Read Cin7 sale ``sale_id`` and make its Afterpay payment follow it."""
        result = ReverseResult(sale_id=sale_id)
        order_id = self._store.order_for_sale(sale_id)
        if order_id is None:
            # Not a sale the bridge links to an order (yet): its ExternalID says which order.
            first = self._read(sale_id, result)
            order_id = str(first.get("ExternalID") or "").strip() if first is not None else ""
            if not order_id:
                result.ignored = result.ignored or "the sale is not an Afterpay order (no ExternalID)"
                return result
        result.afterpay_order_id = order_id
        with self._store.lock(order_id, wait=LOCK_WAIT_SECONDS):
            # Read under the lock: a forward sync may have written to the sale meanwhile.
            sale = self._read(sale_id, result)
            if sale is not None:
                self._follow(order_id, sale, result)
        return result

    def _read(self, sale_id: str, result: ReverseResult) -> dict[str, Any] | None:
        try:
            return self._cin7.get_sale(sale_id)
        except Cin7NotFound:
            result.ignored = "Cin7 has no such sale"
            result.not_found = True
            return None

    def _follow(self, order_id: str, sale: dict[str, Any], result: ReverseResult) -> None:
        record = self._store.load(order_id)
        sale_id = str(sale["ID"])
        if record.sale_id and record.sale_id.lower() != sale_id.lower():
            # A second sale carrying the order's ExternalID (a duplicate a person is voiding,
            # say): only the sale the bridge keeps in step may move Afterpay's money.
            result.ignored = f"Afterpay order {order_id} is linked to Cin7 sale {record.sale_id}, not this one"
            self._store.audit(order_id, "ignored-other-sale", sale=sale_id, linked=record.sale_id)
            self._alerter.send(
                Alert(
                    kind="reverse.other-sale",
                    subject=f"other-sale:{order_id}:{sale_id}",
                    text=f"Cin7 sale {sale_id} also carries Afterpay order {order_id}, which the bridge keeps in step"
                    f" with sale {record.sale_id}; nothing was done in Afterpay for it.",
                    link=order_link(self._public_url, order_id),
                )
            )
            return
        try:
            payment = self._afterpay.get_payment(order_id)
        except AfterpayNotFound:
            result.ignored = f"Afterpay has no order {order_id}"
            return
        mapped = map_payment(payment, self._rules)
        descriptions = cancellation_descriptions(mapped.order)
        known = self._store.known_notes(order_id)
        fresh = sale_snapshot(
            sale, cancellation_descriptions=descriptions, attribute_slots=self._slots, known_notes=known
        )
        result.conflicts = self._conflicts(order_id, mapped, record.snapshot, fresh, sale)
        # The forward sync that follows must start from what Cin7 holds now.
        self._store.checkpoint(order_id, fresh)
        if fresh.voided:
            self._ledger.forget_sale(fresh.sale_id)
        else:
            self._ledger.sync_sale(fresh.sale_id, gst_documents(sale, order_id))
        facts = sale_facts(sale, cancellation_descriptions=descriptions)
        ours = set(known) | _bridge_tasks(record.snapshot) | _bridge_tasks(fresh)
        refused = self._store.refused(order_id)
        asked: set[str] = set()
        for _ in range(MAX_WRITES):
            # One write at a time, each planned on Afterpay's latest answer (a refused capture
            # makes no room for a refund).
            actions = reverse_plan(payment, facts, bridge_notes=ours, refused=refused)
            action = next((a for a in actions if _key(a) not in asked), None)
            if action is None:
                break
            asked.add(_key(action))
            record_, payment = self._apply(order_id, payment, sale_id, action, refused)
            result.writes.append(record_)

    # -- Afterpay writes ------------------------------------------------------------------

    def _apply(
        self, order_id: str, payment: Payment, sale_id: str, action: ReverseAction, refused: set[str]
    ) -> tuple[dict[str, Any], Payment]:
        """Carry out ``action``; returns what happened and the payment as Afterpay now has it."""
        if isinstance(action, CannotMirror):
            self._tell(order_id, action.reason, subject=f"cannot-mirror:{order_id}:{action.reason}")
            return {"write": action.name, "reason": action.reason}, payment
        request_id = request_id_for("cin7", order_id, action.request_key)
        record: dict[str, Any] = {"write": action.name, "amount": str(action.amount), "requestId": request_id}
        currency = payment.currency
        try:
            if isinstance(action, CaptureShipped):
                payment = self._afterpay.capture(
                    order_id, action.amount, currency, request_id=request_id, event_reference=f"cin7 shipment {sale_id}"
                )
            elif isinstance(action, VoidOpen):
                payment = self._afterpay.void(order_id, None, currency, request_id=request_id)
            else:
                self._afterpay.refund(
                    order_id,
                    action.amount,
                    currency,
                    request_id=request_id,
                    merchant_reference=action.number or action.task_id,
                    refund_merchant_reference=origin_tag(action.task_id),
                )
                record["creditNote"] = action.number
                payment = self._afterpay.get_payment(order_id)
        except AfterpayAPIError as exc:
            if exc.retryable:
                raise
            # Final for exactly this write (its amount is part of its key): never asked again.
            self._store.mark_refused(order_id, action.request_key)
            refused.add(action.request_key)
            reason = f"Afterpay refused the {action.name} of {action.amount} {currency}: {exc}"
            self._tell(order_id, reason, subject=f"refused:{order_id}:{action.request_key}")
            record.update(outcome="refused", reason=str(exc))
            self._store.audit(order_id, f"afterpay-{action.name}-refused", origin="cin7", sale=sale_id, **record)
            return record, payment
        record["outcome"] = "done"
        self._store.audit(order_id, f"afterpay-{action.name}", origin="cin7", sale=sale_id, **record)
        log.info("afterpay write from cin7", extra={"order": order_id, **record})
        return record, payment

    def _tell(self, order_id: str, reason: str, *, subject: str) -> None:
        """Keep Afterpay's answer for the sale's Note (the forward sync writes it) and alert."""
        self._store.add_message(order_id, f"Afterpay: {reason}")
        link = order_link(self._public_url, order_id)
        self._alerter.send(
            Alert(kind="reverse.refused", subject=subject, text=f"Afterpay order {order_id}: {reason}.", link=link)
        )

    # -- conflicts ------------------------------------------------------------------------

    def _conflicts(
        self, order_id: str, mapped: MappedOrder, before: Cin7Sale | None, fresh: Cin7Sale, sale: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """What a person changed in Cin7 that Afterpay owns, recorded before the sync restores it."""
        if before is None:
            return []
        found: list[dict[str, Any]] = []
        if before.header_digest != fresh.header_digest:
            note = note_with_messages(mapped.sale.note, self._store.messages(order_id))
            wanted = owned_header({**mapped.sale.to_dict(), "Note": note})
            held = owned_header(sale)
            pairs = [(name, held[name], wanted[name]) for name in ("CustomerReference", "Note")]
            pairs += [
                (slot, held["AdditionalAttributes"].get(slot, ""), wanted["AdditionalAttributes"].get(slot, ""))
                for slot in self._slots
            ]
            found += [
                {"field": name, "cin7": value, "kept": kept, "owner": "afterpay"}
                for name, value, kept in pairs
                if value != kept
            ]
        if before.invoice is None and fresh.invoice is None and before.order_digest != fresh.order_digest:
            found.append({"field": "Order.Lines", "cin7": "changed", "kept": "Afterpay's items", "owner": "afterpay"})
        for conflict in found:
            self._store.audit(order_id, "conflict", sale=fresh.sale_id, **conflict)
        return found


def _bridge_tasks(snapshot: Cin7Sale | None) -> set[str]:
    """Credit-note tasks the bridge itself wrote (any key but a person's ``cin7:``)."""
    if snapshot is None:
        return set()
    return {doc.task_id.lower() for key, doc in snapshot.credit_notes.items() if not key.startswith(CIN7_KEY)}


def _key(action: ReverseAction) -> str:
    return action.reason if isinstance(action, CannotMirror) else action.request_key
