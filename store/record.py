"""The record of processing activities (*seloste käsittelytoimista*, GDPR Art. 30(1)).

The facts come from :mod:`store.facts`, exactly as the privacy notice and the data package
take them; the erasure time limits are also given as the retention settings the retention
job runs on.  Below them come figures from the register itself (:mod:`store.figures`), so
that the record also shows compliance (Art. 5(2)).  ``rekisteri notice --record`` prints
it; ``--json`` gives :func:`record_json` for scripts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store import clock, facts
from store.config import LANGUAGES, Settings, duration
from store.documents import Document, Item, Section, Table
from store.figures import OUTCOMES, register_figures
from store.i18n import Translator, format_date, format_datetime, translator
from store.models import KINDS, SOURCES
from store.notice import controller_lines, purpose_items

FORMAT_VERSION = 1

RECORD_ITEMS = (
    "register_name",
    "access_to_register",
    "purposes",
    "people_categories",
    "data_categories",
    "recipients",
    "transfers",
    "retention",
    "processors",
    "security",
)
"""The ``[notice]`` items of Art. 30(1)(b)–(g), through :func:`store.facts.information`."""


def record_json(settings: Settings, language: str, now: datetime | None = None) -> dict[str, Any]:
    """The record's facts and the register's figures, for scripts."""
    language = language if language in LANGUAGES else "fi"
    now = now or clock.now()
    rules = settings.retention
    record: dict[str, Any] = {
        "controller": facts.controller(settings, language),
        **facts.information(settings, language, RECORD_ITEMS),
    }
    record["erasure_time_limits"] = {
        "months_after_relationship": rules.months_after_relationship,
        "voucher_years": rules.voucher_years,
        "financial_year_end": rules.financial_year_end,
        "mail_grace_days": rules.mail_grace_days,
        "non_customer_requests_months": rules.non_customer_requests_months,
        "backups_kept_days": settings.backup.longest_keep_days,
    }
    return {
        "format": "rekisteri-record",
        "format_version": FORMAT_VERSION,
        "generated_at": clock.iso(now),
        "language": language,
        "record": record,
        "figures": register_figures(now),
    }


def build_record(settings: Settings, language: str, now: datetime | None = None) -> Document:
    """The record as a document for people, in ``language``."""
    data = record_json(settings, language, now)
    language = data["language"]
    t = translator(language)
    record, figures = data["record"], data["figures"]
    controller = record["controller"]
    people = [
        *controller_lines(controller, t),
        t("record.person_in_charge", person=record["access_to_register"]),
    ]
    if controller["privacy_officer"]:
        people.append(
            t(
                "record.privacy_officer",
                name=controller["privacy_officer"],
                email=controller["privacy_officer_email"],
            )
        )

    def text(key: str, *paragraphs: str) -> Section:
        return Section(key, t(f"record.heading.{key}"), tuple(p for p in paragraphs if p))

    sections = [
        Section("controller", t("record.heading.controller"), lines=tuple(people)),
        text("register_name", record["register_name"]),
        Section("purposes", t("record.heading.purposes"), items=purpose_items(record["purposes"])),
        text("people_categories", record["people_categories"]),
        text("data_categories", record["data_categories"]),
        text("recipients", record["recipients"]),
        text("transfers", record["transfers"]),
        Section(
            "retention",
            t("record.heading.retention"),
            (record["retention"],),
            items=_time_limits(settings, language, t),
        ),
        text("security", record["processors"], record["security"]),
        *_figure_sections(figures, language, t),
    ]
    return Document(
        language=language,
        title=t("record.title"),
        lead=(
            f"{controller['name']} · {record['register_name']}",
            t("record.lead"),
            t(
                "record.generated",
                at=format_datetime(clock.parse_instant(data["generated_at"]), language),
            ),
        ),
        sections=tuple(sections),
    )


def _time_limits(settings: Settings, language: str, t: Translator) -> tuple[Item, ...]:
    rules = settings.retention
    return (
        Item(
            t(
                "record.limit.customers",
                time=duration(rules.months_after_relationship, "months", language),
            ),
            t("record.limit.customers_label"),
        ),
        Item(
            t(
                "record.limit.vouchers",
                time=duration(rules.voucher_years, "years", language),
                year_end=rules.financial_year_end,
            ),
            t("record.limit.vouchers_label"),
        ),
        Item(
            t("record.limit.mail", time=duration(rules.mail_grace_days, "days", language)),
            t("record.limit.mail_label"),
        ),
        Item(
            t(
                "record.limit.non_customer",
                time=duration(rules.non_customer_requests_months, "months", language),
            ),
            t("record.limit.non_customer_label"),
        ),
    )


def _figure_sections(figures: dict[str, Any], language: str, t: Translator) -> list[Section]:
    customers, requests = figures["customers"], figures["requests"]
    restrictions, breaches = figures["restrictions"], figures["breaches"]
    period = t(
        "record.period",
        start=format_date(clock.parse_instant(figures["period"]["from"]), language),
        end=format_date(clock.parse_instant(figures["period"]["until"]), language),
    )
    customer_items = (
        Item(str(customers["in_register"]), t("record.fig.in_register")),
        *(
            Item(str(customers["by_source"][source]), t(f"record.fig.source_{source}"))
            for source in SOURCES
        ),
        Item(str(customers["marketing_consent"]), t("record.fig.marketing_consent")),
        Item(str(customers["marketing_list"]), t("record.fig.marketing_list")),
        Item(str(restrictions["active"]), t("record.fig.restricted")),
        Item(str(customers["erased"]), t("record.fig.erased")),
    )
    rows = []
    for kind in KINDS:
        counts = requests["by_kind"][kind]
        rows.append(
            (
                t(f"package.kind.{kind}"),
                *(str(counts[o]) for o in OUTCOMES),
                str(sum(counts.values())),
            )
        )
    totals = [sum(requests["by_kind"][kind][o] for kind in KINDS) for o in OUTCOMES]
    rows.append((t("record.fig.total"), *(str(n) for n in totals), str(sum(totals))))
    table = Table(
        (
            t("record.fig.kind"),
            *(t(f"record.outcome.{o}") for o in OUTCOMES),
            t("record.fig.total"),
        ),
        tuple(rows),
    )
    share = requests["on_time_share"]
    request_items = [
        Item(
            t(
                "record.fig.on_time_value",
                share=_percent(share, language),
                on_time=requests["answered_on_time"],
                judged=requests["answered"] + requests["open_past_due"],
            )
            if share is not None
            else t("record.fig.nothing_due"),
            t("record.fig.on_time"),
        ),
        Item(str(requests["open_past_due"]), t("record.fig.open_past_due")),
        Item(str(requests["extended"]), t("record.fig.extended")),
        Item(_longest(requests["longest_open"], language, t), t("record.fig.longest_open")),
    ]
    breach_items = tuple(
        Item(str(breaches[name]), t(f"record.fig.breach_{name}"))
        for name in (
            "recorded",
            "in_period",
            "authority_notified",
            "notified_late",
            "not_notifiable",
            "awaiting_notification",
        )
    )
    restriction_items = (
        Item(str(restrictions["active"]), t("record.fig.restricted")),
        Item(str(restrictions["applied_in_period"]), t("record.fig.restrictions_applied")),
        Item(str(restrictions["lifted_in_period"]), t("record.fig.restrictions_lifted")),
    )
    return [
        Section(
            "figures_customers",
            t("record.heading.figures_customers"),
            (t("record.fig.customers_note"),),
            items=customer_items,
        ),
        Section(
            "figures_requests",
            t("record.heading.figures_requests"),
            (period,),
            items=tuple(request_items),
            table=table,
        ),
        Section(
            "figures_restrictions",
            t("record.heading.figures_restrictions"),
            (period,),
            items=restriction_items,
        ),
        Section(
            "figures_breaches", t("record.heading.figures_breaches"), (period,), items=breach_items
        ),
    ]


def _percent(share: float, language: str) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%" if language == "en" else f"{text.replace('.', ',')} %"


def _longest(longest: dict[str, Any] | None, language: str, t: Translator) -> str:
    if longest is None:
        return t("record.fig.none")
    return t(
        "record.fig.longest_value",
        reference=longest["reference"],
        kind=t(f"package.kind.{longest['kind']}"),
        days=longest["days_open"],
        received=format_date(clock.parse_instant(longest["received_at"]), language),
        due=format_date(clock.parse_instant(longest["due_at"]), language),
    ) + (" " + t("record.fig.past_due") if longest["past_due"] else "")
