"""KMS adapters of the subscriber key ports: the alerts vault key (Encrypt/Decrypt) and the
alerts MAC key (GenerateMac), both distinct from the tips keys.

Not wired yet: the alerts capability's declaration (next round) creates the two keys, gives
`RTCC_ALERTS_VAULT_KEY_ID` / `RTCC_ALERTS_SUBSCRIBER_KEY_ID` only to the functions that use
them and grants exactly kms:Encrypt, kms:Decrypt and kms:GenerateMac. The key id is read per
call, as tips' adapters do, so a function not given the variable cannot use the key by default.
"""

from __future__ import annotations

import os

from rtcc.aws_clients import client

VAULT_KEY_ENV = "RTCC_ALERTS_VAULT_KEY_ID"
MAC_KEY_ENV = "RTCC_ALERTS_SUBSCRIBER_KEY_ID"
VAULT_KEY_DEFAULT = "alias/rtcc-alerts-vault"
MAC_KEY_DEFAULT = "alias/rtcc-alerts-subscriber"
#: The manage links' key (rtcc.alerts.manage_token.KeyPerUse): apart from the lookup key, so
#: the internet-facing api, which checks links, cannot hash numbers.
MANAGE_KEY_ENV = "RTCC_ALERTS_MANAGE_KEY_ID"


class KmsSubscriberSealer:
    """KMS Encrypt/Decrypt of a number (far below the 4 KB limit), bound to the subscriber id
    by the encryption context."""

    def __init__(self, key_id: str | None = None) -> None:
        self._kms = client("kms")
        self._given_key_id = key_id

    @property
    def _key_id(self) -> str:
        return self._given_key_id or os.environ.get(VAULT_KEY_ENV, VAULT_KEY_DEFAULT)

    def seal(self, number: str, context: str) -> bytes:
        out = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=number.encode(), EncryptionContext={"alerts-subscriber": context}
        )
        return bytes(out["CiphertextBlob"])

    def unseal(self, ciphertext: bytes, context: str) -> str:
        out = self._kms.decrypt(
            CiphertextBlob=ciphertext, EncryptionContext={"alerts-subscriber": context}, KeyId=self._key_id
        )
        return bytes(out["Plaintext"]).decode()


class KmsSubscriberMac:
    """HMAC-SHA256 by KMS GenerateMac under the alerts key: the key never leaves KMS."""

    def __init__(self, key_id: str | None = None) -> None:
        self._kms = client("kms")
        self._given_key_id = key_id

    def mac(self, message: bytes) -> bytes:
        key_id = self._given_key_id or os.environ.get(MAC_KEY_ENV, MAC_KEY_DEFAULT)
        out = self._kms.generate_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
        return bytes(out["Mac"])
