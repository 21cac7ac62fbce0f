"""The one Jinja2 environment every template of Rekisteri is rendered with.

Mail (``mailbot/templates``), the data package, the printable documents and the breach
notification text (``store/templates``) all load through :func:`environment`, so they agree
on what matters for personal data: an ``.html.j2`` template escapes everything it is given
(a name like ``<script>`` stays text), a ``.txt.j2`` one is plain text, and a name the
template uses but the caller did not give is an error rather than an empty gap in a letter.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment(package: str) -> jinja2.Environment:
    """The environment of ``package``'s ``templates/`` folder (``"store"``, ``"mailbot"``)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are the installed package's: they do not change while it runs, and
        # looking at every file's time before each use cost more than rendering it.
        auto_reload=False,
    )
