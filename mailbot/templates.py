"""Mail templates: Jinja2, one file per template and language under ``templates/<lang>/``.

A template sets its subject with ``{% set subject %}…{% endset %}``; the rest is the plain
text body.  An optional ``<name>.html.j2`` beside it gives an HTML alternative.  Undefined
variables are errors, so no mail ever leaves with an unrendered placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from store.config import LANGUAGES, Settings, localized


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None = None


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mailbot", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                            default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["localized"] = localized
    return env


def render_mail(template: str, language: str, settings: Settings,
                **context: Any) -> RenderedMail:
    """Render ``template`` in ``language`` (falling back to Finnish)."""
    language = language if language in LANGUAGES else "fi"
    env = environment()
    values = {"controller": settings.controller, "notice": settings.notice,
              "language": language, "settings": settings, **context}
    text_template = env.get_template(f"{language}/{template}.txt.j2")
    text = text_template.render(values)
    subject = str(text_template.make_module(values).subject).strip()
    html = None
    html_name = f"{language}/{template}.html.j2"
    if html_name in env.list_templates():
        html = env.get_template(html_name).render(values)
    return RenderedMail(subject=" ".join(subject.split()), text=text, html=html)
