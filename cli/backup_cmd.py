"""``rekisteri backup keys|create|list|prune|verify|restore``: encrypted backups inside the
retention promise, and a restore that replays the forget ledger (docs/backups.md).

``create``, ``list`` and ``prune`` need only the public key, so they run on the server;
``verify`` and ``restore`` need the private key (``--identity`` or
``backup.identity_file``), which is kept away from the server.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from cli.context import Context
from store import backup, clock, encryption
from store.config import Settings
from store.errors import InvalidInput, RuleViolation
from store.i18n import format_date, format_datetime, format_size


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("backup")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    keys = actions.add_parser("keys", help="make the key pair backups are encrypted to")
    keys.add_argument("--identity", metavar="FILE", help="where the private key goes")
    keys.add_argument("--recipient", metavar="FILE", help="where the public key goes")
    keys.set_defaults(handler=run_keys)

    create = actions.add_parser("create", help="take an encrypted backup now")
    create.add_argument("--to", metavar="DIR", help="the folder (default: backup.dir)")
    create.set_defaults(handler=run_create)

    listing = actions.add_parser("list", help="the backups, their age and how long they are kept")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)

    prune = actions.add_parser("prune", help="delete the backups the rotation no longer keeps")
    prune.add_argument("--dry-run", action="store_true", help="only list what would go")
    prune.set_defaults(handler=run_prune)

    verify = actions.add_parser("verify", help="open a backup and check it is whole")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--identity", metavar="FILE", help="the private key")
    verify.set_defaults(handler=run_verify)

    restore = actions.add_parser(
        "restore", help="restore a backup, then replay the erasures made since"
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--identity", metavar="FILE", help="the private key")
    restore.add_argument(
        "--replace", action="store_true", help="overwrite the register in the database"
    )
    restore.add_argument("--confirm", metavar="NAME", help="the backup's file name, to confirm")
    restore.add_argument(
        "--accept-unreplayed",
        action="store_true",
        help="restore even without the forget ledger (the erasures since must be redone)",
    )
    restore.set_defaults(handler=run_restore)


def run_keys(context: Context, args: argparse.Namespace) -> int:
    settings = context.settings.backup
    identity_file = Path(args.identity or settings.identity_file or "backup-identity.pem")
    recipient_file = Path(args.recipient or settings.recipient_file or "backup-recipient.pem")
    for path in (identity_file, recipient_file):
        if path.exists():
            raise RuleViolation(f"{path} exists already", key="backup.keys_exist", path=str(path))
    identity = encryption.generate_identity()
    encryption.write_key_pair(identity, identity_file, recipient_file)
    context.say(
        "backup.keys_written",
        identity=str(identity_file),
        recipient=str(recipient_file),
        fingerprint=identity.recipient.fingerprint,
    )
    return 0


def run_create(context: Context, args: argparse.Namespace) -> int:
    with context.progress(context.t("backup.progress_create")):
        made = backup.create(context.settings, Path(args.to) if args.to else None)
    until = backup.keep_until(made, context.settings)
    context.say(
        "backup.created",
        path=str(made.path),
        size=format_size(made.size, context.language),
        until=format_date(until, context.language) if until else "–",
    )
    return 0


def backup_rows(settings: Settings) -> list[dict[str, Any]]:
    """``backup list --json``: one object per backup, oldest first (docs/backups.md)."""
    rows = []
    for found in backup.list_backups(Path(settings.backup.dir)):
        manifest = found.manifest
        until = backup.keep_until(found, settings)
        rows.append(
            {
                "name": found.name,
                "path": str(found.path),
                "size": found.size,
                "status": found.status,
                "created_at": clock.iso_utc(manifest.created_at) if manifest else None,
                "database": manifest.database if manifest else None,
                "schema_version": manifest.schema_version if manifest else None,
                "audit_events": manifest.audit_events if manifest else None,
                "ledger_seq": manifest.ledger_seq if manifest else None,
                "recipient": manifest.recipient if manifest else None,
                "keep_until": until.isoformat() if until else None,
            }
        )
    return rows


def run_list(context: Context, args: argparse.Namespace) -> int:
    rows = backup_rows(context.settings)
    if args.json:
        context.print_json(rows)
        return 0
    if not rows:
        context.say("backup.none", dir=context.settings.backup.dir)
        return 0
    t, language = context.t, context.language
    table = [
        [
            t("backup.column_name"),
            t("backup.column_taken"),
            t("backup.column_size"),
            t("backup.column_status"),
            t("backup.column_until"),
        ]
    ]
    for row in rows:
        taken = row["created_at"]
        table.append(
            [
                row["name"],
                format_datetime(clock.parse_instant(taken), language) if taken else "–",
                format_size(row["size"], language),
                t(f"backup.status_{row['status']}"),
                format_date(date.fromisoformat(row["keep_until"]), language)
                if row["keep_until"]
                else "–",
            ]
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    return 0


def run_prune(context: Context, args: argparse.Namespace) -> int:
    settings = context.settings
    if args.dry_run:
        found = backup.list_backups(Path(settings.backup.dir))
        keep = backup.kept(
            found, clock.now(), settings.backup.daily_days, settings.backup.weekly_weeks
        )
        for item in found:
            if item.path not in keep and item.status == "ok":
                print(context.t("backup.would_remove", name=item.name))
        context.say("backup.prune_dry_run")
        return 0
    report = backup.prune(settings)
    for name in report.removed:
        print(context.t("backup.removed", name=name))
    context.say("backup.pruned", removed=len(report.removed), kept=len(report.kept))
    return 0


def _identity(context: Context, args: argparse.Namespace) -> encryption.Identity:
    chosen = args.identity or context.settings.backup.identity_file
    if not chosen:
        raise InvalidInput(
            "give the private key with --identity", key="backup.no_identity", path="--identity"
        )
    return encryption.load_identity(Path(chosen))


def run_verify(context: Context, args: argparse.Namespace) -> int:
    report = backup.verify(Path(args.file), _identity(context, args), context.settings)
    size = format_size(report.bytes, context.language)
    if report.audit is not None and not report.audit.ok:
        print(context.t("backup.verify_failed", name=report.name, detail=report.audit.describe()))
        return 1
    events = report.audit.checked if report.audit else 0
    print(context.t("backup.verified", name=report.name, size=size, events=events))
    return 0


def run_restore(context: Context, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.replace and args.confirm != path.name:
        raise RuleViolation(
            "confirm with the backup's name", key="backup.confirm_mismatch", name=path.name
        )
    report = backup.restore(
        path,
        _identity(context, args),
        context.settings,
        actor=context.actor,
        replace=args.replace,
        accept_unreplayed=args.accept_unreplayed,
    )
    t, language = context.t, context.language
    print(
        t(
            "backup.restored",
            name=report.name,
            taken=format_datetime(report.manifest.created_at, language),
        )
    )
    if report.replayed:
        what = ", ".join(
            f"{t('backup.act.' + act)} {count}" for act, count in sorted(report.replayed.items())
        )
        print(t("backup.replayed", what=what))
    elif not report.unreplayed:
        print(t("backup.replayed_nothing"))
    for customer_no, fields in report.to_check:
        print(t("backup.to_check", customer_no=customer_no, fields=", ".join(fields)))
    if report.set_aside:
        context.say("backup.set_aside", path=report.set_aside)
    if report.unreplayed:
        context.say("backup.unreplayed")
    return 0
