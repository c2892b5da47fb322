"""Reading requests and writing values the way Cin7 Core's .NET API does.

Reading: query parameter names and JSON property names are matched case-insensitively (clients
send both ``Page`` and ``page``, cin7.md A3; .NET model binding ignores case); booleans and
numbers are also accepted as strings, as the blueprint's own examples send them (cin7.md A7
"Example quirks"); trailing commas and bare property names, which the published examples contain,
are tolerated like Json.NET tolerates them.

Writing: money is a JSON number; timestamps vary in precision like the real responses (cin7.md A1).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from app.sandbox.cin7.errors import UnparseableBody, ValidationError

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")
# Far beyond any real amount or quantity, and small enough that a line total (quantity x price)
# stays exact to the cent in Decimal's default 28-digit context.
_LARGEST = Decimal("1e9")


# -- reading --------------------------------------------------------------------------------------


def parse_body(raw: bytes) -> Any:
    """Decode a request body (numbers become Decimal); UnparseableBody if it is not JSON."""
    text = raw.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise ValidationError("The request body is empty: send a JSON object.")
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError:
        pass
    try:
        return json.loads(_tolerant(text), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise UnparseableBody(f"The object passed to the API could not be parsed: {exc.msg}.") from None


def _tolerant(text: str) -> str:
    """Drop trailing commas and quote bare property names, outside string literals."""
    out: list[str] = []
    i, n = 0, len(text)
    last_significant = ""
    while i < n:
        char = text[i]
        if char == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            last_significant = '"'
            i = end + 1
            continue
        if char == ",":
            rest = text[i + 1 :].lstrip()
            if rest[:1] in ("}", "]", ","):
                i += 1
                continue
        if (char.isalpha() or char == "_") and last_significant in ("{", ","):
            match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i:])
            if match and text[i + match.end() :].lstrip().startswith(":"):
                out.append(f'"{match.group(0)}"')
                last_significant = '"'
                i += match.end()
                continue
        out.append(char)
        if not char.isspace():
            last_significant = char
        i += 1
    return "".join(out)


def to_bool(value: Any, name: str) -> bool:
    """A JSON boolean, or the string booleans the blueprint's examples send."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(f"{name} must be true or false.")


def to_decimal(value: Any, name: str, *, places: int | None = None) -> Decimal:
    """A JSON number (or numeric string) with at most ``places`` decimal places."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{name} must be a number.")
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str | int | float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(f"{name} must be a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{name} must be a number.")
    if abs(number) >= _LARGEST:
        raise ValidationError(f"{name} is out of range.")
    if places is not None and decimal_places(number) > places:
        raise ValidationError(f"{name} must have at most {places} decimal places.")
    return number


def decimal_places(number: Decimal) -> int:
    """How many significant decimal places ``number`` has (24.950 has 2)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def to_guid(value: Any, name: str) -> str:
    """A GUID in canonical lower-case form."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise ValidationError(f"{name} must be a GUID such as {EMPTY_GUID}.") from None


def to_datetime(value: Any, name: str) -> datetime:
    """An ISO 8601 date or date-time; a time without a zone is UTC (cin7.md A1)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be an ISO 8601 date such as 2024-05-01T00:00:00.")
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 date such as 2024-05-01T00:00:00.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _trim_fraction(text: str) -> str:
    # .NET writes up to 7 fractional digits ("…37.5462677Z"); Python reads at most 6.
    return re.sub(r"(\.\d{6})\d+", r"\1", text)


def to_date(value: Any, name: str) -> date:
    """A Date field: the date part of an ISO 8601 value (the time of day is dropped)."""
    return to_datetime(value, name).date()


class Fields:
    """A JSON object read with case-insensitive property names (like .NET model binding)."""

    def __init__(self, raw: Mapping[str, Any], where: str = "") -> None:
        self._raw = raw
        self._keys = {key.lower(): key for key in raw}
        self.where = where

    @classmethod
    def of(cls, value: Any, what: str) -> Fields:
        """``value`` as Fields; ValidationError unless it is a JSON object."""
        if not isinstance(value, Mapping):
            raise ValidationError(f"{what} must be a JSON object.")
        return cls(value, what)

    def has(self, name: str) -> bool:
        """Whether the property is present (even if null)."""
        return name.lower() in self._keys

    def raw(self, name: str) -> Any:
        """The raw value, None when absent."""
        key = self._keys.get(name.lower())
        return None if key is None else self._raw[key]

    def names(self) -> list[str]:
        """The property names as sent."""
        return list(self._raw)

    def given(self, name: str) -> bool:
        """Present and not null."""
        return self.raw(name) is not None

    def _label(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def text(self, name: str, *, max_length: int | None = None, required: bool = False) -> str | None:
        """A string property (numbers are accepted and stringified); None when absent or null."""
        value = self.raw(name)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError(f"{self._label(name)} is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ValidationError(f"{self._label(name)} must be a string.")
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise ValidationError(f"{self._label(name)} must be at most {max_length} characters long.")
        return text

    def required_text(self, name: str, *, max_length: int | None = None) -> str:
        """A string property that must be present and not blank."""
        value = self.text(name, max_length=max_length, required=True)
        assert value is not None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        """A boolean property (string booleans accepted); ``default`` when absent or null."""
        value = self.raw(name)
        return default if value is None else to_bool(value, self._label(name))

    def decimal(self, name: str, *, places: int | None = None, required: bool = False) -> Decimal | None:
        """A number property; None when absent or null (ValidationError if ``required``)."""
        value = self.raw(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError(f"{self._label(name)} is required.")
            return None
        return to_decimal(value, self._label(name), places=places)

    def required_decimal(self, name: str, *, places: int | None = None) -> Decimal:
        """A number property that must be present."""
        value = self.decimal(name, places=places, required=True)
        assert value is not None
        return value

    def guid(self, name: str, *, required: bool = False) -> str | None:
        """A GUID property; None when absent, null or empty."""
        value = self.raw(name)
        if value is None or value == "":
            if required:
                raise ValidationError(f"{self._label(name)} is required.")
            return None
        return to_guid(value, self._label(name))

    def required_guid(self, name: str) -> str:
        """A GUID property that must be present."""
        value = self.guid(name, required=True)
        assert value is not None
        return value

    def datetime(self, name: str, *, required: bool = False) -> datetime | None:
        """A DateTime property; None when absent, null or empty."""
        value = self.raw(name)
        if value is None or value == "":
            if required:
                raise ValidationError(f"{self._label(name)} is required.")
            return None
        return to_datetime(value, self._label(name))

    def date(self, name: str) -> date | None:
        """A Date property; None when absent, null or empty."""
        moment = self.datetime(name)
        return None if moment is None else moment.date()

    def objects(self, name: str) -> list[Fields] | None:
        """An array of JSON objects; None when absent or null."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ValidationError(f"{self._label(name)} must be an array.")
        return [Fields.of(item, f"{self._label(name)}[{index}]") for index, item in enumerate(value)]

    def object(self, name: str) -> Fields | None:
        """A nested JSON object; None when absent or null."""
        value = self.raw(name)
        return None if value is None else Fields.of(value, self._label(name))


class Query:
    """Query-string parameters matched case-insensitively (cin7.md A3: Page/page, Limit/limit)."""

    def __init__(self, args: Iterator[tuple[str, str]] | Mapping[str, str]) -> None:
        pairs = args.items() if isinstance(args, Mapping) else args
        self._values: dict[str, str] = {}
        for key, value in pairs:
            self._values.setdefault(key.lower(), value)

    def get(self, name: str) -> str | None:
        """The parameter's value; None when absent or empty."""
        value = self._values.get(name.lower())
        return value if value not in (None, "") else None

    def boolean(self, name: str, default: bool = False) -> bool:
        """A boolean parameter."""
        value = self.get(name)
        return default if value is None else to_bool(value, name)

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date-time parameter."""
        value = self.get(name)
        return None if value is None else to_datetime(value, name)

    def guid(self, name: str) -> str | None:
        """A GUID parameter."""
        value = self.get(name)
        return None if value is None else to_guid(value, name)

    def page(self) -> tuple[int, int]:
        """``(Page, Limit)``: Page ≥ 1 (default 1), Limit 1-1000 (default 100), cin7.md A3."""
        page = self._whole("Page", 1)
        limit = self._whole("Limit", 100)
        if page < 1:
            raise ValidationError("Page must be 1 or more.")
        if not 1 <= limit <= 1000:
            raise ValidationError("Limit must be between 1 and 1000.")
        return page, limit

    def _whole(self, name: str, default: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ValidationError(f"{name} must be a whole number.") from None


# -- writing --------------------------------------------------------------------------------------


def number(value: Decimal | int | None) -> int | float | None:
    """Money and quantities as JSON numbers, as Cin7 writes them (358, 24.95, 0.1235)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    # At most 4 decimal places and 15 significant digits, so float's shortest repr is exact.
    return float(value)


def fmt_date(value: date | datetime | None) -> str | None:
    """A Date field: ``2017-11-30T00:00:00``."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    return f"{day.isoformat()}T00:00:00"


def fmt_datetime(value: datetime | None) -> str | None:
    """A DateTime field the caller supplied (DatePaid, InvoiceDate): ``2017-11-30T13:20:00``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def fmt_modified(value: datetime) -> str:
    """LastModifiedOn / Updated: milliseconds, trailing zeros trimmed, ``Z`` (``…49.75Z``)."""
    moment = value.astimezone(UTC)
    base = moment.replace(tzinfo=None, microsecond=0).isoformat()
    millis = f"{moment.microsecond // 1000:03d}".rstrip("0")
    return f"{base}.{millis}Z" if millis else f"{base}Z"


def fmt_created(value: datetime) -> str:
    """DateCreated: seven fractional digits and ``Z`` (``2017-11-28T06:10:37.5462677Z``)."""
    moment = value.astimezone(UTC)
    base = moment.replace(tzinfo=None, microsecond=0).isoformat()
    # Python keeps microseconds; the seventh (100 ns) digit is always 0 here.
    return f"{base}.{moment.microsecond:06d}0Z"


def fmt_webhook_date(value: date | datetime | None) -> str | None:
    """Webhook payload dates: ``dd/MM/yyyy`` (cin7.md A1, D7)."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    return day.strftime("%d/%m/%Y")


def to_json(body: Any) -> str:
    """Serialise a response body; Decimals become JSON numbers."""
    return json.dumps(body, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
