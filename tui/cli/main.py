"""Entry point of the ``rekisteri`` command.

A failure the user can fix prints one line on stderr and exits 1; no traceback reaches a
user unless ``REKISTERI_DEBUG=1`` asks for it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from store.config import load_settings
from store.errors import RekisteriError
from store.i18n import translate
from tui.cli import (
    audit_cmd,
    breach_cmd,
    classify_cmd,
    consent_cmd,
    demo_cmd,
    erase_cmd,
    export_cmd,
    import_cmd,
    init_cmd,
    listing_cmds,
    mailbot_cmd,
    newsletter_cmd,
    notice_cmd,
    outbox_cmd,
    requests_cmd,
    restriction_cmd,
    retention_cmd,
    staff_cmd,
    tui_cmd,
)
from tui.cli.context import Context

COMMAND_MODULES = [
    init_cmd,
    demo_cmd,
    listing_cmds,
    mailbot_cmd,
    classify_cmd,
    outbox_cmd,
    requests_cmd,
    import_cmd,
    staff_cmd,
    audit_cmd,
    export_cmd,
    erase_cmd,
    retention_cmd,
    consent_cmd,
    breach_cmd,
    newsletter_cmd,
    restriction_cmd,
    notice_cmd,
    tui_cmd,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rekisteri",
        description="Privacy desk for a customer register / Tietosuojapyyntöjen käsittely.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="TOML configuration file (default: $REKISTERI_CONFIG)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Every file we write (database, exports, outbox mail, logs) holds personal data.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Never SQL in the log: its parameters are mail bodies and password hashes.
    logging.getLogger("peewee").setLevel(logging.WARNING)
    language = "fi"
    try:
        settings = load_settings(args.config)
        language = settings.ui.language
        context = Context(settings=settings, language=language)
        return int(args.handler(context, args) or 0)
    except RekisteriError as error:
        print(f"rekisteri: {error.translated(language)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (head, less) went away: not an error worth a message.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"rekisteri: {translate('cli.interrupted', language)}", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("REKISTERI_DEBUG"):
            raise
        print(
            f"rekisteri: {translate('cli.internal_error', language)}: "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
