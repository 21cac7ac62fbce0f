"""``rekisteri outbox send [--limit N]`` and ``rekisteri outbox retry MESSAGE_ID``.

``outbox list`` is one of the listings (:mod:`cli.listing_cmds`); these two actions join
it in the same group.  Like ``mailbot``, they import ``mailbot`` and ``store`` only.
"""

from __future__ import annotations

import argparse
import asyncio

from cli import listing_cmds
from cli.context import Context
from mailbot import acts
from mailbot.sender import send_due


def register(commands: argparse._SubParsersAction) -> None:
    actions = listing_cmds.ACTIONS["outbox"]
    send = actions.add_parser(
        "send", help="send the mail that is due now; exits 1 if any mail failed for good"
    )
    send.add_argument("--limit", type=int, default=None, metavar="N", help="send at most N mails")
    send.set_defaults(handler=run_send)
    retry = actions.add_parser("retry", help="send a failed mail again (same Message-ID)")
    retry.add_argument(
        "message_id", metavar="MESSAGE_ID", help="the Message-ID that `outbox list --json` shows"
    )
    retry.set_defaults(handler=run_retry)


def run_send(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    with context.progress(context.t("outbox.progress")) as progress:
        report = asyncio.run(send_due(context.settings, limit=args.limit, progress=progress))
    context.say(
        "outbox.sent",
        sent=report.sent,
        retry=report.retry,
        failed=report.failed,
        skipped=report.skipped,
    )
    for message_id, error in report.failures:
        context.say("outbox.failed", message_id=message_id, error=error)
    if report.connection_error:
        context.say("outbox.unreachable", error=report.connection_error)
    return 1 if report.failed else 0


def run_retry(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    acts.retry_mail(args.message_id, context.actor)  # the desk's retry (`y`) is the same act
    context.say("outbox.requeued", message_id=args.message_id.strip())
    return 0
