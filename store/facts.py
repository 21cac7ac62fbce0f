"""The facts of the register in one language, read from one place.

The privacy notice (Art. 13, :mod:`store.notice`), the record of processing activities
(Art. 30, :mod:`store.record`) and the data package's information (Art. 15(1)–(2),
:mod:`store.package`) all take every fact through these functions, each item from the
setting of the same name in ``[notice]`` or ``[controller]``.  None of them reads those
settings itself, so the three documents cannot say different things.  Placeholders such
as ``{controller.privacy_officer}`` were filled in when the settings were loaded
(:func:`store.config.fill_placeholders`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from store.config import Notice, Settings, localized

CONTROLLER_ITEMS = (
    "name",
    "business_id",
    "address",
    "website",
    "contact_person",
    "contact_title",
    "contact_email",
    "contact_phone",
    "privacy_inbox",
    "privacy_officer",
    "privacy_officer_email",
)
"""The controller's details (``[controller]``), Art. 13(1)(a)–(b) and 30(1)(a)."""

NOTICE_ITEMS = tuple(item.name for item in dataclasses.fields(Notice))
"""Every item of ``[notice]``; ``purposes`` is a list, the rest are texts."""


def controller(settings: Settings, language: str) -> dict[str, str]:
    """The controller's details, the title and the address in ``language``."""
    values = {name: getattr(settings.controller, name) for name in CONTROLLER_ITEMS}
    values["contact_title"] = localized(settings.controller.contact_title, language)
    values["address"] = localized(settings.controller.address, language)
    return values


def purposes(settings: Settings, language: str) -> list[dict[str, str]]:
    """Each purpose of processing with its legal basis: ``purpose``, ``legal_basis``."""
    return [
        {
            "purpose": localized(entry.purpose, language),
            "legal_basis": localized(entry.legal_basis, language),
        }
        for entry in settings.notice.purposes
    ]


def information(
    settings: Settings, language: str, items: tuple[str, ...] = NOTICE_ITEMS
) -> dict[str, Any]:
    """The ``[notice]`` items named in ``items``, in ``language``."""
    values: dict[str, Any] = {}
    for item in items:
        if item == "purposes":
            values[item] = purposes(settings, language)
        else:
            values[item] = localized(getattr(settings.notice, item), language)
    return values
