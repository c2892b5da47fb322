"""HTTP views of the Afterpay simulator: the vendor API under ``/v2``, the sandbox controls,
and the consumer's checkout page."""
