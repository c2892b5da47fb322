"""Benchmarks: each module's ``main()`` measures side by side and prints ratios (`make bench`)."""
