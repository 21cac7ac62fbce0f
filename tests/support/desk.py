"""A small privacy desk for the TUI tests: staff, customers, purchases and waiting requests,
built through the real store functions (the ``desk`` fixture), and Pilot helpers to drive
the real app.  Listed in ``tests/conftest.py``'s ``pytest_plugins``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from mailbot.breach_notices import queue_breach_notices
from store import breaches, clock, consent, lifecycle
from store.config import Settings, load_settings
from store.customers import match_candidates
from store.mailings import Selection
from store.models import InboundMessage, OutboxMail, Purchase
from store.staff import add_staff
from tests.support.factories import make_customer
from tui.app import RekisteriApp, make_app

PASSWORDS = {"anna": "anna-salasana", "admin": "admin-salasana", "emma": "emma-salasana"}


@dataclass(frozen=True)
class Desk:
    settings: Settings
    access: str  # reference of Matti's access request
    rectification: str  # Liisa's address change
    erasure: str  # Pekka's erasure request


def desk_settings(db_url: str) -> Settings:
    return load_settings(environ={"REKISTERI_DB": db_url})


def _message(request: object, sender: str, name: str, subject: str, body: str) -> None:
    InboundMessage.create(
        dedupe_key=f"<{subject}.{sender}>",
        message_id=f"<{subject}.{sender}>",
        from_address=sender,
        from_name=name,
        subject=subject,
        body_text=body,
        received_at=clock.now(),
        disposition="new_request",
        request=request,
        headers=[["From", f"{name} <{sender}>"], ["Subject", subject]],
    )


def build_desk(db_url: str) -> Desk:
    """Three staff, three customers with purchases, and three requests waiting."""
    add_staff("anna", "handler", PASSWORDS["anna"], "@test", display_name="Anna Aalto")
    add_staff("admin", "admin", PASSWORDS["admin"], "@test", display_name="Ylläpito")
    add_staff(
        "emma", "handler", PASSWORDS["emma"], "@test", display_name="Emma English", language="en"
    )
    now = clock.now()
    matti = make_customer(customer_no="100001")
    make_customer(
        first_name="Liisa",
        last_name="Virtanen",
        email="liisa.virtanen@example.fi",
        phone="050 1112223",
        customer_no="100002",
        street_address="Puistotie 3",
    )
    pekka = make_customer(
        first_name="Pekka",
        last_name="Laine",
        email="pekka.laine@example.fi",
        phone="044 5556667",
        customer_no="100003",
    )
    for customer in (matti, pekka):
        consent.record_consent(
            customer,
            "register",
            True,
            channel="ticketing_registration",
            actor="@test",
            at=now - timedelta(days=400),
        )
        consent.record_consent(
            customer,
            "marketing",
            True,
            channel="website_form",
            actor="@test",
            at=now - timedelta(days=400),
        )
    for number, (customer, days) in enumerate(
        ((matti, 30), (matti, 800), (pekka, 200), (pekka, 3000)), start=1
    ):
        Purchase.create(
            customer=customer,
            receipt_no=f"K-{number:04d}",
            purchased_at=now - timedelta(days=days),
            amount_cents=1290 * number,
            description=f"{number} × Tuntematon sotilas",
        )

    access = lifecycle.create_request(
        kind="access",
        actor="@mailbot",
        requester_email="matti.meikalainen@example.fi",
        requester_name="Matti Meikäläinen",
        confidence=0.93,
        received_at=now - timedelta(days=2),
        candidates=match_candidates(email="matti.meikalainen@example.fi"),
    )
    _message(
        access,
        "matti.meikalainen@example.fi",
        "Matti Meikäläinen",
        "Tietopyyntö",
        "Hei,\n\nhaluaisin tarkistaa, mitä tietoja teillä on minusta.\n\nMatti",
    )
    rectification = lifecycle.create_request(
        kind="rectification",
        actor="@mailbot",
        requester_email="liisa.virtanen@example.fi",
        requester_name="Liisa Virtanen",
        requester_phone="040 7654321",
        confidence=0.81,
        received_at=now - timedelta(days=25),
        proposed_changes={"street_address": "Kirkkokatu 5 B 12", "phone": "040 765 4321"},
        candidates=match_candidates(email="liisa.virtanen@example.fi"),
    )
    _message(
        rectification,
        "liisa.virtanen@example.fi",
        "Liisa Virtanen",
        "Osoitteenmuutos",
        "Uusi osoite: Kirkkokatu 5 B 12. Uusi numero 040 765 4321.",
    )
    erasure = lifecycle.create_request(
        kind="erasure",
        actor="@mailbot",
        requester_email="pekka.laine@example.fi",
        requester_name="Pekka Laine",
        confidence=0.88,
        received_at=now - timedelta(days=40),
        candidates=match_candidates(email="pekka.laine@example.fi"),
    )
    _message(erasure, "pekka.laine@example.fi", "Pekka Laine", "poisto", "poistakaa tietoni")
    return Desk(desk_settings(db_url), access.reference, rectification.reference, erasure.reference)


@pytest.fixture
def desk(db: str, frozen_clock: object) -> Desk:
    return build_desk(db)


def desk_app(desk: Desk, **options: object) -> RekisteriApp:
    return make_app(desk.settings, cursor_blink=False, **options)  # type: ignore[arg-type]


def text_of(app: RekisteriApp, selector: str) -> str:
    """What a ``Static`` on the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())


async def settle(pilot: Pilot[object]) -> None:
    """Let every worker finish and every message it posted be handled.

    A worker the app cancelled (an exclusive one that a newer run of the same work
    replaced, as a slow machine lets happen) has nothing more to finish: it is passed over,
    where ``workers.wait_for_complete()`` would raise ``WorkerCancelled``; a worker that
    failed still fails the test.  Each pause costs at least 20 ms, so it stops as soon as
    nothing is left to do."""
    for _ in range(4):
        running = list(pilot.app.workers)
        for worker in running:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
        if not running and _nothing_waiting(pilot.app):
            break  # nothing ran, and the pause left no message and started no work
    # A button just clicked ignores clicks for its press effect (0.2 s): no hand is that
    # fast, and a test clicking it again must not be either.
    for _ in range(10):
        if not pilot.app.screen.query(".-active"):
            return
        await pilot.pause(0.05)


_SCREEN_WORK = (
    "_layout_required",
    "_scroll_required",
    "_repaint_required",
    "_recompose_required",
    "_dirty_widgets",
)


def _nothing_waiting(app: RekisteriApp) -> bool:
    """No worker running, no message queued anywhere on the screen (a click travels through
    several messages before its handler runs) and no layout or repaint pending (a click
    lands where the last layout put its target)."""
    if list(app.workers):
        return False
    screen = app.screen
    if any(getattr(screen, name, False) for name in _SCREEN_WORK):
        return False
    if getattr(screen, "_callbacks", None):
        return False  # run after the next refresh
    nodes = [app, *screen.walk_children(with_self=True)]
    return all(node._message_queue.empty() and not node._next_callbacks for node in nodes)


async def press_and_settle(pilot: Pilot[object], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` into the focused field as a terminal delivers a fast typist's keys: every
    key in order through the app's own queue, then one wait.  ``Pilot.press`` waits at least
    40 ms after every key, which made typing most of a desk test's time."""
    app = pilot.app
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        app.post_message(events.Key(key, character))
    await pilot.pause()


async def log_in(pilot: Pilot[object], name: str, password: str | None = None) -> None:
    await settle(pilot)
    await pilot.click("#login-name")
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, password if password is not None else PASSWORDS[name])
    await pilot.press("enter")
    await settle(pilot)


async def open_request(pilot: Pilot[object], reference: str) -> None:
    """From the queue: search for the reference and open it with Enter."""
    await pilot.press("slash")
    await type_text(pilot, reference)
    await press_and_settle(pilot, "enter")
    await press_and_settle(pilot, "enter")


async def open_and_confirm(pilot: Pilot[object], reference: str) -> None:
    """Open the request and confirm its matched candidate as the person it is about."""
    await open_request(pilot, reference)
    await pilot.press("enter")  # the matched candidate
    await press_and_settle(pilot, "enter")  # yes, it is them


async def confirm_and_call(
    pilot: Pilot[object],
    reference: str,
    outcome_keys: tuple[str, ...] = ("space",),
    note: str = "vastasi",
) -> None:
    """Open the request, confirm the candidate, and log a call (default: confirmed)."""
    await open_and_confirm(pilot, reference)
    await press_and_settle(pilot, "c")
    await pilot.press(*outcome_keys, "tab")
    await type_text(pilot, note)
    await press_and_settle(pilot, "enter")


async def open_customer(pilot: Pilot[object], search: str) -> None:
    """From the queue: the customer search, ``search`` typed, the first customer opened."""
    await press_and_settle(pilot, "c")
    await type_text(pilot, search)
    await settle(pilot)
    await press_and_settle(pilot, "enter", "enter")


def breach_told_to_everyone(desk: Desk) -> int:
    """A breach told to everyone: one customer has no email address, one mail failed."""
    make_customer(
        customer_no="100077",
        first_name="Eino",
        last_name="Postiton",
        email=None,
        phone="040 777 1234",
        street_address="Satamakatu 7",
    )
    breach = breaches.record_breach(
        discovered_at=clock.now(), what="Varmuuskopio vuoti.", actor="anna"
    )
    queue_breach_notices(breach, Selection(everyone=True), settings=desk.settings, actor="anna")
    failed = OutboxMail.select().where(OutboxMail.template == "breach_notice").first()
    failed.status, failed.last_error = "failed", "550 5.1.1 user unknown"
    failed.save()
    return breach.id
