"""Several credit notes per sale, each with its own REFUND (cin7.md A5, A10, A11; [APIB] L24383-L24390).

The bridge maps every Afterpay refund to its own Cin7 credit note and REFUND payment, so a sale
that is refunded twice has two credit-note tasks: the first one's TaskID is the SaleID, a second
one (POSTed with the empty GUID) gets its own TaskID and turns the sale into an Advanced Sale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.sandbox_cin7.conftest import Cin7, Receiver, charge, error_text, line

EMPTY = "00000000-0000-0000-0000-000000000000"
TEE = ("TEE-ORG-WHT-M", 2, "39.95")  # 79.90
HOOD = ("HOOD-MRN-GRY-M", 1, "129.00")  # 129.00 -> the sale is 208.90


@pytest.fixture
def cin7(make_cin7: Callable[..., Cin7]) -> Cin7:
    """Webhooks at once, and a throttle wide enough for the long flows below."""
    return make_cin7(webhook_first_delay_seconds=0.0, rate_limit_per_minute=10_000)


def _paid_sale(cin7: Cin7, *, paid: Any = 208.90, ship: bool = True) -> tuple[str, str]:
    """A sale of 208.90 (shipped unless told), invoiced and paid ``paid``: (SaleID, invoice number)."""
    sale_id = str(cin7.new_sale()["ID"])
    extra: dict[str, Any] = {"AutoPickPackShipMode": "AUTOPICKPACKSHIP"} if ship else {}
    cin7.ok(cin7.order(sale_id, [line(*TEE), line(*HOOD)], **extra))
    number = str(cin7.ok(cin7.invoice(sale_id))["Invoices"][0]["InvoiceNumber"])
    if paid:
        cin7.ok(cin7.pay(sale_id, paid))
    return sale_id, number


def _credit(
    cin7: Cin7,
    sale_id: str,
    task_id: str,
    invoice: str,
    *,
    amount: str | None = None,
    lines: list[dict[str, Any]] | None = None,
    status: str = "AUTHORISED",
    **extra: Any,
) -> requests.Response:
    """POST /sale/creditnote: an amount as one additional charge (as the bridge sends refunds) or lines."""
    body: dict[str, Any] = {
        "SaleID": sale_id,
        "TaskID": task_id,
        "CreditNoteInvoiceNumber": invoice,
        "Status": status,
        "CreditNoteDate": "2024-05-10T00:00:00",
        "Lines": lines or [],
        "AdditionalCharges": [charge("Afterpay refund", amount)] if amount is not None else [],
    }
    body.update(extra)
    return cin7.post("sale/creditnote", body)


def _note(response: requests.Response) -> dict[str, Any]:
    """The one credit note a POST answers with."""
    assert response.status_code == 200, f"{response.status_code} {response.text}"
    notes = response.json()["CreditNotes"]
    assert len(notes) == 1, notes
    note: dict[str, Any] = notes[0]
    return note


def _amounts(cin7: Cin7, sale_id: str) -> tuple[Any, Any, Any]:
    row = cin7.row(sale_id)
    return row["InvoiceAmount"], row["PaidAmount"], row["CombinedPaymentStatus"]


def test_two_refunds_make_two_credit_notes_each_with_its_own_refund(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    assert _amounts(cin7, sale_id) == (208.90, 208.90, "PAID")

    first = _note(_credit(cin7, sale_id, sale_id, invoice, lines=[line("TEE-ORG-WHT-M", 1, "39.95")]))
    assert (first["TaskID"], first["CreditNoteNumber"], first["Status"]) == (sale_id, "CR-00001", "AUTHORISED")
    assert _amounts(cin7, sale_id) == (168.95, 208.90, "NOT REFUNDED")
    assert cin7.row(sale_id)["Type"] == "Simple Sale"
    over = cin7.pay(sale_id, 39.96, kind="REFUND")
    assert (over.status_code, error_text(over)) == (400, "Amount 39.96 is more than the outstanding balance of 39.95.")
    refund = cin7.ok(cin7.pay(sale_id, 39.95, kind="REFUND", Reference="afterpay-refund-1"))
    assert (refund["TaskID"], refund["CreditNoteNumber"], refund["Type"]) == (sale_id, "CR-00001", "Refund")
    assert _amounts(cin7, sale_id) == (168.95, 168.95, "PAID")
    assert cin7.row(sale_id)["Status"] == "COMPLETED"

    second = _note(_credit(cin7, sale_id, EMPTY, invoice, lines=[line(*HOOD)]))
    task = second["TaskID"]
    assert task not in (sale_id, EMPTY) and len(task) == 36
    assert (second["CreditNoteNumber"], second["Status"]) == ("CR-00002", "AUTHORISED")
    row = cin7.row(sale_id)
    assert (row["Type"], row["CreditNoteNumber"], row["CreditNoteStatus"], row["Status"]) == (
        "Advanced Sale",
        "CR-00002",
        "AUTHORISED",
        "CREDITED",
    )
    assert (row["InvoiceAmount"], row["PaidAmount"], row["CombinedPaymentStatus"]) == (39.95, 168.95, "NOT REFUNDED")
    # The first credit note is fully refunded; the second one is refunded against its own task.
    assert error_text(cin7.pay(sale_id, 1, kind="REFUND")).startswith("Amount 1 is more than the outstanding")
    assert error_text(cin7.pay(task, 129.01, kind="REFUND")).startswith("Amount 129.01 is more than")
    refund = cin7.ok(cin7.pay(task, 129, kind="REFUND", Reference="afterpay-refund-2"))
    assert (refund["SaleID"], refund["TaskID"], refund["CreditNoteNumber"], refund["InvoiceNumber"]) == (
        sale_id,
        task,
        "CR-00002",
        None,
    )
    row = cin7.row(sale_id)
    assert (row["InvoiceAmount"], row["PaidAmount"], row["CombinedPaymentStatus"], row["Status"]) == (
        39.95,
        39.95,
        "PAID",
        "COMPLETED",
    )
    assert row["CombinedInvoiceStatus"] == "INVOICED / CREDITED"
    assert cin7.ok(cin7.get("saleList", Search="CR-00002"))["SaleList"][0]["SaleID"] == sale_id


def test_three_partial_refunds_are_limited_per_credit_note(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    expected = [
        # (refund, InvoiceAmount then PaidAmount after the credit note, PaidAmount after the refund)
        ("20.00", 188.90, 188.90),
        ("30.50", 158.40, 158.40),
        ("10.05", 148.35, 148.35),
    ]
    tasks = []
    for index, (amount, invoice_amount, paid_amount) in enumerate(expected):
        note = _note(_credit(cin7, sale_id, EMPTY, invoice, amount=amount))
        tasks.append(note["TaskID"])
        assert note["CreditNoteNumber"] == f"CR-0000{index + 1}"
        assert note["AdditionalCharges"][0]["Total"] == float(amount)
        before = round(paid_amount + float(amount), 2)
        assert _amounts(cin7, sale_id) == (invoice_amount, before, "NOT REFUNDED")
        assert cin7.row(sale_id)["Type"] == ("Simple Sale" if index == 0 else "Advanced Sale")
        # Never more than this credit note's own total, even while earlier ones had room left.
        too_much = cin7.pay(note["TaskID"], round(float(amount) + 0.01, 2), kind="REFUND")
        assert too_much.status_code == 400
        cin7.ok(cin7.pay(note["TaskID"], float(amount), kind="REFUND", Reference=f"afterpay-refund-{index + 1}"))
        assert _amounts(cin7, sale_id) == (invoice_amount, paid_amount, "PAID")
    assert tasks[0] == sale_id and len(set(tasks)) == 3
    refunds = [p for p in cin7.ok(cin7.get("sale/payment", SaleID=sale_id)) if p["Type"] == "Refund"]
    assert [(p["TaskID"], p["CreditNoteNumber"], p["Amount"]) for p in refunds] == [
        (tasks[0], "CR-00001", 20),
        (tasks[1], "CR-00002", 30.5),
        (tasks[2], "CR-00003", 10.05),
    ]
    # A refund can be changed or deleted; a change is limited by its own credit note.
    second = refunds[1]["ID"]
    assert error_text(cin7.put("sale/payment", {"ID": second, "Amount": 30.51})).startswith("Amount 30.51 is more")
    assert cin7.ok(cin7.put("sale/payment", {"ID": second, "Amount": 25}))["CreditNoteNumber"] == "CR-00002"
    assert _amounts(cin7, sale_id) == (148.35, 153.85, "NOT REFUNDED")
    assert cin7.ok(cin7.delete("sale/payment", ID=second)) == {"Success": True}
    assert _amounts(cin7, sale_id) == (148.35, 178.85, "NOT REFUNDED")
    cin7.ok(cin7.pay(tasks[1], 30.50, kind="REFUND"))
    assert _amounts(cin7, sale_id) == (148.35, 148.35, "PAID")


def test_credit_note_numbers_run_per_account(cin7: Cin7) -> None:
    one, invoice_one = _paid_sale(cin7)
    two, invoice_two = _paid_sale(cin7)
    assert _note(_credit(cin7, one, one, invoice_one, amount="5.00"))["CreditNoteNumber"] == "CR-00001"
    assert _note(_credit(cin7, two, EMPTY, invoice_two, amount="5.00"))["CreditNoteNumber"] == "CR-00002"
    assert _note(_credit(cin7, one, EMPTY, invoice_one, amount="5.00"))["CreditNoteNumber"] == "CR-00003"
    assert [cin7.row(one)["Type"], cin7.row(two)["Type"]] == ["Advanced Sale", "Simple Sale"]
    # A credit-note task of one sale is not a task of another.
    other = _note(_credit(cin7, one, EMPTY, invoice_one, amount="1.00"))["TaskID"]
    refused = _credit(cin7, two, other, invoice_two, amount="1.00")
    assert refused.status_code == 400
    assert error_text(refused).startswith(f"Credit note task {other} not found on this sale")


def test_simple_sale_becomes_advanced_with_a_second_credit_note(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7, ship=False)
    first = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="10.00", status="DRAFT"))
    assert first["TaskID"] == sale_id  # the empty GUID on a sale without credit notes: the simple-sale task
    full = cin7.sale(sale_id)
    assert (full["Type"], len(full["CreditNotes"]), cin7.row(sale_id)["CreditNoteStatus"]) == (
        "Simple Sale",
        1,
        "DRAFT",
    )
    # Overwrite the draft through either of its names: the SaleID, or its TaskID.
    again = _note(_credit(cin7, sale_id, sale_id, invoice, amount="12.00", status="DRAFT"))
    assert (again["TaskID"], again["CreditNoteNumber"], again["AdditionalCharges"][0]["Total"]) == (
        sale_id,
        "CR-00001",
        12,
    )
    assert _amounts(cin7, sale_id) == (208.90, 208.90, "PAID")  # a draft credits nothing

    second = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="5.00", status="DRAFT"))
    task = second["TaskID"]
    assert task != sale_id and second["CreditNoteNumber"] == "CR-00002"
    full = cin7.sale(sale_id)
    assert full["Type"] == "Advanced Sale"
    assert [(n["TaskID"], n["CreditNoteNumber"], n["Status"]) for n in full["CreditNotes"]] == [
        (sale_id, "CR-00001", "DRAFT"),
        (task, "CR-00002", "DRAFT"),
    ]
    authorised = _note(_credit(cin7, sale_id, task, invoice, amount="6.00"))
    assert (authorised["TaskID"], authorised["CreditNoteNumber"], authorised["Status"]) == (
        task,
        "CR-00002",
        "AUTHORISED",
    )
    row = cin7.row(sale_id)
    # One authorised, one still a draft: the sale is credited, CreditNoteStatus shows the open draft.
    assert (row["CreditNoteStatus"], row["CombinedInvoiceStatus"], row["Status"]) == (
        "DRAFT",
        "INVOICED / CREDITED",
        "CREDITED",
    )
    assert _amounts(cin7, sale_id) == (202.90, 208.90, "NOT REFUNDED")
    assert cin7.ok(cin7.get("saleList", CreditNoteStatus="DRAFT"))["Total"] == 1
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="12.00"))
    row = cin7.row(sale_id)
    assert (row["CreditNoteStatus"], row["CreditNoteNumber"], row["InvoiceAmount"]) == ("AUTHORISED", "CR-00002", 190.9)
    assert len(cin7.sale(sale_id)["CreditNotes"]) == 2  # overwritten, not added

    # An AUTHORISED credit note can not be posted again, by either name.
    for name in (sale_id, task):
        refused = _credit(cin7, sale_id, name, invoice, amount="1.00")
        assert refused.status_code == 400
        assert error_text(refused).startswith("Credit note CR-0000")
        assert "is AUTHORISED: only a DRAFT credit note can be posted again" in error_text(refused)
    unknown = _credit(cin7, sale_id, "6c18f8e9-90e1-418f-aebc-1219e67e4b9c", invoice, amount="1.00")
    assert unknown.status_code == 400
    assert isinstance(unknown.json(), list) and unknown.json()[0]["ErrorCode"] == 400
    assert error_text(unknown).startswith("Credit note task 6c18f8e9-90e1-418f-aebc-1219e67e4b9c not found")


def test_refusals_under_errors_in_200(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="5.00"))
    cin7.configure(errors_in_200=True)
    again = _credit(cin7, sale_id, sale_id, invoice, amount="5.00")  # a business rule: 200 with the Error Model
    assert again.status_code == 200 and again.json()[0]["ErrorCode"] == 400
    unknown = _credit(cin7, sale_id, "6c18f8e9-90e1-418f-aebc-1219e67e4b9c", invoice, amount="5.00")
    assert unknown.status_code == 400  # a task that does not exist is a validation error


def test_credit_note_total_is_limited_by_the_other_authorised_ones(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    draft = _note(_credit(cin7, sale_id, sale_id, invoice, amount="100.00", status="DRAFT"))
    cin7.ok(_credit(cin7, sale_id, EMPTY, invoice, amount="200.00"))  # a draft credits nothing
    refused = _credit(cin7, sale_id, draft["TaskID"], invoice, amount="8.91")
    assert error_text(refused) == (
        "The credit note's Total is more than is left to credit on the invoice: 8.90 "
        "(the invoice's Total less its other authorised credit notes)."
    )
    cin7.ok(_credit(cin7, sale_id, draft["TaskID"], invoice, amount="8.90"))
    assert _amounts(cin7, sale_id) == (0, 208.90, "NOT REFUNDED")
    refused = _credit(cin7, sale_id, EMPTY, invoice, amount="0.01")
    assert error_text(refused).startswith("The credit note's Total is more than is left to credit on the invoice: 0")
    assert len(cin7.sale(sale_id)["CreditNotes"]) == 2  # a refused POST adds nothing
    assert cin7.row(sale_id)["CreditNoteNumber"] == "CR-00002"


def test_get_lists_every_credit_note_with_its_own_refunds(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="20.00"))
    cin7.ok(cin7.pay(sale_id, 15, kind="REFUND", Reference="r-1a"))
    cin7.ok(cin7.pay(sale_id, 5, kind="REFUND", Reference="r-1b"))
    second = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="30.00"))["TaskID"]
    cin7.ok(cin7.pay(second, 12, kind="REFUND", Reference="r-2"))
    third = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="7.00", status="DRAFT"))["TaskID"]

    listed = cin7.ok(cin7.get("sale/creditnote", SaleID=sale_id))
    assert listed["SaleID"] == sale_id
    assert [(n["TaskID"], n["CreditNoteNumber"], n["Status"]) for n in listed["CreditNotes"]] == [
        (sale_id, "CR-00001", "AUTHORISED"),
        (second, "CR-00002", "AUTHORISED"),
        (third, "CR-00003", "DRAFT"),
    ]
    assert all("Payments" not in n for n in listed["CreditNotes"])
    paid = cin7.ok(cin7.get("sale/creditnote", SaleID=sale_id, IncludePaymentInfo="true"))["CreditNotes"]
    assert [n["CreditNoteBalance"] for n in paid] == [0, 18, 0]
    assert [[(p["Reference"], p["CreditNoteNumber"]) for p in n["Payments"]] for n in paid] == [
        [("r-1a", "CR-00001"), ("r-1b", "CR-00001")],
        [("r-2", "CR-00002")],
        [],
    ]
    full = cin7.sale(sale_id, IncludeTransactions="true")
    assert [[r["Reference"] for r in n["Refunds"]] for n in full["CreditNotes"]] == [["r-1a", "r-1b"], ["r-2"], []]
    assert [n["Total"] for n in full["CreditNotes"]] == [20, 30, 7]
    # Ledger: each authorised credit note posts under its own task, refunds under theirs.
    tasks = {t["TaskID"] for t in full["Transactions"]}
    assert {sale_id, second} <= tasks and third not in tasks
    assert _amounts(cin7, sale_id) == (158.90, 176.90, "NOT REFUNDED")


def test_restock_per_credit_note(cin7: Cin7) -> None:
    sale_id = str(cin7.new_sale()["ID"])
    dress = "DRESS-LIN-OLV-10"  # 2 on hand, both shipped below
    cin7.ok(cin7.order(sale_id, [line(dress, 2, "149.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    invoice = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]["InvoiceNumber"]
    cin7.ok(cin7.pay(sale_id, 298))
    assert cin7.availability(dress)["OnHand"] == 0
    both = [{"SKU": dress, "Quantity": 1}, {"SKU": dress, "Quantity": 2}]
    refused = _credit(cin7, sale_id, sale_id, invoice, lines=[line(dress, 1, "149.00")], Restock=both)
    assert error_text(refused) == f"Restock[1]: more {dress} to restock than was shipped."  # lines add up

    def returned(task: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Restock": [{"SKU": dress, "Quantity": 1}]}
        return _note(_credit(cin7, sale_id, task, invoice, lines=[line(dress, 1, "149.00")], **body))

    first = returned(sale_id)
    assert cin7.availability(dress)["OnHand"] == 1
    second = returned(EMPTY)
    assert cin7.availability(dress)["OnHand"] == 2
    assert second["Restock"][0]["RestockLocation"] == "Main Warehouse"
    refused = _credit(cin7, sale_id, EMPTY, invoice, amount="1.00", Restock=[{"SKU": dress, "Quantity": 1}])
    assert error_text(refused) == f"Restock[0]: more {dress} to restock than was shipped."
    movements = cin7.sale(sale_id)["InventoryMovements"]
    assert [(m["TaskID"], m["COGS"]) for m in movements] == [
        (sale_id, 104),
        (first["TaskID"], -52),
        (second["TaskID"], -52),
    ]
    assert cin7.sale(sale_id)["COGSAmount"] == 0


def test_refund_needs_an_authorised_credit_note_task(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7)
    unknown = cin7.pay("6c18f8e9-90e1-418f-aebc-1219e67e4b9c", 5, kind="REFUND")
    assert (unknown.status_code, error_text(unknown)) == (
        400,
        "Sale task with TaskID 6c18f8e9-90e1-418f-aebc-1219e67e4b9c not found.",
    )
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="10.00", status="DRAFT"))
    draft_first = cin7.pay(sale_id, 5, kind="REFUND")
    assert error_text(draft_first) == "Refunds are available only against an authorised credit note: CR-00001 is DRAFT."
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="10.00"))
    draft = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="20.00", status="DRAFT"))["TaskID"]
    refused = cin7.pay(draft, 5, kind="REFUND")
    assert (refused.status_code, error_text(refused)) == (
        400,
        "Refunds are available only against an authorised credit note: CR-00002 is DRAFT.",
    )
    payment = cin7.pay(draft, 5)  # a PAYMENT belongs to the invoice, not to a credit-note task
    assert payment.status_code == 400
    assert error_text(payment).startswith(f"TaskID {draft} is a credit note task")
    assert _amounts(cin7, sale_id) == (198.90, 208.90, "NOT REFUNDED")
    assert not [p for p in cin7.ok(cin7.get("sale/payment", SaleID=sale_id)) if p["Type"] == "Refund"]


def test_a_credit_note_without_refund_leaves_the_sale_balanced(cin7: Cin7) -> None:
    # Afterpay captured 188.90 of 208.90 and voided the rest after the invoice was authorised: the
    # bridge credits the 20.00 that will never be paid, with no REFUND.
    sale_id, invoice = _paid_sale(cin7, paid=188.90)
    assert _amounts(cin7, sale_id) == (208.90, 188.90, "PARTIALLY PAID")
    cancelled = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="20.00", Memo="Afterpay void"))
    assert cancelled["TaskID"] == sale_id
    row = cin7.row(sale_id)
    assert (row["InvoiceAmount"], row["PaidAmount"], row["CombinedPaymentStatus"], row["Status"]) == (
        188.90,
        188.90,
        "PAID",
        "COMPLETED",
    )
    assert (row["CreditNoteStatus"], row["CreditNoteNumber"]) == ("AUTHORISED", "CR-00001")
    assert not [p for p in cin7.ok(cin7.get("sale/payment", SaleID=sale_id)) if p["Type"] == "Refund"]
    # A real refund afterwards: its own credit note and REFUND, and the sale is balanced again.
    refund_note = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="30.00"))
    assert _amounts(cin7, sale_id) == (158.90, 188.90, "NOT REFUNDED")
    cin7.ok(cin7.pay(refund_note["TaskID"], 30, kind="REFUND"))
    assert _amounts(cin7, sale_id) == (158.90, 158.90, "PAID")
    assert cin7.row(sale_id)["Status"] == "COMPLETED"


def test_an_unpaid_sale_fully_credited_is_settled_but_not_shipped(cin7: Cin7) -> None:
    sale_id, invoice = _paid_sale(cin7, paid=None, ship=False)
    assert _amounts(cin7, sale_id) == (208.90, 0, "UNPAID")
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="100.00"))
    assert _amounts(cin7, sale_id) == (108.90, 0, "UNPAID")
    cin7.ok(_credit(cin7, sale_id, EMPTY, invoice, amount="108.90"))
    row = cin7.row(sale_id)
    assert (row["InvoiceAmount"], row["PaidAmount"], row["CombinedPaymentStatus"], row["Status"]) == (
        0,
        0,
        "PAID",
        "CREDITED",
    )


def test_each_authorised_credit_note_fires_its_own_webhook(cin7: Cin7, receiver: Receiver) -> None:
    hook = {
        "Type": "Sale/CreditNoteAuthorised",
        "IsActive": True,
        "ExternalURL": receiver.url,
        "ExternalAuthorizationType": "noauth",
    }
    cin7.ok(cin7.post("webhooks", hook))
    sale_id, invoice = _paid_sale(cin7)
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, amount="10.00"))
    draft = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="20.00", status="DRAFT"))["TaskID"]
    third = _note(_credit(cin7, sale_id, EMPTY, invoice, amount="5.00"))["TaskID"]
    cin7.ok(_credit(cin7, sale_id, draft, invoice, amount="20.00"))  # the draft authorised later
    received = receiver.wait(3, "Sale/CreditNoteAuthorised")
    assert [(r.body["CreditNoteNumber"], r.body["TaskID"]) for r in received] == [
        ("CR-00001 ", sale_id.upper()),
        ("CR-00003 ", third.upper()),
        ("CR-00002 ", draft.upper()),
    ]
    assert {r.body["SaleID"] for r in received} == {sale_id.upper()}
    cin7.flush()
    assert len(receiver.of_type("Sale/CreditNoteAuthorised")) == 3  # one per credit note, no more


def test_undo_and_void_with_several_credit_notes(cin7: Cin7) -> None:
    sale_id = str(cin7.new_sale()["ID"])
    dress = "DRESS-LIN-OLV-10"
    cin7.ok(cin7.order(sale_id, [line(dress, 2, "149.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    invoice = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]["InvoiceNumber"]
    payment = cin7.ok(cin7.pay(sale_id, 298))["ID"]
    restock: dict[str, Any] = {"Restock": [{"SKU": dress, "Quantity": 1}]}
    cin7.ok(_credit(cin7, sale_id, sale_id, invoice, lines=[line(dress, 1, "149.00")], **restock))
    task = _note(_credit(cin7, sale_id, EMPTY, invoice, lines=[line(dress, 1, "149.00")], **restock))["TaskID"]
    refund = cin7.ok(cin7.pay(task, 149, kind="REFUND"))["ID"]
    assert cin7.availability(dress)["OnHand"] == 2
    assert error_text(cin7.delete("sale", ID=sale_id)).startswith("Sale has payments")
    assert cin7.delete("sale/creditnote", TaskID=task).status_code == 405  # per credit note: not simulated
    for payment_id in (refund, payment):
        cin7.ok(cin7.delete("sale/payment", ID=payment_id))
    undone = cin7.ok(cin7.delete("sale", ID=sale_id))
    # Every credit note back to DRAFT (numbers and tasks kept), every restock and the shipment reversed.
    assert [(n["TaskID"], n["CreditNoteNumber"], n["Status"]) for n in undone["CreditNotes"]] == [
        (sale_id, "CR-00001", "DRAFT"),
        (task, "CR-00002", "DRAFT"),
    ]
    assert undone["Type"] == "Advanced Sale"
    assert (cin7.availability(dress)["OnHand"], cin7.availability(dress)["Allocated"]) == (2, 0)
    assert cin7.row(sale_id)["CreditNoteStatus"] == "DRAFT"
    # Invoices stay single on the Advanced sale: the empty GUID is still refused for an invoice task.
    cin7.ok(cin7.order(sale_id, [line(dress, 2, "149.00")]))
    extra_invoice = cin7.invoice(sale_id, TaskID=EMPTY)
    assert extra_invoice.status_code == 400
    assert "one invoice, whose TaskID is the SaleID" in error_text(extra_invoice)
    voided = cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    assert [n["Status"] for n in voided["CreditNotes"]] == ["VOIDED", "VOIDED"]
    assert cin7.row(sale_id)["CreditNoteStatus"] == "VOIDED"
    assert error_text(_credit(cin7, sale_id, task, invoice, amount="1.00")) == "Sale is voided and can not be changed."
