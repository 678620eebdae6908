"""The evidence export's signature: manifest.json signed by the city's KMS key.

The manifest lists each clip's SHA-256, but a manifest anyone can rewrite proves nothing: whoever
swaps a clip rewrites its line. So evidence-export signs the manifest's exact bytes with an
asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256) whose private half never leaves KMS and that
only evidence-export may use (its key policy denies kms:Sign to every other principal). The zip
carries the signature (over `statement`), the public key (PEM) and the key's id;
`rtcc evidence verify --public-key` checks against a key obtained from the city instead
(GET /api/footage/signing-key), since a forger would put their own key in the zip.
Verification needs no AWS (the `cryptography` package).
"""

from __future__ import annotations

import hashlib
import json
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from rtcc.cameras.evidence import KEY_INFO, PUBLIC_KEY, SIGNATURE
from rtcc.cameras.settings import cameras_settings

ALGORITHM = "ECDSA_SHA_256"


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the key's DER SubjectPublicKeyInfo: what the custody entry and a court compare."""
    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def statement(manifest: bytes) -> bytes:
    """What KMS signs: a short statement of the manifest's SHA-256. KMS signs at most 4 KB raw
    (a large case's manifest is longer), and a digest signed as MessageType DIGEST is not
    emulated locally; a fixed statement of the digest is both, and as binding."""
    return f"rtcc evidence manifest sha256={hashlib.sha256(manifest).hexdigest()}".encode()


def signature_problems(archive: zipfile.ZipFile, manifest: bytes, public_key_pem: bytes | None) -> list[str]:
    """Empty when manifest.json is signed by the given key (else by the key in the zip)."""
    names = set(archive.namelist())
    if SIGNATURE not in names:
        return [f"{SIGNATURE}: missing (an unsigned manifest proves nothing)"]
    pem = public_key_pem
    if pem is None:
        if PUBLIC_KEY not in names:
            return [f"{PUBLIC_KEY}: missing"]
        pem = archive.read(PUBLIC_KEY)
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        return ["the public key is not a PEM public key"]
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return ["the public key is not an ECDSA (P-256) key"]
    try:
        key.verify(archive.read(SIGNATURE), statement(manifest), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return [f"{SIGNATURE}: the manifest is not signed by this key"]
    return []


class KmsManifestSigner:
    """evidence-export's signer: KMS Sign of the manifest's statement (`statement`) and the
    key's public half (GetPublicKey)."""

    def __init__(self, key_id: str | None = None) -> None:
        from rtcc.aws_clients import client

        self._kms = client("kms")
        self.key_id = key_id or cameras_settings().evidence_key_id

    def sign(self, manifest: bytes) -> bytes:
        answer = self._kms.sign(
            KeyId=self.key_id, Message=statement(manifest), MessageType="RAW", SigningAlgorithm=ALGORITHM
        )
        return bytes(answer["Signature"])

    def public_key(self) -> tuple[str, bytes]:
        """The key's ARN and its public half as PEM."""
        answer = self._kms.get_public_key(KeyId=self.key_id)
        key = serialization.load_der_public_key(bytes(answer["PublicKey"]))
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return str(answer["KeyId"]), pem


def signed_parts(signer: KmsManifestSigner, manifest: bytes) -> dict[str, bytes]:
    """The zip members that make the manifest checkable: signature, public key, key info."""
    key_id, pem = signer.public_key()
    info = {"key_id": key_id, "algorithm": ALGORITHM, "fingerprint_sha256": fingerprint(pem)}
    return {SIGNATURE: signer.sign(manifest), PUBLIC_KEY: pem, KEY_INFO: json.dumps(info, indent=2).encode()}
