"""Cin7's Error Model and the simulator's error tree.

Every failure the simulated API reports is the Error Model of cin7.md A4,
``{"ErrorCode": <int>, "Exception": "<text>"}``::

    Cin7Error                 (status, messages, as a list or as one object)
    ├── ValidationError       400, list: a field is missing, malformed or names nothing that exists
    ├── RuleError             400, list: a business rule of the sale state machine refused the call
    ├── NotFoundError         404, object: the record named in the query string does not exist
    ├── MethodNotAllowed      405, object: the endpoint exists but not with this verb
    └── UnparseableBody       500, list: the body is not JSON (cin7.md A4: "could not be parsed")

The exact ``Exception`` texts of Cin7 are UNVERIFIED (cin7.md "Unverified" item 4); only the
conditions are documented, so the texts here aim to be clear rather than to match.
"""

from __future__ import annotations

from typing import Any


class Cin7Error(Exception):
    """A failure reported to the client as the Error Model."""

    status = 400
    as_list = True

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)

    def body(self) -> Any:
        """The Error Model body: a list of entries (400s, as observed live) or a single object."""
        entries = [{"ErrorCode": self.status, "Exception": message} for message in self.messages]
        return entries if self.as_list else entries[0]


class ValidationError(Cin7Error):
    """The request is malformed or refers to reference data that does not exist."""


class RuleError(Cin7Error):
    """A business rule refused the call (cin7.md A8-A11 preconditions).

    With ``errors_in_200`` these come back with HTTP 200 from the sale sub-document writes.
    """


class NotFoundError(Cin7Error):
    """The record named by the query string does not exist."""

    status = 404
    as_list = False


class MethodNotAllowed(Cin7Error):
    """cin7.md A4: 405 for a verb the endpoint does not support."""

    status = 405
    as_list = False


class UnparseableBody(Cin7Error):
    """cin7.md A4 / [APIB] L122: 500 when the object passed could not be parsed."""

    status = 500
