"""``rekisteri import customers FILE --source ticketing|newsletter [--skip-bad]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import Context
from store.errors import NotFound
from store.importer import ImportFailed, import_customers


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("import")
    kinds = group.add_subparsers(dest="what", metavar="WHAT", required=True)
    customers = kinds.add_parser(
        "customers", help="customers from the ticketing system or the newsletter list (CSV)"
    )
    customers.add_argument("file", type=Path, metavar="FILE")
    customers.add_argument("--source", required=True, choices=("ticketing", "newsletter"))
    customers.add_argument(
        "--skip-bad", action="store_true", help="import the good rows and list the bad ones"
    )
    customers.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    if not args.file.is_file():  # before the database is opened: one error line, as any
        raise NotFound(f"file not found: {args.file}", key="import.no_file", path=str(args.file))
    context.open_db()
    try:
        with context.progress(context.t("import.progress")) as progress:
            report = import_customers(
                args.file,
                args.source,
                actor=context.actor,
                skip_bad=args.skip_bad,
                progress=progress,
            )
    except ImportFailed as failure:
        for error in failure.errors:
            print(
                context.t("import.bad_row", line=error.line, message=error.message), file=sys.stderr
            )
        raise
    for error in report.errors:
        print(
            context.t("import.skipped_row", line=error.line, message=error.message), file=sys.stderr
        )
    for conflict in report.conflicts:
        print(context.t("import.conflict_row", line=conflict.line), file=sys.stderr)
    context.say("import.done", **report.as_dict())
    return 0
