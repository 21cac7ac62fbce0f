"""``rekisteri audit verify``: walk the hash chain and name the first broken link."""

from __future__ import annotations

import argparse

from store import audit
from tui.cli.context import Context


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("audit", help="the audit trail")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check that no event was altered, removed "
                                               "or inserted")
    verify.set_defaults(handler=run_verify)


def run_verify(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    result = audit.verify()
    if result.ok:
        print(context.t("audit.ok", count=result.checked))
        return 0
    print(context.t(f"audit.{result.problem}", id=result.first_bad_id))
    return 1
