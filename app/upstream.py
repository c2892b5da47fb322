"""What the Afterpay and Cin7 clients share: the error base, HTTP sessions, and the retry loop.

Each client decides *which* of its failures are retryable (its errors module classifies
every response once); this module decides *how* to retry: a few quick attempts with
full-jitter exponential backoff (reference/reliability.md §3.4), never sooner than the
server's ``Retry-After``. Longer outages are the job queue's business (RQ retries), so the
budget here is seconds, not minutes.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import msgspec
import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

log = logging.getLogger(__name__)

T = TypeVar("T")

USER_AGENT = f"AfterpayCin7Bridge/0.1.0 (Python/{sys.version_info.major}.{sys.version_info.minor})"


class UpstreamError(Exception):
    """A call to Afterpay or Cin7 failed.

    Attributes:
        status: HTTP status, or None when no response arrived.
        request_id: the upstream's request/correlation id, when it sent one.
        retryable: whether repeating the same request may succeed.
        retry_after: seconds the upstream asked us to wait, if it said.
        outcome_unknown: the request may have been carried out although no answer came
            (a timeout or dropped connection after a write was sent); the caller must look
            before it writes again.
    """

    service = "upstream"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
        body: object = None,
    ) -> None:
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.body = body
        super().__init__(message)

    def __str__(self) -> str:
        # The request id first, as Stripe does: it is what the vendor's support asks for.
        prefix = f"[{self.service} request {self.request_id}] " if self.request_id else f"[{self.service}] "
        status = f"HTTP {self.status}: " if self.status else ""
        return f"{prefix}{status}{self.message}"


@dataclass(frozen=True)
class Timeouts:
    """Connect and read timeouts in seconds (requests' ``timeout=(connect, read)``)."""

    connect: float
    read: float

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how fast to repeat a retryable call.

    Sleep before attempt n+1 is ``max(Retry-After, uniform(0, min(cap, base * 2**(n-1))))``
    (AWS "full jitter"), and the whole loop gives up after ``max_elapsed`` seconds.
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    max_elapsed: float = 30.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter delay after failed attempt number ``attempt`` (1-based)."""
        return rng() * min(self.cap, self.base * 2.0 ** (attempt - 1))

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random) -> float:
        """The sleep before the next attempt, honouring the server's ``Retry-After``."""
        return max(retry_after or 0.0, self.backoff(attempt, rng))


NO_RETRY = RetryPolicy(attempts=1)


def call_with_retries(
    operation: Callable[[], T],
    policy: RetryPolicy,
    *,
    describe: str,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Run ``operation``, repeating it while it raises a retryable ``UpstreamError``.

    The last error is re-raised unchanged when the attempts or the time budget run out.
    """

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, UpstreamError) else None
        return policy.delay(state.attempt_number, retry_after, rng)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "retrying upstream call",
            extra={
                "call": describe,
                "attempt": state.attempt_number,
                "error": str(error),
                "sleep": state.upcoming_sleep,
            },
        )

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.max_elapsed),
        wait=wait,
        retry=retry_if_exception(lambda exc: isinstance(exc, UpstreamError) and exc.retryable),
        reraise=True,
        sleep=sleep,
        before_sleep=before_sleep,
    )
    return retrying(operation)


def build_session(pool_size: int = 10) -> requests.Session:
    """A pooled session: connections are reused across calls and threads of one client.

    urllib3's own retries are off: every retry decision is ``call_with_retries``'s.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_JSON = msgspec.json.Encoder(decimal_format="number")


def json_body(body: object) -> bytes:
    """``body`` as JSON bytes, ``Decimal`` written as the exact number it is (Cin7 takes money
    as JSON numbers; the stdlib encoder refuses Decimal and a float would round it)."""
    return _JSON.encode(body)
