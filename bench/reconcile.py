"""reconcile: how the diff's time and memory grow with the window (DESIGN.md §8).

For 10k, 100k and 1M generated orders (about 2 % missing in Cin7, 1 % duplicated, 1 % with
wrong money, a few Cin7 sales that Afterpay does not know, plus voided, expired and declined
orders), it prints:

* the diff rate: ``ReconcileWindow.check`` over pre-extracted facts, timed alone. The
  facts are made in chunks outside the timer, and the target is ≥ 100,000 orders/s.
* the index build rate (``Cin7Index.add`` + ``freeze``), and the extraction cost per real
  payment: raw JSON → Payment → facts, by the ledger fast path and by the full mapping.
* memory growth per order: the resident set of a fresh child process per size, sampled
  every millisecond, net of the generators' own footprint, which is measured alone first.
  It covers the index, the streaming and the peak (the peak includes the transient sort).
  A tracemalloc pass at 10k cross-checks the figures with exact Python allocations. RSS is
  coarse at 10k because the allocator grows in arenas. Target < 200 bytes/order.
* upstream calls per window against the page-size minimum: Afterpay list pages (250) and
  Cin7 saleList pages (1,000), plus the extra calls this design makes. Those are one
  ``GET /sale`` per money mismatch and one Afterpay ``ids=`` lookup per 250 candidates.
  It also prints what the Cin7 calls cost in minutes of the 60-calls/minute quota.

It closes with the index structures it chose between, measured side by side at 1M ids:
sorted typed arrays with bisect, and an int-keyed dict.
"""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import threading
import time
import tracemalloc
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from decimal import Decimal
from typing import TypeVar

import psutil

from app.afterpay.decode import decode_payment
from app.domain.ledger import OrderState
from app.domain.mapping import map_payment
from app.domain.reconcile import AfterpayFacts, Cin7Index, Cin7Row, Cin7SaleDetail, ReconcileWindow, afterpay_facts
from app.domain.reconcile import facts_from_mapped as from_mapped
from app.domain.rules import parse_rules
from bench._load import ROOT
from bench.map_order import five_line_order

T = TypeVar("T")

SIZES = (10_000, 100_000, 1_000_000)
TARGET_RATE = 100_000
TARGET_BYTES = 200
AFTERPAY_PAGE = 250
CIN7_PAGE = 1_000
CIN7_CALLS_PER_MINUTE = 60
CHUNK = 10_000
#: The size of the tracemalloc cross-check (tracemalloc slows allocation several-fold).
TRACED_SIZE = 10_000
BASE_ID = 400_000_000_000

# Per-order fates, in basis points of a pseudo-random roll (reproducible, no RNG state).
MISSING_BP, DUPLICATE_BP, MONEY_BP = 200, 100, 100
#: Cin7 sales that no window payment matches: one in 200 orders, half unknown to Afterpay.
CIN7_ONLY_EVERY = 200

_STATES = (
    (80, OrderState.PAID),
    (85, OrderState.PARTIALLY_PAID),
    (90, OrderState.AUTHORISED),
    (94, OrderState.VOIDED),
    (96, OrderState.EXPIRED),
    (100, OrderState.DECLINED),
)


def _state(i: int) -> OrderState:
    roll = (i * 40_503) % 100
    return next(state for bound, state in _STATES if roll < bound)


def _fate(i: int) -> str:
    roll = (i * 2_654_435_761 >> 7) % 10_000
    if roll < MISSING_BP:
        return "missing"
    if roll < MISSING_BP + DUPLICATE_BP:
        return "duplicate"
    if roll < MISSING_BP + DUPLICATE_BP + MONEY_BP:
        return "money"
    return "clean"


def _facts(i: int) -> AfterpayFacts:
    state = _state(i)
    total = 1_000 + (i * 7_919) % 50_000
    captured = total if state is OrderState.PAID else (total // 2 if state is OrderState.PARTIALLY_PAID else 0)
    refunded = 500 if state is OrderState.PAID and i % 50 == 0 else 0
    return AfterpayFacts(f"{BASE_ID + 3 * i}", "AUD", state, total, captured, refunded, captured > 0)


def generate_facts(n: int) -> Iterator[AfterpayFacts]:
    """The Afterpay side of the window, one payment at a time."""
    for i in range(n):
        yield _facts(i)


def _sale(i: int, copy: int, f: AfterpayFacts, *, status: str = "ORDERED", paid_delta: int = 0) -> Cin7Row:
    return Cin7Row(
        sale_id=f"{i:08x}-{copy:04x}-4000-8000-{i:012x}",
        order_number=f"SO-{i:07d}" if not copy else f"SO-{i:07d}-{copy}",
        external_id=f.order_id,
        status=status,
        currency=f.currency,
        invoice_amount=Decimal(f.invoice_amount).scaleb(-2),
        paid_amount=Decimal(f.paid_amount + paid_delta).scaleb(-2),
    )


def generate_rows(n: int) -> Iterator[Cin7Row]:
    """The Cin7 saleList rows of the same window, with the faults injected."""
    for i in range(n):
        f = _facts(i)
        fate = _fate(i) if f.expected else "clean"
        if not f.expected:
            if f.state is not OrderState.DECLINED and i % 2:
                yield _sale(i, 0, f, status="VOIDED")
            continue
        if fate == "missing":
            continue
        yield _sale(i, 0, f, paid_delta=-100 if fate == "money" else 0)
        if fate == "duplicate":
            yield _sale(i, 1, f)
    for k in range(n // CIN7_ONLY_EVERY):
        ghost = AfterpayFacts(f"{BASE_ID + 3 * (n + k) + 1}", "AUD", OrderState.PAID, 2_000, 2_000, 0, True)
        yield _sale(n + k, 0, ghost)


def _outside_window(candidate_ids: list[str]) -> list[AfterpayFacts]:
    """Half of the candidates are orders Afterpay knows (created before the window)."""
    return [
        AfterpayFacts(oid, "AUD", OrderState.PAID, 2_000, 2_000, 0, True)
        for index, oid in enumerate(candidate_ids)
        if index % 2 == 0
    ]


def _chunks(items: Iterator[T], size: int = CHUNK) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def timed_run(n: int) -> dict[str, float]:
    """One window, each step timed alone: both sides are generated in chunks outside the timer."""
    index = Cin7Index()
    rows = 0
    build = 0.0
    for chunk in _chunks(generate_rows(n)):
        started = time.perf_counter()
        for row in chunk:
            index.add(row)
        build += time.perf_counter() - started
        rows += len(chunk)
    started = time.perf_counter()
    window = ReconcileWindow(index)
    freeze = time.perf_counter() - started

    diff = 0.0
    for batch in _chunks(generate_facts(n)):
        started = time.perf_counter()
        for f in batch:
            window.check(f)
        diff += time.perf_counter() - started

    pending = window.pending
    for check in pending:
        amount = Decimal(check.facts.total).scaleb(-2)
        # The sale as GET /sale would show it: one payment a dollar short.
        paid = Decimal(check.facts.expected_payments - 100).scaleb(-2)
        refunded = Decimal(check.facts.expected_refunds).scaleb(-2)
        window.resolve(check, Cin7SaleDetail(check.sale_id, amount, amount, paid, refunded, refunded))
    started = time.perf_counter()
    candidates = window.candidates()
    window.resolve_candidates(_outside_window([c.external_id for c in candidates]))
    edge = time.perf_counter() - started
    result = window.result()
    by_type = result.summary.by_type
    return {
        "rows": rows,
        "build": build,
        "freeze": freeze,
        "diff": diff,
        "edge": edge,
        "pending": len(pending),
        "candidates": len(candidates),
        "discrepancies": result.summary.discrepancies,
        "missing_in_cin7": by_type["missing_in_cin7"],
        "duplicate_in_cin7": by_type["duplicate_in_cin7"],
        "payment_mismatch": by_type["payment_mismatch"],
        "missing_in_afterpay": by_type["missing_in_afterpay"],
    }


class RssPeak:
    """The highest resident set size seen since the last ``reset``. A thread samples it every
    millisecond, because ``ru_maxrss`` cannot be reset and remembers the imports."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._peak = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def current(self) -> int:
        return int(self._process.memory_info().rss)

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self._peak = max(self._peak, self.current())

    def reset(self) -> int:
        """Start a new high-water mark at the current RSS, and return that RSS."""
        now = self.current()
        self._peak = now
        return now

    def peak(self) -> int:
        return max(self._peak, self.current())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def rss_run(n: int) -> dict[str, float]:
    """Resident memory of one window, in bytes per order. Run it in a fresh process
    (``rss_in_child``) so that nothing else has touched the allocator.

    The generators run alone first. How far they raise the RSS is their footprint, and it is
    subtracted from the peak.
    """
    rss = RssPeak()
    try:
        gc.collect()
        start = rss.reset()
        for _ in generate_rows(n):
            pass
        for _ in generate_facts(n):
            pass
        generators = rss.peak() - start
        gc.collect()
        before = rss.reset()
        index = Cin7Index()
        for row in generate_rows(n):
            index.add(row)
        window = ReconcileWindow(index)
        indexed = rss.current() - before
        for f in generate_facts(n):
            window.check(f)
        streamed = rss.current() - before
        peak = rss.peak() - before - generators
    finally:
        rss.stop()
    return {
        "index": indexed / n,
        "stream": (streamed - indexed) / n,
        "peak": peak / n,
        "generators": generators / n,
    }


def rss_in_child(n: int) -> dict[str, float]:
    """``rss_run(n)`` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.reconcile", "--rss", str(n)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def _traced() -> int:
    return tracemalloc.get_traced_memory()[0]


def traced_run(n: int) -> dict[str, float]:
    """The window under tracemalloc (exact Python allocations, but several times slower):
    bytes per order of each stage, net of the generators' footprint, measured alone first."""
    gc.collect()
    tracemalloc.start()
    try:
        base = _traced()
        tracemalloc.reset_peak()
        for _ in generate_rows(n):
            pass
        for _ in generate_facts(n):
            pass
        generators = tracemalloc.get_traced_memory()[1] - base

        base = _traced()
        tracemalloc.reset_peak()
        index = Cin7Index()
        for row in generate_rows(n):
            index.add(row)
        built = _traced() - base
        build_peak = tracemalloc.get_traced_memory()[1] - base

        tracemalloc.reset_peak()
        window = ReconcileWindow(index)
        frozen = _traced() - base
        freeze_peak = tracemalloc.get_traced_memory()[1] - base

        tracemalloc.reset_peak()
        for f in generate_facts(n):
            window.check(f)
        streamed = _traced() - base
        stream_peak = tracemalloc.get_traced_memory()[1] - base
        peak = max(build_peak, freeze_peak, stream_peak) - generators
        del window, index
    finally:
        tracemalloc.stop()
    return {
        "generators": generators / n,
        "index": frozen / n,
        "index_before_sort": built / n,
        "freeze_peak": (freeze_peak - generators) / n,
        "stream": (streamed - frozen) / n,
        "peak": peak / n,
    }


def extraction_rates(seconds: float = 1.0) -> dict[str, float]:
    """Per-payment cost of turning a real Afterpay payment (5 lines) into facts."""
    raw = json.dumps(five_line_order()).encode()
    rules = parse_rules(None)
    payment = decode_payment(raw)

    def rate(step: object) -> float:
        assert callable(step)
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            step()
            count += 1
        return count / (time.perf_counter() - started)

    return {
        "decode": rate(lambda: decode_payment(raw)),
        "ledger": rate(lambda: afterpay_facts(payment, rules)),
        "mapping": rate(lambda: from_mapped(map_payment(payment, rules))),
    }


def index_alternatives(n: int = 1_000_000) -> dict[str, float]:
    """Sorted typed arrays + bisect against an int-keyed dict, for n ids: bytes per id and
    lookups per second (the row-position payload included in both)."""
    ids = [BASE_ID + 3 * i for i in range(n)]
    keys = array("q", ids)
    perm = array("I", range(n))
    probes = [str(BASE_ID + 3 * ((i * 7_919) % n)) for i in range(200_000)]

    started = time.perf_counter()
    for probe in probes:
        key = int(probe)
        at = bisect_left(keys, key)
        if at < n and keys[at] == key:
            perm[at]
    bisect_rate = len(probes) / (time.perf_counter() - started)
    array_bytes = (sys.getsizeof(keys) + sys.getsizeof(perm)) / n

    table = {key: position for position, key in enumerate(ids)}
    started = time.perf_counter()
    get = table.get
    for probe in probes:
        get(int(probe))
    dict_rate = len(probes) / (time.perf_counter() - started)
    # The dict's table plus its int key and value objects (small ints are shared).
    dict_bytes = (sys.getsizeof(table) + sum(sys.getsizeof(k) for k in table) + 28 * max(n - 257, 0)) / n
    return {"array_bytes": array_bytes, "array_rate": bisect_rate, "dict_bytes": dict_bytes, "dict_rate": dict_rate}


def main() -> None:
    print(f"diff target ≥ {TARGET_RATE:,} orders/s; memory target < {TARGET_BYTES} bytes/order")
    extraction = extraction_rates()
    print(
        "extraction per real payment (5 lines): raw JSON → Payment"
        f" {extraction['decode']:,.0f}/s; Payment → facts by the ledger {extraction['ledger']:,.0f}/s,"
        f" by the full mapping {extraction['mapping']:,.0f}/s"
    )
    traced = traced_run(TRACED_SIZE)
    print(
        f"tracemalloc at {TRACED_SIZE:,} orders: index {traced['index']:.0f} B/order"
        f" ({traced['index_before_sort']:.0f} before sorting), sort peak {traced['freeze_peak']:.0f},"
        f" streaming +{traced['stream']:.1f}, peak {traced['peak']:.0f} B/order"
        f" (generators {traced['generators']:.1f} B/order, subtracted)"
    )
    for n in SIZES:
        started = time.perf_counter()
        timing = timed_run(n)
        memory = rss_in_child(n)
        rows = int(timing["rows"])
        rate = n / timing["diff"]
        print(f"-- {n:,} orders, {rows:,} Cin7 rows")
        print(
            f"  diff:   {timing['diff']:.2f} s = {rate:,.0f} orders/s"
            f" ({rate / TARGET_RATE:.1f}x target, {'ok' if rate >= TARGET_RATE else 'MISSED'});"
            f" index build {rows / timing['build']:,.0f} rows/s + sort {timing['freeze']:.2f} s;"
            f" window edge {timing['edge']:.2f} s"
        )
        print(
            f"  found:  {timing['discrepancies']:,.0f} discrepancies (missing_in_cin7 {timing['missing_in_cin7']:,.0f},"
            f" duplicate {timing['duplicate_in_cin7']:,.0f}, payment_mismatch {timing['payment_mismatch']:,.0f},"
            f" missing_in_afterpay {timing['missing_in_afterpay']:,.0f})"
        )
        print(
            f"  memory: peak RSS growth {memory['peak']:.0f} B/order{' (coarse at this size)' if n < 100_000 else ''}"
            f" (target < {TARGET_BYTES}, {'ok' if memory['peak'] < TARGET_BYTES else 'MISSED'});"
            f" index {memory['index']:.0f} B/order; streaming +{memory['stream']:.1f} B/order;"
            f" generators {memory['generators']:.1f} B/order (subtracted)"
        )
        afterpay_pages = math.ceil(n / AFTERPAY_PAGE)
        cin7_pages = math.ceil(rows / CIN7_PAGE)
        details = int(timing["pending"])
        lookups = math.ceil(timing["candidates"] / AFTERPAY_PAGE)
        cin7_calls = cin7_pages + details
        print(
            f"  calls:  minimum Afterpay {afterpay_pages:,} list + Cin7 {cin7_pages:,} saleList;"
            f" extra {details:,} GET /sale (one per money mismatch) + {lookups:,} Afterpay ids lookups"
            f" ({timing['candidates']:,.0f} candidates); Cin7 {cin7_calls:,} calls"
            f" = {cin7_calls / cin7_pages:.1f}x its minimum, {cin7_calls / CIN7_CALLS_PER_MINUTE:,.0f} min of quota"
            f" (the minimum alone: {cin7_pages / CIN7_CALLS_PER_MINUTE:,.1f} min)"
        )
        print(f"  ({time.perf_counter() - started:.1f} s for this size)", flush=True)

    alternatives = index_alternatives()
    print(
        "index structures at 1M numeric ids: sorted arrays + bisect"
        f" {alternatives['array_bytes']:.0f} B/id, {alternatives['array_rate']:,.0f} lookups/s;"
        f" int-keyed dict {alternatives['dict_bytes']:.0f} B/id, {alternatives['dict_rate']:,.0f} lookups/s"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rss"]:
        print(json.dumps(rss_run(int(sys.argv[2]))))
    else:
        main()
