"""The Services of a worker process, for job functions that RQ calls with plain arguments.

Jobs take ids and plain data, never clients or secrets (those would be pickled into Redis);
they reach the deployment's resources through ``services()``.
"""

from __future__ import annotations

from app.config import Settings
from app.services import Services

_services: Services | None = None


def services() -> Services:
    """The process's Services, read from the environment on first use."""
    global _services
    if _services is None:
        _services = Services(Settings.from_env())
    return _services


def use_services(value: Services | None) -> None:
    """Install the Services that jobs in this process use (the worker does, at start)."""
    global _services
    _services = value
