"""Textual's own words, in the staff member's language, from our one catalogue.

Textual's widgets bring English words of their own: the descriptions of their key bindings
("Cursor left", "Page up", "Focus Next", "Copy selected text", "Previous tab", "Dismiss
menu"), which our key bar and key help show; the command palette's "No matches found"; the
names and help of the app's system commands ("Theme", "Keys", "Screenshot"…).

**How.** Translated where they are shown, by Textual's English text.  :func:`key_for` names the
catalogue key of a text: ``tui.textual.`` and its words in snake case (``"Cursor left"`` →
``tui.textual.cursor_left``; ``"Page Up"`` and ``"Page up"`` alike → ``tui.textual.page_up``).
:func:`words` shows a binding's description or tooltip: ours are catalogue keys and are
translated as such, Textual's are looked up under :func:`key_for`, and a text with no
translation shows as Textual wrote it (never a crash, never a blank).  The key bar
(``tui/widgets/key_bar.py``) and the key help (``tui/dialogs/help.py``) show every
description through ``RekisteriApp.describe``; the app translates its system commands and its
Ctrl+C hint, and opens :class:`StaffCommandPalette`.

**Why this way.**

- Textual is left as it is: no ``BINDINGS`` rewritten at start-up, no private
  ``_merged_bindings`` patched, no subclass per widget (the inner widgets, Select's overlay,
  TabbedContent's tabs, the palette's list, could not be swapped for ours anyway).  Nothing
  global changes, so two apps in one process (the tests) and a language changed mid-session
  just work: the words are looked up each time they are drawn.
- Keyed by the text, not the action: the text is what staff read, and one text means one thing
  wherever it stands ("Cursor left" in DataTable and TextArea), while one action means
  different things in different widgets (``cursor_down`` is "Next command" in the palette).
  When an upgrade rewords a text, its old translation is not shown for the new words.
- An upgrade that adds or rewords a text fails loudly: ``tests/test_tui_textual_strings.py``
  walks every binding of every Textual class the desk uses (the inner ones too), and the
  palette's and the system commands' words, and asserts each has its key in fi and sv.

The palette's "No matches found" has no public hook: Textual writes it in a closure of
``CommandPalette._start_no_matches_countdown``, which :class:`StaffCommandPalette` replaces
(the same few lines with our words; ``textual`` is pinned to 8.2.x, and the Pilot test reads
the Finnish words in the palette, so a renamed method fails it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rich.align import Align
from rich.text import Text
from textual.app import SystemCommand
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from store.i18n import translate, words_for

PREFIX = "tui.textual."
NO_MATCHES = "No matches found"
"""CommandPalette's words when nothing matches (a literal in Textual's code)."""

_NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def key_for(text: str) -> str:
    """The catalogue key of one of Textual's English texts (``tui.textual.cursor_left``)."""
    return PREFIX + _NOT_A_WORD.sub("_", text.casefold()).strip("_")


def words(text: str, language: str) -> str:
    """A description or tooltip as staff read it: a catalogue key of ours translated,
    Textual's English through :func:`key_for`, anything else as written."""
    if not text:
        return text
    if words_for(text, language) is not None:
        return translate(text, language)
    return words_for(key_for(text), language) or text


def system_commands(commands: Iterable[SystemCommand], language: str) -> Iterator[SystemCommand]:
    """Textual's system commands with their names and help in ``language``."""
    for command in commands:
        yield command._replace(
            title=words(command.title, language), help=words(command.help, language)
        )


class StaffCommandPalette(CommandPalette):
    """The command palette with its "no matches" in the staff member's language."""

    def __init__(self, *, placeholder: str, no_matches: str, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own method with our words: after a short wait, a disabled option saying
        # nothing matched (only for a search; an empty palette just hides its list).
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(self.no_matches, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
