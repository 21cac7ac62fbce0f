"""A table whose rows are keyed by what they stand for: a reference, a customer number, an id.

Choosing a row (Enter, a click) posts :class:`KeyedTable.Chosen` with its key, for the screen
to act on; :meth:`KeyedTable.refill` puts fresh rows in without moving the cursor from where
staff left it.  Subclasses add their columns and their own ``j``/``k`` bindings (with ids of
their own, so a remapped key stays on its screen).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable


class PlainTable(DataTable[Any]):
    """A table whose text cells are shown as written: Textual reads a ``str`` cell as
    markup, so a stored value such as ``[@click=app.quit]X[/]`` (a customer number, a
    phone, a subject) would run or break the screen.  Every ``str`` becomes plain
    :class:`~rich.text.Text` here, once, for every table of the desk."""

    def add_row(self, *cells: Any, **options: Any) -> Any:
        return super().add_row(
            *(Text(cell) if isinstance(cell, str) else cell for cell in cells), **options
        )


class KeyedTable(PlainTable):
    @dataclass
    class Chosen(Message):
        """Staff chose the row with this key."""

        table: KeyedTable
        key: str

        @property
        def control(self) -> KeyedTable:
            """The table, so a handler can name it: ``@on(KeyedTable.Chosen, "#id")``."""
            return self.table

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, or None in an empty table."""
        if not self.row_count or self.cursor_row >= self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def refill(self, rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Replace the rows with ``(key, cells)``; the cursor stays on the same line (or the
        last one, when there are fewer now)."""
        keep = self.cursor_row
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.Chosen(self, event.row_key.value))
