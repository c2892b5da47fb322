"""``python -m app`` is the ``bridge`` command."""

from app.cli import main

main()
