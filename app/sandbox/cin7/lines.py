"""Reading and checking document lines and additional charges (cin7.md A8 line models).

A line needs an existing product (by ``ProductID`` or ``SKU``), ``Quantity`` ≥ 1 with at most
4 decimal places, ``Price`` with at most 4, ``Discount`` 0-100 with at most 2, and an existing
sale ``TaxRule``. ``Total`` is "for validation": when sent it must match the money convention
(money.py) within a cent, and the simulator keeps its own computed value, as Cin7 computes its
own. ``Tax`` is kept as sent (``tax_validation="accept"``) or must match the rule within a cent
(``"strict"``); when left out it is computed. ``Name`` defaults to the product's name.
"""

from __future__ import annotations

from decimal import Decimal

from app.sandbox.cin7.errors import ValidationError
from app.sandbox.cin7.models import Charge, Line, Sale
from app.sandbox.cin7.money import HUNDRED, TOLERANCE, ZERO, line_total, tax_in
from app.sandbox.cin7.store import Cin7Store
from app.sandbox.cin7.wire import Fields


class LineReader:
    """Reads the lines and charges of one document of one sale."""

    def __init__(self, store: Cin7Store, sale: Sale, *, tax_validation: str, with_account: bool) -> None:
        self.store = store
        self.sale = sale
        self.tax_validation = tax_validation
        self.with_account = with_account

    def lines(self, items: list[Fields]) -> list[Line]:
        """Product lines."""
        return [self._line(item) for item in items]

    def charges(self, items: list[Fields]) -> list[Charge]:
        """Additional charges (negative prices allowed: discounts, amounts voided from an auth)."""
        return [self._charge(item) for item in items]

    def _line(self, item: Fields) -> Line:
        where = item.where
        product_id = item.guid("ProductID")
        sku = item.text("SKU", max_length=50)
        if product_id is None and not sku:
            raise ValidationError(f"{where}: SKU or ProductID is required.")
        product = self.store.products.get(product_id) if product_id else None
        if product_id and product is None:
            raise ValidationError(f"{where}: Product with ID {product_id} not found.")
        if sku:
            by_sku = self.store.product_by_sku(sku)
            if by_sku is None:
                raise ValidationError(f"{where}: Product with SKU '{sku}' not found.")
            if product is not None and product.id != by_sku.id:
                raise ValidationError(f"{where}: SKU '{sku}' does not belong to product {product.id}.")
            product = by_sku
        assert product is not None
        name = item.text("Name", max_length=1024) or product.name
        quantity, price, discount, tax_rule = self._amount_fields(item, price_min=ZERO)
        total, tax = self._total_and_tax(item, quantity, price, discount, tax_rule)
        return Line(
            product_id=product.id,
            sku=product.sku,
            name=name,
            quantity=quantity,
            price=price,
            discount=discount,
            tax=tax,
            total=total,
            tax_rule=tax_rule,
            average_cost=product.average_cost,
            comment=item.text("Comment", max_length=256) or "",
            account=self._account(item),
            drop_ship=item.boolean("DropShip"),
        )

    def _charge(self, item: Fields) -> Charge:
        description = item.required_text("Description", max_length=256)
        quantity, price, discount, tax_rule = self._amount_fields(item, price_min=None)
        total, tax = self._total_and_tax(item, quantity, price, discount, tax_rule)
        return Charge(
            description=description,
            price=price,
            quantity=quantity,
            discount=discount,
            tax=tax,
            total=total,
            tax_rule=tax_rule,
            comment=item.text("Comment", max_length=1024) or "",
            account=self._account(item),
        )

    def _amount_fields(self, item: Fields, *, price_min: Decimal | None) -> tuple[Decimal, Decimal, Decimal, str]:
        where = item.where
        quantity = item.required_decimal("Quantity", places=4)
        if quantity < 1:
            raise ValidationError(f"{where}: Quantity must be 1 or more.")
        price = item.required_decimal("Price", places=4)
        if price_min is not None and price < price_min:
            raise ValidationError(f"{where}: Price must not be negative.")
        discount = item.decimal("Discount", places=2) or ZERO
        if not ZERO <= discount <= HUNDRED:
            raise ValidationError(f"{where}: Discount must be between 0 and 100.")
        rule_name = item.required_text("TaxRule", max_length=50)
        rule = self.store.sale_tax_rule(rule_name, where)
        return quantity, price, discount, rule.name

    def _total_and_tax(
        self, item: Fields, quantity: Decimal, price: Decimal, discount: Decimal, tax_rule: str
    ) -> tuple[Decimal, Decimal]:
        where = item.where
        total = line_total(quantity, price, discount)
        sent_total = item.decimal("Total", places=4)
        if sent_total is not None and abs(sent_total - total) > TOLERANCE:
            raise ValidationError(
                f"{where}: Total {sent_total} does not match Quantity x Price x (1 - Discount/100) = {total}."
            )
        rule = self.store.tax_rule_named(tax_rule)
        assert rule is not None
        computed_tax = tax_in(total, rule.percent, inclusive=self.sale.tax_inclusive)
        sent_tax = item.decimal("Tax", places=4)
        if sent_tax is None:
            return total, computed_tax
        if self.tax_validation == "strict" and abs(sent_tax - computed_tax) > TOLERANCE:
            raise ValidationError(f"{where}: Tax {sent_tax} does not match {rule.name} on {total}: {computed_tax}.")
        return total, sent_tax

    def _account(self, item: Fields) -> str | None:
        if not self.with_account:
            return None
        code = item.text("Account", max_length=50)
        if code is None:
            return self.sale.default_account
        if self.store.account(code) is None:
            raise ValidationError(f"{item.where}: Account with code '{code}' not found.")
        return code
