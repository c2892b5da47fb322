"""The streaming diff of one reconciliation window: Afterpay payments against Cin7 sales.

DESIGN.md §3.3 and §5. Pure: the caller does every upstream call and feeds the results in.
It never holds both sides in memory. The Cin7 side is indexed compactly first, and then the
Afterpay side streams through one payment at a time. How the caller drives it:

1. ``index = Cin7Index()``; ``index.add(Cin7Row(...))`` for every ``/saleList`` row of the
   window (cin7.md A6). Rows without an ExternalID were not made from Afterpay orders. They
   are counted and otherwise ignored.
2. ``window = ReconcileWindow(index)``; then ``window.check(afterpay_facts(payment, rules))``
   for every Afterpay payment of the window, in any order. Each call returns the
   discrepancies it found at once. A money difference cannot be classified from a saleList
   row, so it goes to ``window.pending`` instead (see step 3).
3. For each ``MoneyCheck`` in ``window.pending``: ``GET /sale?ID=<check.sale_id>``, reduce
   it to a ``Cin7SaleDetail`` and call ``window.resolve(check, detail)``. That call runs
   ``classify_money``, which names amount, payment and refund mismatches. When a sale cannot
   be read, ``window.resolve_unread(check)`` files a discrepancy based on the row alone.
4. ``window.candidates()`` lists the Cin7 sales whose ExternalID no payment of the window
   matched. The caller looks those ids up in Afterpay (``GET /v2/payments?ids=…``, or one
   GET each), because an order can simply lie outside the window. It then calls
   ``window.resolve_candidates(facts of the payments Afterpay returned)``. The payments
   found are diffed like the rest. The candidates Afterpay does not know become
   ``missing_in_afterpay``.
5. ``window.result()`` returns the sorted discrepancies and the counts.

Money is held as integer cents in the hot path. The wire shapes (``Discrepancy.to_dict``)
carry 2-dp strings, which is Afterpay's convention (DESIGN.md §3.1).

Memory: each indexed row costs about 90 bytes (amounts, status, currency, sale id and order
number in typed arrays and byte blobs, plus 12 bytes of sorted index). Streaming adds only
what it finds. bench/reconcile.py measures both.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from app.domain.afterpay import Payment
from app.domain.cin7_documents import MappedOrder
from app.domain.ledger import OrderState, read_ledger
from app.domain.mapping import skip_reason_of
from app.domain.rules import MappingRules

#: The Cin7 Core sale status of a voided sale (cin7.md A5).
VOIDED: Final = "VOIDED"

#: Numeric ids up to 18 digits fit a signed 64-bit array slot (10**18 - 1 < 2**63).
_MAX_NUMERIC_DIGITS: Final = 18


class DiscrepancyType(StrEnum):
    """The kinds of disagreement (DESIGN.md §3.3). They are listed in report order."""

    MISSING_IN_CIN7 = "missing_in_cin7"
    MISSING_IN_AFTERPAY = "missing_in_afterpay"
    DUPLICATE_IN_CIN7 = "duplicate_in_cin7"
    STATUS_MISMATCH = "status_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    AMOUNT_MISMATCH = "amount_mismatch"
    PAYMENT_MISMATCH = "payment_mismatch"
    REFUND_MISMATCH = "refund_mismatch"


_TYPE_RANK: Final = {kind: rank for rank, kind in enumerate(DiscrepancyType)}


def format_cents(value: int) -> str:
    """Integer cents as a 2-dp string: ``7493`` → ``"74.93"``, ``-5`` → ``"-0.05"``."""
    whole, part = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole}.{part:02d}"


def to_cents(value: Decimal) -> int:
    """A money amount in integer cents, rounded half-up.

    Cin7 sends JSON numbers. The caller turns them into ``Decimal(str(number))`` so that
    ``74.93`` stays exactly 74.93.
    """
    return int(value.scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))


def is_numeric_id(order_id: str) -> bool:
    """Whether ``order_id`` is a canonical decimal number (no sign, no leading zero) of up to 18
    digits, which is the shape every Afterpay id takes in practice (afterpay.md §2).

    Only the canonical form maps one-to-one onto an integer. ``"0123"`` keeps its own string
    key, so it can never collide with ``"123"``.
    """
    return (
        0 < len(order_id) <= _MAX_NUMERIC_DIGITS
        and order_id.isascii()
        and order_id.isdigit()
        and (order_id[0] != "0" or len(order_id) == 1)
    )


# ------------------------------------------------------------------------------------------
# Discrepancies


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One disagreement between Afterpay and Cin7 (DESIGN.md §3.3 ``discrepancies[]``).

    Attributes:
        type: what disagrees.
        afterpay_order_id: the Afterpay order id. For ``missing_in_afterpay`` it is the Cin7
            sale's ExternalID.
        cin7_sale_ids: the Cin7 SaleIDs concerned, sorted by order number and then by id.
        expected: what Cin7 should show according to Afterpay, as small string values.
        actual: what Cin7 shows, in the same shape.
        detail: one sentence an accountant can act on.
        healed: set by the caller once a sync was enqueued to fix it (autoHeal).
    """

    type: DiscrepancyType
    afterpay_order_id: str
    cin7_sale_ids: tuple[str, ...]
    expected: Mapping[str, str] = field(hash=False)
    actual: Mapping[str, str] = field(hash=False)
    detail: str
    healed: bool = False

    @property
    def sort_key(self) -> tuple[int, str, int, tuple[str, ...]]:
        """A stable report order: numeric order ids in numeric order and before any other
        ids, then by type in ``DiscrepancyType`` order, then by sale ids."""
        order_id = self.afterpay_order_id
        if is_numeric_id(order_id):
            return (0, order_id.zfill(_MAX_NUMERIC_DIGITS), _TYPE_RANK[self.type], self.cin7_sale_ids)
        return (1, order_id, _TYPE_RANK[self.type], self.cin7_sale_ids)

    @property
    def sync_can_heal(self) -> bool:
        """Whether re-running the per-order sync may fix this (the autoHeal candidates).

        The sync creates what is missing, invoices what was captured, adds missing payments
        and refunds, and voids what Afterpay voided (app.domain.sync.plan); what it must not
        decide (an invoiced order whose lines changed) it alerts on, so queuing it is always
        safe. It deliberately leaves duplicates, foreign currencies, sales Afterpay does not
        know and sales voided in Cin7 behind Afterpay's back to a person, so none of those
        are healable here.
        """
        if self.type in (
            DiscrepancyType.MISSING_IN_CIN7,
            DiscrepancyType.AMOUNT_MISMATCH,
            DiscrepancyType.PAYMENT_MISMATCH,
            DiscrepancyType.REFUND_MISMATCH,
        ):
            return True
        if self.type is DiscrepancyType.STATUS_MISMATCH:
            # Only one direction is healable: Afterpay voided or expired and Cin7 must void too.
            return self.expected.get("cin7Status") == VOIDED
        return False

    def heal(self) -> Discrepancy:
        """This discrepancy marked ``healed`` (a sync was enqueued for it)."""
        return replace(self, healed=True)

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md §3.3 shape, plus ``detail``."""
        return {
            "type": self.type.value,
            "afterpayOrderId": self.afterpay_order_id,
            "cin7SaleIds": list(self.cin7_sale_ids),
            "expected": dict(self.expected),
            "actual": dict(self.actual),
            "healed": self.healed,
            "detail": self.detail,
        }


# ------------------------------------------------------------------------------------------
# The Afterpay side


_EXPECTED_STATES: Final = frozenset({OrderState.PAID, OrderState.PARTIALLY_PAID, OrderState.AUTHORISED})


@dataclass(frozen=True, slots=True)
class AfterpayFacts:
    """What the diff needs to know about one Afterpay payment. Amounts are integer cents in
    the payment's currency.

    Attributes:
        order_id: the Afterpay order id (the Cin7 sale's ExternalID).
        currency: the payment's ISO 4217 currency.
        state: the bridge's state of the order (app.domain.ledger.OrderState).
        total: what the order is worth, originalAmount less anything voided (mapping totals).
        captured: money captured.
        refunded: real refunds (void entries excluded, app.domain.ledger).
        invoiced: whether the mapping invoices the order. Cin7 records payments and refunds
            only against an invoice, so without one Cin7 should show none.
        skip_reason: why the merchant's sync rules exclude the order, or None.

    Derived (not constructor arguments):
        expected: whether a live (non-VOIDED) Cin7 sale should exist. Declined orders, skipped
            orders, and voided or expired orders (which by then have nothing captured) do
            not need one.
        invoice_amount, paid_amount: what Cin7's saleList should show: InvoiceAmount =
            invoiced - credited, PaidAmount = paid - refunded (cin7.md A6).
    """

    order_id: str
    currency: str
    state: OrderState
    total: int
    captured: int
    refunded: int
    invoiced: bool
    skip_reason: str | None = None
    expected: bool = field(init=False)
    invoice_amount: int = field(init=False)
    paid_amount: int = field(init=False)

    def __post_init__(self) -> None:
        # Computed once here so that the hot compare step reads plain attributes.
        set_ = object.__setattr__
        set_(self, "expected", self.skip_reason is None and self.state in _EXPECTED_STATES)
        if self.invoiced:
            set_(self, "invoice_amount", self.total - self.refunded)
            set_(self, "paid_amount", self.captured - self.refunded)
        else:
            set_(self, "invoice_amount", 0)
            set_(self, "paid_amount", 0)

    @property
    def expected_payments(self) -> int:
        """The Σ of PAYMENT amounts Cin7 should hold."""
        return self.captured if self.invoiced else 0

    @property
    def expected_refunds(self) -> int:
        """The Σ of REFUND amounts, and of refund credit notes, Cin7 should hold."""
        return self.refunded if self.invoiced else 0


def afterpay_facts(payment: Payment, rules: MappingRules) -> AfterpayFacts:
    """The facts of ``payment`` under the merchant's ``rules``, read from the ledger.

    This gives exactly what ``facts_from_mapped(map_payment(payment, rules))`` gives, about
    ten times faster, because it skips building the Cin7 documents (a property test holds
    the two together). The total is originalAmount - voided: the mapping promises that its
    lines and charges add up to that, to the cent. Invoicing follows the mapping's rule: the
    order is paid, or partially paid where ``status_map.invoice_partially_paid`` allows it.
    """
    ledger = read_ledger(payment, void_entry_window_seconds=rules.afterpay.void_entry_window_seconds)
    state = ledger.state
    invoiced = bool(ledger.captures) and (
        state is OrderState.PAID or (state is OrderState.PARTIALLY_PAID and rules.status_map.invoice_partially_paid)
    )
    return AfterpayFacts(
        order_id=payment.id,
        currency=payment.currency,
        state=state,
        total=to_cents(ledger.original - ledger.voided),
        captured=to_cents(ledger.captured),
        refunded=to_cents(ledger.refunded),
        invoiced=invoiced,
        skip_reason=skip_reason_of(payment, ledger, rules),
    )


def facts_from_mapped(mapped: MappedOrder) -> AfterpayFacts:
    """The facts of an order that is already mapped (``map_payment``), e.g. by a caller that
    needs the documents anyway.

    Cin7's saleList should then show ``expected_cin7_amounts(mapped)`` (app.domain.sync)
    whenever the mapping invoices the order or nothing was captured. In the remaining case,
    a partial capture that ``invoice_partially_paid: false`` keeps off the books, nothing is
    recorded in Cin7, and the facts expect 0.00 paid.
    """
    totals = mapped.totals
    return AfterpayFacts(
        order_id=mapped.afterpay_order_id,
        currency=totals.currency,
        state=mapped.state,
        total=to_cents(totals.total),
        captured=to_cents(totals.captured),
        refunded=to_cents(totals.refunded),
        invoiced=mapped.invoice is not None,
        skip_reason=mapped.skip_reason,
    )


# ------------------------------------------------------------------------------------------
# The Cin7 side


@dataclass(frozen=True, slots=True)
class Cin7Row:
    """The fields of one ``/saleList`` row that the diff uses (cin7.md A6).

    Attributes:
        sale_id: ``SaleID``.
        order_number: ``OrderNumber`` (e.g. ``SO-00042``), which is what people recognise.
        external_id: ``ExternalID``; None or empty for sales not made from Afterpay orders.
        status: ``Status``; only ``VOIDED`` matters to the diff, but the rest is reported.
        currency: ``CustomerCurrency``.
        invoice_amount: ``InvoiceAmount`` = invoices - credit notes, in the customer currency.
        paid_amount: ``PaidAmount`` = paid - refunded.
    """

    sale_id: str
    order_number: str | None
    external_id: str | None
    status: str
    currency: str
    invoice_amount: Decimal
    paid_amount: Decimal


class _Strings:
    """An append-only column of short strings in one UTF-8 blob: about len + 4 bytes each,
    where a list of ``str`` objects would cost about len + 57."""

    __slots__ = ("_blob", "_ends")

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("I")

    def append(self, text: str) -> None:
        self._blob += text.encode()
        self._ends.append(len(self._blob))

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._blob[start : self._ends[index]].decode()


class _Codes:
    """Interns the few distinct values of a column (statuses, currencies) as small ints."""

    __slots__ = ("codes", "values")

    def __init__(self, *initial: str) -> None:
        self.values: list[str] = []
        self.codes: dict[str, int] = {}
        for value in initial:
            self.code(value)

    def code(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code


_VOIDED_CODE: Final = 0


class Cin7Index:
    """Every Cin7 sale of a window with an ExternalID, indexed by it, in typed arrays.

    Numeric ExternalIDs (all real Afterpay ids) sit as 64-bit ints in one array that is
    sorted once, alongside the rows' positions, and are looked up with ``bisect``. That costs
    12 bytes a row, where an int-keyed dict would cost about 70 (see bench/reconcile.py).
    Other ids, which the schema allows (``[A-Za-z0-9_-]{1,64}``), fall back to a dict. Rows
    that share an ExternalID (duplicates) sit side by side in the sorted array.

    Add every row first. The first ``ReconcileWindow`` built on the index sorts it, and after
    that it is read-only.
    """

    def __init__(self) -> None:
        self.ignored = 0
        """Rows without an ExternalID: not made from Afterpay orders, so outside the diff."""
        self._invoice = array("q")
        self._paid = array("q")
        self._status = array("H")
        self._currency = array("H")
        self._sale_ids = _Strings()
        self._order_numbers = _Strings()
        self._statuses = _Codes(VOIDED)
        self._currencies = _Codes()
        # Numeric ids before freezing (in arrival order), then the sorted keys and rows.
        self._num_ids = array("q")
        self._num_rows = array("I")
        self._keys = array("q")
        self._perm = array("I")
        self._other: dict[str, list[int]] = {}
        self._frozen = False

    def __len__(self) -> int:
        """The number of rows indexed (rows with an ExternalID)."""
        return len(self._invoice)

    def add(self, row: Cin7Row) -> None:
        """Index one saleList row (or count it as ignored when it has no ExternalID)."""
        if self._frozen:
            raise RuntimeError("the index is frozen: a ReconcileWindow is already reading it")
        external_id = row.external_id
        if not external_id:
            self.ignored += 1
            return
        position = len(self._invoice)
        self._invoice.append(to_cents(row.invoice_amount))
        self._paid.append(to_cents(row.paid_amount))
        self._status.append(self._statuses.code(row.status))
        self._currency.append(self._currencies.code(row.currency))
        self._sale_ids.append(row.sale_id)
        self._order_numbers.append(row.order_number or "")
        if is_numeric_id(external_id):
            self._num_ids.append(int(external_id))
            self._num_rows.append(position)
        else:
            self._other.setdefault(external_id, []).append(position)

    def freeze(self) -> None:
        """Sort the numeric ids (once). The index is read-only afterwards."""
        if self._frozen:
            return
        self._frozen = True
        # Pack (id, row) into one int per row and sort those: one short-lived list of ints,
        # instead of sorting a range by key, which would build two lists and peak at twice
        # the memory.
        # The row positions count every row, numeric id or not, so they set the width.
        shift = max(len(self._invoice).bit_length(), 1)
        mask = (1 << shift) - 1
        packed = [(key << shift) | position for key, position in zip(self._num_ids, self._num_rows, strict=True)]
        packed.sort()
        self._keys = array("q", (value >> shift for value in packed))
        self._perm = array("I", (value & mask for value in packed))
        del packed
        self._num_ids = array("q")
        self._num_rows = array("I")

    def rows_for(self, external_id: str) -> list[int]:
        """The positions of the rows with this ExternalID (empty when there are none)."""
        if not self._frozen:
            raise RuntimeError("freeze() the index before looking rows up")
        if is_numeric_id(external_id):
            key = int(external_id)
            keys = self._keys
            at = bisect_left(keys, key)
            found: list[int] = []
            while at < len(keys) and keys[at] == key:
                found.append(self._perm[at])
                at += 1
            return found
        return list(self._other.get(external_id, ()))

    def row(self, position: int) -> Cin7Row:
        """The indexed row at ``position``, as a ``Cin7Row`` again."""
        return Cin7Row(
            sale_id=self._sale_ids[position],
            order_number=self._order_numbers[position] or None,
            external_id=None,
            status=self._statuses.values[self._status[position]],
            currency=self._currencies.values[self._currency[position]],
            invoice_amount=Decimal(self._invoice[position]).scaleb(-2),
            paid_amount=Decimal(self._paid[position]).scaleb(-2),
        )

    def unmatched(self, seen: bytearray) -> Iterator[tuple[str, list[int]]]:
        """Every ExternalID whose first row is not flagged in ``seen``, with all its rows:
        numeric ids in numeric order, then the others in string order."""
        keys, perm = self._keys, self._perm
        at, count = 0, len(keys)
        while at < count:
            key = keys[at]
            end = at + 1
            while end < count and keys[end] == key:
                end += 1
            if not seen[perm[at]]:
                yield str(key), [perm[i] for i in range(at, end)]
            at = end
        for external_id, rows in sorted(self._other.items()):
            if not seen[rows[0]]:
                yield external_id, list(rows)


# ------------------------------------------------------------------------------------------
# Money details


@dataclass(frozen=True, slots=True)
class Cin7SaleDetail:
    """The money on one Cin7 sale, as the caller reads it from ``GET /sale`` (cin7.md A7).

    Every amount is tax-inclusive ("Total") in the sale's currency.

    Attributes:
        sale_id: the sale's ``ID``.
        order_total: ``Order.Total``, which includes the mapping's cancellation charges.
        invoice_total: the Σ of ``Invoices[].Total`` whose status is AUTHORISED or PAID, or
            None when the sale has no live invoice.
        payments: the Σ of ``Invoices[].Payments[].Amount`` (PAYMENT and PREPAYMENT).
        refunds: the Σ of ``CreditNotes[].Refunds[].Amount`` (REFUND).
        credit_notes: the Σ of ``CreditNotes[].Total`` whose status is AUTHORISED or PAID.
        cancellations: the part of ``credit_notes`` that the bridge raised to cancel money
            Afterpay voided after Cin7 had invoiced it (Memo key ``cancel:``, see
            app.cin7.snapshot.memo_key). These lower the invoiced total, and they are not
            refunds.
        order_number: ``Order.SaleOrderNumber``, for the report.
    """

    sale_id: str
    order_total: Decimal
    invoice_total: Decimal | None
    payments: Decimal
    refunds: Decimal
    credit_notes: Decimal = Decimal("0.00")
    cancellations: Decimal = Decimal("0.00")
    order_number: str | None = None


def classify_money(facts: AfterpayFacts, detail: Cin7SaleDetail) -> list[Discrepancy]:
    """Name what is wrong with a sale's money, given the documents behind its saleList row.

    Expected values come from the mapping's totals: the order total (originalAmount - voided),
    the captured amount and the real refunds.

    * ``amount_mismatch``: the invoiced total, less the bridge's cancellation credit notes, is
      not the order's total. An invoice is missing, or one exists that should not. Before
      invoicing, this means the order's total is wrong.
    * ``payment_mismatch``: the Σ of payments is not the captured amount.
    * ``refund_mismatch``: the Σ of refunds, or of refund credit notes, is not Afterpay's
      real refunds.

    It can return several of these, or none at all when the sale turns out to be right. An
    empty result means the sale changed between the list and the read, for example because a
    sync was still writing.
    """
    currency = facts.currency
    order_id = facts.order_id
    sale_ids = (detail.sale_id,)
    label = _sale_label(detail.order_number, detail.sale_id)
    found: list[Discrepancy] = []

    cancellations = to_cents(detail.cancellations)
    expected_total = facts.total
    if facts.invoiced:
        if detail.invoice_total is None:
            found.append(
                Discrepancy(
                    DiscrepancyType.AMOUNT_MISMATCH,
                    order_id,
                    sale_ids,
                    {"invoiceTotal": format_cents(expected_total)},
                    {"invoiceTotal": "none"},
                    f"Afterpay captured money for order {order_id} but Cin7 sale {label} has no authorised"
                    f" invoice; it should be invoiced for {_money(expected_total, currency)}.",
                )
            )
        else:
            billed = to_cents(detail.invoice_total) - cancellations
            if billed != expected_total:
                found.append(
                    Discrepancy(
                        DiscrepancyType.AMOUNT_MISMATCH,
                        order_id,
                        sale_ids,
                        {"invoiceTotal": format_cents(expected_total)},
                        {"invoiceTotal": format_cents(billed)},
                        f"Cin7 sale {label} is invoiced for {_money(billed, currency)} but Afterpay order"
                        f" {order_id} is worth {_money(expected_total, currency)} (original amount less"
                        " anything voided).",
                    )
                )
    else:
        stray = to_cents(detail.invoice_total) - cancellations if detail.invoice_total is not None else 0
        ordered = to_cents(detail.order_total)
        if stray != 0:
            found.append(
                Discrepancy(
                    DiscrepancyType.AMOUNT_MISMATCH,
                    order_id,
                    sale_ids,
                    {"invoiceTotal": "0.00"},
                    {"invoiceTotal": format_cents(stray)},
                    f"Cin7 sale {label} is invoiced for {_money(stray, currency)} but Afterpay order {order_id}"
                    f" is {facts.state.value} and should not be invoiced yet.",
                )
            )
        elif ordered != expected_total:
            found.append(
                Discrepancy(
                    DiscrepancyType.AMOUNT_MISMATCH,
                    order_id,
                    sale_ids,
                    {"orderTotal": format_cents(expected_total)},
                    {"orderTotal": format_cents(ordered)},
                    f"Cin7 sale {label} has an order total of {_money(ordered, currency)} but Afterpay order"
                    f" {order_id} is worth {_money(expected_total, currency)}.",
                )
            )

    payments = to_cents(detail.payments)
    expected_payments = facts.expected_payments
    if payments != expected_payments:
        found.append(
            Discrepancy(
                DiscrepancyType.PAYMENT_MISMATCH,
                order_id,
                sale_ids,
                {"payments": format_cents(expected_payments)},
                {"payments": format_cents(payments)},
                f"Cin7 sale {label} records payments of {_money(payments, currency)} but Afterpay order {order_id}"
                f" has {_money(expected_payments, currency)} captured"
                + ("." if facts.invoiced else " that Cin7 should record (the order is not invoiced)."),
            )
        )

    refunds = to_cents(detail.refunds)
    credited = to_cents(detail.credit_notes) - cancellations
    expected_refunds = facts.expected_refunds
    if refunds != expected_refunds or credited != expected_refunds:
        found.append(
            Discrepancy(
                DiscrepancyType.REFUND_MISMATCH,
                order_id,
                sale_ids,
                {"refunds": format_cents(expected_refunds), "creditNotes": format_cents(expected_refunds)},
                {"refunds": format_cents(refunds), "creditNotes": format_cents(credited)},
                f"Cin7 sale {label} records refunds of {_money(refunds, currency)} and credit notes of"
                f" {_money(credited, currency)} but Afterpay order {order_id} has"
                f" {_money(expected_refunds, currency)} really refunded.",
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class MoneyCheck:
    """A sale whose saleList amounts disagree with Afterpay: read ``GET /sale?ID=sale_id``
    and pass the result to ``ReconcileWindow.resolve``.

    Attributes:
        facts: the Afterpay side.
        sale_id: the Cin7 sale to read.
        order_number: its order number.
        invoice_amount, paid_amount: what the saleList row showed, in cents.
    """

    facts: AfterpayFacts
    sale_id: str
    order_number: str | None
    invoice_amount: int
    paid_amount: int

    def unconfirmed(self) -> list[Discrepancy]:
        """The best verdict the saleList row alone supports, for when the sale cannot be read.

        A wrong InvoiceAmount is reported as ``amount_mismatch`` and a wrong PaidAmount as
        ``payment_mismatch``. The detail sentence says that refunds could be the cause.
        """
        facts = self.facts
        label = _sale_label(self.order_number, self.sale_id)
        caveat = (
            " (from the sale list only: Cin7's documents could not be read to tell an order-total error"
            " from a payment or refund error)."
        )
        found: list[Discrepancy] = []
        if self.invoice_amount != facts.invoice_amount:
            found.append(
                Discrepancy(
                    DiscrepancyType.AMOUNT_MISMATCH,
                    facts.order_id,
                    (self.sale_id,),
                    {"invoiceAmount": format_cents(facts.invoice_amount)},
                    {"invoiceAmount": format_cents(self.invoice_amount)},
                    f"Cin7 sale {label} shows an invoice amount of {_money(self.invoice_amount, facts.currency)},"
                    f" Afterpay order {facts.order_id} expects {_money(facts.invoice_amount, facts.currency)}" + caveat,
                )
            )
        if self.paid_amount != facts.paid_amount:
            found.append(
                Discrepancy(
                    DiscrepancyType.PAYMENT_MISMATCH,
                    facts.order_id,
                    (self.sale_id,),
                    {"paidAmount": format_cents(facts.paid_amount)},
                    {"paidAmount": format_cents(self.paid_amount)},
                    f"Cin7 sale {label} shows {_money(self.paid_amount, facts.currency)} paid, Afterpay order"
                    f" {facts.order_id} expects {_money(facts.paid_amount, facts.currency)}" + caveat,
                )
            )
        return found


# ------------------------------------------------------------------------------------------
# The window


@dataclass(frozen=True, slots=True)
class Candidate:
    """A Cin7 sale (or several sharing the id) whose ExternalID no Afterpay payment of the
    window matched. Look the id up in Afterpay before calling it missing there."""

    external_id: str
    sale_ids: tuple[str, ...]
    order_numbers: tuple[str, ...]
    status: str
    currency: str
    invoice_amount: int
    paid_amount: int


def missing_in_afterpay(candidates: Iterable[Candidate], known_ids: Iterable[str]) -> list[Discrepancy]:
    """``missing_in_afterpay`` for every candidate whose id Afterpay does not know.

    ``known_ids`` are the ids Afterpay returned when looked up (any state: even a declined
    order is known).
    """
    known = set(known_ids)
    found: list[Discrepancy] = []
    for candidate in candidates:
        if candidate.external_id in known:
            continue
        numbers = ", ".join(n for n in candidate.order_numbers if n) or ", ".join(candidate.sale_ids)
        plural = "s" if len(candidate.sale_ids) > 1 else ""
        found.append(
            Discrepancy(
                DiscrepancyType.MISSING_IN_AFTERPAY,
                candidate.external_id,
                candidate.sale_ids,
                {},
                {
                    "status": candidate.status,
                    "currency": candidate.currency,
                    "invoiceAmount": format_cents(candidate.invoice_amount),
                    "paidAmount": format_cents(candidate.paid_amount),
                },
                f"Cin7 sale{plural} {numbers} carr{'y' if plural else 'ies'} Afterpay order id"
                f" {candidate.external_id}, which Afterpay does not know"
                f" ({_money(candidate.invoice_amount, candidate.currency)} invoiced).",
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """The counts of one reconciliation.

    Attributes:
        afterpay: the Afterpay payments of the window that were checked.
        cin7: the Cin7 sales of the window with an ExternalID.
        matched: the Afterpay payments (window and candidates) that found a Cin7 sale with
            their id.
        discrepancies: the number of discrepancies.
        by_type: the discrepancies per type (every type present, zeros included).
        cin7_ignored: the Cin7 sales without an ExternalID (not from Afterpay).
        outside_window: the candidates that Afterpay knew and that were diffed.
        pending: the money checks still waiting for their sale detail.
        repeated: the payments fed twice (e.g. by overlapping pages), each checked only once.
    """

    afterpay: int
    cin7: int
    matched: int
    discrepancies: int
    by_type: Mapping[str, int]
    cin7_ignored: int = 0
    outside_window: int = 0
    pending: int = 0
    repeated: int = 0

    def counts(self) -> dict[str, int]:
        """The DESIGN.md §3.3 ``counts`` object."""
        return {
            "afterpay": self.afterpay,
            "cin7": self.cin7,
            "matched": self.matched,
            "discrepancies": self.discrepancies,
        }


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """The discrepancies of a window in report order (``Discrepancy.sort_key``), with counts."""

    discrepancies: tuple[Discrepancy, ...]
    summary: ReconcileSummary

    def to_dict(self) -> dict[str, Any]:
        """``counts`` and ``discrepancies`` of the DESIGN.md §3.3 Reconciliation. The caller
        adds ``id``, ``window`` and ``createdAt``."""
        return {
            "counts": self.summary.counts(),
            "discrepancies": [d.to_dict() for d in self.discrepancies],
        }


_NONE: Final[tuple[Discrepancy, ...]] = ()


class ReconcileWindow:
    """The diff of one window. Build it on a filled ``Cin7Index`` and stream the Afterpay
    payments through ``check``. The module docstring gives the order of calls.

    Memory grows only with what is found: a flag per indexed row, the discrepancies, the
    pending money checks, and the ids of payments that had no Cin7 row (so that a payment fed
    twice is checked once).
    """

    def __init__(self, index: Cin7Index) -> None:
        index.freeze()
        self._index = index
        self._seen = bytearray(len(index))
        self._unindexed: set[int | str] = set()
        self._found: list[Discrepancy] = []
        # Insertion-ordered, so pending keeps the order found, and resolving is O(1) in any order.
        self._pending: dict[MoneyCheck, None] = {}
        self._afterpay = 0
        self._matched = 0
        self._outside = 0
        self._repeated = 0
        self._candidates: list[Candidate] | None = None

    @property
    def pending(self) -> list[MoneyCheck]:
        """The money checks that still need their sale's detail (``resolve``)."""
        return list(self._pending)

    @property
    def discrepancies(self) -> list[Discrepancy]:
        """The discrepancies found so far, in the order found."""
        return list(self._found)

    def check(self, facts: AfterpayFacts, *, outside_window: bool = False) -> Sequence[Discrepancy]:
        """Diff one Afterpay payment against its Cin7 sales and return what it found.

        A money difference is not returned here. It is added to ``pending``, because only
        the sale's documents can tell which money is wrong.

        Args:
            outside_window: the payment was fetched for a candidate (``resolve_candidates``)
                and not listed in the window itself.
        """
        index = self._index
        order_id = facts.order_id
        # Hot path, inlined: one bisect and a few array reads per payment.
        if is_numeric_id(order_id):
            key: int | str = int(order_id)
            keys = index._keys
            at = bisect_left(keys, key)
            if at == len(keys) or keys[at] != key:
                rows = []
            elif at + 1 < len(keys) and keys[at + 1] == key:
                rows = index.rows_for(order_id)
            else:
                rows = [index._perm[at]]
        else:
            key = order_id
            rows = index._other.get(order_id, [])

        if not rows:
            if key in self._unindexed:
                self._repeated += 1
                return _NONE
            self._unindexed.add(key)
            self._count(outside_window)
            if facts.expected:
                return self._record(self._missing_in_cin7(facts))
            return _NONE

        seen = self._seen
        if seen[rows[0]]:
            self._repeated += 1
            return _NONE
        for position in rows:
            seen[position] = 1
        self._count(outside_window)
        self._matched += 1
        if facts.skip_reason is not None:
            # The merchant excluded this order from the sync, so the bridge has no opinion on
            # what Cin7 holds for it.
            return _NONE

        status = index._status
        live = [r for r in rows if status[r] != _VOIDED_CODE] if len(rows) > 1 else rows
        if len(live) > 1:
            return self._record(self._duplicate(facts, live))
        if not live or status[live[0]] == _VOIDED_CODE:
            if facts.expected:
                return self._record(self._voided_in_cin7(facts, rows))
            return _NONE

        row = live[0]
        if not facts.expected:
            return self._record(self._not_voided(facts, row))
        currency = index._currencies.values[index._currency[row]]
        if currency != facts.currency:
            return self._record(self._currency(facts, row, currency))
        invoice, paid = index._invoice[row], index._paid[row]
        if invoice != facts.invoice_amount or paid != facts.paid_amount:
            order_number = index._order_numbers[row] or None
            self._pending[MoneyCheck(facts, index._sale_ids[row], order_number, invoice, paid)] = None
        return _NONE

    def resolve(self, check: MoneyCheck, detail: Cin7SaleDetail) -> list[Discrepancy]:
        """Classify a pending money check with its sale's detail and record the result."""
        self._take(check)
        found = classify_money(check.facts, detail)
        self._found.extend(found)
        return found

    def resolve_unread(self, check: MoneyCheck) -> list[Discrepancy]:
        """Record a pending money check whose sale could not be read (``MoneyCheck.unconfirmed``)."""
        self._take(check)
        found = check.unconfirmed()
        self._found.extend(found)
        return found

    def _take(self, check: MoneyCheck) -> None:
        if check not in self._pending:
            raise ValueError(f"no pending money check for sale {check.sale_id} of order {check.facts.order_id}")
        del self._pending[check]

    def candidates(self) -> list[Candidate]:
        """The Cin7 sales whose ExternalID no Afterpay payment matched, grouped by id.

        Ids whose sales are all VOIDED are left out: a voided sale holds no money for anyone
        to reconcile. Call this once the window's payments have all been checked.
        """
        index = self._index
        seen = self._seen
        status = index._status
        out: list[Candidate] = []
        for external_id, rows in index.unmatched(seen):
            live = [r for r in rows if status[r] != _VOIDED_CODE]
            if not live:
                continue
            ordered = sorted(live, key=lambda r: (index._order_numbers[r], index._sale_ids[r]))
            first = ordered[0]
            out.append(
                Candidate(
                    external_id=external_id,
                    sale_ids=tuple(index._sale_ids[r] for r in ordered),
                    order_numbers=tuple(index._order_numbers[r] for r in ordered),
                    status=index._statuses.values[status[first]],
                    currency=index._currencies.values[index._currency[first]],
                    invoice_amount=index._invoice[first],
                    paid_amount=index._paid[first],
                )
            )
        self._candidates = out
        return out

    def resolve_candidates(self, found: Iterable[AfterpayFacts], later: Iterable[str] = ()) -> list[Discrepancy]:
        """Finish the candidates: diff the payments Afterpay returned for their ids (as
        outside the window), and record ``missing_in_afterpay`` for the rest.

        Call it once, after every candidate id was looked up in Afterpay. ``found`` holds the
        facts of the payments Afterpay returned; an id it does not know is simply absent.
        ``later`` names payments Afterpay knows that were created after the window: they
        belong to a later run (one may still be syncing), so they are neither diffed nor
        reported missing. Money checks the diffed payments raise join ``pending``.
        """
        candidates = self._candidates if self._candidates is not None else self.candidates()
        wanted = {c.external_id for c in candidates}
        known: set[str] = set(later) & wanted
        new: list[Discrepancy] = []
        for facts in found:
            if facts.order_id in wanted and facts.order_id not in known:
                known.add(facts.order_id)
                new.extend(self.check(facts, outside_window=True))
        missing = missing_in_afterpay(candidates, known)
        self._found.extend(missing)
        self._candidates = []
        return new + missing

    def result(self) -> ReconcileResult:
        """The discrepancies so far, in report order and without repeats, and the counts."""
        unique: dict[tuple[object, ...], Discrepancy] = {}
        for d in self._found:
            unique.setdefault((d.type, d.afterpay_order_id, d.cin7_sale_ids), d)
        ordered = tuple(sorted(unique.values(), key=lambda d: d.sort_key))
        by_type = {kind.value: 0 for kind in DiscrepancyType}
        for d in ordered:
            by_type[d.type.value] += 1
        summary = ReconcileSummary(
            afterpay=self._afterpay,
            cin7=len(self._index),
            matched=self._matched,
            discrepancies=len(ordered),
            by_type=by_type,
            cin7_ignored=self._index.ignored,
            outside_window=self._outside,
            pending=len(self._pending),
            repeated=self._repeated,
        )
        return ReconcileResult(ordered, summary)

    # -- helpers ---------------------------------------------------------------------------

    def _count(self, outside_window: bool) -> None:
        if outside_window:
            self._outside += 1
        else:
            self._afterpay += 1

    def _record(self, discrepancy: Discrepancy) -> tuple[Discrepancy, ...]:
        self._found.append(discrepancy)
        return (discrepancy,)

    def _sorted_sales(self, rows: Iterable[int]) -> list[int]:
        index = self._index
        return sorted(rows, key=lambda r: (index._order_numbers[r], index._sale_ids[r]))

    def _label(self, row: int) -> str:
        index = self._index
        return _sale_label(index._order_numbers[row] or None, index._sale_ids[row])

    def _status_of(self, row: int) -> str:
        index = self._index
        return index._statuses.values[index._status[row]]

    def _missing_in_cin7(self, facts: AfterpayFacts) -> Discrepancy:
        return Discrepancy(
            DiscrepancyType.MISSING_IN_CIN7,
            facts.order_id,
            (),
            _expected_row(facts),
            {},
            f"Afterpay order {facts.order_id} is {facts.state.value}"
            f" ({_money(facts.captured, facts.currency)} captured) but Cin7 has no sale for it.",
        )

    def _duplicate(self, facts: AfterpayFacts, live: list[int]) -> Discrepancy:
        ordered = self._sorted_sales(live)
        labels = ", ".join(self._label(r) for r in ordered)
        return Discrepancy(
            DiscrepancyType.DUPLICATE_IN_CIN7,
            facts.order_id,
            tuple(self._index._sale_ids[r] for r in ordered),
            {"sales": "1"},
            {"sales": str(len(ordered))},
            f"Cin7 has {len(ordered)} live sales for Afterpay order {facts.order_id} ({labels}); all but one"
            " must be voided by a person.",
        )

    def _voided_in_cin7(self, facts: AfterpayFacts, rows: list[int]) -> Discrepancy:
        ordered = self._sorted_sales(rows)
        labels = ", ".join(self._label(r) for r in ordered)
        return Discrepancy(
            DiscrepancyType.STATUS_MISMATCH,
            facts.order_id,
            tuple(self._index._sale_ids[r] for r in ordered),
            {"status": facts.state.value, "cin7Status": "not VOIDED"},
            {"cin7Status": VOIDED},
            f"Cin7 sale {labels} is VOIDED but Afterpay order {facts.order_id} is {facts.state.value}"
            f" ({_money(facts.captured, facts.currency)} captured).",
        )

    def _not_voided(self, facts: AfterpayFacts, row: int) -> Discrepancy:
        status = self._status_of(row)
        return Discrepancy(
            DiscrepancyType.STATUS_MISMATCH,
            facts.order_id,
            (self._index._sale_ids[row],),
            {"status": facts.state.value, "cin7Status": VOIDED},
            {"cin7Status": status},
            f"Afterpay order {facts.order_id} is {facts.state.value} with nothing captured but Cin7 sale"
            f" {self._label(row)} is {status}; it should be VOIDED.",
        )

    def _currency(self, facts: AfterpayFacts, row: int, currency: str) -> Discrepancy:
        return Discrepancy(
            DiscrepancyType.CURRENCY_MISMATCH,
            facts.order_id,
            (self._index._sale_ids[row],),
            {"currency": facts.currency},
            {"currency": currency},
            f"Afterpay order {facts.order_id} is in {facts.currency} but Cin7 sale {self._label(row)} is in"
            f" {currency}.",
        )


def _expected_row(facts: AfterpayFacts) -> dict[str, str]:
    return {
        "status": facts.state.value,
        "currency": facts.currency,
        "invoiceAmount": format_cents(facts.invoice_amount),
        "paidAmount": format_cents(facts.paid_amount),
    }


def _money(cents: int, currency: str) -> str:
    return f"{currency} {format_cents(cents)}"


def _sale_label(order_number: str | None, sale_id: str) -> str:
    return f"{order_number} ({sale_id})" if order_number else sale_id
