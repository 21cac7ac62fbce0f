"""Mail templates: Jinja2, one file per template and language under ``templates/<lang>/``.

A template sets its subject with ``{% set subject %}…{% endset %}``; the rest is the plain
text body.  An optional ``<name>.html.j2`` beside it gives an HTML alternative.  Undefined
variables are errors, so no mail ever leaves with an unrendered placeholder.  Files whose
names start with ``_`` are parts that templates include (the signature).

Every template gets ``controller``, ``notice``, ``language`` and ``settings``; the ones about
a request also get ``request``, ``name`` and ``due_date`` (:func:`mailbot.outgoing.
template_context`).  :data:`TEMPLATES` names the request templates and the extra variables
each takes (the README has the same table): a required one that is missing or empty is
refused before anything renders, and an optional one left out gets its default.  The
``date`` filter writes a date the way the mail's language does (``{{ day | date }}``), the
``phone`` filter a stored number the Finnish way, and ``first_name`` the name a letter greets
with ("Hei Pirjo," not "Hei Pirjo Niemelä,").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import jinja2

from store import templating
from store.config import LANGUAGES, Settings, localized
from store.customers import format_phone
from store.errors import InvalidInput
from store.i18n import format_date


@dataclass(frozen=True)
class TemplateSpec:
    """The extra context a template takes beyond the common variables."""

    required: tuple[str, ...] = ()
    optional: Mapping[str, Any] = field(default_factory=dict)  # name -> default


TEMPLATES: dict[str, TemplateSpec] = {
    "acknowledgement": TemplateSpec(),
    "unreachable": TemplateSpec(optional={"calls": 0}),
    "more_information": TemplateSpec(required=("reason",)),
    "deadline_extended": TemplateSpec(required=("reason",)),
    "your_data": TemplateSpec(optional={"files": (), "encrypted": False}),
    "no_data_held": TemplateSpec(optional={"kind": "access"}),
    "data_corrected": TemplateSpec(required=("changes",)),
    "data_erased": TemplateSpec(optional={"vouchers_kept_until": None}),
    "marketing_stopped": TemplateSpec(optional={"via_link": False}),
    "refusal": TemplateSpec(required=("reason",), optional={"ground": ""}),
    "restriction_applied": TemplateSpec(required=("ground",)),
    "restriction_lifted": TemplateSpec(required=("ground", "reason")),
}
"""The mails about a request, by the name other modules queue them with."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None = None


@cache
def environment() -> jinja2.Environment:
    env = templating.environment("mailbot")
    env.filters["localized"] = localized
    env.filters["date"] = _date_filter
    env.filters["phone"] = format_phone
    env.filters["first_name"] = first_name
    return env


def first_name(name: str) -> str:
    """The name a letter greets with, as Finnish (and Swedish and English) mail does:
    ``Pirjo Niemelä`` → ``Pirjo``, ``Anna-Liisa Virtanen`` → ``Anna-Liisa``, ``Niemelä,
    Pirjo`` → ``Pirjo``.  A name that starts with an initial (``L. Laine``) is kept whole:
    "Hei L.," greets nobody."""
    text = " ".join(str(name or "").split())
    if "," in text:
        last, _, given = text.partition(",")
        text = given.strip() or last.strip()
    names = text.split()
    if not names:
        return ""
    first = names[0]
    if len(names) > 1 and (first.endswith(".") or len(first) == 1):
        return text
    return first


@cache
def template_names() -> frozenset[str]:
    """Every file under ``templates/`` (``fi/acknowledgement.txt.j2``), read once."""
    return frozenset(environment().list_templates())


@jinja2.pass_context
def _date_filter(context: jinja2.runtime.Context, value: date | datetime) -> str:
    return format_date(value, context["language"])


def with_defaults(template: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with the template's optional defaults; refuses a missing required one."""
    spec = TEMPLATES.get(template, TemplateSpec())
    for name in spec.required:
        value = context.get(name)
        if value is None or not (value.strip() if isinstance(value, str) else value):
            raise InvalidInput(
                f"mail template {template!r} needs {name!r}",
                key="outbox.missing_context",
                template=template,
                name=name,
            )
    return {**spec.optional, **context}


def render_mail(template: str, language: str, settings: Settings, **context: Any) -> RenderedMail:
    """Render ``template`` in ``language`` (falling back to Finnish)."""
    language = language if language in LANGUAGES else "fi"
    env = environment()
    values = {
        "controller": settings.controller,
        "notice": settings.notice,
        "language": language,
        "settings": settings,
        **with_defaults(template, context),
    }
    # Rendered once: the module's text is the body, and the template's exported names
    # (``{% set subject %}``) are its attributes.
    module = env.get_template(f"{language}/{template}.txt.j2").make_module(values)
    text = str(module)
    subject = str(vars(module)["subject"]).strip()
    html = None
    html_name = f"{language}/{template}.html.j2"
    if html_name in template_names():
        html = env.get_template(html_name).render(values)
    return RenderedMail(subject=" ".join(subject.split()), text=text, html=html)
