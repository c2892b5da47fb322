"""Pure domain logic of the bridge: Afterpay payments, merchant mapping rules, GST and the
Afterpay → Cin7 Core mapping (DESIGN.md §2, §4).

Nothing in this package does I/O: no Flask, no HTTP client, no Redis, no files, no
environment, no clock. Money is ``Decimal`` throughout and every rounding is explicit.
"""
