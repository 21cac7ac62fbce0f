"""The URL forms of the configuration: ``scheme:///absolute/path`` for files and folders."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from store.errors import ConfigError


def file_url(scheme: str, path: Path | str) -> str:
    """``file_url("sqlite", "/var/lib/x.db")`` → ``sqlite:///var/lib/x.db``."""
    return f"{scheme}://{quote(str(Path(path).absolute()))}"


def file_url_path(url: str) -> Path:
    """The path of ``scheme:///absolute/path`` (or ``scheme:relative/path``)."""
    parts = urlsplit(url)
    if parts.netloc:
        raise ConfigError(
            f"{url}: write a local path as {parts.scheme}:///absolute/path",
            key="error.url_not_local",
            url=url,
            scheme=parts.scheme,
        )
    path = unquote(parts.path)
    if not path:
        raise ConfigError(f"{url}: the path is missing", key="error.url_no_path", url=url)
    return Path(path)


def scheme_of(url: str) -> str:
    return urlsplit(url).scheme.lower()
