"""High-fidelity simulators of the Afterpay Online API v2 and the Cin7 Core API v2.

They are product code: the demo, the test suite and users' own trials run against them.
Each is a Flask app built by a factory, with the sandbox controls of DESIGN.md §7 under
``/_sandbox/`` (fault injection, a request log, reset). Nothing here imports the rest of
``app/``: the simulators know the vendors' APIs, not the bridge.
"""
