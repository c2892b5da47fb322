"""Afterpay Business Hub settlement export: parse it, check it, summarise it, match it to Cin7.

The file is the CSV from the Business Hub's Reconciliation tab, "Settlement Export"
(afterpay.md §8). It has one row per settled capture (``Type`` Order) or refund (``Type``
Refund), with the merchant fee and the GST on it. Accountants reconcile three things with it
(lowcode.md §4.2): one bank deposit per settlement date, gross sales apart from fees and GST,
and every settled order against the books. ``parse_settlement_csv`` reads the file,
``SettlementFile.summaries`` gives the per-date totals, and ``match_settlement`` compares
the rows with what Cin7 recorded.

Decisions (the vendor documents these exports only loosely):

* **Gross is ``Settlement Amount``.** Afterpay's settlement-file schema says it "usually equals
  the Order Amount. It may be different than the Order Amount if partial or multi capture is
  used". So it is the money captured and settled by this row. ``Order Amount`` is the whole
  order's value (after any cross-border exchange). A Cin7 PAYMENT mirrors one capture
  (mapping: one payment per CAPTURED event), so Settlement Amount is the column to match.
  The arithmetic points the same way: Net = Settlement - fee incl. tax.
* **Signs are kept as the file gives them.** Refund rows are negative (``-$10.00``), so
  Σ Settlement Amount over a date is what Afterpay paid before fees. A refund row with a
  positive amount is kept as it is, with a warning.
* **Dates.** ``Settlement Date`` may be ``yyyy-MM-dd`` (unambiguous) or ``dd/MM/yyyy``. The
  slashed form is read day first, as in the documented ``Order Date and Time`` format
  (``dd/MM/yyyy HH:mm``) and in the AU/NZ exports the product targets. US exports, which
  write ``4/21/2024``, need ``day_first=False``. Single-digit days and months are accepted
  and two-digit years are refused. ``Order Date and Time`` and ``Refund Date and Time``
  take the same date forms followed by ``H:mm`` or ``H:mm:ss``, or ISO 8601 with an
  optional offset. The export's clock is the merchant's Business Hub time zone (not
  documented), so naive times are read in ``timezone`` (UTC by default). Every datetime
  that results is timezone-aware.
* **Amounts** are parsed exactly into 2-dp ``Decimal``: ``85.95``, ``$85.95``, ``-$10.00``,
  ``$-10.00``, ``($10.00)``, ``A$1,234.50``, ``1234.5``, ``85.95 AUD``. A third decimal
  place is an error, since Afterpay amounts are whole cents, and so is a stray character.
* **Arithmetic is checked per row, to the cent.** Fee excl. tax + fee tax = fee incl. tax,
  and Settlement - fee incl. tax = Net; either failing is an error. A fee tax more than a
  cent away from ``fee_tax_rate`` % (10 %, AU GST) of the fee excl. tax, rounded to the
  cent, is only a warning, because NZ GST is 15 % and other regions differ.
* **Tolerance is for the shape, strictness is for the values.** Columns may come in any
  order, extra columns are kept in ``SettlementRow.extra``, and header case, spacing and
  punctuation do not matter (the AU "Reconciliation Date/Amount" names and the "GST"
  spellings are aliases). A UTF-8 BOM, CRLF line ends, blank lines and title lines above
  the header are all fine. Every bad value is reported with its line and column, all of
  them at once (``SettlementCsvError``), and a missing required column is reported by name.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from app.domain.money import CENT, ZERO, format_amount
from app.domain.reconcile import Discrepancy, DiscrepancyType

# -- columns -------------------------------------------------------------------------------

SETTLEMENT_DATE: Final = "Settlement Date"
ORDER_DATETIME: Final = "Order Date and Time"
ORDER_MONTH: Final = "Order Month"
ORDER_YEAR: Final = "Order Year"
AFTERPAY_ORDER_ID: Final = "Afterpay Order ID"
MERCHANT_ORDER_ID: Final = "Merchant Order ID"
MERCHANT_REFUND_ID: Final = "Merchant Refund ID"
ORDER_AMOUNT: Final = "Order Amount"
SETTLEMENT_AMOUNT: Final = "Settlement Amount"
FEE_EXCL_TAX: Final = "Merchant Fee excl Tax"
FEE_TAX: Final = "Merchant Fee Tax"
FEE_INCL_TAX: Final = "Merchant Fee incl Tax"
NET_SETTLEMENT_AMOUNT: Final = "Net Settlement Amount"
TYPE: Final = "Type"
CHANNEL: Final = "Channel"
STORE_NAME: Final = "Store Name"
STORE_ID: Final = "Store Id"
DEVICE_NAME: Final = "Device Name"
DEVICE_ID: Final = "Device Id"
AFTERPAY_REFUND_ID: Final = "Afterpay Refund ID"
REFUND_DATETIME: Final = "Refund Date and Time"
ACQUIRER_TERMINAL_ID: Final = "Acquirer Terminal ID"
CONSUMER_COUNTRY: Final = "Consumer Country"

#: The columns of the export, in the documented order (afterpay.md §8).
COLUMNS: Final = (
    SETTLEMENT_DATE,
    ORDER_DATETIME,
    ORDER_MONTH,
    ORDER_YEAR,
    AFTERPAY_ORDER_ID,
    MERCHANT_ORDER_ID,
    MERCHANT_REFUND_ID,
    ORDER_AMOUNT,
    SETTLEMENT_AMOUNT,
    FEE_EXCL_TAX,
    FEE_TAX,
    FEE_INCL_TAX,
    NET_SETTLEMENT_AMOUNT,
    TYPE,
    CHANNEL,
    STORE_NAME,
    STORE_ID,
    DEVICE_NAME,
    DEVICE_ID,
    AFTERPAY_REFUND_ID,
    REFUND_DATETIME,
    ACQUIRER_TERMINAL_ID,
    CONSUMER_COUNTRY,
)

#: Without these the file cannot be summarised or matched.
REQUIRED: Final = (
    SETTLEMENT_DATE,
    AFTERPAY_ORDER_ID,
    TYPE,
    ORDER_AMOUNT,
    SETTLEMENT_AMOUNT,
    FEE_EXCL_TAX,
    FEE_TAX,
    FEE_INCL_TAX,
    NET_SETTLEMENT_AMOUNT,
)


def _key(header: str) -> str:
    """A header reduced to lowercase letters and digits: case, spaces and dots do not count."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


#: Other spellings seen in Afterpay's help pages: the AU "Reconciliation" export names and
#: the GST wording of the fee columns (afterpay.md §8; help.business.afterpay.com 4708309106841).
ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    SETTLEMENT_DATE: ("Reconciliation Date",),
    AFTERPAY_ORDER_ID: ("Afterpay Order Number", "Afterpay Order No"),
    MERCHANT_ORDER_ID: ("Merchant Order Number", "Merchant Order No"),
    SETTLEMENT_AMOUNT: ("Reconciliation Amount",),
    FEE_EXCL_TAX: ("Merchant Fee excl GST", "Merchant Fee excluding GST", "Merchant Fee excluding Tax"),
    FEE_TAX: ("Merchant Fee GST", "GST on Merchant Fee", "Merchant Fee Tax Amount"),
    FEE_INCL_TAX: ("Merchant Fee incl GST", "Merchant Fee including GST", "Merchant Fee including Tax"),
    NET_SETTLEMENT_AMOUNT: ("Net Reconciliation Amount", "Net Settled Amount"),
    TYPE: ("Transaction Type",),
    ORDER_DATETIME: ("Order Date Time", "Order Date"),
    REFUND_DATETIME: ("Refund Date Time", "Refund Date"),
}

_CANONICAL: Final[dict[str, str]] = {
    **{_key(column): column for column in COLUMNS},
    **{_key(alias): column for column, aliases in ALIASES.items() for alias in aliases},
}

# -- values --------------------------------------------------------------------------------

_AMOUNT = re.compile(
    r"""
    (?P<sign>[-+])?\s*
    (?P<symbol>[A-Z]{0,3}[$£€]|[A-Z]{3}(?=\s))?\s*
    (?P<sign2>[-+])?\s*
    (?P<whole>\d{1,3}(?:,\d{3})+|\d+)
    (?:\.(?P<fraction>\d+))?
    (?:\s*[A-Z]{3})?
    """,
    re.VERBOSE,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EXCEL_NUMBER = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")
_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: How many leading records may come before the header (a report title, a date range).
_HEADER_SEARCH: Final = 20
#: A record naming at least this many known columns is the header.
_HEADER_MIN_COLUMNS: Final = 3


class SettlementType(StrEnum):
    """``Type`` of a settlement row."""

    ORDER = "Order"
    REFUND = "Refund"


class Severity(StrEnum):
    """Whether an issue stops the file from being used."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class SettlementIssue:
    """A problem with the file, located by line (1-based, as an editor shows it) and column."""

    line: int
    column: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """``{line, column, message, severity}``."""
        return {"line": self.line, "column": self.column, "message": self.message, "severity": self.severity.value}


class SettlementCsvError(ValueError):
    """The file has errors. ``issues`` lists every one of them (and any warnings)."""

    def __init__(self, issues: Iterable[SettlementIssue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.severity is Severity.ERROR]
        shown = "; ".join(str(i) for i in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"settlement file has {len(errors)} error(s): {shown}{more}")


@dataclass(frozen=True, slots=True)
class SettlementRow:
    """One settled capture (``Order``) or refund (``Refund``). Amounts are 2-dp ``Decimal``
    with the file's signs, so a refund is negative."""

    line: int
    settlement_date: date
    type: SettlementType
    afterpay_order_id: str
    order_amount: Decimal
    settlement_amount: Decimal
    fee_excl_tax: Decimal
    fee_tax: Decimal
    fee_incl_tax: Decimal
    net_settlement_amount: Decimal
    order_datetime: datetime | None = None
    order_month: str | None = None
    order_year: int | None = None
    merchant_order_id: str | None = None
    merchant_refund_id: str | None = None
    channel: str | None = None
    store_name: str | None = None
    store_id: str | None = None
    device_name: str | None = None
    device_id: str | None = None
    afterpay_refund_id: str | None = None
    refund_datetime: datetime | None = None
    acquirer_terminal_id: str | None = None
    consumer_country: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_refund(self) -> bool:
        """Whether this row is a refund."""
        return self.type is SettlementType.REFUND

    @property
    def money_moved(self) -> Decimal:
        """The money this row moved between the consumer and the merchant, positive: what was
        captured for an order, what was refunded for a refund."""
        # Some exports may show refunds positive; a refund is money back either way.
        return abs(self.settlement_amount) if self.is_refund else self.settlement_amount


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    """The totals of one settlement date, which is one bank deposit (afterpay.md §8).

    Attributes:
        gross: the Σ of Settlement Amount over Order rows (captures settled).
        refunds: the Σ of Settlement Amount over Refund rows, negative as in the file.
        settlement: gross + refunds.
        fee_excl_tax, fee_tax, fee_incl_tax: the merchant fee, its GST, and both together.
        net: the Σ of Net Settlement Amount, which is what reaches the bank.
    """

    settlement_date: date
    orders: int
    refund_count: int
    gross: Decimal
    refunds: Decimal
    settlement: Decimal
    fee_excl_tax: Decimal
    fee_tax: Decimal
    fee_incl_tax: Decimal
    net: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready totals (2-dp strings, ISO date)."""
        return {
            "settlementDate": self.settlement_date.isoformat(),
            "orders": self.orders,
            "refundCount": self.refund_count,
            "gross": format_amount(self.gross),
            "refunds": format_amount(self.refunds),
            "settlement": format_amount(self.settlement),
            "merchantFeeExclTax": format_amount(self.fee_excl_tax),
            "merchantFeeTax": format_amount(self.fee_tax),
            "merchantFeeInclTax": format_amount(self.fee_incl_tax),
            "net": format_amount(self.net),
        }


def summarise(rows: Iterable[SettlementRow]) -> list[SettlementSummary]:
    """Per-settlement-date totals, oldest date first."""
    by_date: dict[date, list[SettlementRow]] = defaultdict(list)
    for row in rows:
        by_date[row.settlement_date].append(row)
    out: list[SettlementSummary] = []
    for day in sorted(by_date):
        group = by_date[day]
        orders = [r for r in group if not r.is_refund]
        refunds = [r for r in group if r.is_refund]
        gross = sum((r.settlement_amount for r in orders), ZERO)
        refunded = sum((r.settlement_amount for r in refunds), ZERO)
        out.append(
            SettlementSummary(
                settlement_date=day,
                orders=len(orders),
                refund_count=len(refunds),
                gross=gross,
                refunds=refunded,
                settlement=gross + refunded,
                fee_excl_tax=sum((r.fee_excl_tax for r in group), ZERO),
                fee_tax=sum((r.fee_tax for r in group), ZERO),
                fee_incl_tax=sum((r.fee_incl_tax for r in group), ZERO),
                net=sum((r.net_settlement_amount for r in group), ZERO),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class SettlementFile:
    """A parsed and checked settlement export.

    Attributes:
        rows: the rows in file order.
        warnings: issues that do not stop the file from being used (e.g. GST not 10 %).
        columns: the recognised columns present, by their canonical names.
        extra_columns: the headers not recognised; their values are in ``SettlementRow.extra``.
    """

    rows: tuple[SettlementRow, ...]
    warnings: tuple[SettlementIssue, ...] = ()
    columns: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()

    def summaries(self) -> list[SettlementSummary]:
        """Per-settlement-date totals (``summarise``)."""
        return summarise(self.rows)


# -- parsing -------------------------------------------------------------------------------


def parse_amount(text: str) -> Decimal:
    """An export amount as an exact 2-dp ``Decimal``; ``ValueError`` says what is wrong.

    Accepts a currency symbol in front (``$``, ``A$``, ``NZ$``, ``£``, ``€``), a minus sign
    before or after it, accounting brackets for negatives, thousands separators in their
    proper places, one or two decimal places, and an ISO currency code before or after.
    """
    value = text.strip().replace("\u2212", "-")
    if not value:
        raise ValueError("is empty")
    bracketed = value.startswith("(") and value.endswith(")")
    if bracketed:
        value = value[1:-1].strip()
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not an amount (e.g. 85.95, $85.95, -$10.00)")
    if match["sign"] and match["sign2"]:
        raise ValueError(f"{text.strip()!r} has two signs")
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise ValueError(f"{text.strip()!r} has more than 2 decimal places")
    amount = Decimal(f"{match['whole'].replace(',', '')}.{fraction or '0'}").quantize(CENT)
    negative = bracketed or "-" in (match["sign"], match["sign2"])
    if negative and bracketed and "-" in (match["sign"], match["sign2"]):
        raise ValueError(f"{text.strip()!r} is negative twice")
    if amount == 0:
        return ZERO
    return -amount if negative else amount


def parse_settlement_date(text: str, *, day_first: bool = True) -> date:
    """``yyyy-MM-dd``, or ``dd/MM/yyyy`` (``MM/dd/yyyy`` when ``day_first`` is False)."""
    value = text.strip()
    if not value:
        raise ValueError("is empty")
    iso = _ISO_DATE.fullmatch(value)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
        return _date(year, month, day, text)
    slashed = _SLASH_DATE.fullmatch(value)
    if slashed is not None:
        first, second, year = (int(part) for part in slashed.groups())
        day, month = (first, second) if day_first else (second, first)
        return _date(year, month, day, text)
    order = "dd/MM/yyyy" if day_first else "MM/dd/yyyy"
    raise ValueError(f"{value!r} is not a date (yyyy-MM-dd or {order})")


def parse_settlement_datetime(text: str, *, timezone: tzinfo = UTC, day_first: bool = True) -> datetime:
    """A date as in ``parse_settlement_date`` plus ``H:mm[:ss]``, or ISO 8601 with an optional
    offset. A naive time is taken in ``timezone``."""
    value = text.strip()
    if not value:
        raise ValueError("is empty")
    offset_match = _OFFSET.search(value) if "T" in value or _ISO_DATE.match(value) else None
    zone = timezone
    if offset_match is not None:
        zone = _offset_zone(offset_match.group(1), text)
        value = value[: offset_match.start()].strip()
    date_part, separator, time_part = value.replace("T", " ", 1).partition(" ")
    if not separator:
        raise ValueError(f"{text.strip()!r} has no time (expected e.g. 24/06/2019 22:56)")
    day = parse_settlement_date(date_part, day_first=day_first)
    clock = _TIME.fullmatch(time_part.strip())
    if clock is None:
        raise ValueError(f"{text.strip()!r} has no valid time (expected H:mm or H:mm:ss)")
    hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
    try:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a valid time of day") from None


def parse_settlement_csv(
    text: str,
    *,
    timezone: tzinfo = UTC,
    day_first: bool = True,
    fee_tax_rate: Decimal | None = Decimal(10),
) -> SettlementFile:
    """Parse and check a Business Hub settlement export (see the module docstring).

    Args:
        text: the file's text (decoded; a leading BOM is fine).
        timezone: the zone of the file's naive times (the merchant's Business Hub zone).
        day_first: read ``1/2/2024`` as 1 February (AU/NZ) rather than 2 January (US).
        fee_tax_rate: the expected GST on the merchant fee, in percent (10 in AU, 15 in NZ);
            None turns the check off.

    Raises:
        SettlementCsvError: with every error (line and column) when anything is wrong.
    """
    issues: list[SettlementIssue] = []
    records = _records(text)
    header_at = next(
        (
            i
            for i, (_, cells) in enumerate(records[:_HEADER_SEARCH])
            if len({_CANONICAL.get(_key(c)) for c in cells} - {None}) >= _HEADER_MIN_COLUMNS
        ),
        None,
    )
    if header_at is None:
        line = records[0][0] if records else 1
        hint = ""
        if records and any(";" in cell for cell in records[0][1]):
            # A spreadsheet saved the file in a locale whose list separator is ";".
            hint = "; the file looks semicolon-separated, export it again with commas"
        raise SettlementCsvError(
            [
                SettlementIssue(
                    line,
                    None,
                    f"no header row found in the first {_HEADER_SEARCH} rows: expected column names such as"
                    f" {', '.join(repr(c) for c in REQUIRED)}{hint}",
                )
            ]
        )

    header_line, header = records[header_at]
    positions, extra_columns = _columns(header, header_line, issues)
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        issues.extend(
            SettlementIssue(header_line, column, f"required column {column!r} is missing{_alias_hint(column)}")
            for column in missing
        )
    if any(i.severity is Severity.ERROR for i in issues):
        raise SettlementCsvError(issues)

    rows: list[SettlementRow] = []
    for line, cells in records[header_at + 1 :]:
        row = _row(line, cells, header, positions, extra_columns, issues, timezone, day_first, fee_tax_rate)
        if row is not None:
            rows.append(row)
    if any(i.severity is Severity.ERROR for i in issues):
        raise SettlementCsvError(issues)
    return SettlementFile(
        rows=tuple(rows),
        warnings=tuple(issues),
        columns=tuple(c for c in COLUMNS if c in positions),
        extra_columns=tuple(header[i].strip() for i in extra_columns),
    )


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each one starts on."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    previous = 0
    for cells in reader:
        start = previous + 1
        previous = reader.line_num
        if any(cell.strip() for cell in cells):
            out.append((start, cells))
    return out


def _columns(header: list[str], line: int, issues: list[SettlementIssue]) -> tuple[dict[str, int], list[int]]:
    """Map canonical columns to their positions; list the positions of unknown headers."""
    positions: dict[str, int] = {}
    extra: list[int] = []
    for index, name in enumerate(header):
        column = _CANONICAL.get(_key(name.removeprefix("\ufeff")))
        if column is None:
            if name.strip():
                extra.append(index)
            continue
        if column in positions:
            issues.append(
                SettlementIssue(
                    line,
                    column,
                    f"column {column!r} appears twice (columns {positions[column] + 1} and {index + 1})",
                )
            )
            continue
        positions[column] = index
    return positions, extra


def _alias_hint(column: str) -> str:
    aliases = ALIASES.get(column)
    return f" (also accepted: {', '.join(repr(a) for a in aliases)})" if aliases else ""


class _Cells:
    """One record's cells by canonical column, collecting the errors of their values."""

    def __init__(
        self, line: int, cells: list[str], positions: Mapping[str, int], issues: list[SettlementIssue]
    ) -> None:
        self.line = line
        self.cells = cells
        self.positions = positions
        self.issues = issues
        self.failed = False

    def text(self, column: str) -> str:
        index = self.positions.get(column)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def optional(self, column: str) -> str | None:
        return self.text(column) or None

    def error(self, column: str | None, message: str) -> None:
        self.failed = True
        self.issues.append(SettlementIssue(self.line, column, message))

    def warn(self, column: str | None, message: str) -> None:
        self.issues.append(SettlementIssue(self.line, column, message, Severity.WARNING))

    def amount(self, column: str) -> Decimal:
        try:
            return parse_amount(self.text(column))
        except ValueError as exc:
            self.error(column, f"{column} {exc}")
            return ZERO


def _row(
    line: int,
    cells: list[str],
    header: list[str],
    positions: Mapping[str, int],
    extra_columns: list[int],
    issues: list[SettlementIssue],
    timezone: tzinfo,
    day_first: bool,
    fee_tax_rate: Decimal | None,
) -> SettlementRow | None:
    cell = _Cells(line, cells, positions, issues)
    if len(cells) > len(header):
        # The usual cause is an amount with a thousands separator that was not quoted.
        cell.error(
            None,
            f"row has {len(cells)} cells but the header has {len(header)}"
            " (an unquoted comma, e.g. in $1,234.50, splits a value in two)",
        )
        return None

    settlement_date = date.min
    try:
        settlement_date = parse_settlement_date(cell.text(SETTLEMENT_DATE), day_first=day_first)
    except ValueError as exc:
        cell.error(SETTLEMENT_DATE, f"{SETTLEMENT_DATE} {exc}")

    order_id = cell.text(AFTERPAY_ORDER_ID)
    if not order_id:
        cell.error(AFTERPAY_ORDER_ID, f"{AFTERPAY_ORDER_ID} is empty")
    elif _EXCEL_NUMBER.fullmatch(order_id):
        cell.error(
            AFTERPAY_ORDER_ID,
            f"{AFTERPAY_ORDER_ID} {order_id!r} was turned into a number by a spreadsheet; export the file again"
            " and open it as text",
        )
    elif not _ORDER_ID.fullmatch(order_id):
        cell.error(AFTERPAY_ORDER_ID, f"{AFTERPAY_ORDER_ID} {order_id!r} is not an Afterpay order id")

    kind = SettlementType.ORDER
    raw_type = cell.text(TYPE)
    try:
        kind = next(t for t in SettlementType if t.value.casefold() == raw_type.casefold())
    except StopIteration:
        cell.error(TYPE, f"{TYPE} {raw_type!r} is not Order or Refund")

    order_amount = cell.amount(ORDER_AMOUNT)
    settlement_amount = cell.amount(SETTLEMENT_AMOUNT)
    fee_excl = cell.amount(FEE_EXCL_TAX)
    fee_tax = cell.amount(FEE_TAX)
    fee_incl = cell.amount(FEE_INCL_TAX)
    net = cell.amount(NET_SETTLEMENT_AMOUNT)

    order_datetime = _optional_datetime(cell, ORDER_DATETIME, timezone, day_first)
    refund_datetime = _optional_datetime(cell, REFUND_DATETIME, timezone, day_first)
    order_month = cell.optional(ORDER_MONTH)
    if order_month is not None and order_month[:3].casefold() not in _MONTHS:
        cell.error(ORDER_MONTH, f"{ORDER_MONTH} {order_month!r} is not a month (Jan to Dec)")
    order_year: int | None = None
    raw_year = cell.optional(ORDER_YEAR)
    if raw_year is not None:
        if re.fullmatch(r"\d{4}", raw_year):
            order_year = int(raw_year)
        else:
            cell.error(ORDER_YEAR, f"{ORDER_YEAR} {raw_year!r} is not a four-digit year")

    if cell.failed:
        return None

    if not _arithmetic_holds(cell, kind, settlement_amount, fee_excl, fee_tax, fee_incl, net, fee_tax_rate):
        return None

    return SettlementRow(
        line=line,
        settlement_date=settlement_date,
        type=kind,
        afterpay_order_id=order_id,
        order_amount=order_amount,
        settlement_amount=settlement_amount,
        fee_excl_tax=fee_excl,
        fee_tax=fee_tax,
        fee_incl_tax=fee_incl,
        net_settlement_amount=net,
        order_datetime=order_datetime,
        order_month=order_month,
        order_year=order_year,
        merchant_order_id=cell.optional(MERCHANT_ORDER_ID),
        merchant_refund_id=cell.optional(MERCHANT_REFUND_ID),
        channel=cell.optional(CHANNEL),
        store_name=cell.optional(STORE_NAME),
        store_id=cell.optional(STORE_ID),
        device_name=cell.optional(DEVICE_NAME),
        device_id=cell.optional(DEVICE_ID),
        afterpay_refund_id=cell.optional(AFTERPAY_REFUND_ID),
        refund_datetime=refund_datetime,
        acquirer_terminal_id=cell.optional(ACQUIRER_TERMINAL_ID),
        consumer_country=cell.optional(CONSUMER_COUNTRY),
        extra={header[i].strip(): cells[i].strip() for i in extra_columns if i < len(cells)},
    )


def _optional_datetime(cell: _Cells, column: str, timezone: tzinfo, day_first: bool) -> datetime | None:
    raw = cell.text(column)
    if not raw:
        return None
    try:
        return parse_settlement_datetime(raw, timezone=timezone, day_first=day_first)
    except ValueError as exc:
        cell.error(column, f"{column} {exc}")
        return None


def _arithmetic_holds(
    cell: _Cells,
    kind: SettlementType,
    settlement: Decimal,
    fee_excl: Decimal,
    fee_tax: Decimal,
    fee_incl: Decimal,
    net: Decimal,
    fee_tax_rate: Decimal | None,
) -> bool:
    """Check the row's sums (errors) and its GST rate and signs (warnings); False on an error."""
    holds = True
    if fee_excl + fee_tax != fee_incl:
        holds = False
        cell.error(
            FEE_INCL_TAX,
            f"{FEE_EXCL_TAX} {fee_excl} + {FEE_TAX} {fee_tax} = {fee_excl + fee_tax}, but {FEE_INCL_TAX} is {fee_incl}",
        )
    if settlement - fee_incl != net:
        holds = False
        cell.error(
            NET_SETTLEMENT_AMOUNT,
            f"{SETTLEMENT_AMOUNT} {settlement} - {FEE_INCL_TAX} {fee_incl} = {settlement - fee_incl},"
            f" but {NET_SETTLEMENT_AMOUNT} is {net}",
        )
    if fee_tax_rate is not None:
        # Afterpay rounds the fee's GST to the cent; allow a cent either side of that.
        expected_tax = (fee_excl * fee_tax_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        if abs(fee_tax - expected_tax) > CENT:
            cell.warn(
                FEE_TAX,
                f"{FEE_TAX} {fee_tax} is not {fee_tax_rate.normalize():f} % of {FEE_EXCL_TAX} {fee_excl}"
                f" (expected {expected_tax} ± 0.01); right for another GST rate?",
            )
    if kind is SettlementType.REFUND and settlement > 0:
        cell.warn(SETTLEMENT_AMOUNT, f"refund row with a positive {SETTLEMENT_AMOUNT} {settlement}")
    if kind is SettlementType.ORDER and settlement < 0:
        cell.warn(SETTLEMENT_AMOUNT, f"order row with a negative {SETTLEMENT_AMOUNT} {settlement}")
    return holds


def _date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a calendar date") from None


def _offset_zone(text: str, original: str) -> tzinfo:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{original.strip()!r} has an invalid UTC offset")
    delta = timedelta(hours=hours, minutes=minutes)
    return dt_timezone(-delta if text[0] == "-" else delta)


# -- matching ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cin7Recorded:
    """What Cin7 holds for one Afterpay order: the caller fills it from the bridge's records
    or from ``GET /sale`` (PAYMENT and REFUND lines, cin7.md A10).

    The amounts are kept one by one rather than summed. One order's captures can settle on
    different days, and so in different files. Matching each settled capture to one
    payment tells "this capture is missing from Cin7" apart from "another capture settled
    elsewhere".
    """

    sale_ids: tuple[str, ...] = ()
    payments: tuple[Decimal, ...] = ()
    refunds: tuple[Decimal, ...] = ()

    @property
    def paid(self) -> Decimal:
        """The Σ of PAYMENT amounts."""
        return sum(self.payments, ZERO)

    @property
    def refunded(self) -> Decimal:
        """The Σ of REFUND amounts."""
        return sum(self.refunds, ZERO)


def match_settlement(rows: Iterable[SettlementRow], cin7: Mapping[str, Cin7Recorded]) -> list[Discrepancy]:
    """Compare the settled captures and refunds of each order with what Cin7 recorded.

    For each Afterpay order in the rows:

    * Cin7 has nothing for it (no entry, or an entry with no sale, payment or refund):
      ``missing_in_cin7``.
    * Each Order row's Settlement Amount (the captured money, see the module docstring)
      should equal one Cin7 PAYMENT, each payment counting once. If some settled capture
      matches none, but the order's settled captures add up to Cin7's payments (Cin7 split
      them differently), nothing is reported. Otherwise the result is ``payment_mismatch``,
      which lists the rows.
    * The same holds for Refund rows, taken as positive amounts, against Cin7 REFUNDs:
      ``refund_mismatch``.

    Cin7 payments and refunds that no row mentions are not reported, because they settle in
    other files. Fees are Afterpay's alone and have nothing to match in Cin7. They are in
    ``summarise``.
    """
    by_order: dict[str, list[SettlementRow]] = defaultdict(list)
    for row in rows:
        by_order[row.afterpay_order_id].append(row)
    found: list[Discrepancy] = []
    for order_id, group in by_order.items():
        recorded = cin7.get(order_id)
        if recorded is None or not (recorded.sale_ids or recorded.payments or recorded.refunds):
            settled = sum((r.money_moved for r in group if not r.is_refund), ZERO)
            refunded = sum((r.money_moved for r in group if r.is_refund), ZERO)
            lines = ", ".join(str(r.line) for r in group)
            found.append(
                Discrepancy(
                    DiscrepancyType.MISSING_IN_CIN7,
                    order_id,
                    recorded.sale_ids if recorded is not None else (),
                    {"payments": format_amount(settled), "refunds": format_amount(refunded)},
                    {},
                    f"Afterpay settled {format_amount(settled)} captured and {format_amount(refunded)} refunded for"
                    f" order {order_id} (line {lines}) but Cin7 has no record of the order.",
                )
            )
            continue
        captures = [r for r in group if not r.is_refund]
        refunds = [r for r in group if r.is_refund]
        mismatch = _unmatched(captures, recorded.payments)
        if mismatch is not None:
            found.append(_settlement_discrepancy(DiscrepancyType.PAYMENT_MISMATCH, order_id, recorded, mismatch))
        mismatch = _unmatched(refunds, recorded.refunds)
        if mismatch is not None:
            found.append(_settlement_discrepancy(DiscrepancyType.REFUND_MISMATCH, order_id, recorded, mismatch))
    return sorted(found, key=lambda d: d.sort_key)


def _unmatched(rows: list[SettlementRow], recorded: tuple[Decimal, ...]) -> list[SettlementRow] | None:
    """The rows (all of them, for the report) when some settled amount has no Cin7 twin and
    the totals do not agree either; None when everything is accounted for."""
    if not rows:
        return None
    available = Counter(recorded)
    loose = False
    for row in rows:
        if available[row.money_moved] > 0:
            available[row.money_moved] -= 1
        else:
            loose = True
    if not loose:
        return None
    if sum((r.money_moved for r in rows), ZERO) == sum(recorded, ZERO):
        return None
    return rows


def _settlement_discrepancy(
    kind: DiscrepancyType, order_id: str, recorded: Cin7Recorded, rows: list[SettlementRow]
) -> Discrepancy:
    payments = kind is DiscrepancyType.PAYMENT_MISMATCH
    key = "payments" if payments else "refunds"
    what = "captured" if payments else "refunded"
    documents = recorded.payments if payments else recorded.refunds
    settled = sum((r.money_moved for r in rows), ZERO)
    in_cin7 = sum(documents, ZERO)
    listed = ", ".join(f"{format_amount(r.money_moved)} (line {r.line}, {r.settlement_date.isoformat()})" for r in rows)
    cin7_list = ", ".join(format_amount(a) for a in documents) or "none"
    return Discrepancy(
        kind,
        order_id,
        recorded.sale_ids,
        {key: format_amount(settled)},
        {key: format_amount(in_cin7)},
        f"Afterpay settled {listed} {what} for order {order_id}, but Cin7's {key} ({cin7_list}) do not match.",
    )
