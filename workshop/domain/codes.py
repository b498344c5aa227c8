"""Join codes: short, easy to type on a phone, read aloud and copied off a projector.

The alphabet leaves out characters that are mistaken for one another (0/O, 1/I/L) and the vowels
A, E, U that, with the rest, spell words by accident. Six characters from 28 give 28^6 (about 480 million)
codes, so guessing one among the few thousand open at once takes hundreds of thousands of tries.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789BCDFGHJKMNPQRSTVWXYZ"
LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_join_code(typed: str) -> str | None:
    """Return the canonical code for what someone typed, or None if it cannot be a code.

    Case, spaces and dashes are ignored ("bcd fgh", "BCD-FGH"); anything else is refused rather than
    guessed at.
    """
    if not typed.isascii():  # upper() would turn "ß" into "SS" and "ſ" into "S": a guess, not a code
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display_join_code(code: str) -> str:
    """Codes are shown in two groups of three: 'BCD FGH' is easier to read off a wall."""
    half = LENGTH // 2
    return f"{code[:half]} {code[half:]}"
