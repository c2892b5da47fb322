"""Afterpay Payment → the Cin7 Core documents that should exist for it (DESIGN.md §3.1, §4).

``map_payment`` is pure and total: every Payment maps, and whatever the bridge had to decide
on the merchant's behalf is said in ``warnings``. docs/mapping.md is the prose version of
this module; the invariants it promises are checked by tests/domain/test_properties.py.

The money, to the cent (tax-inclusive form; the exclusive form adds Σ Tax to the left side):

    Σ line Totals + Σ charge Totals = totals.total = originalAmount - voided
    Σ Tax of lines and non-cancellation charges = taxAmount (when Afterpay sends one)
    Σ payments = captured;  Σ credit-note refunds = real refunds
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from app.domain.afterpay import Contact, Item, Payment
from app.domain.cin7_documents import (
    AdditionalCharge,
    Address,
    ChargeKind,
    CreditNote,
    Customer,
    CustomerAddress,
    CustomerContact,
    MappedOrder,
    SaleHeader,
    SaleInvoice,
    SaleLine,
    SaleOrder,
    SalePayment,
    SharedCustomer,
    ShippingAddress,
    Totals,
    cin7_datetime,
)
from app.domain.gst import allocate_tax, line_tax, proportional_share
from app.domain.ledger import Ledger, OrderState, read_ledger
from app.domain.money import ZERO, cents, format_amount, is_cents, price
from app.domain.reverse import origin_of
from app.domain.rules import CustomerMode, MappingRules, TaxRules
from app.domain.templates import render

SHIPPING_DESCRIPTION = "Shipping"
DISCOUNT_DESCRIPTION = "Discount"
ADJUSTMENT_DESCRIPTION = "Adjustment"
CANCELLED_VOID_DESCRIPTION = "Cancelled before capture (Afterpay void)"
CANCELLED_EXPIRY_DESCRIPTION = "Cancelled before capture (Afterpay auth expired)"
REFUND_DESCRIPTION = "Afterpay refund {refund_id}"

# cin7.md A7, A8, A10, A14: field lengths Cin7 Core enforces.
REFERENCE_MAX = 256
ATTRIBUTE_MAX = 256
NOTE_MAX = 1024
NAME_MAX = 256
SKU_MAX = 50
LINE_NAME_MAX = 1024
DESCRIPTION_MAX = 256


@dataclass(frozen=True)
class _Part:
    """A line or additional charge before its tax is known. ``kind`` None = an order line."""

    kind: ChargeKind | None
    name: str
    sku: str
    quantity: int
    price: Decimal
    total: Decimal
    tax_rule: str
    rate: Decimal


def map_payment(payment: Payment, rules: MappingRules) -> MappedOrder:
    """Every Cin7 Core document that should exist for ``payment`` under the merchant's ``rules``.

    Pure: no I/O, no clock (every date comes from the payment). See docs/mapping.md.
    """
    warnings: list[str] = []
    ledger = read_ledger(payment, void_entry_window_seconds=rules.afterpay.void_entry_window_seconds)
    warnings.extend(ledger.warnings)
    values = _template_values(payment, ledger)

    order = _order(payment, ledger, rules, values, warnings)
    inclusive = rules.tax.prices_include_tax
    totals = Totals(
        currency=payment.currency,
        # Exclusive form: the tax comes on top of the Totals (cin7.md convention, mapping rule 5).
        total=order.total if inclusive else order.total + order.tax,
        tax=order.tax,
        captured=ledger.captured,
        refunded=ledger.refunded,
        voided=ledger.voided,
        open=ledger.open,
    )

    invoice = _invoice(ledger, rules, values, warnings)
    payments: tuple[SalePayment, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    if invoice is not None:
        payments = tuple(
            SalePayment(
                type="PAYMENT",
                amount=capture.amount,
                date_paid=capture.at,
                reference=_reference(payment.id, capture.key),
                account=rules.cin7.payment_account,
            )
            for capture in ledger.captures
        )
        credit_notes = _credit_notes(payment, ledger, totals, rules)
    elif ledger.refunds:
        warnings.append(
            f"refunds {', '.join(r.refund_id for r in ledger.refunds)} not credited: the order has no invoice"
        )

    return MappedOrder(
        afterpay_order_id=payment.id,
        state=ledger.state,
        skip_reason=skip_reason_of(payment, ledger, rules),
        customer=_customer(payment, rules, values, warnings),
        sale=_sale(payment, ledger, rules, values, warnings),
        order=order,
        invoice=invoice,
        payments=payments,
        credit_notes=credit_notes,
        totals=totals,
        warnings=tuple(warnings),
    )


# ------------------------------------------------------------------------------------------
# Order lines, charges and tax


def _order(
    payment: Payment, ledger: Ledger, rules: MappingRules, values: Mapping[str, str], warnings: list[str]
) -> SaleOrder:
    tax = rules.tax
    inclusive = tax.prices_include_tax
    details = payment.details
    original = ledger.original
    tax_amount = cents(details.tax_amount.amount) if details.tax_amount is not None else None

    parts = _item_parts(payment, rules, warnings)
    charges = _charge_parts(payment, tax)
    if not parts:
        parts = [_fallback_part(payment, ledger, rules, values, charges, tax_amount, warnings)]
    parts.extend(charges)

    adjustment_rule = tax.default_rule
    if tax_amount is not None:
        # Afterpay's taxAmount is authoritative (afterpay.md §9): Σ tax = taxAmount exactly.
        target = original if inclusive else original - tax_amount
        adjustment = target - _sum(p.total for p in parts)
        if adjustment != 0:
            parts.append(_adjustment_part(adjustment, adjustment_rule, tax))
            warnings.append(_adjustment_warning(adjustment, original, inclusive))
        allocation = allocate_tax(tax_amount, [p.total for p in parts], [p.rate > 0 for p in parts])
        taxes = list(allocation.taxes)
        if allocation.note:
            warnings.append(allocation.note)
    else:
        taxes = [line_tax(p.total, p.rate, inclusive=inclusive) for p in parts]
        payable = _sum(p.total for p in parts) + (ZERO if inclusive else _sum(taxes))
        adjustment = original - payable
        if adjustment != 0:
            if inclusive:
                part = _adjustment_part(adjustment, adjustment_rule, tax)
                part_tax = line_tax(part.total, part.rate, inclusive=True)
            else:
                # The gap is in the payable total, tax included: split it into an ex-tax Total
                # and the tax on it, the tax taking the rounding cent so the two add up to the
                # gap exactly. A negative gap (parts worth more than the payment) thereby takes
                # its GST back out too, so tax can never exceed what is payable.
                rate = tax.rate(adjustment_rule)
                net = cents(adjustment * 100 / (100 + rate))
                part = _adjustment_part(net, adjustment_rule, tax)
                part_tax = adjustment - net
            parts.append(part)
            taxes.append(part_tax)
            warnings.append(_adjustment_warning(adjustment, original, inclusive))
        rate = tax.rate(tax.default_rule)
        warnings.append(
            f"tax computed from {tax.default_rule} ({rate.normalize():f}%): Afterpay sent no taxAmount;"
            " each line's tax is rounded half-up to the cent"
        )

    lines: list[SaleLine] = []
    charge_docs: list[AdditionalCharge] = []
    for part, part_tax in zip(parts, taxes, strict=True):
        if part.kind is None:
            lines.append(
                SaleLine(
                    sku=part.sku,
                    name=part.name,
                    quantity=part.quantity,
                    price=part.price,
                    tax=part_tax,
                    tax_rule=part.tax_rule,
                    total=part.total,
                )
            )
        else:
            charge_docs.append(
                AdditionalCharge(
                    description=part.name,
                    price=part.price,
                    quantity=part.quantity,
                    tax=part_tax,
                    tax_rule=part.tax_rule,
                    total=part.total,
                    kind=part.kind,
                )
            )

    charge_docs.extend(_cancellation_charges(ledger, _sum(taxes), tax))
    return SaleOrder(
        status=_order_status(ledger.state, rules),
        lines=tuple(lines),
        additional_charges=tuple(charge_docs),
        auto_pick_pack_ship=rules.cin7.auto_pick_pack_ship if ledger.state is OrderState.PAID else None,
    )


def _item_parts(payment: Payment, rules: MappingRules, warnings: list[str]) -> list[_Part]:
    """One Cin7 line per Afterpay item (mapping rule 3); ``price`` is a unit price."""
    tax = rules.tax
    parts: list[_Part] = []
    for index, item in enumerate(payment.details.items):
        label = f"item {index} {item.name!r}"
        if item.quantity < 1:
            warnings.append(f"{label} has quantity {item.quantity}; left out (Cin7 needs at least 1)")
            continue
        sku = (item.sku or "").strip()
        if not sku:
            sku = rules.fallback_product.sku
            warnings.append(f"{label} has no sku; booked to {sku}")
        elif len(sku) > SKU_MAX:
            warnings.append(f"{label}: sku {sku!r} is longer than Cin7's {SKU_MAX} characters")
        rule = tax.free_rule if _gst_free(item, tax) else tax.default_rule
        name = (item.name.strip() or sku)[:LINE_NAME_MAX]
        parts.extend(_priced_parts(name, sku, item.quantity, item.price.amount, rule, tax.rate(rule), label, warnings))
    return parts


def _priced_parts(
    name: str,
    sku: str,
    quantity: int,
    unit_price: Decimal,
    rule: str,
    rate: Decimal,
    label: str,
    warnings: list[str],
) -> list[_Part]:
    """Cin7 line(s) worth ``round(quantity x unit_price, 2)`` that satisfy Cin7's formula.

    Afterpay prices have 2 dp, so this is one line with ``Price`` = the unit price. A unit
    price with more precision (possible only when a Payment is built in code) keeps up to 4 dp
    in ``Price``; when even that cannot reproduce the total, the last unit goes on its own line
    carrying the residue, so no Total ever breaks ``Total = round(Quantity x Price, 2)``.
    """
    total = cents(quantity * unit_price)
    if is_cents(unit_price):
        return [_Part(None, name, sku, quantity, cents(unit_price), total, rule, rate)]
    if quantity == 1:
        return [_Part(None, name, sku, 1, total, total, rule, rate)]
    unit = price(unit_price)
    if cents(quantity * unit) == total:
        return [_Part(None, name, sku, quantity, unit, total, rule, rate)]
    head_total = cents((quantity - 1) * unit)
    warnings.append(f"{label}: unit price {unit_price} does not fit Cin7's 4-dp Price; last unit on its own line")
    return [
        _Part(None, name, sku, quantity - 1, unit, head_total, rule, rate),
        _Part(None, name, sku, 1, total - head_total, total - head_total, rule, rate),
    ]


def _gst_free(item: Item, tax: TaxRules) -> bool:
    """An item is GST-free when its SKU (exact) or any of its category names (any level,
    case-insensitive) is configured as such."""
    if item.sku is not None and item.sku.strip() in tax.free_skus:
        return True
    return any(name.casefold() in tax.free_categories for path in item.categories for name in path)


def _charge_parts(payment: Payment, tax: TaxRules) -> list[_Part]:
    """Shipping, then one negative charge per discount (mapping rule 4)."""
    details = payment.details
    parts: list[_Part] = []
    shipping = cents(details.shipping_amount.amount) if details.shipping_amount is not None else ZERO
    if shipping != 0:
        rule = tax.shipping_rule
        parts.append(_Part(ChargeKind.SHIPPING, SHIPPING_DESCRIPTION, "", 1, shipping, shipping, rule, tax.rate(rule)))
    for discount in details.discounts:
        amount = cents(discount.amount.amount)
        if amount == 0:
            continue
        name = ((discount.display_name or "").strip() or DISCOUNT_DESCRIPTION)[:DESCRIPTION_MAX]
        rule = tax.discount_rule
        parts.append(_Part(ChargeKind.DISCOUNT, name, "", 1, -amount, -amount, rule, tax.rate(rule)))
    return parts


def _fallback_part(
    payment: Payment,
    ledger: Ledger,
    rules: MappingRules,
    values: Mapping[str, str],
    charges: list[_Part],
    tax_amount: Decimal | None,
    warnings: list[str],
) -> _Part:
    """One line for an order sent without items (afterpay.md §11 E1, E2: ``"items" : [ ]``).

    It carries the goods value: whatever of originalAmount the shipping and discount charges
    (and, tax-exclusive, the tax) do not account for, so no Adjustment is needed.
    """
    tax = rules.tax
    product = rules.fallback_product
    rule = tax.free_rule if product.sku in tax.free_skus else tax.default_rule
    rate = tax.rate(rule)
    charges_total = _sum(c.total for c in charges)
    if tax.prices_include_tax:
        goods = ledger.original - charges_total
    elif tax_amount is not None:
        goods = ledger.original - tax_amount - charges_total
    else:
        # Tax-exclusive with no taxAmount: the line's own tax comes on top of it, so take it
        # out of what is left: goods x (1 + rate) = originalAmount - charges with their tax.
        charges_payable = _sum(c.total + line_tax(c.total, c.rate, inclusive=False) for c in charges)
        goods = cents((ledger.original - charges_payable) * 100 / (100 + rate))
    value = max(goods, ZERO)
    name = (render(product.name, values).strip() or product.sku)[:LINE_NAME_MAX]
    warnings.append(f"order has no items: one {product.sku} line carries the goods value {format_amount(value)}")
    return _Part(None, name, product.sku, 1, value, value, rule, rate)


def _adjustment_part(amount: Decimal, rule: str, tax: TaxRules) -> _Part:
    return _Part(ChargeKind.ADJUSTMENT, ADJUSTMENT_DESCRIPTION, "", 1, amount, amount, rule, tax.rate(rule))


def _adjustment_warning(adjustment: Decimal, original: Decimal, inclusive: bool) -> str:
    basis = "items + shipping - discounts" if inclusive else "items + shipping - discounts + tax"
    return (
        f"{basis} ≠ originalAmount {format_amount(original)}: an Adjustment charge of {format_amount(adjustment)}"
        " balances the order (Afterpay does not check the sum, afterpay.md §9)"
    )


def _cancellation_charges(ledger: Ledger, order_tax: Decimal, tax: TaxRules) -> list[AdditionalCharge]:
    """Negative charges for what was taken off the auth before capture (mapping rule 4).

    They carry the proportional share of the order's tax (voided x tax / originalAmount,
    rounded half-up), so ``totals.tax`` is the GST on what is actually invoiced. VOIDED and
    EXPIRED amounts get a charge each; their taxes are split so that they add up to the
    share of the whole cancelled amount, never two roundings apart from it.
    """
    by_void = ledger.voided_by_void
    by_expiry = ledger.voided_by_expiry
    cancelled = by_void + by_expiry
    if cancelled == 0:
        return []
    total_tax = -proportional_share(cancelled, order_tax, ledger.original)
    void_tax = -proportional_share(by_void, order_tax, ledger.original) if by_expiry else total_tax
    shares = (
        (CANCELLED_VOID_DESCRIPTION, by_void, void_tax),
        (CANCELLED_EXPIRY_DESCRIPTION, by_expiry, total_tax - void_tax),
    )
    rule = tax.default_rule if order_tax != 0 else tax.free_rule
    charges: list[AdditionalCharge] = []
    for description, amount, share in shares:
        if amount == 0:
            continue
        # Tax-exclusive: Total + Tax must take exactly ``amount`` off the payable total.
        total = -amount if tax.prices_include_tax else -amount - share
        charges.append(
            AdditionalCharge(
                description=description,
                price=total,
                tax=share,
                tax_rule=rule,
                total=total,
                kind=ChargeKind.CANCELLED,
            )
        )
    return charges


def _order_status(state: OrderState, rules: MappingRules) -> str:
    """Mapping rule 12: paid and partially paid orders must be AUTHORISED to be invoiced."""
    status_map = rules.status_map
    return {
        OrderState.PAID: "AUTHORISED",
        OrderState.PARTIALLY_PAID: "AUTHORISED",
        OrderState.AUTHORISED: status_map.authorised,
        OrderState.VOIDED: status_map.voided,
        OrderState.EXPIRED: status_map.expired,
        OrderState.DECLINED: status_map.declined,
    }[state]


# ------------------------------------------------------------------------------------------
# Invoice, payments, credit notes


def _invoice(ledger: Ledger, rules: MappingRules, values: Mapping[str, str], warnings: list[str]) -> SaleInvoice | None:
    """An AUTHORISED invoice once money was captured (mapping rules 1, 6, 12).

    Dated at the first capture: that is when the sale became money, and the date stays put as
    further captures arrive. A partially paid order is invoiced for everything the customer
    will pay (originalAmount - voided) unless ``status_map.invoice_partially_paid`` is false.
    """
    if ledger.state is OrderState.PARTIALLY_PAID and not rules.status_map.invoice_partially_paid:
        warnings.append(
            f"captured {format_amount(ledger.captured)} not recorded yet: partially paid orders are invoiced"
            " when fully captured (status_map.invoice_partially_paid: false)"
        )
        return None
    if ledger.state not in (OrderState.PAID, OrderState.PARTIALLY_PAID) or not ledger.captures:
        return None
    invoice_date = ledger.captures[0].at
    memo_template = rules.invoice.memo
    memo = render(memo_template, values)[:NOTE_MAX] if memo_template is not None else None
    return SaleInvoice(
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=rules.invoice.due_days),
        memo=memo or None,
    )


def _credit_notes(payment: Payment, ledger: Ledger, totals: Totals, rules: MappingRules) -> tuple[CreditNote, ...]:
    """One AUTHORISED credit note with one REFUND per real refund (mapping rule 7).

    Afterpay refunds carry no items, so the credit note has one additional charge for the
    refunded amount, positive (see ``CreditNote``), with the refund's proportional share of
    the invoiced GST: refund x invoice tax / invoice total, rounded half-up.
    """
    tax = rules.tax
    notes: list[CreditNote] = []
    for refund in ledger.refunds:
        amount = cents(refund.amount.amount)
        refund_tax = proportional_share(amount, totals.tax, totals.total)
        charge_total = amount if tax.prices_include_tax else amount - refund_tax
        charge = AdditionalCharge(
            description=REFUND_DESCRIPTION.format(refund_id=refund.refund_id)[:DESCRIPTION_MAX],
            price=charge_total,
            tax=refund_tax,
            tax_rule=tax.default_rule if refund_tax != 0 else tax.free_rule,
            total=charge_total,
            kind=ChargeKind.REFUND,
        )
        payout = SalePayment(
            type="REFUND",
            amount=amount,
            date_paid=refund.refunded_at,
            reference=_reference(payment.id, f"refund/{refund.refund_id}"),
            account=rules.cin7.payment_account,
        )
        notes.append(
            CreditNote(
                reference=refund.refund_id,
                date=refund.refunded_at,
                additional_charges=(charge,),
                total=amount,
                tax=refund_tax,
                refunds=(payout,),
                origin=origin_of(refund.refund_merchant_reference),
            )
        )
    return tuple(notes)


def _reference(order_id: str, key: str) -> str:
    """``<afterpay order id>/<key>``: the stable natural key of a payment or refund in Cin7.

    The sync deduplicates on it, so it must never change for the same event. Cin7 keeps 256
    characters; a longer one (only possible with ids far beyond Afterpay's) is shortened to
    the order id and a SHA-256 of the whole, which is just as stable.
    """
    reference = f"{order_id}/{key}"
    if len(reference) <= REFERENCE_MAX:
        return reference
    digest = hashlib.sha256(reference.encode()).hexdigest()
    return f"{order_id[: REFERENCE_MAX - len(digest) - 1]}/{digest}"


# ------------------------------------------------------------------------------------------
# Customer and sale header


def _customer(
    payment: Payment, rules: MappingRules, values: Mapping[str, str], warnings: list[str]
) -> Customer | SharedCustomer:
    """Mapping rule 9: the consumer's own Cin7 customer, or the configured shared one."""
    details = payment.details
    consumer = details.consumer
    if rules.customer.mode is CustomerMode.SHARED:
        return SharedCustomer(rules.customer.shared_name)
    if consumer is None:
        warnings.append(f"no consumer on the order: booked to the shared customer {rules.customer.shared_name!r}")
        return SharedCustomer(rules.customer.shared_name)
    name = _truncate(render(rules.customer.name, values).strip() or consumer.email, NAME_MAX, "customer Name", warnings)
    addresses: list[CustomerAddress] = []
    for contact, kind in ((details.billing, "Billing"), (details.shipping, "Shipping")):
        address = _address(contact)
        if address is not None:
            addresses.append(CustomerAddress(address=address, type=kind))
    return Customer(
        name=name,
        email=consumer.email,
        currency=payment.currency,
        payment_term=rules.customer.payment_term,
        account_receivable=rules.customer.account_receivable,
        revenue_account=rules.customer.revenue_account,
        tax_rule=rules.tax.default_rule,
        location=rules.cin7.location,
        contacts=(
            CustomerContact(
                name=consumer.full_name or consumer.email,
                email=consumer.email,
                phone=_phone(payment),
            ),
        ),
        addresses=tuple(addresses),
        sales_representative=rules.sales_reps.for_email(consumer.email),
    )


def _sale(
    payment: Payment, ledger: Ledger, rules: MappingRules, values: Mapping[str, str], warnings: list[str]
) -> SaleHeader:
    """The POST /sale header (mapping rule 8)."""
    details = payment.details
    consumer = details.consumer
    shared = rules.customer.mode is CustomerMode.SHARED or consumer is None
    email = consumer.email if consumer is not None else None
    billing = _address(details.billing, "billing", warnings)
    shipping = _address(details.shipping, "shipping", warnings)

    currency_rate: Decimal | None = None
    if payment.currency != rules.cin7.base_currency:
        currency_rate = rules.cin7.currency_rates.get(payment.currency)
        if currency_rate is None:
            warnings.append(
                f"unknown currency for the configured account: the payment is in {payment.currency}, Cin7's base"
                f" currency is {rules.cin7.base_currency} and cin7.currency_rates has no {payment.currency} rate;"
                " CurrencyRate left out"
            )

    return SaleHeader(
        external_id=payment.id,
        customer=rules.customer.shared_name if shared else _customer_name(payment, rules, values),
        email=email,
        phone=_phone(payment),
        contact=_contact_name(payment),
        billing_address=billing,
        shipping_address=(
            ShippingAddress(
                address=shipping,
                contact=details.shipping.name if details.shipping is not None else None,
                ship_to_other=shared,
            )
            if shipping is not None
            else None
        ),
        tax_inclusive=rules.tax.prices_include_tax,
        tax_rule=rules.tax.default_rule,
        location=rules.cin7.location,
        sale_order_date=payment.created,
        customer_reference=_customer_reference(payment, rules, values, warnings),
        sales_representative=rules.sales_reps.for_email(email),
        default_account=rules.cin7.default_account,
        attributes=_attributes(payment, ledger, rules, values, warnings),
        note=_truncate(render(rules.transforms.note, values), NOTE_MAX, "Note", warnings),
        currency_rate=currency_rate,
    )


def _customer_name(payment: Payment, rules: MappingRules, values: Mapping[str, str]) -> str:
    # Same text as Customer.name, without repeating its truncation warning.
    consumer = payment.details.consumer
    fallback = consumer.email if consumer is not None else rules.customer.shared_name
    return (render(rules.customer.name, values).strip() or fallback)[:NAME_MAX]


def _contact_name(payment: Payment) -> str | None:
    details = payment.details
    if details.consumer is not None:
        return details.consumer.full_name or details.consumer.email
    if details.billing is not None and details.billing.name:
        return details.billing.name
    return None


def _phone(payment: Payment) -> str | None:
    details = payment.details
    for phone in (
        details.consumer.phone_number if details.consumer is not None else None,
        details.billing.phone_number if details.billing is not None else None,
        details.shipping.phone_number if details.shipping is not None else None,
    ):
        if phone and phone.strip():
            return phone.strip()
    return None


def _address(contact: Contact | None, label: str | None = None, warnings: list[str] | None = None) -> Address | None:
    """Afterpay Contact → Cin7 address; Cin7 requires Line1 and Country (cin7.md A7).

    NZ addresses carry the suburb in ``area2``; it joins ``line2`` so it is not lost.
    """
    if contact is None:
        return None
    if not contact.line1 or not contact.country_code:
        if warnings is not None and label is not None and any(vars(contact).values()):
            warnings.append(f"{label} address has no line1 or countryCode; left out")
        return None
    line2 = ", ".join(part for part in (contact.line2, contact.area2) if part)
    return Address(
        line1=contact.line1,
        line2=line2 or None,
        city=contact.area1,
        state=contact.region,
        postcode=contact.postcode,
        country=contact.country_code,
    )


def _customer_reference(
    payment: Payment, rules: MappingRules, values: Mapping[str, str], warnings: list[str]
) -> str | None:
    """merchantReference through the configured transforms (mapping rule 11)."""
    transform = rules.transforms.customer_reference
    reference = transform.apply(payment.merchant_reference or "")
    text = render(transform.template, {**values, "merchantReference": reference}).strip()
    if not text:
        return None
    return _truncate(text, REFERENCE_MAX, "CustomerReference", warnings)


def _attributes(
    payment: Payment, ledger: Ledger, rules: MappingRules, values: Mapping[str, str], warnings: list[str]
) -> tuple[tuple[int, str], ...]:
    """AdditionalAttribute slots (mapping rule 8). Only configured slots are written, so an
    update never blanks a slot that the merchant's staff fill in by hand in Cin7."""
    details = payment.details
    courier = details.courier
    sources = {
        "token": payment.token or "",
        "paymentState": payment.payment_state.value,
        "merchant": rules.afterpay.merchant_label,
        "refundIds": ",".join(r.refund_id for r in ledger.refunds),
        "consumerEmail": values["consumerEmail"],
        "consumerName": (details.consumer.full_name or "") if details.consumer is not None else "",
        "consumerPhone": _phone(payment) or "",
        "orderId": payment.id,
        "merchantReference": payment.merchant_reference or "",
        "status": payment.status.value,
        "state": ledger.state.value,
        "created": values["created"],
        "events": ", ".join(f"{e.type.value} {format_amount(e.amount.amount)}" for e in payment.events),
        "captured": format_amount(ledger.captured),
        "refunded": format_amount(ledger.refunded),
        "courierName": (courier.name or "") if courier is not None else "",
        "courierTracking": (courier.tracking or "") if courier is not None else "",
    }
    return tuple(
        (slot, _truncate(sources[source], ATTRIBUTE_MAX, f"AdditionalAttribute{slot} ({source})", warnings))
        for slot, source in rules.attribute_slots.items()
    )


def _truncate(text: str, limit: int, what: str, warnings: list[str]) -> str:
    if len(text) <= limit:
        return text
    warnings.append(f"{what} truncated to Cin7's {limit} characters")
    return text[:limit]


def _template_values(payment: Payment, ledger: Ledger) -> dict[str, str]:
    """The values behind every template placeholder (app.domain.templates.TEMPLATE_FIELDS)."""
    consumer = payment.details.consumer
    return {
        "id": payment.id,
        "token": payment.token or "",
        "merchantReference": payment.merchant_reference or "",
        "orderReference": payment.merchant_reference or payment.id,
        "paymentState": payment.payment_state.value,
        "status": payment.status.value,
        "state": ledger.state.value,
        "consumerEmail": consumer.email if consumer is not None else "",
        "consumerName": (consumer.full_name or consumer.email) if consumer is not None else "",
        "givenNames": (consumer.given_names or "") if consumer is not None else "",
        "surname": (consumer.surname or "") if consumer is not None else "",
        "currency": payment.currency,
        "amount": format_amount(ledger.original),
        "created": cin7_datetime(payment.created),
    }


# ------------------------------------------------------------------------------------------
# Conditional sync rules


def skip_reason_of(payment: Payment, ledger: Ledger, rules: MappingRules) -> str | None:
    """Why the merchant's ``sync_rules`` exclude this order (mapping rule 11), or None.

    Amounts compare against originalAmount (the order's value as placed), in the payment's
    currency. Every failing rule is listed.
    """
    sync = rules.sync_rules
    reasons: list[str] = []
    amount = f"originalAmount {format_amount(ledger.original)} {payment.currency}"
    if sync.min_amount is not None and ledger.original < sync.min_amount:
        reasons.append(f"{amount} is below sync_rules.min_amount {format_amount(sync.min_amount)}")
    if sync.max_amount is not None and ledger.original > sync.max_amount:
        reasons.append(f"{amount} is above sync_rules.max_amount {format_amount(sync.max_amount)}")
    if sync.currencies is not None and payment.currency not in sync.currencies:
        allowed = ", ".join(sorted(sync.currencies)) or "none"
        reasons.append(f"currency {payment.currency} is not in sync_rules.currencies ({allowed})")
    reference = payment.merchant_reference or ""
    if sync.reference_prefixes is not None and not reference.startswith(tuple(sync.reference_prefixes)):
        allowed = ", ".join(sync.reference_prefixes) or "none"
        reasons.append(
            f"merchantReference {reference!r} does not start with any of sync_rules.reference_prefixes ({allowed})"
        )
    excluded = next((p for p in sync.exclude_reference_prefixes if reference.startswith(p)), None)
    if excluded is not None:
        reasons.append(
            f"merchantReference {reference!r} starts with {excluded!r} (sync_rules.exclude_reference_prefixes)"
        )
    return "; ".join(reasons) or None


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)
