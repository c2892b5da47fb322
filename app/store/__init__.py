"""Every Redis key of the product: idempotency records, cross-references, checkpoints,
bookmarks, rate-limit state, audit stream and caches."""

from app.store.connection import connect
from app.store.keys import Keys

__all__ = ["Keys", "connect"]
