"""Stock: allocation, silent backorders, shipping, restocking, void and undo (cin7.md A8, A11, A15, C7)."""

from __future__ import annotations

from tests.sandbox_cin7.conftest import Cin7, error_text, line

DRESS = "DRESS-LIN-OLV-10"  # seeded with 2 on hand at Main Warehouse
VASE = "VASE-CER-MATTE"  # seeded with 1 on hand


def _levels(cin7: Cin7, sku: str) -> tuple[float, float, float]:
    row = cin7.availability(sku)
    assert row["Available"] == row["OnHand"] - row["Allocated"]
    return row["OnHand"], row["Allocated"], row["Available"]


def test_seeded_availability_rows(cin7: Cin7) -> None:
    rows = cin7.ok(cin7.get("ref/productavailability", Limit=1000))["ProductAvailabilityList"]
    skus = {r["SKU"] for r in rows}
    assert DRESS in skus
    assert "SHIPPING" not in skus and "AFTERPAY-ORDER" not in skus  # services carry no stock
    dress = cin7.availability(DRESS)
    assert (dress["OnHand"], dress["Allocated"], dress["Available"], dress["OnOrder"], dress["InTransit"]) == (
        2,
        0,
        2,
        0,
        0,
    )
    assert dress["StockOnHand"] == 104  # on hand x average cost (2 x 52.00)
    assert cin7.availability(DRESS, "Sydney Store")["OnHand"] == 0
    assert [
        r["Location"] for r in cin7.ok(cin7.get("ref/productavailability", Sku=DRESS))["ProductAvailabilityList"]
    ] == [
        "Main Warehouse",
        "Sydney Store",
    ]
    assert cin7.ok(cin7.get("ref/productavailability", Name="linen midi"))["Total"] == 2
    assert cin7.ok(cin7.get("ref/productavailability", Sku="DRESS"))["Total"] == 0  # Sku is exact here
    assert cin7.ok(cin7.get("ref/productavailability", Category="Pantry", Location="Sydney Store"))["Total"] == 2


def test_authorising_allocates_and_silently_backorders_the_shortfall(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    order = cin7.ok(
        cin7.order(
            sale_id,
            [line(DRESS, 3, "149.00"), line("TEE-ORG-WHT-M", 1, "39.95")],
            AutoPickPackShipMode="AUTOPICKPACKSHIP",
        )
    )
    assert order["Status"] == "AUTHORISED"  # no error: the backorder is silent
    assert [x["BackorderQuantity"] for x in order["Lines"]] == [1, 0]
    full = cin7.sale(sale_id)
    assert full["Status"] == "BACKORDERED"
    assert full["Order"]["Lines"][0]["Backorder"] is True
    # cin7.md A8: AutoPickPackShipMode is ignored when anything is backordered.
    assert (full["CombinedPickingStatus"], full["CombinedShippingStatus"]) == ("NOT PICKED", "NOT SHIPPED")
    assert _levels(cin7, DRESS) == (2, 2, 0)
    assert _levels(cin7, "TEE-ORG-WHT-M") == (120, 1, 119)


def test_shipping_takes_stock_off_hand(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(DRESS, 1, "149.00")]))
    assert _levels(cin7, DRESS) == (2, 1, 1)
    ship = {
        "TaskID": sale_id,
        "Status": "AUTHORISED",
        "Lines": [
            {
                "ShipmentDate": "2024-05-02T08:00:00",
                "Carrier": "Australia Post",
                "Box": "Box 1",
                "TrackingNumber": "AP123456789AU",
                "IsShipped": True,
            }
        ],
    }
    shipped = cin7.ok(cin7.post("sale/fulfilment/ship", ship))
    assert shipped["Status"] == "AUTHORISED"
    assert shipped["Lines"][0]["TrackingNumber"] == "AP123456789AU"
    assert _levels(cin7, DRESS) == (1, 0, 1)
    full = cin7.sale(sale_id)
    assert (full["CombinedPickingStatus"], full["CombinedPackingStatus"], full["CombinedShippingStatus"]) == (
        "PICKED",
        "PACKED",
        "SHIPPED",
    )
    assert full["FulFilmentStatus"] == "FULFILLED"
    assert full["CombinedTrackingNumbers"] == "AP123456789AU"
    assert full["Status"] == "SHIPPED"  # shipped, not invoiced yet: a documented choice
    assert full["COGSAmount"] == 52
    assert full["InventoryMovements"][0]["COGS"] == 52
    assert cin7.ok(cin7.get("sale/fulfilment/ship", TaskID=sale_id))["Status"] == "AUTHORISED"
    assert error_text(cin7.post("sale/fulfilment/ship", ship)) == "Shipment is already AUTHORISED."
    assert "authorised shipment" in error_text(cin7.delete("sale", ID=sale_id, Void="true"))


def test_auto_pick_pack_ship_on_authorise(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(VASE, 1, "79.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    row = cin7.row(sale_id)
    assert (row["CombinedShippingStatus"], row["FulFilmentStatus"]) == ("SHIPPED", "FULFILLED")
    assert _levels(cin7, VASE) == (0, 0, 0)
    fulfilment = cin7.ok(cin7.get("sale/fulfilment", SaleID=sale_id))["Fulfilments"][0]
    assert fulfilment["Pick"]["Lines"][0]["Location"] == "Main Warehouse"
    assert fulfilment["Pack"]["Lines"][0]["Box"] == "Box 1"
    picked = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(picked, [line("TEE-ORG-WHT-M", 1, "39.95")], AutoPickPackShipMode="AUTOPICK"))
    assert (cin7.row(picked)["Status"], cin7.row(picked)["CombinedPackingStatus"]) == ("PICKED", "NOT PACKED")
    assert cin7.order(cin7.new_sale()["ID"], [line(VASE, 1, "79.00")], AutoPickPackShipMode="SHIPIT").status_code == 400


def test_a_backordered_sale_ships_once_stock_is_back(cin7: Cin7) -> None:
    holder = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(holder, [line(VASE, 1, "79.00")]))
    waiting = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(waiting, [line(VASE, 1, "79.00")]))
    assert cin7.row(waiting)["Status"] == "BACKORDERED"
    refused = cin7.post("sale/fulfilment/ship", {"TaskID": waiting, "Status": "AUTHORISED"})
    assert refused.status_code == 400
    assert error_text(refused) == f"Not enough stock to pick: {VASE} is on backorder."
    cin7.ok(cin7.delete("sale", ID=holder, Void="true"))  # releases the vase
    assert _levels(cin7, VASE) == (1, 0, 1)
    cin7.ok(cin7.post("sale/fulfilment/ship", {"TaskID": waiting, "Status": "AUTHORISED"}))
    assert _levels(cin7, VASE) == (0, 0, 0)
    assert cin7.sale(waiting)["Order"]["Lines"][0]["BackorderQuantity"] == 0


def test_a_draft_shipment(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    assert cin7.get("sale/fulfilment/ship", TaskID=sale_id).status_code == 404  # no fulfilment yet
    assert "Order is not authorised" in error_text(
        cin7.post("sale/fulfilment/ship", {"TaskID": sale_id, "Status": "AUTHORISED"})
    )
    assert cin7.post("sale/fulfilment", {"SaleID": sale_id}).status_code == 405  # would make it Advanced
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    draft = cin7.ok(
        cin7.post(
            "sale/fulfilment/ship",
            {"TaskID": sale_id, "Status": "DRAFT", "Lines": [{"ShipmentDate": "2024-05-03", "Box": "B1"}]},
        )
    )
    assert draft["Status"] == "DRAFT"
    assert cin7.row(sale_id)["Status"] == "SHIPPING"
    assert _levels(cin7, "TEE-ORG-WHT-M") == (120, 1, 119)
    assert (
        error_text(
            cin7.post("sale/fulfilment/ship", {"TaskID": sale_id, "Status": "AUTHORISED", "Lines": [{"Box": "B1"}]})
        )
        == "Lines[0].ShipmentDate is required."
    )


def test_void_releases_allocations(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(DRESS, 2, "149.00")]))
    cin7.ok(cin7.invoice(sale_id))
    assert _levels(cin7, DRESS) == (2, 2, 0)
    voided = cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    assert voided["Status"] == "VOIDED"
    assert (voided["Order"]["Status"], voided["Invoices"][0]["Status"], voided["Quote"]["Status"]) == (
        "VOIDED",
        "VOIDED",
        "VOIDED",
    )
    assert _levels(cin7, DRESS) == (2, 0, 2)
    row = cin7.row(sale_id)
    assert (row["CombinedPaymentStatus"], row["CombinedInvoiceStatus"], row["FulFilmentStatus"]) == (
        "VOIDED",
        "VOIDED",
        "VOIDED",
    )
    assert row["InvoiceAmount"] == 0


def test_void_is_refused_while_payments_exist(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    cin7.ok(cin7.invoice(sale_id))
    payment = cin7.ok(cin7.pay(sale_id, 39.95))
    assert "Delete the payments" in error_text(cin7.delete("sale", ID=sale_id, Void="true"))
    cin7.ok(cin7.delete("sale/payment", ID=payment["ID"]))
    cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))


def test_undo_reverts_every_authorisation(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(DRESS, 1, "149.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    cin7.ok(cin7.invoice(sale_id))
    assert _levels(cin7, DRESS) == (1, 0, 1)
    undone = cin7.ok(cin7.delete("sale", ID=sale_id, Void="false"))
    assert (undone["Status"], undone["Order"]["Status"], undone["Invoices"][0]["Status"]) == (
        "ORDERING",
        "DRAFT",
        "DRAFT",
    )
    assert undone["Fulfilments"] == []
    assert _levels(cin7, DRESS) == (2, 0, 2)
    assert (
        error_text(cin7.delete("sale", ID=sale_id))
        == "There is nothing to undo: no document of the sale is authorised."
    )
    cin7.ok(cin7.order(sale_id, [line(DRESS, 1, "149.00")]))  # the order can be changed and re-authorised
    assert _levels(cin7, DRESS) == (2, 1, 1)


def test_credit_note_refund_and_restock(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(DRESS, 2, "149.00")], AutoPickPackShipMode="AUTOPICKPACKSHIP"))
    invoice = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]
    cin7.ok(cin7.pay(sale_id, 298))
    assert cin7.row(sale_id)["Status"] == "COMPLETED"
    assert _levels(cin7, DRESS) == (0, 0, 0)
    note = {
        "SaleID": sale_id,
        "TaskID": sale_id,
        "CreditNoteInvoiceNumber": invoice["InvoiceNumber"],
        "Status": "AUTHORISED",
        "CreditNoteDate": "2024-05-10T00:00:00",
        "Lines": [line(DRESS, 1, "149.00")],
        "Restock": [{"SKU": DRESS, "Quantity": 1, "Location": "Main Warehouse"}],
    }
    too_many = cin7.post("sale/creditnote", {**note, "Restock": [{"SKU": DRESS, "Quantity": 3}]})
    assert error_text(too_many) == f"Restock[0]: more {DRESS} to restock than was shipped."
    wrong_invoice = cin7.post("sale/creditnote", {**note, "CreditNoteInvoiceNumber": "INV-99999"})
    assert wrong_invoice.status_code == 400
    credit = cin7.ok(cin7.post("sale/creditnote", note))["CreditNotes"][0]
    assert credit["TaskID"] == sale_id
    assert credit["CreditNoteNumber"].startswith("CR-")
    assert credit["Restock"][0]["RestockLocation"] == "Main Warehouse"
    assert _levels(cin7, DRESS) == (1, 0, 1)
    row = cin7.row(sale_id)
    assert (row["Status"], row["CreditNoteStatus"], row["CombinedPaymentStatus"]) == (
        "CREDITED",
        "AUTHORISED",
        "NOT REFUNDED",
    )
    assert (row["InvoiceAmount"], row["PaidAmount"], row["CombinedInvoiceStatus"]) == (149, 298, "INVOICED / CREDITED")
    assert cin7.pay(sale_id, 149.01, kind="REFUND").status_code == 400
    refund = cin7.ok(cin7.pay(sale_id, 149, kind="REFUND", Reference="afterpay-refund-1"))
    assert (refund["Type"], refund["CreditNoteNumber"], refund["InvoiceNumber"]) == (
        "Refund",
        credit["CreditNoteNumber"],
        None,
    )
    row = cin7.row(sale_id)
    assert (row["PaidAmount"], row["CombinedPaymentStatus"], row["Status"]) == (149, "PAID", "COMPLETED")
    with_payments = cin7.ok(cin7.get("sale/creditnote", SaleID=sale_id, IncludePaymentInfo="true"))["CreditNotes"][0]
    assert (with_payments["CreditNoteBalance"], with_payments["Payments"][0]["Amount"]) == (0, 149)
    full = cin7.sale(sale_id)
    assert full["CreditNotes"][0]["Refunds"][0]["Reference"] == "afterpay-refund-1"
    assert full["COGSAmount"] == 52  # 2 shipped, 1 back
    again = cin7.post("sale/creditnote", note)  # an AUTHORISED credit note can not be posted again
    assert again.status_code == 400
    assert error_text(again).startswith(f"Credit note {credit['CreditNoteNumber']} is AUTHORISED")
    assert cin7.row(sale_id)["Type"] == "Simple Sale"


def test_a_credit_note_can_not_exceed_the_invoice(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("TEE-ORG-WHT-M", 1, "39.95")]))
    number = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]["InvoiceNumber"]
    body = {
        "SaleID": sale_id,
        "TaskID": "00000000-0000-0000-0000-000000000000",
        "CreditNoteInvoiceNumber": number,
        "Status": "AUTHORISED",
        "CreditNoteDate": "2024-05-10",
        "Lines": [line("TEE-ORG-WHT-M", 2, "39.95")],
    }
    assert error_text(cin7.post("sale/creditnote", body)) == "The credit note's Total is more than the invoice's Total."
    restock = cin7.post(
        "sale/creditnote",
        {**body, "Lines": [line("TEE-ORG-WHT-M", 1, "39.95")], "Restock": [{"SKU": "TEE-ORG-WHT-M", "Quantity": 1}]},
    )
    assert error_text(restock) == "Nothing has been shipped: only shipped goods can be restocked."
    draft = cin7.ok(
        cin7.post("sale/creditnote", {**body, "Status": "DRAFT", "Lines": [line("TEE-ORG-WHT-M", 1, "39.95")]})
    )
    assert draft["CreditNotes"][0]["Status"] == "DRAFT"
    assert cin7.row(sale_id)["CreditNoteStatus"] == "DRAFT"
