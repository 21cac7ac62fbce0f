"""The bottom line of every screen: the keys that work here, in the staff member's language.

Textual's own footer shows a binding's description as written; ours are catalog keys, so
this bar translates them, and Textual's own English descriptions too (the app's ``describe``,
:mod:`tui.textual_strings`).  It reads the screen's public ``active_bindings`` and redraws
whenever the screen says its bindings changed (focus moved, a binding was enabled).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.screen import Screen
from textual.widgets import Static


class KeyLabel(Static):
    """One key and what it does; a click runs it (the mouse is optional, never needed)."""

    def __init__(
        self,
        key_display: str,
        description: str,
        action: str,
        namespace: object,
        *,
        enabled: bool,
        tooltip: str,
    ) -> None:
        super().__init__(classes="key-label" + ("" if enabled else " -disabled"))
        self.key_display = key_display
        self.description = description
        self.action = action
        self.namespace = namespace
        self.enabled = enabled
        if tooltip:
            self.tooltip = tooltip

    def render(self) -> Text:
        return Text.assemble((self.key_display, "bold"), " ", self.description)

    async def on_click(self) -> None:
        if self.enabled:
            await self.app.run_action(self.action, self.namespace)  # type: ignore[arg-type]


class KeyBar(HorizontalScroll):
    """The footer: shown bindings of the focused chain, translated."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        scrollbar-size: 0 0;
    }
    KeyBar .key-label {
        width: auto;
        padding: 0 1;
        color: $footer-description-foreground;
    }
    KeyBar .key-label.-disabled {
        color: $text-disabled;
    }
    """

    def compose(self) -> ComposeResult:
        describe = getattr(self.app, "describe", lambda text: text)
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            yield KeyLabel(
                self.app.get_key_display(binding),
                describe(binding.description),
                binding.action,
                active.node,
                enabled=active.enabled,
                tooltip=describe(binding.tooltip) if binding.tooltip else "",
            )

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
