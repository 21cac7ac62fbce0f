"""Typed settings: embedded defaults, then the TOML file, then the environment.

The defaults (``defaults.toml`` beside this file) mirror the company's privacy
notice, so every document Rekisteri produces (acknowledgements, the data
package, the notice itself, the record of processing) takes each fact from one place.

A text of ``[notice]`` (and ``mail.from_name``) may name another setting instead of
repeating it: ``{controller.privacy_officer}``, ``{retention.months_after_relationship}``
(written out in the text's language: "kaksi kuukautta", "två månader", "two months").
They are filled in once, when the settings are loaded (:data:`PLACEHOLDERS`), so a changed
name or time limit changes every document alike; an unknown one is a configuration error.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import platformdirs

from store.errors import ConfigError
from store.i18n import Term, os_reason, translate
from store.urls import file_url, file_url_path, scheme_of

LANGUAGES = ("fi", "sv", "en")
"""Languages customers write in; staff screens use ``fi`` and ``en``."""

Localized = dict[str, str]
"""A text in several languages, keyed by language code."""

AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]
"""A count or duration that must be a whole number of at least one."""
NotNegative = Annotated[int, msgspec.Meta(ge=0)]
NotNegativeRate = Annotated[float, msgspec.Meta(ge=0)]
IdleRenewSeconds = Annotated[int, msgspec.Meta(ge=1, le=1740)]
"""IMAP servers may end an IDLE after 30 minutes (RFC 2177): renew it within 29."""


def localized(text: Localized | str, language: str) -> str:
    """Pick ``language`` from a localized text, falling back to Finnish, then English
    (a plain string is the same text in every language)."""
    if isinstance(text, str):
        return text
    for candidate in (language, "fi", "en"):
        if text.get(candidate):
            return text[candidate]
    return next(iter(text.values()), "")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""


@dataclass(frozen=True)
class MailSettings:
    inbox: str = ""
    smtp: str = ""
    from_address: str = ""
    from_name: str = ""
    processed_folder: str = ""
    attachment_max_bytes: AtLeastOne = 10_000_000
    message_max_bytes: AtLeastOne = 30_000_000
    message_seconds_max: AtLeastOne = 20
    trusted_authserv_ids: tuple[str, ...] = ()
    website_form_senders: tuple[str, ...] = ()
    repeat_window_hours: AtLeastOne = 24
    acknowledgements_per_sender_per_hour: AtLeastOne = 3
    poll_seconds: AtLeastOne = 30
    idle_renew_seconds: IdleRenewSeconds = 600
    send_max_attempts: AtLeastOne = 8
    send_retry_base_seconds: AtLeastOne = 60
    send_rate_per_second: NotNegativeRate = 0.0
    smtp_timeout_seconds: AtLeastOne = 30


@dataclass(frozen=True)
class RequestSettings:
    reference_prefix: str = "TP"
    unanswered_calls_before_letter: AtLeastOne = 3


@dataclass(frozen=True)
class RetentionSettings:
    months_after_relationship: AtLeastOne = 2
    voucher_years: AtLeastOne = 6
    financial_year_end: str = "12-31"
    mail_grace_days: NotNegative = 30
    # Requests of people not in the register (and mail of no request): kept as proof of
    # how they were answered, then minimised and their mail redacted.
    non_customer_requests_months: AtLeastOne = 12
    # A data package's one-time password read out in a call and not used within these days
    # is forgotten (a new call gives a new one).
    package_password_days: AtLeastOne = 14


@dataclass(frozen=True)
class NewsletterSettings:
    """``rekisteri newsletter``: the sender, the list's id and the secret of its links."""

    from_address: str = ""  # empty: the privacy inbox
    from_name: str = ""  # empty: the controller's name
    reply_to: str = ""  # empty: the privacy inbox
    list_id: str = ""  # empty: uutiskirje.<the privacy inbox's domain>
    token_secret: str = ""  # empty: the secret kept in the database (rekisteri init)


@dataclass(frozen=True)
class AuditSettings:
    """Where the mailbot writes the audit chain's daily anchor (its length and tip hash),
    outside the database, and where ``rekisteri audit verify`` reads them back; the key
    that seals each anchor (kept where the database's users cannot read it)."""

    anchor_file: str = ""  # empty: audit-anchors.txt beside the database (or the data folder)
    key_file: str = ""  # empty: audit-anchor.key beside the anchor file


@dataclass(frozen=True)
class BackupSettings:
    """``rekisteri backup``: where backups go, the key they are encrypted to, how long
    they are kept, and the forget ledger a restore replays (docs/backups.md)."""

    dir: str = ""  # empty: backups/ beside the database (or in the data folder)
    recipient_file: str = ""  # the controller's public key (PEM); empty: no backups
    identity_file: str = ""  # the private key, only where backups are verified or restored
    ledger_file: str = ""  # empty: beside the configuration file (or the database)
    daily_days: AtLeastOne = 14
    weekly_weeks: NotNegative = 8

    @property
    def longest_keep_days(self) -> int:
        """The age no backup reaches: the rotation of :func:`store.backup.kept`."""
        return max(self.daily_days, 7 * self.weekly_weeks)


@dataclass(frozen=True)
class UISettings:
    language: Literal["fi", "en"] = "fi"
    idle_logout_minutes: AtLeastOne = 15
    lockout_attempts: AtLeastOne = 5
    lockout_minutes: AtLeastOne = 15


@dataclass(frozen=True)
class Controller:
    name: str = ""
    business_id: str = ""
    address: Localized = field(default_factory=dict)  # "Kotka, Suomi" / "Kotka, Finland"
    website: str = ""
    contact_person: str = ""
    contact_title: Localized = field(default_factory=dict)
    contact_email: str = ""
    contact_phone: str = ""
    privacy_inbox: str = ""
    privacy_officer: str = ""
    privacy_officer_email: str = ""  # empty: the privacy inbox reaches them


@dataclass(frozen=True)
class Purpose:
    """One purpose of processing and its legal basis (Art. 13(1)(c)–(d), Art. 30(1)(b))."""

    purpose: Localized = field(default_factory=dict)
    legal_basis: Localized = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """The facts of the privacy notice (GDPR Art. 13), of every access answer (Art. 15) and
    of the record of processing activities (Art. 30)."""

    register_name: Localized = field(default_factory=dict)
    purposes: tuple[Purpose, ...] = ()
    data_categories: Localized = field(default_factory=dict)
    people_categories: Localized = field(default_factory=dict)
    provision_requirement: Localized = field(default_factory=dict)
    sources: Localized = field(default_factory=dict)
    recipients: Localized = field(default_factory=dict)
    transfers: Localized = field(default_factory=dict)
    processors: Localized = field(default_factory=dict)
    retention: Localized = field(default_factory=dict)
    informing: Localized = field(default_factory=dict)
    security: Localized = field(default_factory=dict)
    access_to_register: Localized = field(default_factory=dict)
    rights: Localized = field(default_factory=dict)
    how_to_use_rights: Localized = field(default_factory=dict)
    automated_decisions: Localized = field(default_factory=dict)
    complaint: Localized = field(default_factory=dict)
    breaches: Localized = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    requests: RequestSettings = field(default_factory=RequestSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    newsletter: NewsletterSettings = field(default_factory=NewsletterSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    ui: UISettings = field(default_factory=UISettings)
    controller: Controller = field(default_factory=Controller)
    notice: Notice = field(default_factory=Notice)
    keymap: dict[str, str] = field(default_factory=dict)
    source_path: str = ""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("rekisteri", appauthor=False))


ENVIRONMENT = {
    "REKISTERI_DB": ("database", "url"),
    "REKISTERI_INBOX": ("mail", "inbox"),
    "REKISTERI_SMTP": ("mail", "smtp"),
    "REKISTERI_FROM": ("mail", "from_address"),
    "REKISTERI_LANG": ("ui", "language"),
}


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, overlaid by the TOML file (``path`` or ``REKISTERI_CONFIG``), then the env."""
    environ = os.environ if environ is None else environ
    data = _embedded_defaults()
    config_path = path or environ.get("REKISTERI_CONFIG")
    from_file: dict[str, Any] = {}
    if config_path:
        from_file = _read_toml(Path(config_path))
        _merge(data, from_file, where="")
    for variable, (section, key) in ENVIRONMENT.items():
        if environ.get(variable):
            data[section][key] = environ[variable]
    data["source_path"] = str(config_path or "")
    _fill_derived_defaults(data)
    from_environment = {
        setting: variable for variable, setting in ENVIRONMENT.items() if environ.get(variable)
    }
    settings = _validated(data)
    _check_urls(settings, from_environment)
    if config_path:
        refuse_readable_secrets(Path(config_path), from_file)
    _check_backup_keep(settings)
    return fill_placeholders(settings)


SECRET_URLS = (("database", "url"), ("mail", "inbox"), ("mail", "smtp"))
"""The settings whose URL may carry a password (``user:password@`` or ``?password=``)."""


def secrets_in(data: Mapping[str, Any]) -> list[str]:
    """The settings of a configuration file's own ``data`` that hold a secret."""
    found = []
    newsletter = data.get("newsletter")
    if isinstance(newsletter, dict) and newsletter.get("token_secret"):
        found.append("newsletter.token_secret")
    for section, key in SECRET_URLS:
        table = data.get(section)
        url = table.get(key) if isinstance(table, dict) else None
        if isinstance(url, str) and _url_has_password(url):
            found.append(f"{section}.{key}")
    return found


def _url_has_password(url: str) -> bool:
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
        return bool(parts.password) or any(
            name.lower() == "password" and value
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        )
    except ValueError:
        return True  # cannot tell: as careful as with one


def refuse_readable_secrets(path: Path, data: Mapping[str, Any]) -> None:
    """A configuration file holding a secret (the newsletter links' key, a password in a
    URL) that other users of the machine can read or write is refused with the command
    that fixes it, as the register itself is (store.db); one with no secret may be."""
    secrets = secrets_in(data)
    if not secrets:
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds a secret ({', '.join(secrets)}) and other users of this machine"
            f" can read it (mode {mode:04o}): run `chmod 600 {path}`",
            key="error.config_secret_readable",
            path=str(path),
            setting=", ".join(secrets),
            mode=f"{mode:04o}",
        )


def _check_backup_keep(settings: Settings) -> None:
    """A backup holds every person erased after it was taken.  The notice promises their
    data is gone within ``retention.months_after_relationship`` months, so no backup may
    be kept longer (a month counted as its shortest, four weeks)."""
    limit = 28 * settings.retention.months_after_relationship
    keep = settings.backup.longest_keep_days
    if keep > limit:
        raise ConfigError(
            f"setting backup.weekly_weeks / backup.daily_days: backups would be kept {keep} days,"
            f" longer than the {limit} days of retention.months_after_relationship"
            f" ({settings.retention.months_after_relationship} months of four weeks)",
            key="backup.keep_too_long",
            keep=keep,
            limit=limit,
        )


def _validated(data: dict[str, Any]) -> Settings:
    """``data`` as :class:`Settings`, every value checked against its declared type and
    bounds (msgspec, strict: ``true`` is not a number, ``"30"`` is not a duration)."""
    try:
        return msgspec.convert(data, Settings, strict=True)
    except msgspec.ValidationError as error:
        message, _, where = str(error).partition(" - at `$")
        name = where.rstrip("`").lstrip(".").replace("`", "")
        value = _value_at(data, name)
        given = "" if value is _MISSING else f", not {_as_toml(value)}"
        shown = "" if value is _MISSING else _as_toml(value)
        if message.startswith("Invalid enum value"):
            raise ConfigError(
                f"setting {name}: {_plain(message, name)}{given}",
                key="error.setting_choice",
                name=name,
                choices=" / ".join(_choices(name)),
                value=shown,
            ) from None
        expected = _expected(message)
        if expected is None:
            raise ConfigError(
                f"setting {name}: {_plain(message, name)}{given}",
                key="error.setting_invalid",
                name=name,
                detail=message,
            ) from None
        raise ConfigError(
            f"setting {name}: {_plain(message, name)}{given}",
            key="error.setting_must_be" if shown else "error.setting_must_be_bare",
            name=name,
            expected=expected,
            value=shown,
        ) from None


_EXPECTED = re.compile(r"Expected `(\w+)`(?: (>=|<=) (\S+?))?(?:, got `\w+`)?$")


def _expected(message: str) -> Term | None:
    """msgspec's "Expected `int` >= 1, got `bool`" as the catalogue's words for what the
    value must be (``config.expect.int_min``: "a whole number of at least 1")."""
    found = _EXPECTED.match(message)
    if found is None or f"`{found.group(1)}`" not in _EXPECTATIONS:
        return None
    kind, bound, limit = found.groups()
    suffix = {">=": "_min", "<=": "_max"}.get(bound or "", "")
    return Term(f"config.expect.{kind}{suffix}", {"limit": limit} if limit else {})


def _as_toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _choices(name: str) -> tuple[str, ...]:
    """The values a ``Literal`` setting (``section.key``) takes."""
    section, _, key = name.partition(".")
    section_type = typing.get_type_hints(Settings).get(section)
    if not dataclasses.is_dataclass(section_type):
        return ()
    kind = typing.get_type_hints(section_type).get(key)
    return tuple(str(choice) for choice in typing.get_args(kind))


_MISSING = object()


def _value_at(data: Any, name: str) -> Any:
    for part in re.findall(r"[a-z_]+|\[\d+\]", name):
        if part.startswith("["):
            index = int(part[1:-1])
            data = data[index] if isinstance(data, list) and index < len(data) else _MISSING
        else:
            data = data.get(part, _MISSING) if isinstance(data, dict) else _MISSING
        if data is _MISSING:
            break
    return data


_EXPECTATIONS = {
    "`int`": "a whole number",
    "`float`": "a number",
    "`str`": "a text in quotes",
    "`array`": "a list ([…])",
    "`object`": "a table",
    "`bool`": "true or false",
}


def _plain(message: str, name: str) -> str:
    """msgspec's "Expected `int` >= 1, got `bool`" as "must be a whole number of at least 1"."""
    found = re.match(r"Expected (`\w+`)(?: (>=|<=) (\S+))?(?:, got (`\w+`))?", message)
    if found is None:
        if message.startswith("Invalid enum value"):
            return "must be " + " or ".join(_choices(name))
        return message[:1].lower() + message[1:]
    kind, bound, limit, _got = found.groups()
    text = "must be " + _EXPECTATIONS.get(kind, kind.strip("`"))
    if bound == ">=":
        text += f" of at least {limit}"
    elif bound == "<=":
        text += f" of at most {limit}"
    return text


def _setting_name(section: str, key: str, from_environment: Mapping[tuple[str, str], str]) -> str:
    variable = from_environment.get((section, key))
    return f"{variable} ({section}.{key})" if variable else f"setting {section}.{key}"


URL_SCHEMES = {
    ("database", "url"): ("sqlite", "postgresql", "postgres"),
    ("mail", "inbox"): ("maildir", "imap", "imaps"),
    ("mail", "smtp"): ("smtp", "smtps", "outbox"),
}
"""The URL schemes each URL setting understands (the first is the default's)."""


def _check_urls(settings: Settings, from_environment: Mapping[tuple[str, str], str]) -> None:
    for (section, key), schemes in URL_SCHEMES.items():
        url = getattr(getattr(settings, section), key)
        scheme = scheme_of(url)
        if scheme not in schemes:
            # Only the scheme is shown: the rest of a URL may hold a password.
            what = f"unknown URL scheme {scheme!r}" if scheme else "not a URL"
            variable = from_environment.get((section, key))
            raise ConfigError(
                f"{_setting_name(section, key, from_environment)}: {what}; use "
                + ", ".join(f"{name}://" for name in schemes)
                + " (a local path as scheme:///absolute/path)",
                key="error.setting_url_scheme" if scheme else "error.setting_not_url",
                setting=(
                    f"{variable} ({section}.{key})"
                    if variable
                    else Term("error.setting_named", {"name": f"{section}.{key}"})
                ),
                scheme=f"'{scheme}'",
                schemes=", ".join(f"{name}://" for name in schemes),
            )


def _embedded_defaults() -> dict[str, Any]:
    text = resources.files("store").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file not found: {path}", key="error.config_not_found", path=str(path)
        ) from None
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        if at:
            raise ConfigError(
                f"{path}: {error}",
                key="error.config_syntax",
                path=str(path),
                line=int(at.group(1)),
                column=int(at.group(2)),
            ) from None
        raise ConfigError(
            f"{path}: {error}", key="error.config_unreadable", path=str(path), error=str(error)
        ) from None
    except OSError as error:
        raise ConfigError(
            f"{path}: {error.strerror or error}",
            key="error.config_unreadable",
            path=str(path),
            error=os_reason(error),
        ) from None


def _merge(base: dict[str, Any], overlay: Mapping[str, Any], where: str) -> None:
    for key, value in overlay.items():
        name = f"{where}{key}"
        if key not in base:
            raise ConfigError(f"unknown setting {name!r}", key="error.unknown_setting", name=name)
        if isinstance(base[key], dict) and not _is_localized(base[key]):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"setting {name!r} must be a table", key="error.setting_not_table", name=name
                )
            _merge(base[key], value, where=f"{name}.")
        elif isinstance(base[key], dict) and isinstance(value, str):
            base[key] = dict.fromkeys(LANGUAGES, value)  # one text for every language
        else:
            base[key] = value


def _is_localized(value: Mapping[str, Any]) -> bool:
    return bool(value) and set(value) <= set(LANGUAGES)


def _fill_derived_defaults(data: dict[str, Any]) -> None:
    data_dir = default_data_dir()
    if not data["database"]["url"]:
        data["database"]["url"] = file_url("sqlite", data_dir / "rekisteri.db")
    if not data["mail"]["inbox"]:
        data["mail"]["inbox"] = file_url("maildir", data_dir / "inbox")
    if not data["mail"]["smtp"]:
        data["mail"]["smtp"] = file_url("outbox", data_dir / "outbox")
    if not data["mail"]["from_address"]:
        data["mail"]["from_address"] = data["controller"]["privacy_inbox"]
    if not data["controller"]["privacy_officer_email"]:
        data["controller"]["privacy_officer_email"] = data["controller"]["privacy_inbox"]
    _fill_backup_paths(data, data_dir)
    if not data["audit"]["anchor_file"]:
        beside = data_dir
        if scheme_of(data["database"]["url"]) == "sqlite":
            beside = file_url_path(data["database"]["url"]).expanduser().absolute().parent
        data["audit"]["anchor_file"] = str(beside / "audit-anchors.txt")
    if not data["audit"]["key_file"]:
        anchor_folder = Path(data["audit"]["anchor_file"]).expanduser().parent
        data["audit"]["key_file"] = str(anchor_folder / "audit-anchor.key")
    newsletter = data["newsletter"]
    for key in ("from_address", "reply_to"):
        newsletter[key] = newsletter[key] or data["controller"]["privacy_inbox"]
    newsletter["from_name"] = newsletter["from_name"] or data["controller"]["name"]
    if not newsletter["list_id"]:
        domain = data["controller"]["privacy_inbox"].rpartition("@")[2] or "localhost"
        newsletter["list_id"] = f"uutiskirje.{domain}"


def _fill_backup_paths(data: dict[str, Any], data_dir: Path) -> None:
    """Relative backup paths are relative to the configuration file; the ledger lives beside
    it (or beside the SQLite database, or in the data folder), backups/ beside the database."""
    backup = data["backup"]
    config_dir = Path(data["source_path"]).absolute().parent if data["source_path"] else None
    database_dir = data_dir
    if scheme_of(data["database"]["url"]) == "sqlite":
        database_dir = file_url_path(data["database"]["url"]).expanduser().absolute().parent
    for key in ("dir", "recipient_file", "identity_file", "ledger_file"):
        if backup[key] and config_dir and not Path(backup[key]).expanduser().is_absolute():
            backup[key] = str(config_dir / backup[key])
        elif backup[key]:
            backup[key] = str(Path(backup[key]).expanduser())
    if not backup["dir"]:
        backup["dir"] = str(database_dir / "backups")
    if not backup["ledger_file"]:
        backup["ledger_file"] = str((config_dir or database_dir) / "forget-ledger.jsonl")


# ---------------------------------------------------------------- placeholders

PLACEHOLDERS = (
    *(f"controller.{item.name}" for item in dataclasses.fields(Controller)),
    "retention.months_after_relationship",
    "retention.voucher_years",
    "retention.mail_grace_days",
    "retention.non_customer_requests_months",
    "backup.longest_keep",
)
"""The settings a ``[notice]`` text (or ``mail.from_name``) may name as ``{section.key}``."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
_DURATIONS = {
    "retention.months_after_relationship": "months",
    "retention.voucher_years": "years",
    "retention.mail_grace_days": "days",
    "retention.non_customer_requests_months": "months",
}


def fill_placeholders(settings: Settings) -> Settings:
    """The settings with every ``{section.key}`` in the notice's texts filled in."""
    notice = settings.notice
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(Notice):
        value = getattr(notice, item.name)
        where = f"notice.{item.name}"
        if item.name == "purposes":
            changes[item.name] = tuple(
                Purpose(
                    purpose=_fill_localized(settings, entry.purpose, f"{where}[{index}].purpose"),
                    legal_basis=_fill_localized(
                        settings, entry.legal_basis, f"{where}[{index}].legal_basis"
                    ),
                )
                for index, entry in enumerate(value)
            )
        else:
            changes[item.name] = _fill_localized(settings, value, where)
    mail = dataclasses.replace(
        settings.mail, from_name=_fill(settings, settings.mail.from_name, "fi", "mail.from_name")
    )
    return dataclasses.replace(settings, notice=dataclasses.replace(notice, **changes), mail=mail)


def _fill_localized(settings: Settings, text: Localized, where: str) -> Localized:
    return {
        language: _fill(settings, value, language, f"{where}.{language}")
        for language, value in text.items()
    }


def _fill(settings: Settings, text: str, language: str, where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ConfigError(
                f"{where}: unknown placeholder {{{name}}}; one of {known}",
                key="error.unknown_placeholder",
                name=where,
                placeholder="{" + name + "}",
                known=known,
            )
        if name == "backup.longest_keep":
            days = settings.backup.longest_keep_days
            if days % 7 == 0:
                return duration(days // 7, "weeks", language)
            return duration(days, "days", language)
        section, key = name.split(".")
        found = getattr(getattr(settings, section), key)
        if name in _DURATIONS:
            return duration(int(found), _DURATIONS[name], language)
        if isinstance(found, dict):
            return localized(found, language)
        return str(found)

    return _PLACEHOLDER.sub(value, text)


def duration(count: int, unit: str, language: str) -> str:
    """``2, "months"`` → "kaksi kuukautta" / "två månader" / "two months"."""
    if count == 1:
        return translate(f"duration.{unit}_one", language)
    number = translate(f"duration.number_{count}", language) if 2 <= count <= 12 else str(count)
    return translate(f"duration.{unit}_other", language, count=number)
