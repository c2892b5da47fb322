"""Instants as the bridge writes them in its own reports, events and records. Pure."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(moment: datetime, timespec: str = "seconds") -> str:
    """An aware instant in UTC with a ``Z``: ``2026-12-04T03:30:00Z``."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
