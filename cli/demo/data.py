"""Realistic Finnish demo customers (Faker's fi_FI locale), deterministic for a seed.

The customers are written as the two CSV files the company would export (the ticketing
system and the newsletter list) and imported through the real importer, so the demo
folder also shows what an import file looks like.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from faker import Faker

from store import clock
from store.customers import normalize_phone
from store.errors import InvalidInput
from store.models import Customer, Purchase, database

TICKETING_COLUMNS = [
    "customer_no",
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "email",
    "language",
    "registered_at",
    "relationship_ended_at",
]
NEWSLETTER_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "language",
    "register_consent",
    "marketing_consent",
    "consent_at",
    "consent_wording",
]

FILMS = [
    "Tuntematon sotilas",
    "Dune: Part Three",
    "Muumilaakson tarinoita",
    "Komisario Koskinen",
    "Kalevala: Sammon arvoitus",
    "Aki Kaurismäki -klassikot",
    "Pahanhautoja",
    "Avatar 4",
    "Risto Räppääjä",
    "Oppenheimer (uusinta)",
]


@dataclass(frozen=True)
class DemoFiles:
    ticketing: Path
    newsletter: Path


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum() and ch.isascii())


def write_customer_files(
    folder: Path, count: int, *, seed: int = 2026, now: datetime | None = None
) -> DemoFiles:
    now = now or clock.now()
    fake = Faker("fi_FI")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ticketing = folder / "ticketing.csv"
    newsletter = folder / "newsletter.csv"
    used_emails: set[str] = set()
    with (
        ticketing.open("w", newline="", encoding="utf-8") as t_file,
        newsletter.open("w", newline="", encoding="utf-8") as n_file,
    ):
        t_writer = csv.DictWriter(t_file, TICKETING_COLUMNS)
        n_writer = csv.DictWriter(n_file, NEWSLETTER_COLUMNS)
        t_writer.writeheader()
        n_writer.writeheader()
        for number in range(1, count + 1):
            first, last = fake.first_name(), fake.last_name()
            email = f"{_ascii(first)}.{_ascii(last)}@{fake.free_email_domain()}"
            while email in used_emails:
                email = (
                    f"{_ascii(first)}.{_ascii(last)}{rng.randint(2, 999)}@"
                    f"{fake.free_email_domain()}"
                )
            used_emails.add(email)
            language = rng.choices(["fi", "sv", "en"], weights=[88, 8, 4])[0]
            registered = now - timedelta(days=rng.randint(30, 3650))
            in_ticketing = rng.random() < 0.85
            in_newsletter = not in_ticketing or rng.random() < 0.4
            if in_ticketing:
                ended = ""
                if rng.random() < 0.08:
                    ended = (now - timedelta(days=rng.randint(5, 400))).date().isoformat()
                t_writer.writerow(
                    {
                        "customer_no": f"{100000 + number}",
                        "first_name": first,
                        "last_name": last,
                        "street_address": fake.street_address(),
                        "postal_code": fake.postcode(),
                        "city": fake.city(),
                        "phone": _demo_phone(rng),
                        "email": email,
                        "language": language,
                        "registered_at": registered.date().isoformat(),
                        "relationship_ended_at": ended,
                    }
                )
            if in_newsletter:
                consent_at = registered + timedelta(days=rng.randint(0, 30))
                n_writer.writerow(
                    {
                        "first_name": first,
                        "last_name": last,
                        "email": email,
                        "language": language,
                        "register_consent": "kyllä",
                        "marketing_consent": "kyllä" if rng.random() < 0.9 else "ei",
                        "consent_at": consent_at.date().isoformat(),
                        "consent_wording": "lomake-2023-1",
                    }
                )
    return DemoFiles(ticketing, newsletter)


def _demo_phone(rng: random.Random) -> str:
    while True:
        prefix = rng.choice(["040", "041", "044", "045", "046", "050"])
        candidate = f"{prefix} {rng.randint(1000000, 9999999)}"
        try:
            normalize_phone(candidate)
            return candidate
        except InvalidInput:
            continue


def add_purchases(*, seed: int = 2026, now: datetime | None = None) -> int:
    """Ticket purchases for the ticketing customers, reaching back seven years so that some
    vouchers are already past their six years."""
    now = now or clock.now()
    rng = random.Random(seed)
    rows = []
    customers = (
        Customer.select(Customer.id, Customer.customer_no, Customer.created_at)
        .where(~Customer.customer_no.startswith("N-"))
        .order_by(Customer.id)
    )
    receipt = 0
    for customer in customers:
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            receipt += 1
            when = now - timedelta(days=rng.randint(1, 7 * 365), minutes=rng.randint(0, 900))
            tickets = rng.randint(1, 4)
            film = rng.choice(FILMS)
            rows.append(
                {
                    "customer": customer.id,
                    "receipt_no": f"K{when:%Y}-{receipt:07d}",
                    "purchased_at": when,
                    "amount_cents": tickets * rng.choice([1150, 1290, 1450]),
                    "currency": "EUR",
                    "description": f"{tickets} × {film}",
                }
            )
    with database.atomic():
        for start in range(0, len(rows), 500):
            Purchase.insert_many(rows[start : start + 500]).execute()
    return len(rows)
