"""Textual's own words in the staff member's language (issue 16): the keys of its widgets in
the key help and the key bar, the command palette's "no matches", the system commands and
the Ctrl+C hint; and every binding of every Textual class the desk uses has its words in
Finnish and Swedish, so a Textual upgrade that adds or rewords one fails here."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
import sys

import pytest
from rich.console import Console
from textual.app import App
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets import Static, Tabs

import tui
from store.i18n import catalog
from tests.support.desk import desk_app, log_in, open_request, press_and_settle, settle, type_text
from tui.dialogs.help import HelpDialog
from tui.dialogs.reply import ReplyDialog
from tui.textual_strings import NO_MATCHES, key_for, words
from tui.widgets.fields import TextEditor, TextInput
from tui.widgets.queue_table import QueueTable

# Textual's words that staff reported, and others like them: none may be left in Finnish.
ENGLISH = (
    "Cursor left",
    "Cursor right",
    "Move cursor left",
    "Home",
    "Page up",
    "Page Up",
    "Scroll Up",
    "Focus Next",
    "Focus Previous",
    "Copy selected text",
    "Paste text from the clipboard",
    "Select all",
    "Submit",
    "Undo",
    "Previous tab",
    "Next tab",
    "Dismiss menu",
    "No matches found",
)


# ---------------------------------------------------------------- every Textual string


def _textual(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "textual"


def textual_classes_in_use() -> set[type]:
    """Every Textual class the desk's code names (and ours are built on), with the classes
    defined beside each in its module (Select's overlay, TabbedContent's tabs, the palette's
    input and list are made inside them), and theirs bases."""
    named: set[type] = {App, CommandPalette}
    for info in pkgutil.walk_packages(tui.__path__, "tui."):
        for value in vars(importlib.import_module(info.name)).values():
            if inspect.isclass(value) and issubclass(value, DOMNode):
                named.update(cls for cls in value.__mro__ if _textual(cls))
    beside = {
        value
        for cls in named
        for value in vars(sys.modules[cls.__module__]).values()
        if inspect.isclass(value)
        and issubclass(value, DOMNode)
        and value.__module__ == cls.__module__
    }
    return {base for cls in named | beside for base in cls.__mro__ if _textual(base)}


def textual_binding_texts() -> dict[str, set[str]]:
    """Each description and tooltip of a Textual binding, with where it is bound."""
    texts: dict[str, set[str]] = {}
    for cls in textual_classes_in_use():
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            for text in (binding.description, binding.tooltip):
                if text:
                    texts.setdefault(text, set()).add(f"{cls.__name__}.{binding.action}")
    return texts


def test_the_walk_finds_the_widgets_the_desk_shows_inner_ones_too():
    names = {cls.__name__ for cls in textual_classes_in_use()}
    assert {
        "App",
        "Screen",
        "ModalScreen",
        "CommandPalette",
        "CommandList",
        "Input",
        "TextArea",
        "DataTable",
        "Tabs",
        "ContentTabs",
        "TabbedContent",
        "Select",
        "SelectOverlay",
        "OptionList",
        "RadioSet",
        "Checkbox",
        "ToggleButton",
        "Button",
        "ScrollableContainer",
    } <= names
    assert len(textual_binding_texts()) >= 80


@pytest.mark.parametrize("language", ("fi", "sv", "en"))
def test_every_binding_of_every_textual_widget_we_use_has_words(language):
    words_here = catalog(language)
    missing = {
        text: sorted(where)
        for text, where in textual_binding_texts().items()
        if key_for(text) not in words_here
    }
    assert missing == {}, f"add these under [tui.textual] in store/locales/{language}.toml"


@pytest.mark.parametrize("language", ("fi", "sv", "en"))
def test_the_palettes_own_words_have_translations(language):
    placeholder = inspect.signature(CommandPalette.__init__).parameters["placeholder"].default
    for text in (NO_MATCHES, placeholder):
        assert key_for(text) in catalog(language), text


def test_textual_words_are_looked_up_by_their_text_and_ours_stay_catalogue_keys():
    assert key_for("Page Up") == key_for("Page up") == "tui.textual.page_up"
    assert words("Cursor left", "fi") == "Kursori vasemmalle"
    assert words("Cursor left", "sv") == "Markören åt vänster"
    assert words("Focus Next", "en") == "Next field"
    assert words("tui.key.help", "fi") == "Ohje"
    assert words("Something Textual 9 says", "fi") == "Something Textual 9 says"
    assert words("", "fi") == ""


# ---------------------------------------------------------------- in the real app


def help_rows(app) -> list[str]:
    """What the key help shows, one description a row (the keys left out)."""
    assert isinstance(app.screen, HelpDialog)
    console = Console(width=200, record=True, file=io.StringIO())
    for static in app.screen.query(Static):
        console.print(static.content)
    rows = [
        re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in console.export_text().splitlines()
    ]
    return [row[1] for row in rows if len(row) == 2]


def key_bar(app) -> list[str]:
    return [str(label.render()) for label in app.screen.query("KeyLabel")]


def english_in(texts: list[str]) -> list[str]:
    joined = "\n".join(texts)
    return [word for word in ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", joined)]


async def _help_for(pilot) -> list[str]:
    await press_and_settle(pilot, "f1")
    rows = help_rows(pilot.app)
    await press_and_settle(pilot, "escape")
    return rows


async def test_the_key_help_of_a_table_and_a_text_field_is_in_finnish(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        assert isinstance(app.focused, QueueTable)
        rows = await _help_for(pilot)
        for finnish in ("Kursori vasemmalle", "Alkuun", "Sivu ylös", "Seuraava kenttä"):
            assert finnish in rows
        assert "Kopioi valittu teksti" in rows
        assert english_in(rows) == []
        assert english_in(key_bar(app)) == []

        await press_and_settle(pilot, "slash")
        assert isinstance(app.focused, TextInput)
        rows = await _help_for(pilot)
        for finnish in ("Kursori vasemmalle", "Alkuun", "Kopioi valittu teksti", "Valitse kaikki"):
            assert finnish in rows
        assert english_in(rows) == []
        assert english_in(key_bar(app)) == []


async def test_a_menu_tabs_and_a_text_area_speak_finnish_too(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "f", "enter")  # the status filter's menu, open
        bar = key_bar(app)
        assert any(label.endswith("Sulje valikko") for label in bar), bar
        assert english_in(bar) == []
        await press_and_settle(pilot, "escape", "escape")

        await open_request(pilot, desk.access)
        app.screen.query_one(Tabs).focus()
        await settle(pilot)
        rows = await _help_for(pilot)
        assert {"Edellinen välilehti", "Seuraava välilehti"} <= set(rows)
        assert english_in(rows) == []

        # The key help does not open over a dialog; what it and the key bar would say of a
        # focused text area's keys:
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, ReplyDialog)
        app.screen.query_one(TextEditor).focus()
        await settle(pilot)
        described = [
            app.describe(active.binding.description)
            for active in app.screen.active_bindings.values()
        ]
        assert {"Kumoa", "Liitä", "Rivin alkuun", "Kursori vasemmalle"} <= set(described)
        assert english_in(described) == []


async def test_english_staff_read_the_english_words(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "emma")
        rows = await _help_for(pilot)
        assert {"Cursor left", "Next field", "Copy the selected text"} <= set(rows)


def palette_options(app) -> list[str]:
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_palette_says_no_matches_in_finnish(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("ctrl+p")
        await type_text(pilot, "zzqx")
        await settle(pilot)
        await pilot.pause(CommandPalette._NO_MATCHES_COUNTDOWN + 0.3)
        options = palette_options(app)
        assert len(options) == 1 and "Ei osumia" in options[0], options
        assert english_in(options) == []


async def test_the_system_commands_are_in_finnish_and_the_palette_shows_no_english(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        commands = list(app.get_system_commands(app.screen))
        english = list(App.get_system_commands(app, app.screen))
        assert [command.title for command in commands][:3] == ["Teema", "Lopeta", "Näppäimet"]
        for ours, textual in zip(commands, english, strict=True):
            assert key_for(textual.title) in catalog("fi"), textual.title
            assert key_for(textual.help) in catalog("fi"), textual.help
            assert (ours.title, ours.help) != (textual.title, textual.help)

        await press_and_settle(pilot, "ctrl+p")
        await pilot.pause(0.3)
        shown = {
            part
            for option in palette_options(app)
            for line in option.splitlines()
            for part in line.split(": ")
        }
        assert shown and not shown & {text for command in english for text in command[:2]}


async def test_ctrl_c_outside_a_text_field_tells_how_to_quit_in_finnish(desk):
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "ctrl+c")
        (notice,) = app._notifications
        assert notice.title == "Haluatko lopettaa?"
        assert notice.message == "Sulje Rekisteri painamalla [b]q[/b]."
