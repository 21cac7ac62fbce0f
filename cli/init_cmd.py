"""``rekisteri init``: create or upgrade the schema.  Running it twice is harmless."""

from __future__ import annotations

import argparse

from cli.context import Context
from store import audit, tokens
from store.migrations import migrate


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("init")
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    initialise(context)
    return 0


def initialise(context: Context) -> tuple[int, int]:
    context.open_db(create=True, check=False)
    before, after = migrate()
    if before != after:
        audit.record("schema.migrated", context.actor, before=before, after=after)
        context.say("init.migrated", before=before, after=after)
    else:
        context.say("init.up_to_date", version=after)
    if tokens.ensure_secret(context.actor):
        context.say("newsletter.secret_created")
    return before, after
