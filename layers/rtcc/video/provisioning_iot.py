"""AWS IoT for `rtcc cameras provision` (rtcc.video.provisioning.ThingRegistry), called with
the operator's own credentials: CreateThing, CreateKeysAndCertificate, AttachPolicy,
AttachThingPrincipal, DescribeEndpoint; and, when a step after the certificate fails, the
certificate made inactive and deleted so no usable key is left behind."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rtcc.errors import Conflict
from rtcc.video.provisioning import Certificate


class IotThingRegistry:
    def __init__(self, iot: Any) -> None:
        self._iot = iot

    def ensure_thing(self, name: str, attributes: dict[str, str]) -> None:
        """CreateThing; an existing thing of that name (provisioned before) is kept: IoT
        answers it unchanged when its attributes are the same."""
        try:
            self._iot.create_thing(thingName=name, attributePayload={"attributes": attributes})
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
            raise Conflict(f"an IoT thing {name} exists with other attributes", field="camera_id") from None

    def new_certificate(self) -> Certificate:
        """A key pair made by IoT and its certificate, active (the key is only in this answer)."""
        made = self._iot.create_keys_and_certificate(setAsActive=True)
        return Certificate(
            made["certificateArn"],
            made["certificateId"],
            made["certificatePem"],
            made["keyPair"]["PrivateKey"],
        )

    def attach(self, policy: str, thing: str, certificate: Certificate) -> None:
        try:
            self._iot.attach_policy(policyName=policy, target=certificate.arn)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                raise Conflict(
                    f"no IoT policy {policy}: deploy the stack first (cdk deploy)", field="policy"
                ) from None
            raise
        self._iot.attach_thing_principal(thingName=thing, principal=certificate.arn)

    def revoke(self, certificate: Certificate) -> None:
        """Undo a half-made certificate: detached, inactive, deleted (each step best effort:
        what already failed may not have happened)."""
        calls = [
            ("list_attached_policies", {"target": certificate.arn}),
            ("update_certificate", {"certificateId": certificate.certificate_id, "newStatus": "INACTIVE"}),
        ]
        for name, kwargs in calls:
            try:
                answer = getattr(self._iot, name)(**kwargs)
            except ClientError:
                continue
            for policy in answer.get("policies", []):
                self._quietly("detach_policy", policyName=policy["policyName"], target=certificate.arn)
        for thing in self._things_of(certificate):
            self._quietly("detach_thing_principal", thingName=thing, principal=certificate.arn)
        self._quietly("delete_certificate", certificateId=certificate.certificate_id, forceDelete=True)

    def _things_of(self, certificate: Certificate) -> list[str]:
        try:
            return list(self._iot.list_principal_things(principal=certificate.arn).get("things", []))
        except ClientError:
            return []

    def _quietly(self, name: str, **kwargs: Any) -> None:
        try:
            getattr(self._iot, name)(**kwargs)
        except ClientError:
            pass

    def credentials_endpoint(self) -> str:
        """The account's credentials provider host (<id>.credentials.iot.<region>.amazonaws.com)."""
        return str(self._iot.describe_endpoint(endpointType="iot:CredentialProvider")["endpointAddress"])
