"""Field types shared by the models."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from peewee import DateTimeField, TextField


class UtcDateTimeField(DateTimeField):
    """An aware datetime, stored as naive UTC so SQLite and PostgreSQL sort it alike."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; pass an aware one")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return _datetime_db_value(self, value)

    def python_value(self, value: Any) -> datetime | None:
        value = _datetime_python_value(self, value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # None for a NULL: what db_value stored always parses back into a datetime.
        return cast("datetime | None", value)


# peewee's own conversions, which UtcDateTimeField wraps (its stubs leave them unannotated).
_datetime_db_value: Callable[[DateTimeField[Any], Any], Any] = DateTimeField.db_value
_datetime_python_value: Callable[[DateTimeField[Any], Any], Any] = DateTimeField.python_value


class JSONField(TextField):
    """JSON in a text column: portable, and readable with any SQL client."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(value)
