"""`rtcc dev`: the evidence bucket's CORS rule as the template deploys it, for the local origin.

Owners' browsers PUT clip parts straight to the bucket and read each part's ETag, which only
a CORS rule exposing ETag allows; moto applies a bucket's rule (and refuses other origins) as
S3 does. The rule is the synthesized template's (infra/constructs/cameras_footage.py), with
the deployed origin (the API's execute-api URL) replaced by the local gateway's.
Imported at start (the cameras capability's `local_modules`), after provisioning.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rtcc.local.iam.snapshot import load_snapshot
from rtcc.settings import get_settings

BUCKET = "camera-evidence"
_RULE_FIELDS = {
    "AllowedHeaders": "AllowedHeaders",
    "AllowedMethods": "AllowedMethods",
    "ExposedHeaders": "ExposeHeaders",
    "MaxAge": "MaxAgeSeconds",
}


def template_rules(snapshot: dict[str, Any], origin: str) -> tuple[str, list[dict[str, Any]]] | None:
    """The local bucket's name and its CORS rules (boto3's shape), or None if not deployed."""
    for logical, local in snapshot["resources"].items():
        if local["kind"] == "bucket" and local["name"] == BUCKET:
            props = snapshot["template"]["Resources"][logical].get("Properties", {})
            rules = (props.get("CorsConfiguration") or {}).get("CorsRules") or []
            converted = [
                {ours: rule[theirs] for theirs, ours in _RULE_FIELDS.items() if theirs in rule}
                | {"AllowedOrigins": [origin]}
                for rule in rules
            ]
            return local["name"], converted
    return None


def apply() -> None:
    from rtcc.aws_clients import client
    from rtcc.resources import bucket_name

    settings = get_settings()
    parts = urlsplit(settings.public_base_url)
    found = template_rules(load_snapshot(), f"{parts.scheme}://{parts.netloc}")
    if not found or not found[1]:
        return
    client("s3").put_bucket_cors(
        Bucket=bucket_name(found[0], settings), CORSConfiguration={"CORSRules": found[1]}
    )


apply()
