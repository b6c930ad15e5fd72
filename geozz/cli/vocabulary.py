"""``geozz vocabulary``: what geozz recognises in problem records, out of the box.

Column names per field, categories with their Chinese and English names and the raw values
that map to them, sources and statuses. What is not listed can be mapped with
``--column`` / ``--category`` / ``--source`` / ``--status`` of ``geozz problems`` (or
``columns=`` … of :func:`geozz.read_problems`).
"""

from __future__ import annotations

import click

__all__ = ["vocabulary"]

KINDS = ("columns", "categories", "sources", "statuses")


@click.command()
@click.argument("kind", required=False, type=click.Choice(KINDS))
def vocabulary(kind: str | None) -> None:
    """List the recognised columns, categories, sources and statuses (or one KIND)."""
    from geozz.problems import vocabulary_table

    for k in (kind,) if kind else KINDS:
        table = vocabulary_table(k)
        click.echo(f"{k} ({len(table)})")
        for _, row in table.iterrows():
            key, *rest = [str(v) for v in row.tolist()]
            click.echo(f"  {key:<22} " + " | ".join(rest))
        click.echo("")
