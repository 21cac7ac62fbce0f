"""Named staff: the only people who can log in, each with a role and a password (argon2)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from store import audit, clock
from store.errors import InvalidInput, LoginRefused, NotFound, StaffNotActive
from store.models import ROLES, Staff, database


def _default_hasher() -> PasswordHasher:
    """argon2's own profile.  A command the test suite starts (``REKISTERI_CHEAP_HASHES=1``,
    honoured only where :func:`store.clock.test_hooks_allowed`) hashes with the suite's
    cheap one instead: otherwise every login racing it verifies a full-cost hash."""
    if os.environ.get("REKISTERI_CHEAP_HASHES") == "1" and clock.test_hooks_allowed():
        return cheap_hasher()
    return PasswordHasher()


def cheap_hasher() -> PasswordHasher:
    """The test suite's argon2 profile (never the program's: see :func:`_default_hasher`)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


_hasher = _default_hasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
# Made by the first login of the process, before it looks up the name (so that first login
# costs the same whatever the name), not at import: every command would pay for a hash.
_DUMMY_HASH: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` from now on, in this process only.

    The test suite calls this with a cheap profile (argon2's cost is the point in
    production and pure waste in a test that logs in); the program itself never does.
    """
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not a real password")
    return _DUMMY_HASH


NAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 10


def add_staff(
    name: str, role: str, password: str, actor: str, *, display_name: str = "", language: str = "fi"
) -> Staff:
    if not NAME_PATTERN.match(name):
        raise InvalidInput(
            f"staff name {name!r}: 2–32 characters, lowercase letters, digits, . _ -",
            key="error.bad_staff_name",
            name=name,
        )
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if language not in ("fi", "en"):
        raise InvalidInput("language must be fi or en", key="error.staff_language")
    check_password_strength(password)
    require_active(actor, role="admin")
    with database.atomic():
        if Staff.select().where(Staff.name == name).exists():
            raise InvalidInput(
                f"staff member {name!r} already exists", key="error.staff_exists", name=name
            )
        staff = Staff.create(
            name=name,
            display_name=display_name or name,
            role=role,
            password_hash=_hasher.hash(password),
            language=language,
            created_at=clock.now(),
        )
        audit.record("staff.added", actor, staff=name, role=role)
    return staff


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            key="error.short_password",
            length=MIN_PASSWORD_LENGTH,
        )


def get_staff(name: str) -> Staff:
    staff = Staff.get_or_none(Staff.name == name)
    if staff is None:
        raise NotFound(f"no staff member {name!r}", key="error.no_staff", name=name)
    return staff


def is_active(name: str, *, role: str | None = None) -> bool:
    """Whether ``name`` is an enabled staff member (with ``role``, if one is asked for)."""
    staff = Staff.get_or_none(Staff.name == name)
    return staff is not None and bool(staff.enabled) and (role is None or staff.role == role)


def require_active(actor: str, *, role: str | None = None) -> None:
    """Refuse an act by a staff member disabled (or moved to another role) since logging in.

    A session in an open TUI outlives ``staff disable``; every act asks again.  Actors
    that are not staff (``@mailbot``, ``@system``, ``@cli:<os user>``) pass: the
    operating system decided who may run those.
    """
    if actor.startswith("@"):
        return
    if not is_active(actor, role=role):
        raise StaffNotActive(
            f"{actor} is not an enabled staff member" + (f" with the role {role}" if role else ""),
            key="staff.not_active",
            name=actor,
        )


def list_staff() -> list[Staff]:
    return list(Staff.select().order_by(Staff.name))


def set_enabled(name: str, enabled: bool, actor: str) -> Staff:
    require_active(actor, role="admin")
    with database.atomic():
        staff = get_staff(name)
        # Only these columns: a whole-row save() from a copy read a moment ago would undo
        # what a login or a password change wrote meanwhile.
        _update_only(
            staff, {Staff.enabled: enabled, Staff.failed_attempts: 0, Staff.locked_until: None}
        )
        audit.record("staff.enabled" if enabled else "staff.disabled", actor, staff=name)
    return get_staff(name)


def set_password(name: str, password: str, actor: str) -> None:
    check_password_strength(password)
    password_hash = _hasher.hash(password)  # before the transaction: it takes a while
    with database.atomic():
        # The hash alone: the failures counted meanwhile and a disable stay as they are.
        _update_only(get_staff(name), {Staff.password_hash: password_hash})
        audit.record("staff.password_changed", actor, staff=name)


def change_own_password(
    name: str,
    current: str,
    new: str,
    *,
    max_attempts: int = 5,
    lockout: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> None:
    """A staff member changes their own password, giving the current one first.

    A wrong current password counts as a failed login (so this is no way round the
    lockout), and the change is made only if nobody changed the password meanwhile.
    """
    now = now or clock.now()
    require_active(name)
    staff = get_staff(name)
    if staff.locked_until is not None and staff.locked_until > now:
        _refuse_login(max_attempts, int(lockout.total_seconds() // 60))
    if not _verify(staff.password_hash, current):
        _count_failure(staff, now, max_attempts, lockout)
        raise InvalidInput("the current password is wrong", key="staff.wrong_current_password")
    if new == current:
        raise InvalidInput("the new password is the current one", key="staff.same_password")
    check_password_strength(new)
    with database.atomic():
        changed = (
            Staff.update({Staff.password_hash: _hasher.hash(new), Staff.failed_attempts: 0})
            .where((Staff.id == staff.id) & (Staff.password_hash == staff.password_hash))
            .execute()
        )
        if not changed:
            raise InvalidInput(
                "the password was changed meanwhile", key="staff.password_changed_meanwhile"
            )
        audit.record("staff.password_changed", name, staff=name, by="self")


def set_language(name: str, language: str, actor: str) -> Staff:
    if language not in ("fi", "en"):
        raise InvalidInput("language must be fi or en", key="error.staff_language")
    with database.atomic():
        _update_only(get_staff(name), {Staff.language: language})
        audit.record("staff.language_changed", actor, staff=name, language=language)
    return get_staff(name)


def _update_only(staff: Staff, columns: dict[Any, Any]) -> None:
    """Write ``columns`` of ``staff``'s row and nothing else (never ``save()``: it writes
    every column from the copy in hand, undoing whatever another process wrote since)."""
    Staff.update(columns).where(Staff.id == staff.id).execute()


def authenticate(
    name: str,
    password: str,
    *,
    max_attempts: int = 5,
    lockout: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> Staff:
    """Check a login.  ``max_attempts`` failures in a row lock the name for ``lockout``.

    Every refusal says the same thing, whatever was wrong (an unknown name, a wrong
    password, a disabled member, a locked name), so the answer never tells which names
    exist; what was wrong is in the audit trail for an admin.
    """
    now = now or clock.now()
    minutes = int(lockout.total_seconds() // 60)
    dummy_hash = _dummy_hash()
    staff = Staff.get_or_none(Staff.name == name)
    if staff is None:
        _verify(dummy_hash, password)
        audit.record("login.failed", "@system", staff=name[:64], why="unknown")
        _refuse_login(max_attempts, minutes)
    assert staff is not None
    if staff.locked_until is not None and staff.locked_until > now:
        _verify(dummy_hash, password)  # as long as any other refusal
        audit.record("login.failed", staff.name, staff=staff.name, why="locked")
        _refuse_login(max_attempts, minutes)
    if not _verify(staff.password_hash, password) or not staff.enabled:
        _count_failure(staff, now, max_attempts, lockout)
        _refuse_login(max_attempts, minutes)
    # Only the login columns, and only if nobody disabled the member or changed the
    # password while the hash was being checked (that takes up to half a second).
    login_columns: dict[Any, Any] = {
        Staff.failed_attempts: 0,
        Staff.locked_until: None,
        Staff.last_login_at: now,
    }
    if _hasher.check_needs_rehash(staff.password_hash):
        login_columns[Staff.password_hash] = _hasher.hash(password)
    with database.atomic():
        updated = (
            Staff.update(login_columns)
            .where(
                (Staff.id == staff.id)
                & (Staff.enabled == True)  # noqa: E712
                & (Staff.password_hash == staff.password_hash)
            )
            .execute()
        )
        if not updated:
            audit.record("login.failed", staff.name, staff=staff.name, why="changed")
        else:
            audit.record("login.succeeded", staff.name, staff=staff.name)
    if not updated:
        _refuse_login(max_attempts, minutes)
    return Staff.get_by_id(staff.id)


def _count_failure(
    staff: Staff, now: datetime, max_attempts: int, lockout: timedelta
) -> datetime | None:
    """Count a failed login in the database itself (never a stale copy: twenty parallel
    wrong passwords are twenty failures); returns the lock's end when this one locks."""
    why = "disabled" if staff.enabled is False else "password"
    with database.atomic():
        (
            Staff.update({Staff.failed_attempts: Staff.failed_attempts + 1})
            .where(Staff.id == staff.id)
            .execute()
        )
        attempts = (Staff.select(Staff.failed_attempts).where(Staff.id == staff.id).scalar()) or 0
        locked_until = None
        if attempts >= max_attempts:
            locked_until = now + lockout
            (
                Staff.update({Staff.locked_until: locked_until, Staff.failed_attempts: 0})
                .where(Staff.id == staff.id)
                .execute()
            )
            audit.record(
                "login.locked", staff.name, staff=staff.name, until=clock.iso(locked_until)
            )
        audit.record("login.failed", staff.name, staff=staff.name, why=why)
    return locked_until


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _refuse_login(attempts: int, minutes: int) -> NoReturn:
    raise LoginRefused(
        "wrong name or password, or the name is locked",
        key="login.refused",
        attempts=attempts,
        minutes=minutes,
    )
