"""``rekisteri retention [--dry-run]``: list what the retention rules ask today and why,
then (unless ``--dry-run``) do it."""

from __future__ import annotations

import argparse

from cli.context import Context
from store.i18n import format_date
from store.restriction import ground_text
from store.retention import RetentionReport, apply_retention


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("retention")
    parser.add_argument(
        "--dry-run", action="store_true", help="only list what would be done, and why"
    )
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    if args.dry_run:
        report = apply_retention(context.settings, dry_run=True)
    else:
        with context.progress(context.t("retention.progress")) as progress:
            report = apply_retention(context.settings, progress=progress)
    print_report(context, report)
    return 0


def print_report(context: Context, report: RetentionReport) -> None:
    t, language = context.t, context.language
    for item in report.erasures:
        print(
            t(
                f"retention.{item.basis}",
                customer_no=item.customer_no,
                ended=format_date(item.ended_on, language),
                due=format_date(item.due_on, language),
            )
        )
    for held in report.held:
        print(
            t(
                f"retention.held_{held.reason}",
                customer_no=held.customer_no,
                due=format_date(held.due_on, language),
                ground=ground_text(held.ground, language),
            )
        )
    if report.kept_for_marketing:
        print(t("retention.kept_for_marketing", count=report.kept_for_marketing))
    if report.vouchers_deleted:
        print(
            t(
                "retention.vouchers",
                count=report.vouchers_deleted,
                day=format_date(report.vouchers_up_to, language) if report.vouchers_up_to else "–",
            )
        )
    if report.requests_minimised:
        print(t("retention.requests", count=report.requests_minimised))
    redacted = report.messages_redacted + report.outbox_redacted
    raw = report.messages_raw_removed + report.outbox_raw_removed
    if redacted or raw:
        print(t("retention.mail", redacted=redacted, raw=raw))
    if report.package_passwords_forgotten:
        print(t("retention.package_passwords", count=report.package_passwords_forgotten))
    if not report.changed_anything:
        context.say("retention.nothing")
    elif report.dry_run:
        context.say("retention.dry_run_done")
    else:
        context.say(
            "retention.done",
            erased=len(report.erasures),
            vouchers=report.vouchers_deleted,
            mail=redacted + raw,
        )
