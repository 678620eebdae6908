"""Web tip passphrases, stored only as a slow, salted scrypt hash.

The format names its parameters ('scrypt$n$r$p$salt$hash') so they can be raised later
without breaking stored hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from rtcc.tips.codes import normalize_passphrase

# 2**14 x 8 x 1: ~16 MiB and tens of milliseconds per check, which makes offline
# guessing expensive while a Lambda checks one follow-up comfortably.
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_passphrase(passphrase: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        normalize_passphrase(passphrase).encode(),
        salt=salt,
        n=_N,
        r=_R,
        p=_P,
        dklen=_DKLEN,
        maxmem=64 * 1024 * 1024,
    )
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_passphrase(passphrase: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            normalize_passphrase(passphrase).encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(_unb64(expected)),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hash_passphrase("decoy-passphrase-never-issued")


def spend_like_a_check(passphrase: str) -> bool:
    """Run a full scrypt check against a decoy hash and answer False: a request for a
    code that does not exist (or cannot be opened) takes as long as a wrong passphrase,
    so timing does not tell which codes exist."""
    verify_passphrase(passphrase, _decoy_hash())
    return False
