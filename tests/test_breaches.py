"""The breach register's rules: the 72-hour deadline, decisions, filing, the notice texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import audit, breaches, clock
from store.config import load_settings
from store.errors import InvalidInput, RuleViolation
from store.models import AuditEvent, Breach


@pytest.fixture(autouse=True)
def anna_on_staff(db):
    """The staff member who acts in these tests (every act asks whether its member is
    enabled)."""
    from tests.support.factories import make_staff

    make_staff("anna")


HELSINKI_SPRING_FORWARD = "2026-03-29T03:00:00+02:00"  # clocks go 03:00 → 04:00
HELSINKI_FALL_BACK = "2026-10-25T04:00:00+03:00"  # clocks go 04:00 → 03:00


def at(text: str) -> datetime:
    return clock.parse_instant(text)


def new_breach(discovered: str = "2026-03-09T09:00:00+02:00", **fields: object) -> Breach:
    return breaches.record_breach(
        discovered_at=at(discovered), what="Varmuuskopio vuoti.", actor="anna", **fields
    )


def actions() -> list[str]:
    return [event.action for event in AuditEvent.select().order_by(AuditEvent.id)]


@pytest.mark.parametrize(
    ("discovered", "deadline_wall_clock"),
    [
        # Discovered before the spring change: the deadline is 11:00 summer time, not 10:00.
        ("2026-03-27T10:00:00+02:00", "2026-03-30T11:00:00+03:00"),
        # Discovered before the autumn change: 09:00 winter time, not 10:00.
        ("2026-10-23T10:00:00+03:00", "2026-10-26T09:00:00+02:00"),
        # Discovered in the repeated hour of the autumn change (the second 03:30, in +02:00).
        ("2026-10-25T03:30:00+02:00", "2026-10-28T03:30:00+02:00"),
    ],
)
def test_the_deadline_is_exactly_72_hours_across_a_daylight_saving_change(
    db, discovered, deadline_wall_clock
):
    change = HELSINKI_SPRING_FORWARD if discovered.startswith("2026-03") else HELSINKI_FALL_BACK
    with clock.frozen(at(discovered) + timedelta(hours=1)):
        breach = new_breach(discovered)
    stored = Breach.get_by_id(breach.id)  # through the database and back

    deadline = breaches.deadline_at(stored.discovered_at)

    assert deadline - at(discovered) == timedelta(hours=72)
    assert deadline.timestamp() - at(discovered).timestamp() == 72 * 3600
    assert clock.iso(deadline) == deadline_wall_clock
    if discovered < "2026-10-25T03":
        assert at(discovered) < at(change) < deadline  # the change falls inside the 72 h
    rows = breaches.breach_rows(now=at(discovered))
    assert rows[0]["deadline_at"] == deadline_wall_clock


def test_the_countdown_runs_in_elapsed_time_over_the_spring_change(db):
    discovered = at("2026-03-28T12:00:00+02:00")
    with clock.frozen(discovered):
        breach = new_breach("2026-03-28T12:00:00+02:00")
    # The wall clock reads 72 hours later at noon on 31 March, but one hour was skipped:
    # only 71 have passed, and the deadline is 13:00 summer time.
    at_noon = at("2026-03-31T12:00:00+03:00")
    assert breaches.time_left(breach, at_noon) == timedelta(hours=1)
    assert not breaches.filed_late(breach, at_noon)
    assert breaches.breach_rows(now=at_noon)[0]["overdue"] is False
    deadline = at("2026-03-31T13:00:00+03:00")
    assert breaches.time_left(breach, deadline - timedelta(minutes=1)) == timedelta(minutes=1)
    assert breaches.time_left(breach, deadline) == timedelta(0)
    assert not breaches.filed_late(breach, deadline)
    assert breaches.filed_late(breach, deadline + timedelta(seconds=1))
    assert breaches.breach_rows(now=deadline + timedelta(seconds=1))[0]["overdue"] is True


def test_a_breach_is_recorded_with_the_controllers_contact_point_and_audited(db, frozen_clock):
    controller = load_settings(environ={}).controller
    breach = breaches.record_breach(
        discovered_at=clock.now() - timedelta(hours=2),
        what="Lähetimme listan väärälle.",
        actor="anna",
        controller=controller,
        people_count=120,
        natures=["confidentiality"],
    )

    assert breach.contact_name == controller.privacy_officer
    assert breach.contact_email == controller.privacy_inbox
    assert breach.people_count == 120
    event = AuditEvent.get(AuditEvent.action == "breach.recorded")
    assert event.actor == "anna"
    assert event.payload["breach"] == breach.id
    assert "listan" not in str(event.payload)  # the description stays out of the trail
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"what": " "}, "breach.what_required"),
        ({"people_count": -1}, "breach.bad_count"),
        ({"natures": ["leak"]}, "breach.bad_nature"),
        ({"occurred_at": "2026-03-10T10:00:00+02:00"}, "breach.occurred_after_discovery"),
        ({"discovered_at": "2026-03-11T10:00:00+02:00"}, "breach.time_in_future"),
        ({"colour": "red"}, "breach.unknown_field"),
    ],
)
def test_bad_register_values_are_refused_with_a_reason(db, frozen_clock, fields, key):
    breach = new_breach()
    values = {name: at(value) if name.endswith("_at") else value for name, value in fields.items()}
    with pytest.raises(InvalidInput) as refused:
        breaches.update_breach(breach, "anna", **values)
    assert refused.value.key == key


def test_updating_records_only_what_changed(db, frozen_clock):
    breach = new_breach()
    changed = breaches.update_breach(
        breach, "anna", consequences="Tietojenkalastelu.", what=breach.what, people_count=10
    )
    assert sorted(changed) == ["consequences", "people_count"]
    assert breaches.update_breach(breach, "anna", people_count=10) == []
    updates = AuditEvent.select().where(AuditEvent.action == "breach.updated")
    assert [event.payload["fields"] for event in updates] == [changed]


def test_each_decision_keeps_its_reasoning_who_and_when(db, frozen_clock):
    breach = new_breach()
    breaches.decide(
        breach, "authority", True, "Sähköpostiosoitteita vuoti.", decided_by="tero", actor="anna"
    )
    breaches.decide(
        breach, "people", False, "Riski on pieni: salatut tiedot.", decided_by="tero", actor="anna"
    )

    stored = Breach.get_by_id(breach.id)
    assert (
        stored.authority_required,
        stored.authority_reason,
        stored.authority_decided_by,
        stored.authority_decided_at,
    ) == (True, "Sähköpostiosoitteita vuoti.", "tero", clock.now())
    assert (stored.people_required, stored.people_decided_by) == (False, "tero")
    assert actions()[-2:] == ["breach.authority_decided", "breach.people_decided"]
    with pytest.raises(InvalidInput):
        breaches.decide(breach, "people", True, "  ", decided_by="tero", actor="anna")


def test_filing_needs_the_decision_and_after_72_hours_the_reasons_for_the_delay(db, frozen_clock):
    breach = new_breach("2026-03-06T09:00:00+02:00")  # 99 hours before now
    with pytest.raises(RuleViolation) as undecided:
        breaches.record_filing(breach, filed_by="tero", actor="anna")
    assert undecided.value.key == "breach.decide_authority_first"
    breaches.decide(breach, "authority", True, "Laaja vuoto.", decided_by="tero", actor="anna")
    with pytest.raises(RuleViolation) as late:
        breaches.record_filing(breach, filed_by="tero", actor="anna")
    assert late.value.key == "breach.delay_reason_needed"

    breaches.record_filing(
        breach,
        filed_by="tero",
        actor="anna",
        delay_reason="Laajuus selvisi vasta palveluntarjoajalta.",
    )

    stored = Breach.get_by_id(breach.id)
    assert (stored.authority_notified_at, stored.authority_notified_by) == (clock.now(), "tero")
    assert stored.delay_reason == "Laajuus selvisi vasta palveluntarjoajalta."
    event = AuditEvent.get(AuditEvent.action == "breach.authority_notified")
    assert (event.payload["filed_by"], event.payload["late"]) == ("tero", True)


def test_a_later_filing_is_a_supplement_and_the_first_stays(db, frozen_clock):
    breach = new_breach()
    breaches.decide(breach, "authority", True, "Vuoto.", decided_by="tero", actor="anna")
    first = clock.now() - timedelta(hours=3)
    breaches.record_filing(breach, filed_by="tero", actor="anna", at=first)
    breaches.record_filing(breach, filed_by="anna", actor="anna")

    stored = Breach.get_by_id(breach.id)
    assert stored.authority_notified_at == first
    assert stored.authority_supplements == [{"at": clock.iso(clock.now()), "by": "anna"}]
    assert "breach.authority_supplemented" in actions()
    with pytest.raises(RuleViolation):  # cannot un-decide a notification already made
        breaches.decide(
            breach, "authority", False, "Ei sittenkään.", decided_by="tero", actor="anna"
        )


def test_starting_notices_records_the_promise_based_decision_once(db, frozen_clock):
    breach = new_breach()
    mailing = breaches.start_notices(breach, "@cli", decided_by="tero")
    again = breaches.start_notices(breach, "@cli", decided_by="anna")

    assert again.id == mailing.id
    stored = Breach.get_by_id(breach.id)
    assert (stored.people_required, stored.people_decided_by) == (True, "tero")
    assert "sähköpostitse" in stored.people_reason
    other = new_breach()
    breaches.decide(other, "people", False, "Ei riskiä.", decided_by="tero", actor="anna")
    with pytest.raises(RuleViolation) as refused:
        breaches.start_notices(other, "anna")
    assert refused.value.key == "breach.people_not_required"


def test_the_notice_goes_in_the_persons_language_only_when_every_text_exists_in_it(
    db, frozen_clock
):
    breach = new_breach(consequences="Huijausviestejä.", measures_taken="Palvelin suljettu.")
    assert breaches.notice_language(breach, "sv") == "fi"
    assert breaches.notice_text(breach, "what", "fi") == "Varmuuskopio vuoti."
    assert breaches.notice_text(breach, "measures", "fi") == "Palvelin suljettu."

    breaches.set_notice_texts(
        breach, "sv", "anna", what="En säkerhetskopia läckte.", consequences="Bluffmejl."
    )
    assert breaches.notice_language(breach, "sv") == "fi"  # measures still missing in Swedish
    breaches.set_notice_texts(breach, "sv", "anna", measures="Servern är stängd.")
    assert breaches.notice_language(breach, "sv") == "sv"
    assert breaches.notice_languages(breach) == ("fi", "sv")
    assert breaches.notice_language(breach, "en") == "fi"
    breaches.set_notice_texts(breach, "sv", "anna", measures="")
    assert breaches.notice_language(breach, "sv") == "fi"
    assert AuditEvent.select().where(AuditEvent.action == "breach.notice_texts").count() == 3


def test_times_are_stored_as_utc_instants(db, frozen_clock):
    breach = new_breach("2026-03-09T09:00:00+02:00")
    assert Breach.get_by_id(breach.id).discovered_at == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
