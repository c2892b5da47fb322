"""upsert-cin7 acceptance: how many idempotent upserts one machine accepts per second (body
validation, the Idempotency-Key claim and record, the RQ enqueue, the 202), against a
trivial JSON endpoint of the same server. Target: ratio ≥ 0.5."""

from __future__ import annotations

from app.store.embedded import EmbeddedRedis
from bench._load import base_env, interleaved, throughput, web_server


def main() -> None:
    with EmbeddedRedis() as redis_server:
        assert redis_server.url is not None
        with web_server(base_env(REDIS_URL=redis_server.url)) as url:
            throughput(url, "GET", "/healthz", seconds=1)
            medians = interleaved(
                5,
                ("trivial", lambda: throughput(url, "GET", "/healthz")),
                (
                    "upsert",
                    lambda: throughput(
                        url, "POST", "/v1/upsert-cin7", body={"afterpayOrderId": "400123851542"},
                        unique_header="Idempotency-Key",
                    ),
                ),
            )  # fmt: skip
    ratio = medians["upsert"] / medians["trivial"]
    print(f"GET /healthz (trivial JSON):   {medians['trivial']:,.0f} req/s")
    print(f"POST /v1/upsert-cin7 (202):    {medians['upsert']:,.0f} req/s")
    print(f"ratio upsert / trivial:        {ratio:.2f}  (target ≥ 0.50)")


if __name__ == "__main__":
    main()
