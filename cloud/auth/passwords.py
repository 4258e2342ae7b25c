"""Passwords of people, hashed with argon2id (RFC 9106 parameters of argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

MIN_LENGTH = 12
"""Shorter passwords are refused when set (NIST SP 800-63B asks at least 8; we ask more)."""

# Verified when the email is unknown, so an unknown email costs as long as a wrong password
# and the answer's timing does not tell which emails exist.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The PHC string to store; refuses a password shorter than ``MIN_LENGTH``."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password: at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash`` None (no such user) takes as long."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
