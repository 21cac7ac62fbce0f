"""``rekisteri tui``: the staff terminal UI on the configured database.

Textual is imported only when the command runs, so other commands (the mailbot above all)
never load it.
"""

from __future__ import annotations

import argparse

from cli.context import Context


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("tui")
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    from tui.app import make_app

    make_app(context.settings).run()
    return 0
