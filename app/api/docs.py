"""The OpenAPI document (JSON and YAML), the browsable docs page, and the problem-type pages."""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Any

import yaml
from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory

from app.api.problems import PROBLEM_TYPES

IDEMPOTENCY_RETENTION_HOURS = 72

API_DESCRIPTION = f"""\
Keeps Afterpay payments and Cin7 Core sales in step, and exposes the same operations to
n8n, Make, Zapier and any OpenAPI client.

**Authentication.** Every `/v1` operation needs the API key, sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. Webhook receivers authenticate the
sender their own way. Health probes, this document and the docs page are public.

**Errors.** Every error is an RFC 9457 `application/problem+json` object with `type`,
`title`, `status` and `detail`; validation problems add `errors`, each with a JSON
`pointer` into the body. The `type` URIs resolve to a page explaining the problem.

**Idempotency.** Operations that change state require an `Idempotency-Key` header
(draft-ietf-httpapi-idempotency-key-header). The same key with the same body replays the
stored response byte for byte with `Idempotent-Replayed: true`; the same key with another
body is refused with 422; a key still in flight answers 409 with `Retry-After`. Responses
with status 5xx, 429 or 401 are not stored. Keys are kept for at least
{IDEMPOTENCY_RETENTION_HOURS} hours.

**Request ids.** Send `X-Request-ID` to correlate your logs with ours; every response
carries one.
"""

bp = Blueprint("docs", __name__)


def spec_dict(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app`` as a dict."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    spec: dict[str, Any] = api.spec.to_dict()
    return spec


class _SpecDumper(yaml.SafeDumper):
    """Writes multi-line strings (descriptions) as literal blocks, so the file reads like the source."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _represent_str)

_TOP_LEVEL_ORDER = ("openapi", "info", "servers", "security", "tags", "paths", "components")


def spec_yaml(app: Flask) -> str:
    """The OpenAPI document as the YAML text written to ``openapi.yaml``."""
    spec = spec_dict(app)
    ordered = {key: spec[key] for key in _TOP_LEVEL_ORDER if key in spec}
    ordered.update({key: value for key, value in spec.items() if key not in ordered})
    return yaml.dump(ordered, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True, width=100)


@cache
def _swagger_assets() -> str:
    from swagger_ui_bundle import swagger_ui_path

    return str(swagger_ui_path)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return Response(json.dumps(spec_dict(current_app), ensure_ascii=False, indent=2), mimetype="application/json")


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    return Response(spec_yaml(current_app), mimetype="application/yaml")


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Afterpay ⇄ Cin7 Bridge API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.onload = () => { window.ui = SwaggerUIBundle({url: "/openapi.json",
dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true}); };</script>
</body></html>"""


@bp.get("/docs")
def docs_page() -> Response:
    """Swagger UI, served from the swagger-ui-bundle package so it works offline."""
    return Response(_DOCS_PAGE, mimetype="text/html")


@bp.get("/docs/assets/<path:filename>")
def docs_assets(filename: str) -> Response:
    return send_from_directory(_swagger_assets(), filename, max_age=86400)


@bp.get("/problems/<slug>")
def problem_page(slug: str) -> Response:
    """Human-readable documentation of one problem type (RFC 9457 §3.1.1)."""
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        abort(404)
    body = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(kind.title)}</title></head>"
        f"<body><h1>{escape(kind.title)}</h1><p>HTTP status {kind.status}</p>"
        f"<p>{escape(kind.description)}</p><p><a href='/docs'>API documentation</a></p></body></html>"
    )
    return Response(body, mimetype="text/html")
