"""The notification to the Data Protection Ombudsman (Art. 33(3)), ready to copy.

The Ombudsman takes breach notifications through its web form *Ilmoitus
tietoturvaloukkauksesta*; :func:`authority_text` writes everything the form asks, in
Finnish, in the order of Art. 33(3): the nature of the breach with the categories and
approximate numbers of people and records (a), the contact point (b), the likely
consequences (c), the measures taken and proposed (d), and the reasons for a delay past 72
hours (33(1)).  The controller's details come from ``[controller]``.  What is not known yet is
marked as such (Art. 33(4) lets the information follow in phases), and
:func:`missing_items` names it for staff.
"""

from __future__ import annotations

from datetime import datetime

from store import clock, facts, mailings, templating
from store.breaches import deadline_at, filed_late, notice_mailing
from store.config import Settings, localized
from store.i18n import format_datetime
from store.models import Breach

MISSING = "(ei vielä tiedossa; täydennetään)"

NATURES_FI = {
    "confidentiality": "luottamuksellisuuden menetys (tietoja paljastui tai päätyi sivullisille)",
    "integrity": "eheyden menetys (tietoja muuttui luvatta)",
    "availability": "saatavuuden menetys (tietoja katosi tai ei ollut käytettävissä)",
}

ITEMS = (
    "what",
    "natures",
    "people_categories",
    "people_count",
    "data_categories",
    "records_count",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "contact",
    "delay_reason",
)
"""What the notification should hold, as :func:`missing_items` names it."""


def missing_items(breach: Breach, now: datetime | None = None) -> list[str]:
    """The items of :data:`ITEMS` the notification does not have yet."""
    present = {
        "what": bool(breach.what.strip()),
        "natures": bool(breach.natures),
        "people_categories": bool(breach.people_categories.strip()),
        "people_count": breach.people_count is not None,
        "data_categories": bool(breach.data_categories.strip()),
        "records_count": breach.records_count is not None,
        "consequences": bool(breach.consequences.strip()),
        "measures_taken": bool(breach.measures_taken.strip()),
        "measures_proposed": bool(breach.measures_proposed.strip()),
        "contact": bool(
            breach.contact_name.strip()
            and (breach.contact_email.strip() or breach.contact_phone.strip())
        ),
        "delay_reason": not filed_late(breach, now) or bool(breach.delay_reason.strip()),
    }
    return [item for item in ITEMS if not present[item]]


def authority_text(breach: Breach, settings: Settings, now: datetime | None = None) -> str:
    """The notification's complete text in Finnish."""
    now = now or clock.now()
    mailing = notice_mailing(breach)
    notices = without_email = None
    if mailing is not None:
        notices = mailings.notice_counts([mailing.id])[mailing.id]
        without_email = len(mailings.without_email([mailing.id])[mailing.id])
    filed = breach.authority_notified_at
    values = {
        "breach": breach,
        "controller": facts.controller(settings, "fi"),
        "register_name": localized(settings.notice.register_name, "fi"),
        "missing": MISSING,
        "unset": lambda key: f"(puuttuu asetuksista: [controller] {key})",
        "contact_name": breach.contact_name,
        "contact_email": breach.contact_email,
        "contact_phone": breach.contact_phone,
        "occurred": _occurred(breach),
        "discovered": _when(breach.discovered_at),
        "deadline": _when(deadline_at(breach.discovered_at)),
        "filed": _when(filed) + f" ({breach.authority_notified_by})" if filed else "",
        "supplement_of": _when(filed) if filed else "",
        "natures": ", ".join(NATURES_FI[nature] for nature in breach.natures),
        "people_count": _approximately(breach.people_count),
        "records_count": _approximately(breach.records_count),
        "notices": notices,
        "without_email": without_email,
        "late": filed_late(breach, now),
        "incomplete": bool(missing_items(breach, now)),
    }
    return templating.environment("store").get_template("breach_authority.fi.txt.j2").render(values)


def _when(value: datetime) -> str:
    return format_datetime(value, "fi")


def _occurred(breach: Breach) -> str:
    if breach.occurred_at is None:
        return MISSING
    if breach.occurred_until is not None:
        return f"{_when(breach.occurred_at)} – {_when(breach.occurred_until)}"
    return _when(breach.occurred_at)


def _approximately(count: int | None) -> str:
    if count is None:
        return ""
    return "noin " + f"{count:,}".replace(",", "\u00a0")
