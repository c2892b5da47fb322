"""The whole simulator behind one object: configuration, clock, store, disputes, webhooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import current_app

from .clock import SandboxClock
from .config import AfterpaySandboxConfig
from .disputes import DisputeStore
from .store import Store
from .webhooks import WebhookSender

EXTENSION_KEY = "afterpay_sandbox"


class SandboxState:
    """One simulated merchant account; ``reset()`` returns it to how it was created."""

    def __init__(self, config: AfterpaySandboxConfig) -> None:
        self._initial = config
        self._config = config
        self._config_lock = threading.Lock()
        self.clock = SandboxClock()
        self.store = Store()
        self.disputes = DisputeStore()
        self.webhooks = WebhookSender()

    @property
    def config(self) -> AfterpaySandboxConfig:
        """The configuration in force now."""
        with self._config_lock:
            return self._config

    def update_config(self, changes: Mapping[str, Any]) -> AfterpaySandboxConfig:
        """Apply ``changes`` atomically (all or nothing); raises ConfigError."""
        with self._config_lock:
            self._config = self._config.with_changes(changes)
            return self._config

    def write_delay(self) -> None:
        """Spend ``write_delay_ms`` of simulated processing time inside a write."""
        delay = self.config.write_delay_ms
        if delay:
            time.sleep(delay / 1000)

    def reset(self) -> None:
        """Forget all data, restore the initial configuration and real time (POST /_sandbox/reset)."""
        with self._config_lock:
            self._config = self._initial
        self.clock.reset()
        self.store = Store()
        self.disputes = DisputeStore()
        self.webhooks.reset()


def sandbox() -> SandboxState:
    """The state of the app handling the current request."""
    state: SandboxState = current_app.extensions[EXTENSION_KEY]
    return state
