"""Tip codes, web passphrases and per-tip aliases: what people read, type and say.

Codes and passphrases use an alphabet without look-alikes (no 0/O, 1/I/L) so a code
read aloud over a radio or typed on a phone keyboard comes out right.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "T-"

#: How many times a new code collides before the next one gets one more character.
#: With 4 characters there are 923,521 codes; collisions only matter after years.
COLLISIONS_BEFORE_LONGER = 3


def new_tip_code(length: int = 4) -> str:
    return CODE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_tip_code(value: str) -> str | None:
    """The canonical code for what someone typed ('t-4f7k', 'T 4F7K', '4F7K'), or None."""
    cleaned = "".join(ch for ch in value.upper() if ch.isalnum())
    if cleaned.startswith("T") and len(cleaned) >= 5:
        cleaned = cleaned[1:]
    if not 4 <= len(cleaned) <= 8 or any(ch not in ALPHABET for ch in cleaned):
        return None
    return CODE_PREFIX + cleaned


def new_passphrase(groups: int = 4, size: int = 4) -> str:
    """'K7QF-M2XR-9HTD-4WPA': 16 characters of a 31-letter alphabet, about 79 bits."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))


def normalize_passphrase(value: str) -> str:
    """Case, spaces and dashes do not matter when a tipster types the passphrase back."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


_ADJECTIVES = (
    "Amber",
    "Azure",
    "Brisk",
    "Calm",
    "Cedar",
    "Coral",
    "Crimson",
    "Dusky",
    "Ember",
    "Fern",
    "Frost",
    "Golden",
    "Granite",
    "Hazel",
    "Indigo",
    "Ivory",
    "Jade",
    "Lunar",
    "Maple",
    "Misty",
    "Ochre",
    "Olive",
    "Quiet",
    "Rapid",
    "Russet",
    "Sable",
    "Silver",
    "Slate",
    "Solar",
    "Swift",
    "Teal",
    "Violet",
)
_NOUNS = (
    "Badger",
    "Bison",
    "Crane",
    "Falcon",
    "Ferret",
    "Finch",
    "Fox",
    "Gecko",
    "Heron",
    "Ibis",
    "Jackal",
    "Kestrel",
    "Koala",
    "Lark",
    "Lynx",
    "Marten",
    "Moose",
    "Newt",
    "Otter",
    "Owl",
    "Panda",
    "Pelican",
    "Plover",
    "Puffin",
    "Raven",
    "Robin",
    "Salmon",
    "Stoat",
    "Swan",
    "Tern",
    "Walrus",
    "Wren",
)


def new_alias() -> str:
    """What officers call the tipster of one tip, e.g. 'Amber Heron'.

    Drawn at random when the tip is made and stored on it: stable for the tip, unrelated
    across tips from the same person, and derived from no key at all, so nothing (neither
    the pseudonym key nor a leaked secret) links an alias to a number or to another tip.
    """
    return f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_NOUNS)}"
