"""Cin7 Core API v2: the client and its errors."""
