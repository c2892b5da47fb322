"""Idempotency-Key records (draft-ietf-httpapi-idempotency-key-header, reference/reliability.md §1.5).

One Redis hash per (operation, key): the request fingerprint, the state (in flight or
done), the lease of the request holding it, and once done the response to replay byte for
byte. Claiming is one Lua script, so two concurrent requests with one key can never both
run the operation.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline

RETENTION_SECONDS = 72 * 3600
"""How long a finished key is remembered — long enough to fix a Friday bug on Monday
(reliability.md §1.2, Brandur's reaper). Published in the API description."""

LEASE_SECONDS = 90
"""How long an in-flight claim blocks retries before a retry may take over (the holder died)."""

_CLAIM = """
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', key) == 0 then
  redis.call('HSET', key, 'state', 'in_flight', 'fp', ARGV[1], 'owner', ARGV[2], 'lease_until', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', key, ARGV[4])
  return {'claimed'}
end
local fields = redis.call('HMGET', key, 'state', 'fp', 'lease_until', 'status', 'headers', 'body')
if fields[2] ~= ARGV[1] then
  return {'mismatch'}
end
if fields[1] == 'in_flight' then
  local lease_until = tonumber(fields[3])
  if lease_until > now then
    return {'in_flight', tostring(lease_until - now)}
  end
  redis.call('HSET', key, 'owner', ARGV[2], 'lease_until', now + tonumber(ARGV[3]))
  return {'claimed'}
end
return {'done', fields[4], fields[5], fields[6]}
"""

_COMPLETE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4])
redis.call('HDEL', KEYS[1], 'lease_until')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""

_RELEASE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True)
class StoredResponse:
    """A finished request's response, to replay."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """This request owns the key; finish with ``complete`` or ``release``."""

    owner: str


@dataclass(frozen=True)
class InFlight:
    """Another request with this key is still running."""

    retry_after: float


@dataclass(frozen=True)
class Mismatch:
    """The key was used with a different request body."""


ClaimResult = Claimed | InFlight | Mismatch | StoredResponse


def fingerprint(method: str, route: str, body: Any) -> str:
    """sha256 of the method, route and the canonical JSON of the body, so a client that
    re-serialises the same body (other key order, other spacing) is not refused."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method}\n{route}\n{canonical}".encode()).hexdigest()


class IdempotencyStore:
    """Claims, completes and replays Idempotency-Key records under one key prefix."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._claim = client.register_script(_CLAIM)
        self._complete = client.register_script(_COMPLETE)
        self._release = client.register_script(_RELEASE)

    def _key(self, scope: str, idempotency_key: str) -> str:
        # Hash the client's key: it may be up to 255 arbitrary printable characters.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        return f"{self._prefix}:{scope}:{digest}"

    def claim(self, scope: str, idempotency_key: str, request_fingerprint: str) -> ClaimResult:
        """Claim the key for this request, or say why not (in flight, mismatch, or done → replay)."""
        owner = uuid.uuid4().hex
        result = self._claim(
            keys=[self._key(scope, idempotency_key)],
            args=[request_fingerprint, owner, LEASE_SECONDS * 1000, RETENTION_SECONDS * 1000],
        )
        verdict = _text(result[0])
        if verdict == "claimed":
            return Claimed(owner)
        if verdict == "mismatch":
            return Mismatch()
        if verdict == "in_flight":
            return InFlight(retry_after=max(1.0, int(_text(result[1])) / 1000))
        headers = json.loads(_text(result[2]))
        body = result[3] if isinstance(result[3], bytes) else str(result[3]).encode()
        return StoredResponse(status=int(_text(result[1])), headers=headers, body=body)

    def complete(
        self,
        scope: str,
        idempotency_key: str,
        claim: Claimed,
        response: StoredResponse,
        *,
        pipeline: Pipeline | None = None,
    ) -> None:
        """Store the response for replay (only if this request still owns the key).

        With ``pipeline``, the record is written when the pipeline executes, together with
        whatever the operation queued on it.
        """
        self._complete(
            keys=[self._key(scope, idempotency_key)],
            args=[claim.owner, response.status, json.dumps(response.headers), response.body, RETENTION_SECONDS * 1000],
            client=pipeline,
        )

    def release(self, scope: str, idempotency_key: str, claim: Claimed) -> None:
        """Forget the key (the outcome was not storable: 5xx, 429, 401), so a retry runs anew."""
        self._release(keys=[self._key(scope, idempotency_key)], args=[claim.owner])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
