"""A file sent with a mail: the data package's JSON, HTML or ZIP, or any other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttachedFile:
    """One file as it goes into a mail: what it is called, its MIME type, its bytes."""

    filename: str
    content_type: str
    data: bytes
