"""``rekisteri notice [--lang fi|sv|en] [--format txt|md|html] [--out FILE]``: the privacy
notice (Art. 13) from the configuration; ``--record [--json]``: the record of processing
activities (Art. 30) with the register's own figures (Art. 5(2)).

The notice needs no database; the record reads its figures from it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.context import Context
from store.config import LANGUAGES
from store.documents import FORMATS, render
from store.errors import InvalidInput
from store.notice import build_notice
from store.record import build_record, record_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("notice")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="the notice's language (default: fi, or the command line's)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="txt",
        dest="fmt",
        help="plain text (default), Markdown or one HTML page",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of the standard output"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="the record of processing activities, with figures from the register",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --record: the facts and figures as JSON, for scripts",
    )
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    if args.json and not args.record:
        raise InvalidInput("--json goes with --record", key="notice.json_needs_record")
    language = args.lang or ("fi" if not args.record else context.language)
    if args.record:
        context.open_db()
        if args.json:
            text = (
                json.dumps(record_json(context.settings, language), ensure_ascii=False, indent=2)
                + "\n"
            )
        else:
            text = render(build_record(context.settings, language), args.fmt)
    else:
        text = render(build_notice(context.settings, language), args.fmt)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    context.say("notice.written", path=str(args.out))
    return 0
