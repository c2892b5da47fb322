"""One simulated Cin7 account as it runs: config, clock, data, throttle and webhook dispatcher.

Every API call runs under ``lock``, so each one sees and leaves the data consistent; the webhook
thread takes the same lock only to pick work and record results, never while on the network.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from app.sandbox.cin7.clock import SandboxClock
from app.sandbox.cin7.config import Cin7SandboxConfig
from app.sandbox.cin7.delivery import WebhookDispatcher
from app.sandbox.cin7.payloads import Event
from app.sandbox.cin7.store import Cin7Store
from app.sandbox.cin7.throttle import RollingWindowThrottle


class Cin7Runtime:
    """The state behind one simulator app."""

    def __init__(self, config: Cin7SandboxConfig) -> None:
        self.initial_config = config
        self.config = config
        self.lock = threading.RLock()
        self.clock = SandboxClock()
        self.store = Cin7Store.seeded(self.clock, config.base_currency, config.account_id)
        self.throttle = RollingWindowThrottle(self.clock)
        self.dispatcher = WebhookDispatcher(self.lock, self.clock, lambda: self.config, lambda: self.store)

    def publish(self, events: list[Event]) -> None:
        """Hand events to the webhook dispatcher."""
        if events:
            self.dispatcher.publish(events)

    def update_config(self, changes: Mapping[str, Any]) -> Cin7SandboxConfig:
        """Apply config changes atomically (ConfigError leaves everything as it was)."""
        with self.lock:
            self.config = self.config.with_changes(changes)
            self.store.base_currency = self.config.base_currency
        self.dispatcher.wake()
        return self.config

    def reset(self) -> None:
        """Back to the seed data and the config the app was created with; pending webhooks dropped."""
        with self.lock:
            self.dispatcher.reset()
            self.config = self.initial_config
            self.clock.reset()
            self.throttle.reset()
            self.store = Cin7Store.seeded(self.clock, self.config.base_currency, self.config.account_id)
