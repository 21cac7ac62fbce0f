"""``rekisteri audit verify``: walk the hash chain and name the first broken link."""

from __future__ import annotations

import argparse
from pathlib import Path

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
        "database): fail unless event COUNT still has HASH; the anchors the mailbot "
        "writes daily to audit.anchor_file are always checked",
    )
    verify.set_defaults(handler=run_verify)


def run_verify(context: Context, args: argparse.Namespace) -> int:
    expect = None
    if args.expect:
        expect = audit.parse_anchor(args.expect)
        if expect is None:
            raise InvalidInput("bad anchor", key="audit.bad_anchor")
    anchor_file = Path(context.settings.audit.anchor_file).expanduser()
    key_file = Path(context.settings.audit.key_file).expanduser()
    anchors = audit.read_anchors(anchor_file, audit.anchor_key(key_file))
    context.open_db()
    result = audit.verify(expect=expect, anchors=anchors.anchors)
    if result.ok:
        print(context.t("audit.ok", count=result.checked))
        if anchors.anchors:
            count = len(anchors.anchors)
            print(context.t("audit.anchors_checked", count=count, path=str(anchor_file)))
        if anchors.seals_unchecked:
            print(context.t("audit.seals_unchecked", path=str(key_file)))
        elif anchors.sealed:
            print(context.t("audit.seals_checked", count=anchors.sealed))
        print(context.t("audit.anchor", anchor=f"{result.checked}:{result.tip_hash}"))
        return 0
    print(context.t(f"audit.{result.problem}", id=result.first_bad_id))
    return 1
