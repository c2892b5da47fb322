"""A high-fidelity simulator of the Afterpay Online API v2 (see docs/sandbox-afterpay.md).

from app.sandbox.afterpay import create_afterpay_app, AfterpaySandboxConfig
app = create_afterpay_app(AfterpaySandboxConfig(currency="NZD", country_code="NZ"))
"""

from .app import create_afterpay_app
from .config import AfterpaySandboxConfig, ConfigError

__all__ = ["AfterpaySandboxConfig", "ConfigError", "create_afterpay_app"]
