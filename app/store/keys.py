"""Every Redis key the bridge writes is built here, under the deployment's namespace."""

from __future__ import annotations


class Keys:
    """Key builder for one deployment: ``Keys("acme")("orders", "123")`` is ``acme:orders:123``.

    Several deployments (one per merchant, as an agency runs them) can share one Redis
    because nothing outside this class spells a key.
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def __call__(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def queue(self, name: str) -> str:
        """RQ queue name; RQ adds its own ``rq:queue:`` prefix to make the key."""
        return f"{self.namespace}-{name}"

    def job_id(self, *parts: str) -> str:
        """An RQ job id under the namespace; RQ allows only ``[A-Za-z0-9_-]``."""
        return "-".join((self.namespace, *parts))
