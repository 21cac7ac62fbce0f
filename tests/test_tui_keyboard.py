"""The desk from the keyboard, as the README says it works (issue 15, item 10): the numbered
tabs focus what they show, a chosen filter hands the keys back to the queue, choices read
without colour, a refused dialog keeps what was typed, toasts stay off the focused field, the
key bar follows the dialog, and a closed request says how it ended."""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton

from store import lifecycle
from store.models import Request, Staff
from tests.support.desk import (
    confirm_and_call,
    desk_app,
    log_in,
    open_and_confirm,
    open_request,
    press_and_settle,
    settle,
    text_of,
    type_text,
)
from tui.dialogs.add_staff import AddStaffDialog
from tui.dialogs.breach_form import BreachFormDialog
from tui.dialogs.call import CallDialog
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.erasure import ErasureDialog
from tui.dialogs.rectification import RectificationDialog
from tui.dialogs.reject import RejectDialog
from tui.dialogs.reply import ReplyDialog
from tui.screens.request import RequestScreen
from tui.widgets.key_bar import KeyBar, KeyLabel
from tui.widgets.queue_table import QueueTable


def request_row(reference: str) -> Request:
    return Request.get(Request.reference == reference)


def keys_shown(app) -> list[str]:
    bar = app.screen.query_one(KeyBar)
    return [label.render().plain for label in bar.query(KeyLabel)]


# ---------------------------------------------------------------- 1. the numbered tabs


async def test_two_then_enter_confirms_the_highlighted_candidate(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        screen = app.screen
        for key, focused in (("1", "#message-panel"), ("3", "#thread"), ("4", "#calls")):
            await press_and_settle(pilot, key)
            assert screen.focused is screen.query_one(focused), key
        await press_and_settle(pilot, "5")
        assert screen.focused is screen.query_one("#trail")
        await press_and_settle(pilot, "2")
        assert screen.focused is screen.query_one("#candidates")
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, ConfirmDialog)  # confirm Matti?


async def test_tab_reaches_the_content_before_the_action_buttons(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        chain = app.screen.focus_chain
        candidates = chain.index(app.screen.query_one("#candidates"))
        buttons = [
            chain.index(button)
            for button in app.screen.query("#request-actions Button")
            if button in chain
        ]
        assert buttons and candidates < min(buttons)


# ---------------------------------------------------------------- 2. the queue's filters


async def test_after_choosing_a_filter_j_and_k_move_in_the_queue(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        table = app.screen.query_one(QueueTable)
        await press_and_settle(pilot, "f", "enter", "down", "enter")  # a status
        assert table.has_focus
        await press_and_settle(pilot, "f", "enter", "up", "enter")  # every open one again
        assert table.has_focus and table.row_count == 3
        await press_and_settle(pilot, "j", "j")
        assert table.cursor_row == 2
        await press_and_settle(pilot, "k")
        assert table.cursor_row == 1
        assert app.screen.queue_filter.status == "open"


# ---------------------------------------------------------------- 3. marks, not colour


async def test_the_highlighted_call_outcome_is_marked_without_colour(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        await press_and_settle(pilot, "c")
        labels = [button.render().plain for button in app.screen.query(RadioButton)]
        assert labels[0].startswith("▐ ▌▶") and not any("▶" in label for label in labels[1:])
        await press_and_settle(pilot, "down")
        labels = [button.render().plain for button in app.screen.query(RadioButton)]
        assert "▶" not in labels[0] and labels[1].startswith("▐ ▌▶")
        await press_and_settle(pilot, "space")
        assert app.screen.query(RadioButton)[1].render().plain.startswith("▐●▌▶")


async def test_breach_checkboxes_and_the_reject_grounds_read_without_colour(desk):
    app = desk_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "b", "n")
        assert isinstance(app.screen, BreachFormDialog)
        box = app.screen.query(Checkbox).first()
        assert box.render().plain.startswith("▐ ▌ ")
        box.focus()
        await press_and_settle(pilot, "space")
        assert box.render().plain.startswith("▐✓▌▶")
        await press_and_settle(pilot, "escape", "escape")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "x")
        assert isinstance(app.screen, RejectDialog)
        await press_and_settle(pilot, "enter", "down")
        overlay = app.screen.query_one("SelectOverlay")
        prompts = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        highlighted = overlay.highlighted
        assert prompts[highlighted].startswith("▶")
        assert all(not p.startswith("▶") for i, p in enumerate(prompts) if i != highlighted)


# ---------------------------------------------------------------- 4. refusals keep the text


async def test_a_refused_new_staff_member_keeps_what_was_typed(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "admin")
        await press_and_settle(pilot, "u", "n")
        dialog = app.screen
        assert isinstance(dialog, AddStaffDialog)
        await type_text(pilot, "ville")
        await pilot.press("tab")
        await type_text(pilot, "Ville V")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "lyhyt")
        await settle(pilot)
        await pilot.click("#add")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#staff-name").value == "ville"
        assert dialog.query_one("#staff-password").value == "lyhyt"
        assert text_of(app, "#staff-problem")
        assert not app._notifications  # beside the field, not a toast
        dialog.query_one("#staff-password").value = "pitkä-ja-hyvä-salasana-9"
        await pilot.click("#add")
        await settle(pilot)
        assert not isinstance(app.screen, AddStaffDialog)
    assert Staff.get(Staff.name == "ville").display_name == "Ville V"


async def test_a_refused_breach_form_keeps_what_was_typed(desk):
    app = desk_app(desk)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "b", "n")
        dialog = app.screen
        dialog.query_one("#form-what").text = "Kannettava varastettiin."
        dialog.query_one("#form-people_count").value = "noin sata"
        await pilot.click("#save")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#form-what").text == "Kannettava varastettiin."
        assert "noin sata" in text_of(app, "#breach-form-problem")
        assert not app._notifications


async def test_a_refused_rectification_keeps_what_was_typed(desk):
    app = desk_app(desk)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await confirm_and_call(pilot, desk.rectification)
        app.clear_notifications()
        await press_and_settle(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, RectificationDialog)
        dialog.query_one("#new-email").value = "ei-osoite"
        await pilot.click("#next")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#new-email").value == "ei-osoite"
        assert dialog.query_one("#new-street_address").value == "Kirkkokatu 5 B 12"
        assert text_of(app, "#rectify-problem")
        assert not app._notifications


async def test_a_refused_extension_keeps_the_reason(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.rectification)
        request = request_row(desk.rectification)
        lifecycle.extend_deadline(request, "emma", "kollega jatkoi")  # meanwhile
        await pilot.press("e")
        await type_text(pilot, "paljon tietoja")
        await settle(pilot)
        app.clear_notifications()
        await pilot.click("#next")
        await settle(pilot)
        assert app.screen.query_one("#reason").text == "paljon tietoja"
        assert text_of(app, "#reason-problem")
        assert not app._notifications


async def test_a_refusal_of_a_request_closed_meanwhile_stays_in_the_dialog(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, RejectDialog)
        dialog.query_one("#reject-ground").value = "manifestly_unfounded"
        await pilot.click("#reject-reason")
        await type_text(pilot, "sama pyynto taas")
        lifecycle.dismiss(request_row(desk.access), "emma", "kaksoiskappale")  # meanwhile
        app.clear_notifications()
        await pilot.click("#next")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#reject-reason").text == "sama pyynto taas"
        assert "on jo suljettu" in text_of(app, "#reject-problem")
        # (the screen may say that a colleague changed the request: the refusal is no toast)
        assert not any("on jo suljettu" in notice.message for notice in app._notifications)


# ---------------------------------------------------------------- 5. toasts


async def _toast_beside_focus(app, pilot) -> None:
    focused = app.screen.focused
    assert focused is not None
    app.notify("Kollega muutti pyyntöä juuri äsken, tiedot päivitettiin.", severity="warning")
    app.notify("Toinen ilmoitus, joka on niin pitkä, että se jatkuu toiselle riville.")
    await pilot.pause(0.3)
    toasts = list(app.screen.query("Toast"))
    assert toasts
    for toast in toasts:
        assert not toast.region.overlaps(focused.region), (toast.region, focused.region)


async def test_a_toast_never_covers_the_focused_field_of_the_call_dialog(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        await press_and_settle(pilot, "c")
        assert isinstance(app.screen, CallDialog)
        await _toast_beside_focus(app, pilot)
        await press_and_settle(pilot, "tab")  # the note
        await _toast_beside_focus(app, pilot)


async def test_a_toast_never_covers_the_focused_field_of_the_erasure_dialog(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await confirm_and_call(pilot, desk.erasure)
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, ErasureDialog)
        await _toast_beside_focus(app, pilot)


# ---------------------------------------------------------------- 6. the key bar of a dialog


async def test_the_key_bar_behind_a_dialog_shows_the_dialogs_keys(desk):
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        assert any(label.startswith("c ") for label in keys_shown(app))
        await press_and_settle(pilot, "c")
        shown = keys_shown(app)
        assert "esc Peruuta" in shown
        assert not any(label.startswith(("c ", "a ", "x ")) for label in shown)


# ---------------------------------------------------------------- 7. a closed request


async def test_a_closed_request_shows_how_it_ended_and_only_what_still_applies(desk):
    request = request_row(desk.access)
    lifecycle.reject(request, "anna", ground="manifestly_unfounded", reason="Sama pyyntö kolmesti")
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        app.screen.query_one("#queue-status").value = "rejected"
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        assert table.row_count == 1
        days = table.get_cell_at((0, 5)).plain
        assert days.strip() and not days.strip().lstrip("-").isdigit()
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
        summary = text_of(app, "#request-summary")
        assert "Hylätty" in summary and "Ilmeisen perusteeton" in summary
        assert "Anna Aalto" in summary
        assert "pv jäljellä" not in summary and "myöhässä" not in summary
        assert not app.screen.query_one("#request-actions").display  # no act buttons
        keys = keys_shown(app)
        assert not any(label.startswith(("c ", "a ", "x ", "e ", "m ")) for label in keys)
        assert any(label.startswith("r ") for label in keys)
        assert any(label.startswith("p ") for label in keys)
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, ReplyDialog)
        await press_and_settle(pilot, "escape", "p")
        assert not isinstance(app.screen, RequestScreen)  # the note dialog
