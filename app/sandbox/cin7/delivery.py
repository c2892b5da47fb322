"""Webhook delivery with Cin7's schedule (cin7.md A13).

Each event is offered to every active webhook of its type: an HTTP POST of the JSON payload
(``Content-Type: application/json``) with the webhook's Basic or Bearer credentials and its extra
headers. Any 2xx is a success; another status, a timeout or a connection error is a failure. The
first attempt is ``webhook_first_delay_seconds`` after the event; each retry comes
``webhook_retry_delays_seconds[i]`` after the previous attempt; when the last attempt fails the
webhook is silently deactivated (``IsActive: false``) and what it still had queued is dropped.

Deliveries to one webhook are strictly ordered: an event is attempted only once every earlier
event for that webhook has been delivered or given up. One daemon thread per app runs the
schedule, started on the first event and stopped by a reset; its clock is the sandbox clock, so
``POST /_sandbox/clock`` brings retries forward.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from app.sandbox.cin7.clock import SandboxClock
from app.sandbox.cin7.config import Cin7SandboxConfig
from app.sandbox.cin7.payloads import Event
from app.sandbox.cin7.store import Cin7Store
from app.sandbox.cin7.wire import fmt_modified, to_json

_IDLE_WAIT_SECONDS = 0.5


@dataclass
class Delivery:
    """One event on its way to one webhook."""

    id: int
    generation: int
    webhook_id: str
    event_type: str
    payload: Any
    due_at: datetime
    attempt: int = 1  # the number of the next attempt


@dataclass(frozen=True)
class _Request:
    url: str
    body: str
    headers: dict[str, str]
    auth: tuple[str, str] | None
    timeout: float


class WebhookDispatcher:
    """Queues events per webhook and delivers them on schedule, on a background thread."""

    def __init__(
        self,
        lock: threading.RLock,
        clock: SandboxClock,
        settings: Callable[[], Cin7SandboxConfig],
        store: Callable[[], Cin7Store],
    ) -> None:
        self._cond = threading.Condition(lock)
        self._clock = clock
        self._settings = settings
        self._store = store
        self._queues: dict[str, deque[Delivery]] = {}
        self._in_flight: set[str] = set()
        self._attempts: list[dict[str, Any]] = []
        self._generation = 0
        self._next_id = 0
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None
        clock.on_advance(self.wake)

    # -- producing ------------------------------------------------------------------------------

    def publish(self, events: list[Event]) -> None:
        """Queue ``events`` for every active webhook of their type (call under the app lock)."""
        with self._cond:
            store = self._store()
            delay = timedelta(seconds=self._settings().webhook_first_delay_seconds)
            now = self._clock.now()
            queued = False
            for event in events:
                for hook in store.webhooks.values():
                    if not hook.is_active or hook.type != event.type:
                        continue
                    self._next_id += 1
                    delivery = Delivery(
                        self._next_id, self._generation, hook.id, event.type, event.payload, now + delay
                    )
                    self._queues.setdefault(hook.id, deque()).append(delivery)
                    queued = True
            if queued:
                self._ensure_thread()
                self._cond.notify_all()

    def wake(self) -> None:
        """Re-check what is due (the clock moved, or config changed)."""
        with self._cond:
            self._cond.notify_all()

    def reset(self) -> None:
        """Cancel everything pending, forget the attempts, stop the thread."""
        with self._cond:
            self._generation += 1
            self._queues.clear()
            self._in_flight.clear()
            self._attempts.clear()
            if self._stop is not None:
                self._stop.set()
            self._thread = None
            self._stop = None
            self._cond.notify_all()

    # -- reporting ------------------------------------------------------------------------------

    def attempts(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far, oldest first."""
        with self._cond:
            return [dict(item) for item in self._attempts]

    def pending(self) -> list[dict[str, Any]]:
        """Deliveries not yet delivered or given up, per webhook in order."""
        with self._cond:
            return [
                {
                    "delivery_id": d.id,
                    "webhook_id": d.webhook_id,
                    "type": d.event_type,
                    "next_attempt": d.attempt,
                    "due_at": fmt_modified(d.due_at),
                }
                for queue in self._queues.values()
                for d in queue
            ]

    # -- delivering -----------------------------------------------------------------------------

    def flush(self) -> dict[str, int]:
        """Attempt every pending delivery now, ignoring remaining delays, in order per webhook.

        A webhook whose attempt fails is not tried again in the same flush: its retry keeps the
        normal schedule.
        """
        summary = {"attempted": 0, "delivered": 0, "failed": 0}
        failed: set[str] = set()
        while True:
            with self._cond:
                job = self._take(due_only=False, skip=failed)
                if job is None:
                    return summary
                request = self._prepare(job)
            if request is None:
                continue
            ok = self._deliver(job, request)
            summary["attempted"] += 1
            summary["delivered" if ok else "failed"] += 1
            if not ok:
                failed.add(job.webhook_id)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(stop,), name="cin7-sandbox-webhooks", daemon=True)
        self._thread, self._stop = thread, stop
        thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self._cond:
                if stop.is_set():
                    return
                job = self._take(due_only=True, skip=set())
                if job is None:
                    self._cond.wait(self._wait_seconds())
                    continue
                request = self._prepare(job)
            if request is not None:
                self._deliver(job, request)

    def _wait_seconds(self) -> float:
        now = self._clock.now()
        heads = [q[0].due_at for hook, q in self._queues.items() if q and hook not in self._in_flight]
        if not heads:
            return _IDLE_WAIT_SECONDS
        return max(0.0, min(_IDLE_WAIT_SECONDS, (min(heads) - now).total_seconds()))

    def _take(self, *, due_only: bool, skip: set[str]) -> Delivery | None:
        now = self._clock.now()
        candidates = [
            queue[0]
            for hook, queue in self._queues.items()
            if queue and hook not in self._in_flight and hook not in skip and (not due_only or queue[0].due_at <= now)
        ]
        if not candidates:
            return None
        job = min(candidates, key=lambda d: (d.due_at, d.id))
        self._in_flight.add(job.webhook_id)
        return job

    def _prepare(self, job: Delivery) -> _Request | None:
        """The HTTP request for ``job``, or None (and its queue dropped) if the webhook is gone."""
        hook = self._store().webhooks.get(job.webhook_id)
        if hook is None or not hook.is_active:
            self._queues.pop(job.webhook_id, None)
            self._in_flight.discard(job.webhook_id)
            return None
        headers = {"Content-Type": "application/json"}
        auth = None
        if hook.auth_type == "basicauth" and hook.username is not None and hook.password is not None:
            auth = (hook.username, hook.password)
        elif hook.auth_type == "bearerauth" and hook.bearer_token:
            headers["Authorization"] = f"Bearer {hook.bearer_token}"
        headers.update(dict(hook.headers))
        return _Request(hook.url, to_json(job.payload), headers, auth, self._settings().webhook_timeout_seconds)

    def _deliver(self, job: Delivery, request: _Request) -> bool:
        status: int | None = None
        error: str | None = None
        try:
            response = requests.post(
                request.url,
                data=request.body.encode(),
                headers=request.headers,
                auth=request.auth,
                timeout=request.timeout,
            )
            status = response.status_code
            response.close()
        except Exception as exc:  # any failure to deliver is a failed attempt, never a dead thread
            # requests raises RequestException for network trouble, but a header value that is
            # not Latin-1 fails inside http.client with UnicodeEncodeError: both are failures.
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        with self._cond:
            self._settle(job, request, status, error, ok)
        return ok

    def _settle(self, job: Delivery, request: _Request, status: int | None, error: str | None, ok: bool) -> None:
        if job.generation != self._generation:
            return  # a reset happened while this attempt was on the wire
        self._in_flight.discard(job.webhook_id)
        now = self._clock.now()
        self._attempts.append(
            {
                "delivery_id": job.id,
                "webhook_id": job.webhook_id,
                "type": job.event_type,
                "url": request.url,
                "attempt": job.attempt,
                "status_code": status,
                "error": error,
                "delivered": ok,
                "at": fmt_modified(now),
                "payload": job.payload,
            }
        )
        queue = self._queues.get(job.webhook_id)
        if queue is None or not queue or queue[0] is not job:
            return
        settings = self._settings()
        if ok:
            queue.popleft()
        elif job.attempt >= settings.webhook_attempts:
            # cin7.md A13: "if all attempts will be failed, system will deactivate this webhook".
            del self._queues[job.webhook_id]
            hook = self._store().webhooks.get(job.webhook_id)
            if hook is not None:
                hook.is_active = False
        else:
            delay = settings.webhook_retry_delays_seconds[job.attempt - 1]
            job.attempt += 1
            job.due_at = now + timedelta(seconds=delay)
        if queue is not None and not queue:
            self._queues.pop(job.webhook_id, None)
        self._cond.notify_all()
