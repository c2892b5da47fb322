"""The consumer's side of a checkout: the page ``redirectCheckoutUrl`` points to.

Real consumers log in, choose a card and confirm on Afterpay's pages, then come back to the
merchant's ``redirectConfirmUrl`` with ``orderToken`` and ``status=SUCCESS``, or to
``redirectCancelUrl`` with ``status=CANCELLED`` (afterpay.md §3.2). This page offers the same
three outcomes, so a storefront can be tried end to end against the simulator.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request
from markupsafe import escape
from werkzeug.wrappers import Response as BaseResponse

from .. import checkouts
from ..models import Decision
from ..money import describe
from ..state import sandbox

bp = Blueprint("afterpay_portal", __name__)
REGION = "<any(au, nz, us, ca, uk):region>"
CHOICES = {"approve": Decision.APPROVED, "decline": Decision.DECLINED, "cancel": Decision.CANCELLED}


def _html(body: str, status: int = 200) -> Response:
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Afterpay sandbox checkout</title>"
        "<body style='font-family:sans-serif;max-width:32rem;margin:3rem auto'>"
        f"{body}</body></html>"
    )
    return Response(page, status=status, mimetype="text/html")


@bp.get(f"/{REGION}/checkout/")
def checkout_page(region: str) -> Response:
    """Show the checkout and the consumer's three choices."""
    token = request.args.get("token", "")
    checkout = sandbox().store.checkout(token)
    if checkout is None:
        return _html("<h1>Checkout not found</h1>", 404)
    merchant = checkout.request.get("merchant", {}).get("name", "the merchant")
    buttons = "".join(
        f"<button name=decision value={value} style='margin:.3rem'>{label}</button>"
        for value, label in (
            ("approve", "Confirm (test card CVV 000: approved)"),
            ("decline", "Confirm (test card CVV 051: declined)"),
            ("cancel", "Cancel and return to the merchant"),
        )
    )
    return _html(
        f"<h1>Pay {escape(describe(checkout.amount, checkout.currency))}</h1>"
        f"<p>to {escape(merchant)}, checkout <code>{escape(token)}</code></p>"
        f"<form method=post><input type=hidden name=token value='{escape(token)}'>{buttons}</form>"
    )


@bp.post(f"/{REGION}/checkout/")
def checkout_decision(region: str) -> BaseResponse:
    """Record the choice and send the consumer back to the merchant."""
    token = request.form.get("token", "")
    choice = CHOICES.get(request.form.get("decision", ""))
    if choice is None:
        return _html("<h1>Choose confirm or cancel</h1>", 400)
    state = sandbox()
    try:
        checkout = checkouts.decide(state, token, choice)
    except LookupError:
        return _html("<h1>Checkout not found</h1>", 404)
    except ValueError:
        return _html("<h1>This checkout is already complete</h1>", 409)
    merchant = checkout.request.get("merchant")
    cancelled = choice is Decision.CANCELLED
    status = "CANCELLED" if cancelled else "SUCCESS"
    if not merchant:
        return _html(f"<h1>Checkout {status.lower()}</h1><p>No merchant redirect URL was given.</p>")
    target = merchant["redirectCancelUrl" if cancelled else "redirectConfirmUrl"]
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}{urlencode({'orderToken': token, 'status': status})}", 302)
