"""The two simulators as real processes (``bridge sandbox ...``), shared by a test session.

Each test gets them reset (data, config, faults, log) and a small handle for the sandbox
controls. Tests talk to them over real HTTP, as the bridge does.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from tests.processes import BRIDGE, Proc, free_port, process_env, wait_for

AFTERPAY_MERCHANT = ("demo-merchant", "demo-secret")
CIN7_HEADERS = {"api-auth-accountid": "demo-account", "api-auth-applicationkey": "demo-key"}
# High enough that tests never meet Cin7's throttle unless they lower it on purpose.
TEST_CIN7_RATE_LIMIT = 100_000


@dataclass
class Sim:
    """A running simulator: its root URL and the sandbox controls."""

    url: str
    proc: Proc

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        assert response.status_code < 300, f"{method} /_sandbox/{path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def reset(self) -> None:
        self.control("POST", "reset")

    def configure(self, **fields: Any) -> Any:
        return self.control("POST", "config", fields)

    def fault(self, **rule: Any) -> None:
        self.control("POST", "faults", rule)

    def requests(self, path_contains: str = "", method: str | None = None) -> list[dict[str, Any]]:
        log = self.control("GET", "requests")["requests"]
        return [
            r for r in log if path_contains.lower() in r["path"].lower() and (method is None or r["method"] == method)
        ]


@dataclass
class AfterpaySim(Sim):
    """The Afterpay simulator; ``api`` is what AFTERPAY_API_URL takes."""

    @property
    def api(self) -> str:
        return self.url

    def create_payment(self, **payment: Any) -> dict[str, Any]:
        """Store a payment directly (``POST /_sandbox/payments``)."""
        created: dict[str, Any] = self.control("POST", "payments", payment)
        return created

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(f"{self.url}{path}", params=params, auth=AFTERPAY_MERCHANT, timeout=10)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=body, auth=AFTERPAY_MERCHANT, timeout=10)


@dataclass
class Cin7Sim(Sim):
    """The Cin7 Core simulator; ``api`` is what CIN7_API_URL takes."""

    @property
    def api(self) -> str:
        return f"{self.url}/ExternalApi/v2"

    def get(self, endpoint: str, **params: Any) -> Any:
        response = requests.get(f"{self.api}/{endpoint}", params=params, headers=CIN7_HEADERS, timeout=10)
        assert response.status_code == 200, f"GET {endpoint}: {response.status_code} {response.text}"
        return response.json()

    def send(self, method: str, endpoint: str, body: Any = None, **params: Any) -> requests.Response:
        return requests.request(
            method, f"{self.api}/{endpoint}", json=body, params=params, headers=CIN7_HEADERS, timeout=10
        )

    def sales(self, **filters: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.get("saleList", Limit=1000, **filters)["SaleList"]
        return rows


def start_sim(kind: str, *extra: str) -> Iterator[Sim]:
    port = free_port()
    proc = Proc([*BRIDGE, "sandbox", kind, "--port", str(port), *extra], process_env({}), name=f"{kind} sandbox")
    url = f"http://127.0.0.1:{port}"
    sim: Sim = (AfterpaySim if kind == "afterpay" else Cin7Sim)(url=url, proc=proc)

    def up() -> bool:
        try:
            return requests.get(f"{url}/_sandbox/config", timeout=1).status_code == 200
        except requests.RequestException:
            if proc.popen.poll() is not None:
                raise AssertionError(f"{kind} sandbox exited:\n{proc.output()}") from None
            return False

    wait_for(up, timeout=30, what=f"the {kind} sandbox")
    try:
        yield sim
    finally:
        proc.signal(15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=10)
        proc.stop()


def money(amount: str | Decimal, currency: str = "AUD") -> dict[str, str]:
    return {"amount": f"{Decimal(amount):.2f}", "currency": currency}
