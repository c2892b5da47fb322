"""JSON for the API: key order kept as built, ``Decimal`` written as an exact JSON number.

Cin7 documents carry money as JSON numbers (cin7.md A7-A10) and the mapping builds them from
``Decimal``; Flask's default provider would write those as strings and sort every key.
msgspec writes a ``Decimal`` as the number it is (``Decimal("0.10")`` → ``0.10``, never a
float approximation), and fast; anything it does not know falls back to Flask's rules.
"""

from __future__ import annotations

from typing import Any

import msgspec
from flask.json.provider import DefaultJSONProvider


class BridgeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, writing with msgspec: unsorted keys, ``Decimal`` as a number."""

    sort_keys = False
    ensure_ascii = False
    _encoder = msgspec.json.Encoder(decimal_format="number", enc_hook=DefaultJSONProvider.default)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        # Flask's response() always asks for compact separators, which msgspec writes anyway;
        # any other option (indent, in debug) is Flask's own to honour.
        kwargs.pop("separators", None)
        if kwargs:
            return super().dumps(obj, **kwargs)
        return self._encoder.encode(obj).decode()

    @classmethod
    def encode(cls, obj: Any) -> bytes:
        """``obj`` as UTF-8 JSON bytes, ready to be a response body."""
        return cls._encoder.encode(obj)
