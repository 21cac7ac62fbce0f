"""``rekisteri audit verify``: walk the hash chain and name the first broken link."""

from __future__ import annotations

import argparse

from cli.context import Context
from store import audit
from store.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("audit")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="check that no event was altered, removed or inserted"
    )
    verify.add_argument(
        "--expect",
        metavar="COUNT:HASH",
        help="an anchor printed by an earlier verify (kept outside the "
        "database): fail unless event COUNT still has HASH",
    )
    verify.set_defaults(handler=run_verify)


def run_verify(context: Context, args: argparse.Namespace) -> int:
    expect = None
    if args.expect:
        count, _, tip = args.expect.partition(":")
        if not (count.isdigit() and len(tip) == 64):
            raise InvalidInput("bad anchor", key="audit.bad_anchor")
        expect = (int(count), tip.lower())
    context.open_db()
    result = audit.verify(expect=expect)
    if result.ok:
        print(context.t("audit.ok", count=result.checked))
        print(context.t("audit.anchor", anchor=f"{result.checked}:{result.tip_hash}"))
        return 0
    print(context.t(f"audit.{result.problem}", id=result.first_bad_id))
    return 1
