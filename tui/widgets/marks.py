"""Radio buttons and checkboxes whose state reads without colour.

Textual draws the same glyph for on and off and tells them apart by colour only; on a
monochrome terminal, to a colour-blind handler, or in a screenshot that is no state at all.
These draw a mark when chosen (● for a radio button, ✓ for a checkbox) and a blank when not.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton


class MarkedRadioButton(RadioButton):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class MarkedCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super()._button
