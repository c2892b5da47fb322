"""The service's long-running processes: web, worker, cron."""

from __future__ import annotations

from typing import Any

import click

from app.cli import main, runtime_settings
from app.services import Services


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="Gunicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the web process (gunicorn with app/gunicorn_conf.py).

    The Procfile's `web` line runs the same app and config through gunicorn directly,
    binding 0.0.0.0:$PORT.
    """
    from gunicorn.app.base import BaseApplication

    with runtime_settings():

        class _Web(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                from app import gunicorn_conf

                for key, value in vars(gunicorn_conf).items():
                    if key in self.cfg.settings and value is not None:
                        self.cfg.set(key, value)
                self.cfg.set("bind", [f"{host}:{port}"])
                self.cfg.set("workers", workers)

            def load(self) -> Any:
                from app import create_app

                return create_app()

        _Web().run()


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker on this deployment's queues (default, sync, low).

    On SIGTERM it finishes the running job or, after 20 s, re-queues it; it runs the RQ
    scheduler (for retries and delayed jobs) and cleans registries every 60 s.
    """
    from app.jobs.worker import run_worker

    with runtime_settings() as settings:
        run_worker(Services(settings), burst=burst)


@main.command()
def cron() -> None:
    """Run the periodic scheduler (rq cron with a leader lease).

    Run one per deployment; a second copy waits as a hot standby and never enqueues
    twice.
    """
    from app.jobs.schedule import run_cron

    with runtime_settings() as settings:
        run_cron(Services(settings))
