"""`rtcc cameras provision` when KMS refuses the operator the agent's motion token (deployed:
the link key lets only rtcc's functions sign): motion events off, and stderr says exactly how
to get the token (the api's admin route) and how to give it (--motion-token-file)."""

from __future__ import annotations

from botocore.exceptions import ClientError
from rtcc.video.provisioning import Target, _motion_token


def test_a_kms_refusal_says_how_an_admin_gets_the_token(capsys) -> None:
    camera = Target("cam-0123456789ab", "rtcc-cam-cam-0123456789ab", "own-0123456789abcdef", True)

    def refused(_: Target) -> str:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GenerateMac")

    assert _motion_token(camera, None, "https://rtcc.example.gov/prod/", mint=refused) is None
    err = capsys.readouterr().err
    assert "AccessDeniedException from KMS" in err and "motion events off" in err
    assert "POST https://rtcc.example.gov/prod/api/video/agent-tokens" in err
    assert '{"camera_id": "cam-0123456789ab"}' in err and "Authorization: Bearer <ID token>" in err
    assert "--motion-token-file FILE" in err and "admin" in err
