"""The personal links of the newsletter: a token per customer and purpose.

Every newsletter carries two links for its reader, "see or change your data" (``mydata``)
and "stop the newsletter" (``unsubscribe``).  Both are ``mailto:`` links to the privacy
inbox whose subject carries a token; the mailbot reads the token back and knows, without
asking anyone to log in, whose link it was.

A token is ``RK1U-`` (unsubscribe) or ``RK1D-`` (mydata) followed by 56 base32 characters:

    fingerprint (3 bytes) ‖ tag (16 bytes) ‖ sealed customer number (16 bytes)

- ``tag`` is an HMAC-SHA256 over the purpose and the customer number, under a key derived
  from the secret (truncated to 128 bits).  Nobody without the secret can make one, and
  changing a single character breaks it.  It is compared with :func:`hmac.compare_digest`.
- The customer number travels sealed: XORed with an HMAC keystream keyed by the secret and
  drawn from the tag (the SIV construction), padded to 16 bytes.  The token therefore finds
  its customer without a lookup table, and is not reversible to the number by anyone
  without the secret; one's own token and number reveal nothing about another's.
- ``fingerprint`` names the secret that made the token.  Rotating the secret
  (:func:`rotate_secret`) invalidates every link made before; the fingerprints of retired
  secrets are remembered (never the secrets), so an old link is reported as such instead
  of as forged.

The secret is 32 random bytes made by ``rekisteri init`` (and the demo) and kept in the
database (a :class:`~store.models.Setting`), unless ``newsletter.token_secret`` sets one in
the configuration.  Tokens are deterministic: a customer's links stay the same from one
issue to the next until the secret changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TypedDict

from store import audit
from store.config import Settings
from store.errors import ConfigError, RuleViolation
from store.heartbeat import read_state, write_state
from store.models import Customer, OutboxMail, Setting, database
from store.models.mail import DUE_STATUSES
from store.newsletters import TEMPLATE as NEWSLETTER_TEMPLATE

PURPOSES = ("mydata", "unsubscribe")
_CODES = {"mydata": "D", "unsubscribe": "U"}
_PURPOSE_OF = {code: purpose for purpose, code in _CODES.items()}

SECRET_KEY = "newsletter.token_secret"
RETIRED_KEY = "newsletter.retired_fingerprints"
MIN_CONFIGURED_SECRET = 32
"""Characters a secret set in the configuration needs at least."""

_VERSION = "1"
_FINGERPRINT_BYTES = 3
_TAG_BYTES = 16
_BLOCK = 16
TOKEN = re.compile(r"\bRK1([DU])-([A-Z2-7]{40,160})\b", re.IGNORECASE)
"""A token in a text: its purpose code and its base32 body."""

# Why a token counts for nothing (the message's record keeps it):
MALFORMED = "malformed"  # not a token we could have made (cut short, wrong length)
FORGED = "altered_or_forged"  # the HMAC does not verify: changed or made up
OLD_SECRET = "old_secret"  # made with a secret that has since been rotated
NOT_IN_REGISTER = "customer_not_in_register"  # valid, but the customer is gone (erased)
SEVERAL = "several_tokens"  # more than one in what the person wrote: whose would it be?
PROBLEMS = (MALFORMED, FORGED, OLD_SECRET, NOT_IN_REGISTER, SEVERAL)


@dataclass(frozen=True)
class TokenKeys:
    """The keys derived from one secret: each use of it has its own."""

    tag_key: bytes
    seal_key: bytes
    fingerprint: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> TokenKeys:
        def derive(label: str) -> bytes:
            return hmac.digest(
                secret, f"rekisteri newsletter token {label}".encode(), hashlib.sha256
            )

        return cls(
            tag_key=derive("tag"),
            seal_key=derive("seal"),
            fingerprint=derive("fingerprint")[:_FINGERPRINT_BYTES],
        )


@dataclass(frozen=True)
class TokenCheck:
    """What a token says: its purpose and customer number, or why it counts for nothing."""

    purpose: str | None
    customer_no: str | None = None  # only when it verified
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.problem is None


# ---------------------------------------------------------------- the secret


def keys(settings: Settings) -> TokenKeys:
    """The keys of the secret in force: the configured one, else the database's."""
    configured = settings.newsletter.token_secret
    if configured:
        if len(configured) < MIN_CONFIGURED_SECRET:
            raise ConfigError(
                f"newsletter.token_secret needs at least {MIN_CONFIGURED_SECRET} characters",
                key="error.secret_too_short",
                length=MIN_CONFIGURED_SECRET,
            )
        return TokenKeys.from_secret(configured.encode("utf-8"))
    return TokenKeys.from_secret(_stored_secret(create=True))


def ensure_secret(actor: str) -> bool:
    """Make the database's secret if there is none yet (``init``, the demo); True if made."""
    if read_state(SECRET_KEY):
        return False
    made = secrets.token_hex(32)
    with database.atomic():
        Setting.insert(key=SECRET_KEY, value=made).on_conflict_ignore().execute()
        created = read_state(SECRET_KEY) == made  # not another process's a moment before
        if created:
            audit.record("newsletter.secret_created", actor)
    return created


def _stored_secret(*, create: bool) -> bytes:
    value = read_state(SECRET_KEY)
    if value is None and create:
        # A database made before the links existed: the first user makes the secret.
        ensure_secret("@system")
        value = read_state(SECRET_KEY)
    return bytes.fromhex(value or "")


def retired_fingerprints() -> set[bytes]:
    value = read_state(RETIRED_KEY) or ""
    return {bytes.fromhex(item) for item in value.split(",") if item}


def unsent_newsletter_mails() -> int:
    """Newsletter mails still waiting in the outbox: their links carry the current secret."""
    return (
        OutboxMail.select()
        .where((OutboxMail.template == NEWSLETTER_TEMPLATE) & OutboxMail.status.in_(DUE_STATUSES))
        .count()
    )


def rotate_secret(settings: Settings, actor: str, *, force: bool = False) -> None:
    """Replace the database's secret: every link made before stops working at once.

    Refused while newsletter mail is still waiting to go out (its links would be dead on
    arrival), unless ``force``.
    """
    if settings.newsletter.token_secret:
        raise RuleViolation(
            "the secret is set in the configuration (newsletter.token_secret)",
            key="newsletter.secret_in_config",
        )
    waiting = unsent_newsletter_mails()
    if waiting and not force:
        raise RuleViolation(
            f"{waiting} newsletter mails are still waiting to be sent",
            key="newsletter.mail_waiting",
            count=waiting,
        )
    with database.atomic():
        old = keys(settings).fingerprint
        retired = [item.hex() for item in sorted(retired_fingerprints() | {old})]
        write_state(RETIRED_KEY, ",".join(retired))
        write_state(SECRET_KEY, secrets.token_hex(32))
        audit.record("newsletter.secret_rotated", actor, retired=len(retired))


# ---------------------------------------------------------------- making and reading


def make_token(customer_no: str, purpose: str, token_keys: TokenKeys) -> str:
    """The token of ``customer_no`` for ``purpose`` (``mydata`` or ``unsubscribe``)."""
    if purpose not in _CODES:
        raise ValueError(f"not a link purpose: {purpose!r}")
    number = customer_no.encode("utf-8")
    tag = _tag(token_keys, purpose, number)
    # Padded to whole blocks: the length says no more than "a short number".
    padded = number.ljust(max(_BLOCK, -(-len(number) // _BLOCK) * _BLOCK), b"\0")
    sealed = _xor(padded, _keystream(token_keys, tag, len(padded)))
    body = base64.b32encode(token_keys.fingerprint + tag + sealed).decode("ascii").rstrip("=")
    return f"RK{_VERSION}{_CODES[purpose]}-{body}"


def find_tokens(text: str) -> list[str]:
    """Every distinct token in ``text``, in order, upper-cased."""
    found: list[str] = []
    for match in TOKEN.finditer(text or ""):
        token = match.group(0).upper()
        if token not in found:
            found.append(token)
    return found


def check_token(
    token: str, token_keys: TokenKeys, retired: set[bytes] | frozenset[bytes] = frozenset()
) -> TokenCheck:
    """Verify ``token``: its purpose and customer number, or why it counts for nothing."""
    match = TOKEN.fullmatch(token.strip())
    if match is None:
        return TokenCheck(None, problem=MALFORMED)
    purpose = _PURPOSE_OF[match.group(1).upper()]
    body = match.group(2).upper()
    try:
        payload = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return TokenCheck(purpose, problem=MALFORMED)
    head = _FINGERPRINT_BYTES + _TAG_BYTES
    sealed = payload[head:]
    if len(sealed) < _BLOCK or len(sealed) % _BLOCK:
        return TokenCheck(purpose, problem=MALFORMED)
    fingerprint, tag = payload[:_FINGERPRINT_BYTES], payload[_FINGERPRINT_BYTES:head]
    if not hmac.compare_digest(fingerprint, token_keys.fingerprint):
        return TokenCheck(purpose, problem=OLD_SECRET if fingerprint in retired else FORGED)
    number = _xor(sealed, _keystream(token_keys, tag, len(sealed))).rstrip(b"\0")
    expected = _tag(token_keys, purpose, number)
    if not hmac.compare_digest(expected, tag):
        return TokenCheck(purpose, problem=FORGED)
    try:
        customer_no = number.decode("utf-8")
    except UnicodeDecodeError:  # unreachable with a verified tag, but never trust bytes
        return TokenCheck(purpose, problem=FORGED)
    return TokenCheck(purpose, customer_no=customer_no)


class LinkNote(TypedDict):
    """What an inbound message's record keeps of a link's token (``link_token``)."""

    purpose: str | None
    accepted: bool
    ignored_because: str | None


@dataclass(frozen=True)
class LinkUse:
    """A token read from a message: its purpose, and its customer or why it was ignored."""

    token: str
    purpose: str | None
    customer: Customer | None = None
    problem: str | None = None

    @property
    def accepted(self) -> bool:
        return self.customer is not None

    def note(self) -> LinkNote:
        """What the message's record keeps: never the token or the customer number."""
        return {"purpose": self.purpose, "accepted": self.accepted, "ignored_because": self.problem}


def resolve(token: str, settings: Settings) -> LinkUse:
    """The customer whose link ``token`` is (still in the register), or why it counts for
    nothing."""
    check = check_token(token, keys(settings), retired_fingerprints())
    if not check.valid:
        return LinkUse(token, check.purpose, problem=check.problem)
    customer = Customer.get_or_none(
        (Customer.customer_no == check.customer_no) & Customer.erased_at.is_null()
    )
    if customer is None:
        return LinkUse(token, check.purpose, problem=NOT_IN_REGISTER)
    return LinkUse(token, check.purpose, customer=customer)


def _tag(token_keys: TokenKeys, purpose: str, number: bytes) -> bytes:
    message = f"{_VERSION}|{purpose}|".encode() + number
    return hmac.digest(token_keys.tag_key, message, hashlib.sha256)[:_TAG_BYTES]


def _keystream(token_keys: TokenKeys, tag: bytes, length: int) -> bytes:
    blocks = (
        hmac.digest(token_keys.seal_key, tag + bytes([counter]), hashlib.sha256)
        for counter in range((length + 31) // 32)
    )
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
