"""Tests of the Afterpay simulator, over real HTTP only."""
