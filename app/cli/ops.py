"""Operator tools that are not long-running processes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.cli import main

SPEC_PLACEHOLDERS = {
    "BRIDGE_API_KEY": "spec-generation",
    "AFTERPAY_MERCHANT_ID": "spec-generation",
    "AFTERPAY_SECRET_KEY": "spec-generation",
    "CIN7_ACCOUNT_ID": "spec-generation",
    "CIN7_APPLICATION_KEY": "spec-generation",
    "LOG_LEVEL": "WARNING",
}


def generated_spec() -> str:
    """The OpenAPI YAML generated from the code (needs no real settings or Redis)."""
    from app import create_app
    from app.api.docs import spec_yaml

    return spec_yaml(create_app(SPEC_PLACEHOLDERS))


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("openapi.yaml"),
    show_default=True,
    help="File to write.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the file differs from the code.")
def openapi(output: Path, check: bool) -> None:
    """Write the OpenAPI document generated from the code (openapi.yaml at the repo root)."""
    text = generated_spec()
    if check:
        current = output.read_text() if output.exists() else ""
        if current != text:
            click.echo(f"{output} is out of date; run `bridge openapi` and commit it.", err=True)
            sys.exit(1)
        click.echo(f"{output} matches the code.")
        return
    output.write_text(text)
    click.echo(f"wrote {output}")
