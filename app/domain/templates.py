"""Text templates of the mapping rules (``{merchantReference}``, ``{id}``...).

Templates use ``str.format`` braces with plain names only: no attribute access, indexing,
conversions or format specs, so a mapping file cannot reach into Python objects and every
placeholder can be checked when the file is loaded rather than when an order is mapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from string import Formatter

#: Every placeholder a template may use, with what it holds (docs/mapping.md lists them).
TEMPLATE_FIELDS: dict[str, str] = {
    "id": "Afterpay order id",
    "token": "checkout token",
    "merchantReference": "the storefront's order number (after the customer_reference transform "
    "when used in that template; raw elsewhere)",
    "orderReference": "merchantReference, or the Afterpay order id when there is none",
    "paymentState": "Afterpay paymentState, e.g. CAPTURED",
    "status": "Afterpay status, APPROVED or DECLINED",
    "state": "the bridge's state: paid, partially_paid, authorised, voided, expired or declined",
    "consumerEmail": "the consumer's email",
    "consumerName": "'<givenNames> <surname>', or the email when both are empty",
    "givenNames": "the consumer's given names",
    "surname": "the consumer's surname",
    "currency": "the payment currency, e.g. AUD",
    "amount": "originalAmount as a 2-dp string",
    "created": "the order's creation time, e.g. 2020-04-09T15:26:53Z",
}

_FORMATTER = Formatter()


def template_problems(template: str) -> list[str]:
    """What is wrong with ``template`` (empty when it is usable)."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return [f"not a valid template ({exc}); write a literal brace as {{{{ or }}}}"]
    problems: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS:
            known = ", ".join(TEMPLATE_FIELDS)
            problems.append(f"unknown placeholder {{{name}}} (known: {known})")
        elif spec or conversion:
            problems.append(f"placeholder {{{name}}} takes no format spec or conversion")
    return problems


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    # A merchant has a handful of templates; parsing each once instead of per order matters
    # on the map-order hot path.
    return tuple((literal, name) for literal, name, _, _ in _FORMATTER.parse(template))


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders replaced; a missing value renders as an empty string."""
    return "".join(literal + (values.get(name, "") if name is not None else "") for literal, name in _pieces(template))
