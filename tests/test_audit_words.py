"""The audit log's details in the staff member's words (issue 15, item 9): fields, coded
values, shares, flags and lists, never ``key=value`` codes."""

from __future__ import annotations

from tui.data.request import action_words, audit_details


def test_a_received_request_reads_in_finnish_and_in_english():
    payload = {"channel": "email", "confidence": 0.88, "kind": "erasure", "language": "fi"}
    assert audit_details(payload, "fi") == (
        "kanava: sähköposti; varmuus: 88\u00a0%; laji: poistopyyntö; kieli: suomi"
    )
    assert audit_details(payload, "en") == (
        "channel: email; confidence: 88%; kind: erasure request; language: Finnish"
    )
    assert action_words("request.received", "fi") == "pyyntö saapui"


def test_flags_lists_and_unknown_fields_are_shown_as_they_are_not_dropped():
    payload = {
        "needs_attention": True,
        "customers": ["100001", "100002"],
        "matched_on": ["email", "phone"],
        "something_new": "x",
        "before": {"email": "vanha@example.fi"},  # the old values stay out of the log line
    }
    assert audit_details(payload, "fi") == (
        "asiakkaat: 100001, 100002; osuma: sähköposti, puhelin; vaatii huomiota: kyllä; "
        "something_new: x"
    )
