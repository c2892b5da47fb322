"""The per-order sync: the saga that makes Cin7 Core match one Afterpay payment."""
