"""The application factory, RFC 9457 errors for every failure, API-key auth, request ids and logs."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask_smorest import Blueprint

from app import create_app
from app.config import Settings
from tests.conftest import API_KEY, AUTH, BASE_SETTINGS, problem


class _ItemSchema(ma.Schema):
    name = ma.fields.String(required=True)
    amount = ma.fields.Decimal(required=True, as_string=True, places=2)
    lines = ma.fields.List(ma.fields.Nested(lambda: _LineSchema()), load_default=list)


class _LineSchema(ma.Schema):
    sku = ma.fields.String(required=True)


def _with_echo_routes(app: Flask) -> Flask:
    """Add a JSON-body route and a failing route, as real endpoints will have."""
    blp = Blueprint("echo", __name__, url_prefix="/v1/test")

    @blp.route("/echo", methods=["POST"])
    @blp.arguments(_ItemSchema)
    @blp.response(200)
    def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"name": body["name"]}

    @blp.route("/boom")
    def boom() -> None:
        raise RuntimeError(f"database password is {API_KEY} and afterpay-secret-7c1e")

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
    return app


@pytest.fixture
def echo_client(settings: Settings) -> Any:
    return _with_echo_routes(create_app(settings)).test_client()


def test_factory_opens_no_connection(settings_map: dict[str, str]) -> None:
    # A Redis URL where nothing listens: building the app and serving /healthz must not touch it.
    app = create_app({**settings_map, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_factory_refuses_invalid_config() -> None:
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="BRIDGE_API_KEY is required"):
        create_app({k: v for k, v in BASE_SETTINGS.items() if k != "BRIDGE_API_KEY"})


def test_readyz_needs_a_worker(client: Any) -> None:
    response = client.get("/readyz")
    body = problem(response)
    assert response.status_code == 503
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["workers"]["ok"] is False


def test_readyz_reports_unreachable_redis(settings_map: dict[str, str]) -> None:
    app = create_app({**settings_map, "REDIS_URL": "redis://127.0.0.1:1/0"})
    body = problem(app.test_client().get("/readyz"))
    assert body["checks"]["redis"]["ok"] is False


def test_unknown_route_is_a_404_problem(client: Any) -> None:
    body = problem(client.get("/nowhere"))
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"


def test_wrong_method_is_a_405_problem_with_allow(client: Any) -> None:
    response = client.delete("/healthz")
    problem(response)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_a_400_problem(echo_client: Any) -> None:
    response = echo_client.post("/v1/test/echo", data='{"name": "x",', content_type="application/json", headers=AUTH)
    body = problem(response)
    assert response.status_code == 400
    assert body["type"] == "/problems/malformed-json"


def test_schema_violation_is_a_422_with_json_pointers(echo_client: Any) -> None:
    response = echo_client.post(
        "/v1/test/echo", json={"amount": "1.5x", "lines": [{"sku": "A"}, {}], "extra": 1}, headers=AUTH
    )
    body = problem(response)
    assert response.status_code == 422
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"#/name", "#/amount", "#/lines/1/sku", "#/extra"}


def test_wrong_content_type_is_a_415_problem(echo_client: Any) -> None:
    response = echo_client.post(
        "/v1/test/echo", data="name=x", content_type="application/x-www-form-urlencoded", headers=AUTH
    )
    body = problem(response)
    assert response.status_code == 415
    assert "application/json" in body["detail"]
    assert response.headers["Accept-Post"] == "application/json"


def test_body_over_one_mebibyte_is_a_413_problem(echo_client: Any) -> None:
    payload = json.dumps({"name": "x" * (1024 * 1024), "amount": "1.00"})
    response = echo_client.post("/v1/test/echo", data=payload, content_type="application/json", headers=AUTH)
    problem(response)
    assert response.status_code == 413


def test_a_valid_body_passes(echo_client: Any) -> None:
    response = echo_client.post("/v1/test/echo", json={"name": "widget", "amount": "9.95"}, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {"name": "widget"}


def test_unhandled_error_is_a_500_problem_without_trace_or_secret(
    echo_client: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    response = echo_client.get("/v1/test/boom", headers=AUTH)
    body = problem(response)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "RuntimeError" not in text and API_KEY not in text
    logged = capfd.readouterr().err
    assert "RuntimeError" in logged  # the operator still gets the cause...
    assert API_KEY not in logged and "afterpay-secret-7c1e" not in logged  # ...without the secrets
    assert body["detail"].startswith("The bridge failed")


def _v1_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        # The webhook receivers authenticate their senders themselves (tests/api/test_webhooks.py).
        if not rule.rule.startswith("/v1/") or rule.rule.startswith("/v1/webhooks/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<string:{argument}>", "x").replace(f"<{argument}>", "x")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


def test_every_v1_route_refuses_a_missing_or_wrong_key(app: Flask) -> None:
    routes = _v1_routes(app)
    assert routes, "the URL map lists no /v1 route"
    client = app.test_client()
    for method, path in routes:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"X-API-Key": API_KEY + "x"},
            {"Authorization": API_KEY},
        ):
            response = client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
            body = problem(response)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert body["type"] == "/problems/unauthorized"


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {API_KEY}"}, {"X-API-Key": API_KEY}, {"Authorization": f"bearer {API_KEY}"}]
)
def test_either_header_carries_the_key(client: Any, headers: dict[str, str]) -> None:
    response = client.get("/v1/jobs/bridgetest-nope", headers=headers)
    assert response.status_code == 404  # authenticated, then not found


def test_request_id_is_echoed_or_generated(client: Any) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert len(generated) == 32


def test_logs_are_json_with_request_id_and_no_secret(app: Flask, capfd: pytest.CaptureFixture[str]) -> None:
    @app.get("/leaky")
    def leaky() -> str:
        settings = app.extensions["bridge"].settings
        app.logger.warning(
            "calling upstream with %s and %s", settings.AFTERPAY_SECRET_KEY, settings.CIN7_APPLICATION_KEY
        )
        app.logger.info("auth header", extra={"header": f"Bearer {settings.BRIDGE_API_KEY}"})
        return "ok"

    capfd.readouterr()
    app.test_client().get("/leaky", headers={"X-Request-ID": "req-42"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert lines, "nothing was logged"
    assert all(line["request_id"] == "req-42" for line in lines)
    text = json.dumps(lines)
    for secret in ("afterpay-secret-7c1e", "cin7-app-key-51ab", API_KEY):
        assert secret not in text
    assert "[REDACTED]" in text
    request_line = next(line for line in lines if line["message"] == "request")
    assert request_line["status"] == 200 and request_line["path"] == "/leaky"


def test_problem_types_are_documented_pages(client: Any) -> None:
    page = client.get("/problems/validation-error")
    assert page.status_code == 200 and "Validation failed" in page.get_data(as_text=True)
    assert client.get("/problems/no-such-type").status_code == 404


def test_docs_page_and_assets_are_served_offline(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.get_data(as_text=True)
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()
