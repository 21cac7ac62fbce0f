"""``rekisteri staff add|list|disable|enable|password``."""

from __future__ import annotations

import argparse
import getpass
import sys

from cli.context import Context
from store import staff
from store.errors import InvalidInput
from store.i18n import code_text
from store.models import ROLES


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("staff")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a staff member (the password is asked twice)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", default="")
    add.add_argument("--language", choices=("fi", "en"), default="fi")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (for scripts)",
    )
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="list staff")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    for action, help_text in (
        ("disable", "stop a staff member from logging in"),
        ("enable", "let a disabled staff member log in again"),
    ):
        parser = actions.add_parser(action, help=help_text)
        parser.add_argument("name")
        parser.set_defaults(handler=run_enable, enable=action == "enable")
    password = actions.add_parser("password", help="set a new password")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(handler=run_password)


def read_password(context: Context, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(context.t("staff.password_prompt"))
    second = getpass.getpass(context.t("staff.password_again"))
    if first != second:
        raise InvalidInput("the passwords differ", key="staff.passwords_differ")
    return first


def run_add(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    password = read_password(context, args.password_stdin)
    member = staff.add_staff(
        args.name,
        args.role,
        password,
        context.actor,
        display_name=args.display_name,
        language=args.language,
    )
    role = code_text("tui.role", member.role, context.language)
    context.say("staff.added", name=member.name, role=role)
    return 0


def run_list(context: Context, args: argparse.Namespace) -> int:
    from store.clock import iso

    context.open_db()
    rows = [
        {
            "name": s.name,
            "display_name": s.display_name,
            "role": s.role,
            "enabled": s.enabled,
            "language": s.language,
            "last_login_at": iso(s.last_login_at),
        }
        for s in staff.list_staff()
    ]
    if args.json:
        context.print_json(rows)
    else:
        from cli.listing_cmds import print_table

        print_table(
            context,
            rows,
            [
                ("name", "col.name"),
                ("role", "col.role"),
                ("enabled", "col.enabled"),
                ("last_login_at", "col.last_login"),
            ],
            codes={"role": "tui.role"},
        )
    return 0


def run_enable(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    staff.set_enabled(args.name, args.enable, context.actor)
    context.say("staff.enabled" if args.enable else "staff.disabled", name=args.name)
    return 0


def run_password(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    staff.set_password(args.name, read_password(context, args.password_stdin), context.actor)
    context.say("staff.password_set", name=args.name)
    return 0
