"""``rekisteri classify FILE.eml… [--json]``: what the mailbot would decide for each mail.

Needs no database and changes nothing (:mod:`mailbot.explain`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import Context
from store.errors import InvalidInput
from store.i18n import os_reason


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("classify")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.eml")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    from mailbot.explain import decide

    decisions = []
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise InvalidInput(
                f"cannot read {path}: {error.strerror}",
                key="classify.unreadable",
                path=str(path),
                error=os_reason(error),
            ) from None
        decisions.append(decide(str(path), raw, context.settings))
    if args.json:
        context.print_json([decision.as_json() for decision in decisions])
        return 0
    t = context.t
    for decision in decisions:
        print(decision.name)
        if decision.reason:
            print("  " + t("classify.ignored", reason=t(f"message.reason.{decision.reason}")))
            continue
        kinds = ", ".join(t(f"kind.{kind}") for kind in decision.kinds)
        print("  " + t("classify.kinds", kinds=kinds, confidence=f"{decision.confidence:.2f}"))
        print(
            "  "
            + t(
                "classify.languages",
                written=decision.written_language or "–",
                answer=decision.answer_language,
            )
        )
        print(
            "  "
            + t(
                "classify.requester",
                email=decision.requester_email or "–",
                name=decision.requester_name or "–",
            )
        )
        if decision.forwarded_by_staff:
            print("  " + t("message.attention.forwarded_by_staff"))
        print("  " + t("classify.answer_yes" if decision.acknowledged else "classify.answer_no"))
        for kind, lines in decision.evidence.items():
            for line in lines[:3]:
                print(f"    {t(f'kind.{kind}')}: «{line}»")
    return 0
