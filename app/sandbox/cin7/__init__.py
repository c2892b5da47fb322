"""A high-fidelity simulator of the Cin7 Core (formerly DEAR Inventory) API v2.

``create_cin7_app(Cin7SandboxConfig(...))`` builds the Flask app; ``seed.SEED_PRODUCTS`` is the
catalogue the demo orders from. docs/sandbox-cin7.md describes what is simulated and how
faithfully, each config field and the sandbox controls.
"""

from app.sandbox.cin7.app import create_cin7_app
from app.sandbox.cin7.config import Cin7SandboxConfig, ConfigError

__all__ = ["Cin7SandboxConfig", "ConfigError", "create_cin7_app"]
