"""The per-order sync saga: make Cin7 Core match one Afterpay payment, safely and cheaply.

Under the order's lock: map the payment, find what Cin7 holds (the checkpoint in Redis; or,
when that cannot be trusted, Cin7 itself), then repeat *plan → one write → checkpoint*
until nothing is left to write (``app.domain.sync``). Every non-idempotent write is marked
``pending`` before it is sent; a write whose answer is lost is followed by a look at Cin7,
never by a blind repeat. Before creating a sale the bridge looks it up by exact
``ExternalID`` unless a fresh batch look-up already saw it absent — so neither an empty Redis,
a lost answer nor a retry can make a second sale.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis

from app.afterpay.client import AfterpayClient
from app.alerts import Alert, Alerter, order_link
from app.cin7.client import Cin7Client
from app.cin7.errors import Cin7NotFound
from app.cin7.snapshot import credit_note_memo, memo_key, sale_snapshot
from app.domain.afterpay import Payment
from app.domain.cin7_documents import MappedOrder, cin7_datetime
from app.domain.gst_report import GstDocument
from app.domain.mapping import map_payment
from app.domain.rules import MappingRules
from app.domain.sync import (
    CIN7_KEY,
    EMPTY_TASK,
    REFUND_KEY,
    Action,
    AddCreditNote,
    AddPayment,
    AddRefund,
    Cin7Document,
    Cin7Sale,
    CreateSale,
    NeedsPerson,
    SaveInvoice,
    SaveOrder,
    UpdateHeader,
    VoidSale,
    cancellation_descriptions,
    desired_order_digests,
    header_digest,
    note_with_messages,
    owned_header,
    plan,
)
from app.store.gst import GstLedger
from app.store.keys import Keys
from app.store.locks import short_lock
from app.store.orders import OrderStore
from app.sync.customers import CustomerResolver
from app.upstream import UpstreamError

log = logging.getLogger(__name__)

MAX_WRITES = 60
"""A guard, far above any real order (a paid order with 20 partial captures and refunds),
against a plan that never converges."""

MAX_REREADS = 3
LOCK_WAIT_SECONDS = 60
REFERENCE_CHECK_SECONDS = 3600


class ReferenceDataMismatch(Exception):
    """The mapping rules name Cin7 reference data (location, tax rule, account) that does not exist."""


@dataclass
class SyncResult:
    """What one sync did (the job's result, DESIGN.md §3.2)."""

    afterpay_order_id: str
    state: str
    action: str = "unchanged"
    cin7_sale_id: str | None = None
    cin7_order_number: str | None = None
    steps: list[str] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    attention: str | None = None
    payment: Payment | None = field(default=None, repr=False)
    """The Afterpay payment synced (not part of the job's result)."""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "afterpayOrderId": self.afterpay_order_id,
            "cin7SaleId": self.cin7_sale_id,
            "cin7OrderNumber": self.cin7_order_number,
            "action": self.action,
            "state": self.state,
            "steps": self.steps,
            "apiCalls": self.api_calls,
        }
        if self.attention:
            body["attention"] = self.attention
        return body


class OrderSync:
    """Syncs orders into one Cin7 account."""

    def __init__(
        self,
        *,
        cin7: Cin7Client,
        afterpay: AfterpayClient,
        store: OrderStore,
        redis_client: redis.Redis,
        keys: Keys,
        rules: MappingRules,
        alerter: Alerter,
        public_url: str | None = None,
    ) -> None:
        self._cin7 = cin7
        self._afterpay = afterpay
        self._store = store
        self._redis = redis_client
        self._keys = keys
        self._rules = rules
        self._alerter = alerter
        self._public_url = public_url
        self._customers = CustomerResolver(cin7, redis_client, keys)
        self._ledger = GstLedger(redis_client, keys)
        self._slots = [f"AdditionalAttribute{slot}" for slot in rules.attribute_slots]

    # -- entry point ----------------------------------------------------------------------

    def sync(self, order_id: str, payment: Payment | None = None) -> SyncResult:
        """Make Cin7 match the Afterpay order ``order_id`` (fetching the payment unless given)."""
        # Two jobs for one order (a webhook and a poll, say) queue behind each other here.
        with self._store.lock(order_id, wait=LOCK_WAIT_SECONDS):
            return self._sync(order_id, payment)

    def _sync(self, order_id: str, payment: Payment | None) -> SyncResult:
        if payment is None:
            payment = self._afterpay.get_payment(order_id)
        elif payment.id != order_id:
            raise ValueError(f"payment {payment.id} is not order {order_id}")
        mapped = self._with_messages(order_id, map_payment(payment, self._rules))
        result = SyncResult(afterpay_order_id=order_id, state=mapped.state.value, payment=payment)
        snapshot = self._current(order_id, mapped)
        existed = snapshot is not None
        rereads = 0
        for _ in range(MAX_WRITES):
            actions = plan(mapped, snapshot, attribute_slots=self._slots)
            if not actions:
                break
            action = actions[0]
            if isinstance(action, NeedsPerson):
                result.attention = action.reason
                self._needs_person(order_id, mapped, action.reason)
                break
            try:
                snapshot = self._do(action, order_id, mapped, snapshot)
            except UpstreamError as exc:
                if not exc.outcome_unknown or rereads >= MAX_REREADS:
                    raise
                # The write may have happened: look at Cin7 before deciding again.
                rereads += 1
                log.warning("write outcome unknown; reading Cin7 back", extra={"order": order_id, "step": action.name})
                snapshot = self._reread(order_id, mapped, snapshot)
                continue
            result.steps.append(action.name)
        else:
            raise RuntimeError(f"order {order_id}: the sync did not converge after {MAX_WRITES} writes")

        result.action = _action(existed, snapshot, result.steps)
        if snapshot is not None:
            result.cin7_sale_id = snapshot.sale_id
            result.cin7_order_number = snapshot.order_number
        result.api_calls = {
            "cin7": self._cin7.calls,
            "afterpay": self._afterpay.calls,
            "cin7Throttled": self._cin7.throttled,
        }
        self._record(order_id, mapped, result)
        return result

    # -- what Cin7 holds ----------------------------------------------------------------------

    def _with_messages(self, order_id: str, mapped: MappedOrder) -> MappedOrder:
        messages = self._store.messages(order_id)
        if not messages:
            return mapped
        return replace(mapped, sale=replace(mapped.sale, note=note_with_messages(mapped.sale.note, messages)))

    def _current(self, order_id: str, mapped: MappedOrder) -> Cin7Sale | None:
        record = self._store.load(order_id)
        if record.snapshot is not None and record.pending is None:
            if not _unseen_origins(mapped, record.snapshot):
                return record.snapshot
            # A refund made for a Cin7 credit note the checkpoint does not know: read the sale,
            # so the note is found rather than credited a second time.
            return self._read_sale(order_id, record.snapshot.sale_id, mapped)
        if record.sale_id:
            return self._read_sale(order_id, record.sale_id, mapped)
        if record.pending is None and self._store.known_absent(order_id):
            return None
        return self._find(order_id, mapped)

    def _reread(self, order_id: str, mapped: MappedOrder, snapshot: Cin7Sale | None) -> Cin7Sale | None:
        if snapshot is not None:
            return self._read_sale(order_id, snapshot.sale_id, mapped)
        return self._find(order_id, mapped)

    def _find(self, order_id: str, mapped: MappedOrder) -> Cin7Sale | None:
        rows = sorted(self._cin7.find_sales_by_external_id(order_id), key=lambda row: str(row.get("OrderNumber") or ""))
        if not rows:
            self._store.clear_pending(order_id)
            return None
        if len(rows) > 1:
            numbers = ", ".join(str(row.get("OrderNumber")) for row in rows)
            self._alert(
                "sync.duplicate",
                f"duplicate:{order_id}",
                f"Cin7 has {len(rows)} sales for Afterpay order {order_id} ({numbers}); the bridge uses the first and"
                " leaves the others for a person to void.",
                order_id,
            )
        return self._read_sale(order_id, str(rows[0]["SaleID"]), mapped)

    def _read_sale(self, order_id: str, sale_id: str, mapped: MappedOrder) -> Cin7Sale | None:
        try:
            sale = self._cin7.get_sale(sale_id)
        except Cin7NotFound:
            # Deleted in Cin7 since: forget it and look for the order afresh.
            return self._find(order_id, mapped)
        snapshot = sale_snapshot(
            sale,
            cancellation_descriptions=cancellation_descriptions(mapped.order),
            attribute_slots=self._slots,
            known_notes=self._store.known_notes(order_id),
        )
        self._store.checkpoint(order_id, snapshot)
        return snapshot

    # -- writes -------------------------------------------------------------------------------

    def _do(self, action: Action, order_id: str, mapped: MappedOrder, snapshot: Cin7Sale | None) -> Cin7Sale:
        if isinstance(action, CreateSale):
            return self._create_sale(order_id, mapped)
        assert snapshot is not None
        sale_id = snapshot.sale_id
        new: Cin7Sale
        if isinstance(action, SaveOrder):
            if action.undo_first:
                self._store.mark_pending(order_id, "undo")
                self._cin7.request("DELETE", "sale", params={"ID": sale_id, "Void": "false"})
                snapshot = replace(snapshot, order_status="DRAFT", order_digest=None)
                self._store.checkpoint(order_id, snapshot)
            self._store.mark_pending(order_id, "order")
            self._cin7.save_order({"SaleID": sale_id, **mapped.order.to_dict()})
            full, base, cancelled = desired_order_digests(mapped.order)
            new = replace(
                snapshot,
                order_status=mapped.order.status,
                order_digest=full,
                order_base_digest=base,
                order_cancelled=cancelled,
            )
        elif isinstance(action, SaveInvoice):
            new = replace(snapshot, invoice=self._save_invoice(order_id, mapped, sale_id))
            assert mapped.invoice is not None and new.invoice is not None
            self._ledger_entry(order_id, sale_id, mapped, new.invoice, "invoice", mapped.invoice.invoice_date)
        elif isinstance(action, AddPayment):
            assert snapshot.invoice is not None
            self._store.mark_pending(order_id, f"payment:{action.payment.reference}")
            self._cin7.add_payment(
                {**action.payment.to_dict(), "TaskID": snapshot.invoice.task_id, "CurrencyRate": snapshot.currency_rate}
            )
            new = replace(snapshot, payment_refs=snapshot.payment_refs | {action.payment.reference})
        elif isinstance(action, AddCreditNote):
            note = self._credit_note(order_id, snapshot, action)
            new = replace(snapshot, credit_notes={**snapshot.credit_notes, action.key: note})
            self._ledger_entry(order_id, sale_id, mapped, note, "credit_note", action.note.date)
        elif isinstance(action, AddRefund):
            note = snapshot.credit_notes[action.key]
            self._store.mark_pending(order_id, f"refund:{action.refund.reference}")
            self._cin7.add_payment(
                {**action.refund.to_dict(), "TaskID": note.task_id, "CurrencyRate": snapshot.currency_rate}
            )
            new = replace(
                snapshot,
                refund_refs=snapshot.refund_refs | {action.refund.reference},
                credit_notes={
                    **snapshot.credit_notes,
                    action.key: replace(note, refunded=note.refunded + action.refund.amount),
                },
            )
        elif isinstance(action, UpdateHeader):
            owned = owned_header(mapped.sale.to_dict())
            attributes = {slot: owned["AdditionalAttributes"].get(slot, "") for slot in self._slots}
            # PUT repeats harmlessly, so no pending mark is needed.
            self._cin7.update_sale({"ID": sale_id, **owned, "AdditionalAttributes": attributes})
            new = replace(snapshot, header_digest=header_digest(owned, self._slots))
        elif isinstance(action, VoidSale):
            self._store.mark_pending(order_id, "void")
            self._cin7.void_sale(sale_id)
            new = replace(snapshot, voided=True)
            self._ledger.forget_sale(sale_id)
        else:  # pragma: no cover - NeedsPerson is handled by the caller
            raise TypeError(f"unexpected action {action!r}")
        self._store.checkpoint(order_id, new)
        return new

    def _create_sale(self, order_id: str, mapped: MappedOrder) -> Cin7Sale:
        self._check_reference_data()
        customer_id = self._customers.resolve(mapped.customer)
        body = {**mapped.sale.to_dict(), "CustomerID": customer_id}
        self._store.mark_pending(order_id, "header")
        sale = self._cin7.create_sale(body)
        snapshot = Cin7Sale(
            sale_id=str(sale["ID"]),
            order_number=(sale.get("Order") or {}).get("SaleOrderNumber"),
            currency_rate=mapped.sale.currency_rate or Decimal(str(sale.get("CurrencyRate") or 1)),
            header_digest=header_digest(owned_header(mapped.sale.to_dict()), self._slots),
        )
        self._store.checkpoint(order_id, snapshot)
        return snapshot

    def _save_invoice(self, order_id: str, mapped: MappedOrder, sale_id: str) -> Cin7Document:
        assert mapped.invoice is not None
        account = self._rules.cin7.default_account
        order = mapped.order.to_dict()
        body = {
            "SaleID": sale_id,
            # cin7.md A9: a simple sale's invoice task is the sale itself.
            "TaskID": sale_id,
            "CombineAdditionalCharges": False,
            **mapped.invoice.to_dict(),
            # Lines are re-sent rather than trusting Cin7 to copy them (cin7.md A9: UNVERIFIED).
            "Lines": [{**line, "Account": account} for line in order["Lines"]],
            "AdditionalCharges": [{**charge, "Account": account} for charge in order["AdditionalCharges"]],
        }
        self._store.mark_pending(order_id, "invoice")
        response = self._cin7.save_invoice(body)
        invoices = response.get("Invoices") or [response]
        invoice = invoices[0]
        return Cin7Document(
            task_id=str(invoice.get("TaskID") or sale_id),
            number=invoice.get("InvoiceNumber"),
            status=str(invoice.get("Status") or "AUTHORISED"),
            total=mapped.order.total,
            tax=mapped.order.tax,
        )

    def _credit_note(self, order_id: str, snapshot: Cin7Sale, action: AddCreditNote) -> Cin7Document:
        assert snapshot.invoice is not None
        note = action.note
        if action.key.startswith("refund:"):
            text = f"Afterpay refund {note.reference}"
        else:
            text = "Afterpay amount cancelled after invoicing"
        memo = credit_note_memo(action.key, text)
        body = {
            "SaleID": snapshot.sale_id,
            "TaskID": EMPTY_TASK,
            "CombineAdditionalCharges": False,
            "CreditNoteInvoiceNumber": snapshot.invoice.number,
            "Memo": memo,
            "Status": "AUTHORISED",
            "CreditNoteDate": cin7_datetime(note.date),
            "Lines": [],
            "AdditionalCharges": [c.to_dict() for c in note.additional_charges],
        }
        self._store.mark_pending(order_id, f"creditnote:{action.key}")
        response = self._cin7.save_credit_note(body)
        created = [n for n in response.get("CreditNotes") or [] if memo_key(n.get("Memo")) == action.key]
        task_id = str(created[-1]["TaskID"]) if created else snapshot.sale_id
        number = created[-1].get("CreditNoteNumber") if created else None
        self._store.remember_note(order_id, task_id, action.key)
        return Cin7Document(task_id=task_id, number=number, status="AUTHORISED", total=note.total, tax=note.tax)

    # -- bookkeeping ------------------------------------------------------------------------------

    def _ledger_entry(
        self, order_id: str, sale_id: str, mapped: MappedOrder, doc: Cin7Document, kind: str, at: datetime
    ) -> None:
        """Put a document the bridge just wrote in the GST ledger, at the moment Afterpay
        captured or refunded (app.store.gst)."""
        self._ledger.record(
            GstDocument(
                order_id=order_id,
                sale_id=sale_id,
                task_id=doc.task_id,
                kind=kind,
                number=doc.number,
                at=at,
                total=doc.total,
                tax=doc.tax,
                currency=mapped.totals.currency,
            )
        )

    def _check_reference_data(self) -> None:
        """Make sure the rules' location, tax rules and accounts exist in Cin7 (cached for an hour).

        A wrong name would otherwise surface as a Cin7 400 halfway through an order; this
        fails the first order instead, with every problem named.
        """
        rules = self._rules
        digest = hashlib.sha256(repr(rules.cin7).encode() + repr(rules.tax).encode()).hexdigest()[:16]
        key = self._keys("cache", "refcheck", digest)
        if self._redis.get(key):
            return
        with short_lock(self._redis, f"{key}:lock"):
            if not self._redis.get(key):  # another worker may have checked while this one waited
                self._fetch_and_check_reference_data(key)

    def _fetch_and_check_reference_data(self, key: str) -> None:
        rules = self._rules
        problems: list[str] = []
        locations = {row.get("Name") for row in self._cin7.locations()}
        if rules.cin7.location not in locations:
            problems.append(f"location {rules.cin7.location!r} (cin7.location)")
        tax_rules = {row.get("Name") for row in self._cin7.tax_rules()}
        problems += [f"tax rule {name!r}" for name in sorted(rules.tax.rule_names) if name not in tax_rules]
        accounts = {str(row.get("Code")): row for row in self._cin7.accounts()}
        for code, what in (
            (rules.cin7.payment_account, "cin7.payment_account"),
            (rules.cin7.default_account, "cin7.default_account"),
        ):
            if code not in accounts:
                problems.append(f"account {code!r} ({what})")
        if problems:
            raise ReferenceDataMismatch("the mapping rules name what Cin7 does not have: " + "; ".join(problems))
        self._redis.set(key, "ok", ex=REFERENCE_CHECK_SECONDS)

    def _needs_person(self, order_id: str, mapped: MappedOrder, reason: str) -> None:
        self._alert(
            "sync.attention", f"attention:{order_id}:{reason}", f"Afterpay order {order_id}: {reason}.", order_id
        )
        self._store.audit(order_id, "needs-person", reason=reason, state=mapped.state.value)

    def _alert(self, kind: str, subject: str, text: str, order_id: str) -> None:
        link = order_link(self._public_url, order_id)
        self._alerter.send(Alert(kind=kind, subject=subject, text=text, link=link))

    def _record(self, order_id: str, mapped: MappedOrder, result: SyncResult) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._store.update_info(
            order_id,
            state=mapped.state.value,
            lastAction=result.action,
            lastSyncAt=now,
            total=mapped.totals.total.to_eng_string(),
            currency=mapped.totals.currency,
        )
        self._store.audit(
            order_id,
            result.action,
            state=mapped.state.value,
            steps=result.steps,
            sale=result.cin7_sale_id,
            calls=result.api_calls,
            attention=result.attention,
        )


def _unseen_origins(mapped: MappedOrder, snapshot: Cin7Sale) -> bool:
    return any(
        note.origin is not None
        and f"{REFUND_KEY}{note.reference}" not in snapshot.credit_notes
        and f"{CIN7_KEY}{note.origin}" not in snapshot.credit_notes
        for note in mapped.credit_notes
    )


def _action(existed: bool, snapshot: Cin7Sale | None, steps: list[str]) -> str:
    if "header" in steps:
        return "created"
    if "void" in steps:
        return "voided"
    if steps:
        return "updated"
    if snapshot is None:
        return "skipped"
    return "unchanged"
