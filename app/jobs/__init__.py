"""Thin RQ jobs: build clients from config, call domain or sync code, return a small summary."""
