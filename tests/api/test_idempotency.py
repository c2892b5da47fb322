"""The Idempotency-Key contract (DESIGN.md §3.4), on a real Redis, through a real Flask stack."""

from __future__ import annotations

import threading
import time
from typing import Any

import marshmallow as ma
import pytest
import redis
from flask import Flask
from flask_smorest import Blueprint

from app import create_app
from app.api.idempotency import idempotent
from app.api.problems import abort_problem
from app.config import Settings
from tests.conftest import AUTH, problem


class _Body(ma.Schema):
    item = ma.fields.String(required=True)
    sleep = ma.fields.Float(load_default=0)
    fail = ma.fields.Integer(load_default=None, allow_none=True)


@pytest.fixture
def idem_app(settings: Settings) -> Flask:
    app = create_app(settings)
    blp = Blueprint("idem", __name__, url_prefix="/v1/test")

    @blp.route("/do", methods=["POST"])
    @blp.arguments(_Body)
    @idempotent(blp, "test-do")
    @blp.response(202)
    def do(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        services = app.extensions["bridge"]
        if body["sleep"]:
            time.sleep(body["sleep"])
        if body["fail"]:
            abort_problem(body["fail"], "failed on purpose")
        count = services.redis.incr("test:effects")
        return {"item": body["item"], "effect": count}, 202, {"Location": f"/v1/jobs/{count}"}

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
    return app


def _post(client: Any, body: dict[str, Any], key: str | None = "k-1", **headers: str) -> Any:
    all_headers = {**AUTH, **headers}
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return client.post("/v1/test/do", json=body, headers=all_headers)


def test_missing_key_is_a_400(idem_app: Flask) -> None:
    body = problem(_post(idem_app.test_client(), {"item": "a"}, key=None))
    assert body["status"] == 400 and body["type"] == "/problems/missing-idempotency-key"


@pytest.mark.parametrize("key", ["", "   ", "a" * 256, "tab\tinside", "é"])
def test_malformed_key_is_a_400(idem_app: Flask, key: str) -> None:
    response = _post(idem_app.test_client(), {"item": "a"}, key=key)
    assert response.status_code == 400


def test_replay_is_byte_for_byte_and_marked(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    first = _post(client, {"item": "a"})
    second = _post(client, {"item": "a"})
    assert first.status_code == second.status_code == 202
    assert second.get_data() == first.get_data()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert r.get("test:effects") == "1"


def test_quoted_and_bare_forms_are_the_same_key(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    _post(client, {"item": "a"}, key="abc-1")
    replay = _post(client, {"item": "a"}, key='"abc-1"')
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert r.get("test:effects") == "1"


def test_reserialised_body_is_the_same_request(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    headers = {**AUTH, "Idempotency-Key": "k-2", "Content-Type": "application/json"}
    client.post("/v1/test/do", data='{"item": "a", "sleep": 0}', headers=headers)
    replay = client.post("/v1/test/do", data='{ "sleep":0,"item":"a" }', headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"


def test_same_key_other_body_is_a_422(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    _post(client, {"item": "a"})
    body = problem(_post(client, {"item": "b"}))
    assert body["status"] == 422 and body["type"] == "/problems/idempotency-key-reused"
    assert r.get("test:effects") == "1"


def test_other_keys_are_independent(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    _post(client, {"item": "a"}, key="one")
    _post(client, {"item": "a"}, key="two")
    assert r.get("test:effects") == "2"


def test_concurrent_requests_with_one_key_run_once(idem_app: Flask, r: redis.Redis) -> None:
    results: list[Any] = []

    def call() -> None:
        results.append(_post(idem_app.test_client(), {"item": "a", "sleep": 0.5}, key="race"))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in results)
    assert statuses == [202, 409]
    conflict = next(response for response in results if response.status_code == 409)
    assert int(conflict.headers["Retry-After"]) >= 1
    assert problem(conflict)["type"] == "/problems/idempotency-conflict"
    assert r.get("test:effects") == "1"
    assert (
        _post(idem_app.test_client(), {"item": "a", "sleep": 0.5}, key="race").headers["Idempotent-Replayed"] == "true"
    )


@pytest.mark.parametrize("status", [500, 503, 429, 401])
def test_unstorable_outcomes_let_a_retry_run_again(idem_app: Flask, status: int) -> None:
    client = idem_app.test_client()
    assert _post(client, {"item": "a", "fail": status}).status_code == status
    retry = _post(client, {"item": "a", "fail": status})
    assert retry.status_code == status
    assert "Idempotent-Replayed" not in retry.headers


def test_deterministic_client_errors_are_stored(idem_app: Flask) -> None:
    client = idem_app.test_client()
    first = _post(client, {"item": "a", "fail": 404})
    replay = _post(client, {"item": "a", "fail": 404})
    assert first.status_code == replay.status_code == 404
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == first.get_data()


def test_schema_violation_stores_nothing(idem_app: Flask, r: redis.Redis) -> None:
    client = idem_app.test_client()
    assert _post(client, {"nope": 1}).status_code == 422
    fixed = _post(client, {"item": "a"})
    assert fixed.status_code == 202 and "Idempotent-Replayed" not in fixed.headers


def test_keys_expire_after_the_published_retention(idem_app: Flask, r: redis.Redis) -> None:
    _post(idem_app.test_client(), {"item": "a"})
    (key,) = r.keys("bridgetest:idem:*")
    assert 71 * 3600 < r.ttl(key) <= 72 * 3600
