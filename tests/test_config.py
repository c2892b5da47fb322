"""Settings: read once, validated as a whole, every problem named."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, Settings
from tests.conftest import BASE_SETTINGS


def test_minimal_settings_take_documented_defaults() -> None:
    settings = Settings.from_mapping(BASE_SETTINGS)
    assert settings.REDIS_URL is None
    assert settings.CIN7_RATE_LIMIT_PER_MINUTE == 60
    assert settings.AFTERPAY_API_URL == "https://global-api.afterpay.com"
    assert settings.CIN7_API_URL == "https://inventory.dearsystems.com/ExternalApi/v2"
    assert settings.BRIDGE_NAMESPACE == "bridgetest"


def test_every_missing_secret_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping({})
    message = str(caught.value)
    for name in (
        "BRIDGE_API_KEY",
        "AFTERPAY_MERCHANT_ID",
        "AFTERPAY_SECRET_KEY",
        "CIN7_ACCOUNT_ID",
        "CIN7_APPLICATION_KEY",
    ):
        assert f"{name} is required" in message
    assert len(caught.value.problems) == 5


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("CIN7_RATE_LIMIT_PER_MINUTE", "sixty", "must be a whole number"),
        ("CIN7_RATE_LIMIT_PER_MINUTE", "0", "between 1 and 10000"),
        ("AFTERPAY_API_URL", "ftp://x", "must be an http(s) URL"),
        ("ALERT_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/secret", "must be an http(s) URL"),
        ("REDIS_URL", "localhost:6379", "must start with redis://"),
        ("BRIDGE_NAMESPACE", "Acme Shop", "BRIDGE_NAMESPACE must be"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be one of"),
        ("BRIDGE_MAPPING_FILE", "/nonexistent/mapping.yaml", "not a readable file"),
    ],
)
def test_malformed_settings_are_named(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping({**BASE_SETTINGS, name: value})
    assert any(problem.startswith(name) and fragment in problem for problem in caught.value.problems), caught.value


def test_a_malformed_url_is_not_echoed_because_it_may_hold_a_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping({**BASE_SETTINGS, "ALERT_WEBHOOK_URL": "hooks.example/T0/very-secret-token"})
    assert "very-secret-token" not in str(caught.value)


def test_values_are_normalised() -> None:
    settings = Settings.from_mapping(
        {
            **BASE_SETTINGS,
            "CIN7_API_URL": "http://127.0.0.1:8102/ExternalApi/v2/",
            "LOG_LEVEL": "debug",
            "CIN7_RATE_LIMIT_PER_MINUTE": " 120 ",
        }
    )
    assert settings.CIN7_API_URL == "http://127.0.0.1:8102/ExternalApi/v2"
    assert settings.LOG_LEVEL == "DEBUG"
    assert settings.CIN7_RATE_LIMIT_PER_MINUTE == 120


def test_blank_values_count_as_unset() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping({**BASE_SETTINGS, "BRIDGE_API_KEY": "   "})
    assert caught.value.problems == ["BRIDGE_API_KEY is required but not set"]


def test_environment_wins_over_dotenv_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("BRIDGE_API_KEY=from-file\nCIN7_RATE_LIMIT_PER_MINUTE=30\n")
    environ = {k: v for k, v in BASE_SETTINGS.items() if k != "BRIDGE_API_KEY"}
    settings = Settings.from_env({**environ, "CIN7_RATE_LIMIT_PER_MINUTE": "90"}, dotenv=str(dotenv))
    assert settings.BRIDGE_API_KEY == "from-file"
    assert settings.CIN7_RATE_LIMIT_PER_MINUTE == 90


def test_describe_masks_every_secret() -> None:
    settings = Settings.from_mapping({**BASE_SETTINGS, "ALERT_WEBHOOK_URL": "https://hooks.example/T0/secret-path"})
    described = str(settings.describe())
    for secret in settings.secrets():
        assert secret not in described
    assert "test-merchant" in described
