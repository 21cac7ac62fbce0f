"""The classifier on mails worded after cited public sources (tests/corpus/cited/).

Each ``.eml`` is parsed as the mailbot parses it and judged as the ingest judges it:
:func:`mailbot.automatic.ignore_reason` first (auto-replies, spam verdicts, lists and bounces
are never answered), then :func:`mailbot.classify.classify` on what the person wrote.  The
kinds a mail yields are the request's kind plus ``objection`` when ``also_objection`` is
set; ``other`` yields none, and neither does an ignored mail.  A mail is right when those
kinds are exactly the ones in ``MANIFEST.toml`` (so an extra marketing objection is wrong).

``known_miss = true`` in the manifest marks what the classifier gets wrong today: the test
is then a strict xfail, so it turns red the day the miss is fixed and the marker must go.
``answers_marketing`` stands in for the ingest's database look-up of whether the mail
replies to our newsletter.  No database and no server are used.

Run ``pytest -n0 -s tests/test_cited_corpus.py -k summary`` to see the figures.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mailbot.automatic import ignore_reason, own_addresses
from mailbot.classify import classify
from mailbot.parsing import parse_message
from store.config import load_settings
from store.models.requests import KINDS

CITED = Path(__file__).parent / "corpus" / "cited"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads(
    (CITED / "MANIFEST.toml").read_text(encoding="utf-8")
)
AUTOMATIC = {"auto_reply", "spam", "list", "bounce"}  # categories no person wrote
CATEGORIES = AUTOMATIC | {"request", "question"}
REQUEST_KINDS = set(KINDS) - {"other"}


@cache
def _settings() -> Any:
    return load_settings(environ={})  # the embedded defaults: the inbox the mails go to


@dataclass(frozen=True)
class Outcome:
    name: str
    kinds: frozenset[str]  # what the mailbot would make of the mail
    ignored: str | None  # ignore_reason(), when the mail is never answered
    acknowledged: bool  # an automatic answer would be queued
    written_language: str
    shown: str  # for messages: "erasure+objection", "other", "ignored: spam"

    @property
    def entry(self) -> dict[str, Any]:
        return MANIFEST[self.name]

    @property
    def right(self) -> bool:
        return self.kinds == frozenset(self.entry["kinds"])


@cache
def outcome(name: str) -> Outcome:
    settings = _settings()
    entry = MANIFEST[name]
    parsed = parse_message(
        (CITED / f"{name}.eml").read_bytes(),
        attachment_max_bytes=settings.mail.attachment_max_bytes,
    )
    reason = ignore_reason(parsed, settings)
    ours = own_addresses(settings)
    text, subject = parsed.reading(ours)
    answers_marketing = entry.get("answers_marketing", False) or parsed.forwards_own_mail(ours)
    result = classify(text, subject, answers_marketing=answers_marketing)
    if reason is not None:
        return Outcome(
            name, frozenset(), reason, False, result.written_language, f"ignored: {reason}"
        )
    kinds = (
        {result.kind, *result.also_kinds} | ({"objection"} if result.also_objection else set())
    ) - {"other"}
    shown = "+".join(sorted(kinds)) or "other"
    if result.kind == "objection" and result.marketing:
        shown += " (marketing)"
    return Outcome(
        name, frozenset(kinds), None, result.kind != "other", result.written_language, shown
    )


def _param(name: str) -> Any:
    entry = MANIFEST[name]
    if entry.get("known_miss"):
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=entry["reason"]))
    return name


@pytest.mark.parametrize("name", [_param(name) for name in MANIFEST])
def test_cited_mail_yields_its_kinds(name: str) -> None:
    result = outcome(name)
    expected = "+".join(sorted(result.entry["kinds"])) or "nothing"
    assert result.right, f"{name}: expected {expected}, got {result.shown}"
    if result.entry["category"] in AUTOMATIC:  # recognised, not only left unanswered
        assert result.ignored is not None, f"{name}: {result.entry['category']} not recognised"


def test_the_manifest_describes_every_mail_and_only_those() -> None:
    files = {path.stem for path in CITED.glob("*.eml")}
    assert files == set(MANIFEST)
    assert len(files) >= 200
    for name, entry in MANIFEST.items():
        assert set(entry["kinds"]) <= REQUEST_KINDS, name
        assert entry["category"] in CATEGORIES, name
        assert entry["source"] and all(url.startswith("http") for url in entry["source"]), name
        assert bool(entry["kinds"]) == (entry["category"] == "request"), name
        assert entry["acknowledge"] == (entry["category"] == "request"), name
        assert bool(entry.get("known_miss")) == bool(entry.get("reason")), name


def _share(rows: list[Outcome]) -> str:
    right = sum(row.right for row in rows)
    return f"{right:3}/{len(rows):<3} {100 * right / len(rows):5.1f} %" if rows else "-"


def test_summary_of_accuracy_and_no_automatic_mail_is_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [outcome(name) for name in MANIFEST]
    requests = [row for row in rows if row.entry["category"] == "request"]
    languages = Counter(row.entry["language"] for row in rows)
    lines = [
        "",
        f"cited corpus: {len(rows)} mails, {len(requests)} requests",
        f"  all mails          {_share(rows)}",
        f"  requests only      {_share(requests)}",
        f"  Finnish (fi)       {_share([r for r in rows if r.entry['language'] == 'fi'])}",
        f"  other than fi/sv/en"
        f"{_share([r for r in rows if r.entry['language'] not in ('fi', 'sv', 'en')])}",
    ]
    for language, _ in languages.most_common():
        if language != "fi":
            lines.append(
                f"  {language:<18} {_share([r for r in rows if r.entry['language'] == language])}"
            )
    for kind in sorted(REQUEST_KINDS):
        asking = [row for row in requests if kind in row.entry["kinds"]]
        found = sum(kind in row.kinds for row in asking)
        lines.append(f"  asks {kind:<13} {found:3}/{len(asking):<3} found")
    several = [row for row in requests if len(row.entry["kinds"]) > 1]
    lines.append(f"  several requests   {_share(several)}")
    for style, label in (
        ("phone", "phone-typed"),
        ("forward", "forwards"),
        ("reply to newsletter", "newsletter replies"),
    ):
        styled = [row for row in rows if style in row.entry.get("style", "")]
        lines.append(f"  {label:<18} {_share(styled)}")
    automatic = [row for row in rows if row.entry["category"] in AUTOMATIC]
    lines.append(
        f"  automatic unanswered {sum(not r.acknowledged for r in automatic)}/"
        f"{len(automatic)} (auto-replies, spam, lists, bounces)"
    )
    acknowledged = sum(row.acknowledged == row.entry["acknowledge"] for row in rows)
    lines.append(f"  acknowledged right {acknowledged:3}/{len(rows)}")
    detected = sum(row.written_language == row.entry["language"] for row in rows)
    lines.append(f"  language detected  {detected:3}/{len(rows)}")
    lines.append(f"  known misses       {sum(bool(r.entry.get('known_miss')) for r in rows)}")
    with capsys.disabled():
        print("\n".join(lines))

    answered = sorted(
        row.name for row in rows if row.entry["category"] in AUTOMATIC and row.acknowledged
    )
    # Mail no person wrote is never answered.  The few that today's code does answer are
    # known misses (spam without a verdict header, a responder without RFC 3834 headers):
    # listed here so that no other one can slip in unnoticed.
    known = sorted(name for name in answered if MANIFEST[name].get("known_miss"))
    assert answered == known, f"automatic mail would be answered: {set(answered) - set(known)}"
