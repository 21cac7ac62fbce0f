"""``rekisteri newsletter send|list|preview|rotate-secret``: the newsletter from the register.

``send`` queues the issue, one mail per customer who may receive marketing now, with a
progress bar; the mailbot (or ``rekisteri outbox send``) delivers it at
``mail.send_rate_per_second``, checking each reader's consent again just before SMTP.  Like
``outbox`` and ``mailbot``, these import ``mailbot`` and ``store`` only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import Context
from cli.listing_cmds import print_table
from mailbot.newsletter import newsletter_preview, queue_newsletter
from store import newsletters, tokens
from store.config import LANGUAGES
from store.errors import InvalidInput
from store.i18n import format_datetime


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("newsletter")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    send = actions.add_parser(
        "send",
        help="queue an issue to everyone who may receive marketing now; the mailbot "
        "(or `outbox send`) delivers it. The same texts again continue the issue.",
    )
    send.add_argument("file", type=Path, metavar="FILE", help="the Finnish text (Markdown)")
    send.add_argument("--subject", required=True, metavar="TEXT")
    send.add_argument(
        "--lang",
        action="append",
        default=[],
        metavar="LANG=FILE",
        help="the text in another language (sv, en); may be repeated",
    )
    send.add_argument(
        "--lang-subject",
        action="append",
        default=[],
        metavar="LANG=TEXT",
        help="the subject in another language (default: --subject)",
    )
    send.add_argument(
        "--dry-run", action="store_true", help="only count the recipients and show the Finnish mail"
    )
    send.set_defaults(handler=run_send)

    listing = actions.add_parser("list", help="every issue and what became of its mail")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=run_list)

    preview = actions.add_parser("preview", help="an issue as a reader of a language gets it")
    preview.add_argument("id", metavar="ID")
    preview.add_argument("--language", choices=LANGUAGES, default="fi")
    preview.add_argument("--html", action="store_true", help="the HTML part instead of the text")
    preview.set_defaults(handler=run_preview)

    rotate = actions.add_parser(
        "rotate-secret",
        help="a new secret for the personal links: every link sent before stops working",
    )
    rotate.add_argument(
        "--force",
        action="store_true",
        help="even while newsletter mail is still waiting to be sent",
    )
    rotate.set_defaults(handler=run_rotate)


# ---------------------------------------------------------------- reading the options


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        language, separator, rest = value.partition("=")
        if not separator or not rest.strip():
            raise InvalidInput(
                f"{option} takes LANG=VALUE", key="newsletter.bad_pair", option=option, value=value
            )
        pairs[language.strip().lower()] = rest
    return pairs


def _texts(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    files: dict[str, str | Path] = {"fi": args.file}
    for language, name in _pairs(args.lang, "--lang").items():
        if language == "fi":
            raise InvalidInput("the Finnish text is FILE", key="newsletter.finnish_is_file")
        files[language] = Path(name)
    return newsletters.read_texts(files), _pairs(args.lang_subject, "--lang-subject")


# ---------------------------------------------------------------- handlers


def run_send(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    bodies, subjects = _texts(args)
    if args.dry_run:
        return _dry_run(context, args.subject, bodies, subjects)
    newsletter, created = newsletters.find_or_create(args.subject, bodies, context.actor, subjects)
    context.say("newsletter.created" if created else "newsletter.resuming", id=newsletter.id)
    with context.progress(context.t("newsletter.progress")) as progress:
        report = queue_newsletter(
            newsletter, settings=context.settings, actor=context.actor, progress=progress
        )
    context.say(
        "newsletter.queued", id=newsletter.id, queued=report.queued, already=report.plan.already
    )
    context.say("newsletter.delivery", rate=_rate(context))
    return 0


def _rate(context: Context) -> str:
    rate = context.settings.mail.send_rate_per_second
    return f"{rate:g}/s" if rate > 0 else context.t("newsletter.no_limit")


def _dry_run(
    context: Context, subject: str, bodies: dict[str, str], subjects: dict[str, str]
) -> int:
    draft = newsletters.draft(subject, bodies, subjects)
    context.say(
        "newsletter.dry_run",
        total=draft.total,
        languages=", ".join(f"{language} {count}" for language, count in draft.audience.items()),
    )
    context.print_mail(
        "newsletter.subject", newsletter_preview(draft.newsletter, context.settings, "fi")
    )
    return 0


def run_list(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    rows = newsletters.newsletter_rows()
    if args.json:
        context.print_json(rows)
        return 0
    from store import clock

    table = [
        {
            "id": row["id"],
            "created": format_datetime(clock.parse_instant(row["created_at"]), context.language),
            "subject": row["subject"],
            "languages": row["languages"],
            "recipients": row["recipients"],
            **row["counts"],
        }
        for row in rows
    ]
    print_table(
        context,
        table,
        [
            ("id", "newsletter.col_id"),
            ("created", "newsletter.col_created"),
            ("subject", "newsletter.col_subject"),
            ("languages", "col.language"),
            ("recipients", "newsletter.col_recipients"),
            ("queued", "newsletter.col_queued"),
            ("sent", "newsletter.col_sent"),
            ("failed", "newsletter.col_failed"),
            ("skipped", "newsletter.col_skipped"),
        ],
    )
    return 0


def run_preview(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    newsletter = newsletters.get_newsletter(args.id)
    mail = newsletter_preview(newsletter, context.settings, args.language)
    if args.html:
        sys.stdout.write(mail.html or "")
        return 0
    context.print_mail("newsletter.subject", mail)
    return 0


def run_rotate(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    tokens.rotate_secret(context.settings, context.actor, force=args.force)
    context.say("newsletter.rotated")
    return 0
