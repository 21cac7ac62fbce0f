"""Entry point of the ``rekisteri`` command.

A failure the user can fix prints one line on stderr and exits 1; no traceback reaches a
user unless ``REKISTERI_DEBUG=1`` asks for it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from store.config import load_settings
from store.errors import RekisteriError
from store.i18n import STAFF_LANGUAGES, catalog, os_error_text, translate


def run_language() -> str:
    """The language of this run before the settings are read: ``REKISTERI_LANG`` when it
    is a staff language, else Finnish (so even a configuration error is in it)."""
    language = os.environ.get("REKISTERI_LANG", "").strip()
    return language if language in STAFF_LANGUAGES else "fi"


SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-ZÅÄÖ]")


def error_line(message: str) -> str:
    """Every error the command prints, in one form: ``rekisteri: `` and the message begun in
    lower case (unless it starts with a name such as Message-ID), without a closing full
    stop when it is one sentence."""
    message = " ".join(message.split())
    first = message.split(" ", 1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        message = message[:1].lower() + message[1:]
    if message.endswith(".") and not SENTENCE_BREAK.search(message) and not message.endswith(".."):
        message = message[:-1]
    return f"rekisteri: {message}"


ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "required"),
    (re.compile(r"unrecognized arguments: (?P<words>.+)"), "unrecognized"),
    (
        re.compile(
            r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) "
            r"\(choose from (?P<choices>.+)\)"
        ),
        "invalid_choice",
    ),
    (re.compile(r"argument (?P<argument>.+?): expected one argument"), "expects_value"),
    (re.compile(r"argument (?P<argument>.+?): invalid \w+ value: (?P<value>.+)"), "invalid_value"),
    (re.compile(r"one of the arguments (?P<names>.+) is required"), "one_required"),
    (
        re.compile(r"argument (?P<argument>.+?): not allowed with argument (?P<other>.+)"),
        "not_allowed",
    ),
)
"""argparse's messages (Python's English, which gettext has no Finnish for) and their
catalogue keys under ``cli.argparse``; a message not listed stays as argparse wrote it."""


def argparse_message(message: str, language: str) -> str:
    for pattern, key in ARGPARSE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return translate(f"cli.argparse.{key}", language, **found.groupdict())
    return message


HEADINGS = {"positional arguments": "positional", "options": "options"}
"""argparse's section headings and their catalogue keys under ``cli.argparse``."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help in the run's language: "käyttö:", "argumentit", "valitsimet"."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        if prefix is None:
            prefix = translate("cli.argparse.usage", Parser.language) + " "
        super().add_usage(usage, actions, groups, prefix)

    def start_section(self, heading: str | None) -> None:
        if heading in HEADINGS:
            heading = translate(f"cli.argparse.{HEADINGS[heading]}", Parser.language)
        super().start_section(heading)


class Parser(argparse.ArgumentParser):
    """argparse with its help and errors in the run's language, and its errors in the
    form of every other error line (``rekisteri: …``), after the usage line."""

    language = "fi"

    words: tuple[str, ...] = ()
    """The command's words (``("outbox", "send")``): the catalogue's name for its texts."""

    localized = False
    """Whether its texts are the catalogue's yet: they are put in when its help is first
    shown (:meth:`format_help`), so a command that shows none never reads them."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False  # our own -h, its help in the run's language
        super().__init__(*args, **kwargs)
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help="show this help message and exit",
            )

    def format_help(self) -> str:
        if not self.localized:
            localize_help(self, self.language, self.words)
            self.localized = True
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self._print_message(self.format_usage(), sys.stderr)
        self.exit(2, error_line(argparse_message(message, self.language)) + "\n")


def help_key(words: Sequence[str]) -> str:
    """The catalogue's name for a command's words: ``outbox send`` → ``outbox_send``."""
    return "_".join(word.replace("-", "_") for word in words) or "rekisteri"


def localize_help(
    parser: argparse.ArgumentParser, language: str, words: tuple[str, ...] = ()
) -> None:
    """The description and help texts of ``parser`` (the command ``words``) from the
    catalogue: ``cli.command.<words>`` for a command's line, ``cli.option.<words>.<dest>``
    for an option's (the English beside the code is the catalogue's English)."""
    own = catalog(language)
    english = catalog("en")

    def words_of(key: str, fallback: str | None) -> str | None:
        return own.get(key) or english.get(key) or fallback

    parser.description = words_of(f"cli.command.{help_key(words)}", parser.description)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for pseudo in action._choices_actions:
                pseudo.help = words_of(
                    f"cli.command.{help_key((*words, pseudo.dest))}", pseudo.help
                )
        elif isinstance(action, argparse._HelpAction):
            action.help = translate("cli.argparse.help", language)
        elif action.help not in (None, argparse.SUPPRESS):
            action.help = words_of(f"cli.option.{help_key(words)}.{action.dest}", action.help)


def name_commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> None:
    """Tell ``parser`` and every parser below it their command's words (see
    :attr:`Parser.words`)."""
    if isinstance(parser, Parser):
        parser.words = words
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                name_commands(subparser, (*words, name))


@dataclass(frozen=True)
class Command:
    summary: str
    """The line ``rekisteri --help`` shows."""
    modules: tuple[str, ...]
    """The modules (under ``cli``) whose ``register`` builds its parser, in order: a module
    that adds an action to another's group (``messages reprocess``) comes after it."""


COMMANDS: dict[str, Command] = {
    "init": Command("create or upgrade the database schema", ("init_cmd",)),
    "demo": Command("set up the demo folder and open the TUI on it", ("demo",)),
    "requests": Command(
        "list requests; record one made by phone, at the counter or by letter",
        ("listing_cmds", "requests_cmd"),
    ),
    "messages": Command(
        "list inbound messages and their dispositions; reprocess one",
        ("listing_cmds", "mailbot_cmd"),
    ),
    "customers": Command("list customers", ("listing_cmds",)),
    "outbox": Command("list, send and retry outgoing mail", ("listing_cmds", "outbox_cmd")),
    "marketing-list": Command("customers who may receive the newsletter now", ("listing_cmds",)),
    "mailbot": Command(
        "read the privacy inbox and send the outbox (runs until stopped)",
        ("listing_cmds", "mailbot_cmd"),
    ),
    "classify": Command(
        "show what the mailbot would decide for mail files (no database)", ("classify_cmd",)
    ),
    "import": Command("import customers from a CSV file", ("import_cmd",)),
    "staff": Command("the named persons allowed into the register", ("staff_cmd",)),
    "audit": Command("the audit trail", ("audit_cmd",)),
    "export": Command("write a customer's data package (Art. 15)", ("export_cmd",)),
    "erase": Command(
        "erase a customer (Art. 17); vouchers are kept for their six years", ("erase_cmd",)
    ),
    "retention": Command(
        "erase customers and vouchers whose time is up, clean old mail", ("retention_cmd",)
    ),
    "consent": Command("the consent ledger of one customer", ("consent_cmd",)),
    "breach": Command("the register of personal data breaches (GDPR Art. 33-34)", ("breach_cmd",)),
    "newsletter": Command(
        "the newsletter: send an issue, list them, rotate the secret of its links",
        ("newsletter_cmd",),
    ),
    "restriction": Command(
        "restriction of processing (Art. 18): list, apply, lift", ("restriction_cmd",)
    ),
    "notice": Command(
        "the privacy notice (Art. 13), or with --record the record of processing activities "
        "(Art. 30)",
        ("notice_cmd",),
    ),
    "backup": Command(
        "encrypted backups: make, list, rotate, verify, restore (replaying erasures)",
        ("backup_cmd",),
    ),
    "tui": Command("open the staff terminal UI (log in as staff)", ("tui_cmd",)),
}
"""Every subcommand.  Only the modules of the one being run are imported, so the command
starts in a fraction of a second and ``mailbot`` never loads Textual."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` (its modules imported), or, without one, a parser that
    lists every command and imports none.  Its help is put in the run's language when it
    is first shown."""
    parser = Parser(
        prog="rekisteri",
        description="Privacy desk for a customer register.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="TOML configuration file (default: $REKISTERI_CONFIG)"
    )
    parser.add_argument(
        "--as",
        dest="as_staff",
        metavar="NAME",
        help="act as this enabled staff member in the audit trail "
        "(default: @cli:<the system user>)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    if command in COMMANDS:
        registered: set[str] = set()
        for name in COMMANDS[command].modules:
            if name not in registered:
                importlib.import_module(f"cli.{name}").register(commands)
                registered.add(name)
        for choice, subparser in commands.choices.items():
            if choice in COMMANDS:
                subparser.description = subparser.description or COMMANDS[choice].summary
        # The list of commands in the help shows them all, whichever one is built.
        commands._choices_actions = [
            commands._ChoicesPseudoAction(name, (), entry.summary)
            for name, entry in COMMANDS.items()
        ]
    else:
        for name, entry in COMMANDS.items():
            commands.add_parser(name, help=entry.summary, add_help=False)
    name_commands(parser)
    return parser


QUIET_LOGGERS = ("peewee", "imapclient")
"""Libraries whose DEBUG lines carry personal data; ``-v`` leaves them at warnings."""

LOGGING_COMMANDS = frozenset({"mailbot"})
"""The commands whose log is their output: the daemon says what it does in log lines."""

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""The one form of every log line: ``2026-03-10 12:00:00 WARNING rekisteri.mailbot.sender: …``."""


def configure_logging(command: str | None, *, verbose: bool) -> None:
    """The log goes to stderr in one form (:data:`LOG_FORMAT`), never to stdout.

    A command that says what became of its work in its own words, in the run's language
    (``outbox send``: "Viestejä lähetetty 1, …, epäonnistui 1" and the server's answer),
    does not repeat it in the log's English lines between them: below ``-v`` only errors
    are logged there.
    The mailbot, whose output is its log, logs what it does; ``-v`` logs everything.
    """
    if verbose:
        level = logging.DEBUG
    elif command in LOGGING_COMMANDS:
        level = logging.INFO
    else:
        level = logging.ERROR
    logging.basicConfig(
        level=level, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr
    )
    # Never SQL in the log (its parameters are mail bodies and password hashes), nor the
    # IMAP conversation (imapclient logs every line at DEBUG: every mail's body).
    for talkative in QUIET_LOGGERS:
        logging.getLogger(talkative).setLevel(max(level, logging.WARNING))


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is one), if any."""
    for word in argv:
        if word in COMMANDS:
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    # Every file we write (database, exports, outbox mail, logs) holds personal data.
    os.umask(0o077)
    words = sys.argv[1:] if argv is None else list(argv)
    language = Parser.language = run_language()
    parser = build_parser(_command_in(words))
    args = parser.parse_args(words)
    configure_logging(args.command, verbose=args.verbose)
    try:
        settings = load_settings(args.config)
        language = settings.ui.language
        from cli.context import Context

        context = Context(settings=settings, language=language, as_staff=args.as_staff)
        return int(args.handler(context, args) or 0)
    except RekisteriError as error:
        print(error_line(error.translated(language)), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (head, less) went away: not an error worth a message.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(error_line(translate("cli.interrupted", language)), file=sys.stderr)
        return 130
    except OSError as error:
        # A file not found, a folder not writable: the operating system's reason in the
        # run's language, not Python's English strerror.
        if os.environ.get("REKISTERI_DEBUG"):
            raise
        print(error_line(os_error_text(error, language)), file=sys.stderr)
        return 1
    except Exception as error:
        if os.environ.get("REKISTERI_DEBUG"):
            raise
        from store.db import is_busy

        if is_busy(error):
            print(error_line(translate("cli.database_busy", language)), file=sys.stderr)
            return 1
        print(
            error_line(
                f"{translate('cli.internal_error', language)}: {type(error).__name__}: {error}"
            ),
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
