"""Radio buttons and checkboxes whose state reads without colour.

Textual draws the same glyph for on and off and tells them apart by colour only; on a
monochrome terminal, to a colour-blind handler, or in a screenshot that is no state at all.
These draw a mark when chosen (● for a radio button, ✓ for a checkbox) and a blank when not,
and ▶ before the one the keys are on (the highlighted radio button of a focused set, a
focused checkbox, the highlighted option of an open drop-down), where Textual shows only
a background colour.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.style import Style
from textual.widgets import Checkbox, OptionList, RadioButton, Select

CURSOR = "▶"


def _marked(button: Content, label: Content, style: Style, here: bool) -> Content:
    """``button`` and ``label`` (padded as Textual pads it, in the label's ``style``), with
    the cursor mark in the space before the label."""
    padded = Content.assemble(CURSOR if here else " ", label, " ").stylize_before(style)
    return Content.assemble(button, padded)


class MarkedRadioButton(RadioButton):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button

    def render(self) -> Content:
        parent = self.parent
        here = self.has_class("-selected") and bool(getattr(parent, "has_focus", False))
        return _marked(self._button, self.label, self.get_visual_style("toggle--label"), here)


class MarkedCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super()._button

    def render(self) -> Content:
        style = self.get_visual_style("toggle--label")
        return _marked(self._button, self.label, style, self.has_focus)


class MarkedSelect(Select[str]):
    """A drop-down whose highlighted option carries ▶ (Textual shows it by colour only).

    The marks are in the open list only; the closed control shows the chosen option as
    written.  The options' prompts are plain text (as every prompt of the desk is).
    """

    def on_mount(self) -> None:
        overlay = self.query_one("SelectOverlay", OptionList)
        for index in range(overlay.option_count):  # each prompt gets room for the mark
            prompt = overlay.get_option_at_index(index).prompt
            text = prompt.plain if isinstance(prompt, Text) else str(prompt)
            style = prompt.style if isinstance(prompt, Text) else ""
            overlay.replace_option_prompt_at_index(index, Text("  " + text, style=style))
        self._marked: int | None = None
        self.watch(overlay, "highlighted", self._mark)

    def _mark(self, highlighted: int | None) -> None:
        overlay = self.query_one("SelectOverlay", OptionList)
        for index, mark in ((self._marked, "  "), (highlighted, CURSOR + " ")):
            if index is None or index >= overlay.option_count:
                continue
            prompt = overlay.get_option_at_index(index).prompt
            text = prompt.plain if isinstance(prompt, Text) else str(prompt)
            style = prompt.style if isinstance(prompt, Text) else ""
            overlay.replace_option_prompt_at_index(index, Text(mark + text[2:], style=style))
        self._marked = highlighted
