"""The website form's message format.

The privacy form on the website sends one plain-text mail per submission.  Its body is
``Label: value`` lines, Finnish or English labels, the first line naming the form:

    Lomake: Tietosuojapyyntö          Form: Privacy request
    Nimi: Maija Virtanen              Name: Maija Virtanen
    Sähköposti: maija@example.fi      Email: maija@example.fi
    Puhelin: 040 123 4567             Phone: 040 123 4567
    Asiakasnumero: 100042             Customer number: 100042
    Pyyntö: Tietojen tarkastus        Request: Access to my data
    Viesti: free text, which may      Message: free text, which may
    continue on the following lines.  continue on the following lines.

Labels are case-insensitive and may come in any order; a line that is not ``Label:`` is a
continuation of the field before it, and ``Viesti``/``Message`` takes everything after it.
The request values the form offers are in :data:`REQUEST_VALUES`; anything else leaves
the kind to the classifier.  The README documents the format for the web developers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELD_LABELS = {
    "form": ("lomake", "form", "formulär"),
    "name": ("nimi", "name", "namn"),
    "email": ("sähköposti", "sähköpostiosoite", "email", "e-mail", "e-post"),
    "phone": ("puhelin", "puhelinnumero", "phone", "telefon"),
    "customer_no": ("asiakasnumero", "customer number", "customer no", "kundnummer"),
    "request": ("pyyntö", "request", "begäran"),
    "message": ("viesti", "message", "meddelande"),
}
_BY_LABEL = {label: name for name, labels in FIELD_LABELS.items() for label in labels}
_LINE = re.compile(r"^\s*([^\W\d][\w \-]{0,30}?)\s*:\s?(.*)$")

REQUEST_VALUES = {
    "access": (
        "tietojen tarkastus",
        "tarkastuspyyntö",
        "access to my data",
        "access",
        "registerutdrag",
        "tillgång till mina uppgifter",
    ),
    "rectification": (
        "tietojen oikaisu",
        "oikaisupyyntö",
        "rectification",
        "correct my data",
        "rättelse av uppgifter",
    ),
    "erasure": (
        "tietojen poisto",
        "poistopyyntö",
        "erasure",
        "delete my data",
        "radering av uppgifter",
    ),
    "restriction": (
        "käsittelyn rajoittaminen",
        "rajoituspyyntö",
        "restriction",
        "restrict processing",
        "begränsning av behandling",
    ),
    "objection": (
        "suoramarkkinointikielto",
        "markkinointiluvan peruutus",
        "objection to direct marketing",
        "stop marketing",
        "withdraw consent",
        "förbud mot direktmarknadsföring",
    ),
    "other": ("muu", "other", "annat"),
}
_KIND_BY_VALUE = {value: kind for kind, values in REQUEST_VALUES.items() for value in values}


@dataclass(frozen=True)
class FormSubmission:
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        """The request kind chosen on the form, when it is one the form offers."""
        value = " ".join(self.fields.get("request", "").split()).casefold()
        return _KIND_BY_VALUE.get(value)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def parse_form(text: str) -> FormSubmission | None:
    """The form's fields, or None when ``text`` is not a form message."""
    lines = [line for line in text.strip().split("\n")]
    if not lines or _field_of(lines[0]) != "form":
        return None
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        name = None if current == "message" else _field_of(line)
        if name is not None:
            current = name
            fields.setdefault(name, []).append(_LINE.match(line).group(2).strip())  # type: ignore[union-attr]
        elif current is not None:
            fields[current].append(line.rstrip())
    values = {name: "\n".join(parts).strip() for name, parts in fields.items()}
    if "message" in values:
        values["message"] = values["message"].strip()
    for name in ("name", "email", "phone", "customer_no", "request", "form"):
        if name in values:
            values[name] = " ".join(values[name].split())
    return FormSubmission({name: value for name, value in values.items() if value})


def _field_of(line: str) -> str | None:
    match = _LINE.match(line)
    if not match:
        return None
    return _BY_LABEL.get(" ".join(match.group(1).split()).casefold())
