"""Erasure: what goes and what stays, confirmed by typing the customer number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from store.i18n import code_text, format_date
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput
from tui.widgets.markup import escape


class ErasureDialog(Dialog[bool]):
    def __init__(
        self, reference: str, customer_no: str, erased: list[str], kept: list[str]
    ) -> None:
        super().__init__()
        self.reference = reference
        self.customer_no = customer_no
        self.erased = erased
        self.kept = kept

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog wide"):
            yield Static(
                t("tui.erase.title", reference=self.reference, customer_no=self.customer_no),
                classes="dialog-title",
            )
            with VerticalScroll(id="erase-scroll"):
                yield Static(
                    f"[b]{escape(t('tui.erase.erased'))}[/b]\n"
                    + "\n".join(
                        f"  • {escape(line)}" for line in self.erased or [t("tui.request.none")]
                    )
                )
                yield Static(
                    f"[b]{escape(t('tui.erase.kept'))}[/b]\n"
                    + "\n".join(
                        f"  • {escape(line)}" for line in self.kept or [t("tui.request.none")]
                    ),
                    id="erase-kept",
                )
            yield Label(t("tui.erase.type_number", customer_no=self.customer_no))
            yield TextInput(id="erase-confirm", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.erase.confirm"), id="erase", variant="error", disabled=True, compact=True
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#erase-confirm").focus()

    @on(TextInput.Changed, "#erase-confirm")
    def _typed(self, event: TextInput.Changed) -> None:
        self.query_one("#erase", Button).disabled = event.value.strip() != self.customer_no

    @on(TextInput.Submitted, "#erase-confirm")
    @on(Button.Pressed, "#erase")
    def _erase(self) -> None:
        if self.query_one("#erase-confirm", TextInput).value.strip() == self.customer_no:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


def describe(
    preview: Any, t: Callable[..., str], language: str, grace_days: int
) -> tuple[list[str], list[str]]:
    """What an erasure removes and what it keeps, from a ``store.erasure.ErasurePreview``."""
    erased: list[str] = []
    kept: list[str] = []
    if preview.fields:
        erased.append(
            t(
                "tui.erase.fields",
                fields=", ".join(code_text("tui.field", name, language) for name in preview.fields),
            )
        )
    if preview.consents_closed:
        erased.append(
            t(
                "tui.erase.consents_closed",
                purposes=", ".join(
                    code_text("tui.purpose", name, language) for name in preview.consents_closed
                ),
            )
        )
    if preview.vouchers_deleted:
        erased.append(t("tui.erase.vouchers_deleted", count=preview.vouchers_deleted))
    if preview.requests_minimised:
        erased.append(
            t("tui.erase.requests_minimised", references=", ".join(preview.requests_minimised))
        )
    if preview.messages_redacted or preview.outbox_redacted:
        erased.append(
            t("tui.erase.mail_redacted", count=preview.messages_redacted + preview.outbox_redacted)
        )
    if preview.vouchers_kept:
        kept.append(
            t(
                "tui.erase.vouchers_kept",
                count=len(preview.vouchers_kept),
                until=format_date(preview.vouchers_kept_until, language),
            )
        )
    if preview.requests_open:
        kept.append(t("tui.erase.requests_open", references=", ".join(preview.requests_open)))
    if preview.mail_kept and preview.mail_kept_until:
        kept.append(
            t(
                "tui.erase.mail_kept",
                count=preview.mail_kept,
                until=format_date(preview.mail_kept_until, language),
            )
        )
    elif preview.mail_kept:  # its request is still open: the days run from closing it
        kept.append(t("tui.erase.mail_kept_open", count=preview.mail_kept, days=grace_days))
    kept.append(t("tui.erase.number_and_log"))
    return erased, kept
