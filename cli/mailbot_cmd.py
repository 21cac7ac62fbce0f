"""``rekisteri mailbot [--once]`` and ``rekisteri messages reprocess MESSAGE_ID``.

This module imports ``mailbot`` and ``store`` only: the daemon never loads Textual.
"""

from __future__ import annotations

import argparse

from cli import listing_cmds
from cli.context import Context
from mailbot.daemon import Mailbot
from mailbot.ingest import reprocess
from store.i18n import code_text


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("mailbot")
    parser.add_argument(
        "--once", action="store_true", help="process everything waiting, send the outbox, and exit"
    )
    parser.set_defaults(handler=run)
    again = listing_cmds.ACTIONS["messages"].add_parser(
        "reprocess", help="run a quarantined message through the mailbot again"
    )
    again.add_argument(
        "message_id",
        metavar="MESSAGE_ID",
        help="its Message-ID (or, for a message without one, the key that "
        "`messages list --json` shows)",
    )
    again.set_defaults(handler=run_reprocess)


def run(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    bot = Mailbot(context.settings)
    return bot.run_once() if args.once else bot.run_forever()


def run_reprocess(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    message = reprocess(args.message_id, context.settings)
    if message.disposition == "quarantined":
        context.say("mailbot.still_quarantined", reason=message.reason or "")
        return 1
    reference = (
        message.request.reference if message.request_id and message.request is not None else "–"
    )
    context.say(
        "mailbot.reprocessed",
        reference=reference,
        disposition=code_text("message.disposition", message.disposition, context.language),
    )
    return 0
