"""The privacy notice (*tietosuojaseloste*, GDPR Art. 13 and 14), built from the settings.

Every section takes its facts from :mod:`store.facts`, the same place the data package and
the record of processing take them from.  The sections follow the company's own notice
(the seed) and add what Art. 13 asks beyond it: the legal basis of each purpose, the data
protection officer's contact, whether giving the data is required, and automated
decision-making.  ``rekisteri notice`` renders it (:func:`store.documents.render`).
"""

from __future__ import annotations

from store import facts
from store.config import LANGUAGES, Settings
from store.documents import Document, Item, Section
from store.i18n import Translator, translator

NOTICE_SECTIONS = (
    "register_name",
    "controller",
    "person_in_charge",
    "privacy_officer",
    "purposes",
    "data_categories",
    "provision_requirement",
    "sources",
    "informing",
    "recipients",
    "transfers",
    "processors",
    "retention",
    "security",
    "automated_decisions",
    "rights",
    "how_to_use_rights",
    "complaint",
    "breaches",
)
"""The sections, in order; each heading is ``notice.heading.<section>`` in the catalogs."""

TEXT_SECTIONS = {
    "register_name": "register_name",
    "person_in_charge": "access_to_register",
    "data_categories": "data_categories",
    "provision_requirement": "provision_requirement",
    "sources": "sources",
    "informing": "informing",
    "recipients": "recipients",
    "transfers": "transfers",
    "processors": "processors",
    "retention": "retention",
    "security": "security",
    "automated_decisions": "automated_decisions",
    "rights": "rights",
    "how_to_use_rights": "how_to_use_rights",
    "complaint": "complaint",
    "breaches": "breaches",
}
"""Sections that are one ``[notice]`` text: section -> setting."""


def build_notice(settings: Settings, language: str) -> Document:
    """The privacy notice in ``language`` (``fi``, ``sv`` or ``en``)."""
    language = language if language in LANGUAGES else "fi"
    t = translator(language)
    info = facts.information(settings, language)
    controller = facts.controller(settings, language)
    sections = []
    for key in NOTICE_SECTIONS:
        heading = t(f"notice.heading.{key}")
        if key in TEXT_SECTIONS:
            text = info[TEXT_SECTIONS[key]]
            if text:
                sections.append(Section(key, heading, (text,)))
        elif key == "controller":
            sections.append(Section(key, heading, lines=controller_lines(controller, t)))
        elif key == "privacy_officer" and controller["privacy_officer"]:
            sections.append(
                Section(
                    key,
                    heading,
                    (f"{controller['privacy_officer']}, {controller['privacy_officer_email']}",),
                )
            )
        elif key == "purposes":
            sections.append(Section(key, heading, items=purpose_items(info["purposes"])))
    return Document(
        language=language,
        title=t("notice.title"),
        lead=(f"{controller['name']} · {info['register_name']}", t("notice.lead")),
        sections=tuple(sections),
    )


def controller_lines(controller: dict[str, str], t: Translator) -> tuple[str, ...]:
    """The controller's name, business ID, address and where to write about privacy."""
    first = controller["name"]
    if controller["business_id"]:
        first += f" ({t('notice.business_id')} {controller['business_id']})"
    lines = [first]
    lines += [controller[name] for name in ("address", "website") if controller[name]]
    lines.append(t("notice.privacy_contact", address=controller["privacy_inbox"]))
    if controller["contact_phone"]:
        lines.append(t("notice.phone", phone=controller["contact_phone"]))
    return tuple(lines)


def purpose_items(purposes: list[dict[str, str]]) -> tuple[Item, ...]:
    return tuple(Item(entry["legal_basis"], entry["purpose"]) for entry in purposes)
