"""Afterpay Online API v2: wire schemas (this file set) and the client (added by the lead)."""
