"""Passwords of people, hashed with argon2id (RFC 9106 parameters of argon2-cffi).

A new password must follow NIST SP 800-63B §3.1.1.2: at least ``MIN_LENGTH`` characters
and not one an attacker tries first: a known common password (``common_passwords.txt``,
shipped with the code, see its LICENSE), one such with digits or symbols around it, a run
of one or two characters, a keyboard or alphabet sequence, or the service's or the
person's own name. Checking a password costs ~50 ms of CPU: ``PasswordChecks`` runs it in
a thread, a bounded number at once, so sign-ins never stall the event loop.
"""

from __future__ import annotations

import asyncio
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

MIN_LENGTH = 12
"""Shorter passwords are refused when set (NIST SP 800-63B asks at least 8; we ask more)."""

_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_SERVICE_WORDS = ("edgestock",)
_AROUND = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$")

# Verified when the email is unknown, so an unknown email costs as long as a wrong password
# and the answer's timing does not tell which emails exist.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class PasswordsBusy(Exception):
    """Too many password checks are waiting: answer 503 now rather than queue for ever."""


@cache
def _common() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line for line in path.read_text(encoding="utf-8").splitlines() if line)


COMMON_PASSWORDS = _common()
"""The 10,000 most common passwords, lower case."""


def password_problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be set (a sentence naming the field), or None.

    ``context`` holds words of the person (their email) that must not be the password.
    """
    if len(password) < MIN_LENGTH:
        return f"password: at least {MIN_LENGTH} characters"
    folded = password.lower()
    core = _AROUND.sub(r"\1", folded)
    if folded in COMMON_PASSWORDS or core in COMMON_PASSWORDS:
        return "password: a commonly used password; choose another"
    if len(set(folded)) <= 2 or _repeats_a_short_unit(folded):
        return "password: a repeated character or pattern; choose another"
    if any(folded in sequence or folded in sequence[::-1] for sequence in _SEQUENCES):
        return "password: a keyboard or alphabet sequence; choose another"
    if any(_mentions(core or folded, word) for word in (*_SERVICE_WORDS, *context)):
        return "password: the service's or your own name; choose another"
    return None


def _repeats_a_short_unit(folded: str) -> bool:
    return any(
        len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size)
        for size in range(1, 5)
    )


def _mentions(core: str, word: str) -> bool:
    word = word.lower()
    local = word.split("@", 1)[0]
    return core in (word, local) or (len(core) < len(local) + 4 and local in core)


def hash_password(password: str, *, context: tuple[str, ...] = ()) -> str:
    """The PHC string to store; ``ValueError`` naming the field for a refused password."""
    problem = password_problem(password, context=context)
    if problem is not None:
        raise ValueError(problem)
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash`` None (no such user) takes as long."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class PasswordChecks:
    """Password checks off the event loop: ``concurrency`` threads at once, ``queue`` waiting.

    Made in the app's lifespan (a semaphore belongs to one event loop).
    """

    def __init__(self, concurrency: int, queue: int) -> None:
        self._running = asyncio.Semaphore(concurrency)
        self._queue = queue
        self._waiting = 0

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """``verify_password`` in a thread; ``PasswordsBusy`` when too many are waiting."""
        if self._waiting >= self._queue:
            raise PasswordsBusy("too many sign-ins at once; retry in a second")
        self._waiting += 1
        try:
            async with self._running:
                return await asyncio.to_thread(verify_password, stored_hash, password)
        finally:
            self._waiting -= 1
