"""Ticket references: short, random, easy to read out on the phone, with a check character.

`7KQ-M4X2`: six random characters and one Luhn mod N check character over an alphabet without
look-alikes (no 0/O, 1/I/L, no U), so a reference reveals nothing about volumes and a mistyped
one is caught before we search for it.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 6
_INDEX = {char: index for index, char in enumerate(ALPHABET)}
# What people type instead of the character they read.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _check_character(body: str) -> str:
    """Luhn mod N: catches every single-character error and most swaps of neighbours."""
    base = len(ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * _INDEX[char]
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return ALPHABET[(base - total % base) % base]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    code = body + _check_character(body)
    return f"{code[:3]}-{code[3:]}"


def normalise_reference(text: str) -> str | None:
    """The canonical form of what someone typed (`7kq m4x2`), or None if it cannot be ours."""
    compact = "".join(char for char in text.upper() if char.isalnum()).translate(_LOOKALIKES)
    if len(compact) != RANDOM_LENGTH + 1 or any(char not in _INDEX for char in compact):
        return None
    if _check_character(compact[:-1]) != compact[-1]:
        return None
    return f"{compact[:3]}-{compact[3:]}"
