"""``rekisteri breach …``: the breach register, the authority text and the customer notices.

``new``, ``list``, ``authority-text`` and ``notify`` are the contract in DESIGN.md; ``show``,
``update``, ``notice-text``, ``decide``, ``filed``, ``preview`` and ``recipients`` are what staff
need to keep the register complete.  Every change goes through :mod:`store.breaches` and is
audited there.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any

from cli.context import Context
from cli.listing_cmds import print_table
from mailbot import acts
from mailbot.breach_notices import notice_preview, queue_breach_notices
from store import breaches, clock, listings, mailings
from store.breach_authority import authority_text, missing_items
from store.config import LANGUAGES
from store.customers import format_phone
from store.errors import InvalidInput
from store.i18n import format_datetime
from store.mailings import Selection
from store.models import BREACH_NATURES, OUTBOX_STATUSES, SOURCES

FIELD_OPTIONS: dict[str, str] = {
    "occurred_until": "when the breach ended, if it lasted a while (ISO 8601)",
    "how_discovered": "how the breach came to light",
    "what": "what happened: the nature of the breach",
    "natures": f"comma-separated: {', '.join(BREACH_NATURES)}",
    "data_categories": "categories of personal data concerned",
    "people_categories": "categories of people concerned (customers, newsletter subscribers)",
    "people_count": "approximate number of people concerned",
    "records_count": "approximate number of personal data records concerned",
    "consequences": "likely consequences",
    "measures_taken": "measures taken, including those to mitigate the effects",
    "measures_proposed": "measures proposed",
    "contact_name": "the contact point for more information (default: the privacy officer)",
    "contact_email": "the contact point's email address",
    "contact_phone": "the contact point's phone number",
    "delay_reason": "why the authority is notified after 72 hours",
}
"""``breach update`` options (``--people-count``…), by store field name."""


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("breach")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    new = actions.add_parser("new", help="record a breach; prints its id")
    new.add_argument(
        "--discovered",
        required=True,
        metavar="TIME",
        help="when it was discovered (ISO 8601; Finnish time without an offset)",
    )
    new.add_argument("--occurred", metavar="TIME", help="when it happened")
    new.add_argument("--what", required=True, metavar="TEXT", help="what happened")
    _add_field_options(new, exclude=("what",))
    new.set_defaults(handler=run_new)

    listing = actions.add_parser("list", help="every breach with its 72-hour deadline")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="one breach as documented")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    update = actions.add_parser("update", help="fill in or correct the register fields")
    update.add_argument("id", metavar="ID")
    update.add_argument("--discovered", metavar="TIME")
    update.add_argument("--occurred", metavar="TIME")
    _add_field_options(update)
    update.set_defaults(handler=run_update)

    texts = actions.add_parser(
        "notice-text", help="the customer notice's texts in one language (Finnish is the fallback)"
    )
    texts.add_argument("id", metavar="ID")
    texts.add_argument("--language", choices=LANGUAGES, default="fi")
    for name in breaches.NOTICE_FIELDS:
        texts.add_argument(f"--{name}", metavar="TEXT", help="an empty text removes it")
    texts.set_defaults(handler=run_notice_text)

    decide = actions.add_parser(
        "decide", help="record whether the authority or the people must be told, and why"
    )
    decide.add_argument("id", metavar="ID")
    which = decide.add_mutually_exclusive_group(required=True)
    which.add_argument("--authority", choices=("yes", "no"))
    which.add_argument("--people", choices=("yes", "no"))
    decide.add_argument("--reason", required=True, metavar="TEXT")
    decide.add_argument("--by", metavar="NAME", help="who decided (default: your login)")
    decide.set_defaults(handler=run_decide)

    filed = actions.add_parser(
        "filed", help="record that the notification was filed with the Ombudsman"
    )
    filed.add_argument("id", metavar="ID")
    filed.add_argument("--at", metavar="TIME", help="when (default: now)")
    filed.add_argument("--by", metavar="NAME", help="who filed it (default: your login)")
    filed.add_argument(
        "--delay-reason", metavar="TEXT", help="why after 72 hours (required when late)"
    )
    filed.set_defaults(handler=run_filed)

    text = actions.add_parser(
        "authority-text", help="the notification for the Data Protection Ombudsman, ready to copy"
    )
    text.add_argument("id", metavar="ID")
    text.set_defaults(handler=run_authority_text)

    preview = actions.add_parser("preview", help="the customer notice as it will be sent")
    preview.add_argument("id", metavar="ID")
    preview.add_argument("--language", choices=LANGUAGES, default="fi")
    preview.set_defaults(handler=run_preview)

    notify = actions.add_parser("notify", help="queue one notice per affected customer")
    notify.add_argument("id", metavar="ID")
    notify.add_argument("--all", action="store_true", help="every customer in the register")
    notify.add_argument(
        "--source",
        action="append",
        choices=SOURCES,
        default=[],
        help="customers from this source (may be repeated)",
    )
    notify.add_argument("--customers", metavar="NO,NO,…", help="these customer numbers")
    for name, help_text in (
        ("created-from", "added to the register on or after DAY"),
        ("created-until", "added to the register on or before DAY"),
        ("held-from", "in the register at some time on or after DAY"),
        ("held-until", "in the register at some time on or before DAY"),
    ):
        notify.add_argument(f"--{name}", metavar="DAY", type=_day, help=help_text)
    notify.add_argument(
        "--dry-run", action="store_true", help="only count whom the notice would reach"
    )
    notify.add_argument(
        "--by",
        metavar="NAME",
        help="who decided to notify, when no decision is recorded yet (default: your login)",
    )
    notify.set_defaults(handler=run_notify)

    recipients = actions.add_parser(
        "recipients", help="each notified customer and what became of their notice"
    )
    recipients.add_argument("id", metavar="ID")
    recipients.add_argument("--json", action="store_true")
    recipients.add_argument("--status", choices=(*OUTBOX_STATUSES, "no_email", "informed"))
    recipients.set_defaults(handler=run_recipients)

    informed = actions.add_parser(
        "informed",
        help="record that a customer the notice mail did not reach was told another way",
    )
    informed.add_argument("id", metavar="ID")
    informed.add_argument("customer_no", metavar="CUSTOMER_NO")
    informed.add_argument(
        "--how", required=True, choices=[channel.value for channel in breaches.InformedChannel]
    )
    informed.add_argument("--note", default="", help="what was sent or said, where to find it")
    informed.set_defaults(handler=run_informed)


def _add_field_options(parser: argparse.ArgumentParser, exclude: tuple[str, ...] = ()) -> None:
    for name, help_text in FIELD_OPTIONS.items():
        if name not in exclude:
            parser.add_argument(
                "--" + name.replace("_", "-"), dest=name, metavar="VALUE", help=help_text
            )


# ---------------------------------------------------------------- parsing


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def _instant(text: str) -> datetime:
    return breaches.parse_field("discovered_at", text) or _no_time(text)


def _no_time(text: str) -> datetime:
    raise InvalidInput("no time given", key="breach.bad_time", value=text)


def _field_values(args: argparse.Namespace) -> dict[str, Any]:
    return {
        name: breaches.parse_field(name, getattr(args, name))
        for name in FIELD_OPTIONS
        if getattr(args, name, None) is not None
    }


def _who(context: Context, args: argparse.Namespace) -> str:
    """Who acted: ``--by``, else whoever runs the command (``--as`` or the system user)."""
    if args.by and args.by.strip():
        return args.by.strip()
    return context.actor


# ---------------------------------------------------------------- handlers


def run_new(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    values = _field_values(args)
    values.pop("what", None)  # --what is the contract's own option
    breach = breaches.record_breach(
        discovered_at=_instant(args.discovered),
        occurred_at=_instant(args.occurred) if args.occurred else None,
        what=args.what,
        actor=context.actor,
        controller=context.settings.controller,
        **values,
    )
    print(breach.id)
    context.say(
        "breach.recorded",
        id=breach.id,
        deadline=_when(context, breaches.deadline_at(breach.discovered_at)),
    )
    return 0


def run_list(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    rows = breaches.breach_rows()
    if args.json:
        context.print_json(rows)
        return 0
    t = context.t
    table = []
    for row in rows:
        notices = row["notices"]
        table.append(
            {
                "id": row["id"],
                "discovered": _when(context, clock.parse_instant(row["discovered_at"])),
                "deadline": _when(context, clock.parse_instant(row["deadline_at"])),
                "authority": _authority_state(context, row),
                "notices": t("breach.notice_counts", **notices),
                "without_email": len(row["without_email"]),
                "what": row["what"][:60],
            }
        )
    print_table(
        context,
        table,
        [
            ("id", "breach.col_id"),
            ("discovered", "breach.col_discovered"),
            ("deadline", "breach.col_deadline"),
            ("authority", "breach.col_authority"),
            ("notices", "breach.col_notices"),
            ("without_email", "breach.col_without_email"),
            ("what", "breach.col_what"),
        ],
    )
    return 0


def _authority_state(context: Context, row: dict[str, Any]) -> str:
    if row["authority_notified_at"]:
        return context.t(
            "breach.filed_at", at=_when(context, clock.parse_instant(row["authority_notified_at"]))
        )
    if row["authority_required"] is False:
        return context.t("breach.not_required")
    if row["overdue"]:
        return context.t("breach.overdue")
    left = clock.parse_instant(row["deadline_at"]) - clock.now()
    return context.t(
        "breach.time_left",
        hours=int(left.total_seconds() // 3600),
        minutes=int(left.total_seconds() % 3600 // 60),
    )


def run_show(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    document = breach_document(breach)
    if args.json:
        context.print_json(document)
        return 0
    for key, value in document.items():
        if value in (None, "", [], {}):
            continue
        print(f"{key}: {value}")
    return 0


def breach_document(breach: Any) -> dict[str, Any]:
    """Every register field of a breach, times in ISO 8601."""
    document: dict[str, Any] = {}
    for name in breach._meta.sorted_field_names:
        value = getattr(breach, name)
        document[name] = clock.iso(value) if isinstance(value, datetime) else value
    document["deadline_at"] = clock.iso(breaches.deadline_at(breach.discovered_at))
    return document


def run_update(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    values = _field_values(args)
    if args.discovered:
        values["discovered_at"] = _instant(args.discovered)
    if args.occurred is not None:
        values["occurred_at"] = _instant(args.occurred) if args.occurred.strip() else None
    changed = breaches.update_breach(breach, context.actor, **values)
    context.say(
        "breach.updated" if changed else "breach.unchanged", id=breach.id, fields=", ".join(changed)
    )
    return 0


def run_notice_text(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    texts = {name: getattr(args, name) for name in breaches.NOTICE_FIELDS}
    changed = breaches.set_notice_texts(breach, args.language, context.actor, **texts)
    context.say(
        "breach.updated" if changed else "breach.unchanged", id=breach.id, fields=", ".join(changed)
    )
    context.say("breach.notice_languages", languages=", ".join(breaches.notice_languages(breach)))
    return 0


def run_decide(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    which = "authority" if args.authority else "people"
    required = (args.authority or args.people) == "yes"
    breaches.decide(
        breach, which, required, args.reason, decided_by=_who(context, args), actor=context.actor
    )
    context.say(f"breach.decided_{which}_{'yes' if required else 'no'}", id=breach.id)
    return 0


def run_filed(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    at = _instant(args.at) if args.at else None
    first = breach.authority_notified_at is None
    breaches.record_filing(
        breach,
        filed_by=_who(context, args),
        actor=context.actor,
        at=at,
        delay_reason=args.delay_reason,
    )
    context.say(
        "breach.filed" if first else "breach.supplemented",
        id=breach.id,
        at=_when(context, at or clock.now()),
    )
    return 0


def run_authority_text(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    sys.stdout.write(authority_text(breach, context.settings))
    missing = missing_items(breach)
    if missing:
        context.say(
            "breach.missing_items",
            items=", ".join(context.t(f"breach.item.{item}") for item in missing),
        )
    return 0


def run_preview(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    language = breaches.notice_language(breach, args.language)
    if language != args.language:
        context.say("breach.falls_back", language=args.language)
    context.print_mail("breach.subject", notice_preview(breach, context.settings, args.language))
    return 0


def selection_from(args: argparse.Namespace) -> Selection:
    customers = tuple(part.strip() for part in (args.customers or "").split(",") if part.strip())
    if args.customers is not None and not customers:
        raise InvalidInput("name at least one customer number", key="mailing.no_selection")
    return Selection(
        everyone=args.all,
        sources=tuple(args.source),
        customer_nos=customers,
        created_from=args.created_from,
        created_until=args.created_until,
        held_from=args.held_from,
        held_until=args.held_until,
    )


def run_notify(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    selection = selection_from(args)
    if args.dry_run:
        plan = mailings.plan(breaches.notice_mailing(breach), selection)
        context.say(
            "breach.notify_plan",
            selected=plan.selected,
            already=plan.already,
            with_email=plan.with_email,
            without_email=plan.without_email,
        )
        return 0
    for item in breaches.missing_notice_items(breach):
        context.say(f"breach.notice_missing.{item}", id=breach.id)
    with context.progress(context.t("breach.notify_progress")) as progress:
        report = queue_breach_notices(
            breach,
            selection,
            settings=context.settings,
            actor=context.actor,
            decided_by=_who(context, args),
            progress=progress,
        )
    context.say(
        "breach.notify_done",
        queued=report.queued,
        without_email=report.without_email,
        already=report.plan.already,
    )
    if report.without_email:
        context.say("breach.notify_other_channel", id=breach.id)
    return 0


def run_recipients(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    mailing = breaches.notice_mailing(breach)
    lines = mailings.recipient_lines(mailing, status=args.status) if mailing else []
    rows = [
        {
            "customer_no": line.customer_no,
            "name": line.name,
            "email": line.email,
            "phone": format_phone(line.phone) or None,
            "address": line.address or None,
            "language": line.language,
            "status": line.status,
            "message_id": line.message_id,
            "attempts": line.attempts,
            "last_error": line.last_error,
            "sent_at": clock.iso(line.sent_at),
            "queued_at": clock.iso(line.queued_at),
            "informed_how": line.informed_how,
            "informed_at": clock.iso(line.informed_at),
            "informed_by": line.informed_by,
        }
        for line in lines
    ]
    listings.record_look(
        "breach-recipients", context.actor, rows=len(rows), output="json" if args.json else "table"
    )
    if args.json:
        context.print_json(rows)
        return 0
    print_table(
        context,
        rows,
        [
            ("customer_no", "col.customer_no"),
            ("name", "col.name"),
            ("email", "col.email"),
            ("status", "col.status"),
            ("last_error", "col.last_error"),
        ],
    )
    return 0


def run_informed(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    breach = breaches.get_breach(args.id)
    acts.mark_breach_recipient_informed(
        breach.id, args.customer_no, args.how, context.actor, note=args.note
    )
    context.say(
        "breach.recipient_informed",
        customer_no=args.customer_no,
        how=context.t(f"breach.channel.{args.how}"),
    )
    return 0


def _when(context: Context, value: datetime) -> str:
    return format_datetime(value, context.language)
