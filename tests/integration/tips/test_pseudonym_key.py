"""Tipster pseudonyms come from a KMS HMAC key only the webhook's role may use (its key
policy, enforced by the local stack as deployed), and a tipster's record lasts no longer
than the sender's last tip (issue 8, item 4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as
from rtcc.retention import Claim
from rtcc.settings import get_settings
from rtcc.store.tips import TipRecord, TipsterRecord
from rtcc.tips.adapters import default_ports
from rtcc.tips.adapters.aws import KmsMac
from rtcc.tips.pseudonym import pseudonym_for
from rtcc.tips.retention import TipPurger, release_tipster
from rtcc.tips.settings import tips_settings

from tests.integration.tips.conftest import Phone, code_of, new_number
from tests.integration.tips.test_retention import CLOSE, one_day, today  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def _mac_as(function: str, message: bytes) -> bytes:
    with acting_as(function):
        out = client("kms").generate_mac(
            KeyId=tips_settings().pseudonym_key_id, Message=message, MacAlgorithm="HMAC_SHA_256"
        )
    return bytes(out["Mac"])


@pytest.mark.parametrize("function", ["api", "tip-media", "tip-outbound", "retention"])
def test_no_other_function_can_compute_a_pseudonym(local_stack, function: str) -> None:
    """Whoever runs code as `api` (or any function but the webhook) cannot hash the city's
    numbers to match pseudonyms: GenerateMac on the key is refused, as AWS would."""
    with pytest.raises(ClientError) as denied:
        _mac_as(function, b"+16505550100")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    with acting_as(function), pytest.raises(ClientError) as verify:
        client("kms").verify_mac(
            KeyId=tips_settings().pseudonym_key_id,
            Message=b"+16505550100",
            MacAlgorithm="HMAC_SHA_256",
            Mac=b"\0" * 32,
        )
    assert verify.value.response["Error"]["Code"] == "AccessDeniedException"
    # Nor does it hold the former way: the HMAC secret in Secrets Manager (gone from the stack).
    with acting_as(function), pytest.raises(ClientError):
        client("secretsmanager").get_secret_value(SecretId=f"{get_settings().table_prefix}tips_pseudonym_key")


def test_an_iam_grant_does_not_reach_the_key(local_stack) -> None:
    """The key policy decides, not IAM: `api` given kms:* on every key (what an
    administrator's policy looks like) is still refused GenerateMac on this one."""
    saved = local_stack.permissions
    admin = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    local_stack.permissions = replace(
        saved, identity={**saved.identity, "api": [*saved.identity["api"], admin]}
    )
    try:
        with pytest.raises(ClientError) as denied:
            _mac_as("api", b"+16505550100")
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    finally:
        local_stack.permissions = saved


def test_the_webhook_computes_one_pseudonym_per_number(local_stack) -> None:
    assert _mac_as("tip-webhook", b"+16505550100") == _mac_as("tip-webhook", b"+16505550100")
    assert _mac_as("tip-webhook", b"+16505550100") != _mac_as("tip-webhook", b"+16505550101")


def test_a_senders_tips_share_a_pseudonym_another_senders_do_not(phone: Phone) -> None:
    number, other = new_number(), new_number()
    first = code_of(phone.text(number, "The blue van is back on Elm")[1])
    second = code_of(phone.text(number, "NEW: and someone deals at the park")[1])
    third = code_of(phone.text(other, "Graffiti on the bridge again")[1])
    assert len({first, second, third}) == 3
    mine, again, theirs = (TipRecord.get(code).pseudonym for code in (first, second, third))
    assert mine == again != theirs
    with acting_as("tip-webhook"):
        assert pseudonym_for(number, KmsMac()) == mine
    assert TipsterRecord.get(mine).tip_codes == {first, second}
    # The alias is the tip's own, from no key: two tips of one sender need not match.
    assert TipRecord.get(first).alias and TipRecord.get(second).alias


def _purge(code: str) -> None:
    """The retention sweep's purge of one due tip, under the retention function's IAM."""
    purger = TipPurger(default_ports().store)
    with acting_as("retention"):
        assert purger.claim(code, TipRecord.get(code).purge_on) is Claim.CLAIMED
        purger.purge(code)


def test_a_tipster_record_goes_with_the_senders_last_tip(api, phone: Phone, one_day) -> None:  # noqa: F811
    """The pseudonym lasts as long as the sender's tips, and a block as long as the tip it
    was made from: a block on a purged tip no longer outlives every tip that could lift it."""
    officer, supervisor = api.as_role("officer"), api.as_role("supervisor")
    number = new_number()
    first = code_of(phone.text(number, "Stolen bikes in the shed")[1])
    second = code_of(phone.text(number, "NEW: the shed is open at night")[1])
    pseudonym = TipRecord.get(first).pseudonym
    assert supervisor.post(f"/api/tips/{first}/block").status_code == 200
    for code in (first, second):
        assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    assert TipRecord.get(first).purge_on == (today() + timedelta(days=1)).isoformat()

    _purge(first)
    kept = TipsterRecord.get(pseudonym, consistent_read=True)
    assert kept.tip_codes == {second}  # another tip of theirs is kept, and so is the record
    # The block made from the purged tip went with it: nobody could see or lift it now.
    assert not kept.blocked and not kept.blocked_from
    assert supervisor.post(f"/api/tips/{second}/block").status_code == 200
    _purge(second)
    _purge_again_changes_nothing(second, pseudonym)
    with pytest.raises(TipsterRecord.DoesNotExist):
        TipsterRecord.get(pseudonym, consistent_read=True)
    # The block went with the record: the sender is heard again.
    assert code_of(phone.text(number, "They moved the bikes")[1])


def _purge_again_changes_nothing(code: str, pseudonym: str) -> None:
    """A redo of the purge (a crash after the record went) creates no record."""
    with acting_as("retention"):
        release_tipster(pseudonym, code)
    with pytest.raises(TipsterRecord.DoesNotExist):
        TipsterRecord.get(pseudonym, consistent_read=True)


def test_a_record_without_a_tip_expires_by_ttl(phone: Phone) -> None:
    """A STOP from a number with no tip makes a record no purge will end: TTL does; a tip
    from that number then keeps it for as long as the tip is kept."""
    number = new_number()
    phone.text(number, "STOP")
    with acting_as("tip-webhook"):
        pseudonym = pseudonym_for(number, KmsMac())
    record = TipsterRecord.get(pseudonym, consistent_read=True)
    assert record.opted_out and record.expires is not None and not record.tip_codes
    code = code_of(phone.text(number, "The van again, plate 7ABC123")[1])
    record = TipsterRecord.get(pseudonym, consistent_read=True)
    assert record.tip_codes == {code} and record.expires is None
