"""The command palette: what can be done on the current screen, in the staff language.

The commands are the screen's own key bindings (so the palette, the footer and the help
agree, and a remapped key shows up everywhere), named "<screen>: <what it does>", plus the
commands that work everywhere (go to a screen, change language, log out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app import RekisteriApp


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], Any]


class RekisteriCommands(Provider):
    @property
    def rekisteri(self) -> RekisteriApp:
        return self.app  # type: ignore[return-value]

    def commands(self) -> Iterator[PaletteCommand]:
        app = self.rekisteri
        if app.session is None:
            return
        screen = self.screen
        group = app.t(getattr(screen, "PALETTE_GROUP", "tui.palette.group.app"))
        seen: set[tuple[int, str]] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # The same act bound twice (the queue's Q is "app.quit", the app's Ctrl+Q "quit"
            # on the app) is one command.
            namespace, _, name = binding.action.rpartition(".")
            node = app if namespace == "app" else active.node
            act = (id(node), name if namespace == "app" else binding.action)
            if not binding.id or binding.id == "app.palette" or act in seen:
                continue
            if not active.enabled:
                continue
            seen.add(act)
            title = f"{group}: {app.t(binding.description)}"
            yield PaletteCommand(
                title,
                app.t(binding.tooltip) if binding.tooltip else "",
                partial(app.run_action, binding.action, active.node),
            )
        global_commands = getattr(screen, "global_commands", None)
        if callable(global_commands):
            yield from global_commands()

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
