"""The functions that upload into the camera-evidence bucket in parts can use its KMS key as S3
does for them: kms:GenerateDataKey to start the upload and kms:Decrypt for every part and to
assemble them (AWS's CreateMultipartUpload / UploadPart references). The api starts owners'
clip uploads, signs the UploadPart URLs the browser sends (with the api's permissions) and
completes them; evidence-export sends a large zip in parts. The grant is evaluated as the
local enforcer does, with S3's context (kms:ViaService s3, the bucket as encryption context),
so a later narrowing to that scope still passes and a grant without Decrypt fails."""

from __future__ import annotations

from typing import Any

import pytest
from rtcc.local.iam.policy import Request, decide

from tests.infra.conftest import Synth
from tests.infra.iam_policy import allowed_on_objects, as_list, refs, role_statements

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "123456789012", "us-east-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/evidence-bucket-key"
#: (function, the prefix it writes in parts).
MULTIPART_WRITERS = (("api", "clips/"), ("evidence-export", "exports/"))


def _bucket(synth: Synth) -> tuple[str, str]:
    """The evidence bucket's logical id and the logical id of the key it is encrypted with."""
    (bucket_id,) = [b for b in synth.resources("AWS::S3::Bucket") if b.startswith("DataCameraEvidence")]
    encryption = synth.template["Resources"][bucket_id]["Properties"]["BucketEncryption"]
    (rule,) = encryption["ServerSideEncryptionConfiguration"]
    default = rule["ServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    (key_id,) = refs(default["KMSMasterKeyID"])
    return bucket_id, key_id


def _resolved(value: Any, names: dict[str, str]) -> Any:
    """The template's intrinsics this check meets, with test names (anything else stays
    unresolved, so it matches nothing)."""
    if isinstance(value, list):
        return [_resolved(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return names.get(value["Ref"], f"<unresolved {value['Ref']}>")
    if "Fn::GetAtt" in value:
        logical = value["Fn::GetAtt"][0]
        return names.get(logical, f"<unresolved {logical}>")
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_resolved(p, names)) for p in parts)
    return {k: _resolved(v, names) for k, v in value.items()}


def _s3_use(synth: Synth, function: str, action: str, drop: str | None = None) -> bool:
    """Whether `function`'s role may do `action` on the bucket's key as S3 asks for it;
    `drop`: an action taken out of every statement first (the check's own test)."""
    bucket_id, key_id = _bucket(synth)
    bucket_arn = "arn:aws:s3:::rtcc-test-camera-evidence"
    names = {
        key_id: KEY_ARN,
        bucket_id: bucket_arn,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::Partition": "aws",
    }
    statements = [
        {**s, "Action": [a for a in as_list(s.get("Action", [])) if a != drop]}
        for s in (_resolved(s, names) for s in role_statements(synth, function))
    ]
    context = {  # what S3 sends KMS on the caller's behalf (rtcc.local.iam.enforcer)
        "kms:ViaService": f"s3.{REGION}.amazonaws.com",
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:s3:arn": bucket_arn,
        "kms:EncryptionContextKeys": ["aws:s3:arn"],
    }
    request = Request(f"arn:aws:iam::{ACCOUNT}:role/{function}", action, KEY_ARN, context)
    return decide(request, statements, None, account=ACCOUNT).allowed


@pytest.mark.parametrize(("function", "prefix"), MULTIPART_WRITERS)
def test_multipart_writers_may_generate_and_decrypt_the_evidence_buckets_data_key(
    synth: Synth, function: str, prefix: str
) -> None:
    bucket_id, _ = _bucket(synth)
    assert allowed_on_objects(synth, function, bucket_id, "s3:PutObject"), (function, prefix)
    assert _s3_use(synth, function, "kms:GenerateDataKey"), f"{function}: CreateMultipartUpload"
    assert _s3_use(synth, function, "kms:Decrypt"), f"{function}: UploadPart, CompleteMultipartUpload"


def test_the_check_refuses_a_role_without_decrypt(synth: Synth) -> None:
    """The evaluation can fail: the api's statements with kms:Decrypt taken out of them."""
    assert _s3_use(synth, "api", "kms:GenerateDataKey", drop="kms:Decrypt")
    assert not _s3_use(synth, "api", "kms:Decrypt", drop="kms:Decrypt")
