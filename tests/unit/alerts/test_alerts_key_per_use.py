"""Review finding 3 (issue 10): the number lookup and the manage links are keyed apart, so
the internet-facing api, which checks manage links and reads `number_mac`, cannot hash
numbers. The api side's subscriptions hold no lookup key at all, and still read, change and
delete a subscription by its link; a link signed under the lookup key does not verify."""

from __future__ import annotations

import pytest
from rtcc.alerts.manage_token import KeyPerUse, NoKey, issue, number_mac
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Channel
from rtcc.alerts.subscriptions import Outcome, SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.errors import Forbidden

from tests.unit.alerts.test_subscriptions import FakeSealer

T0 = 1_800_000_000.0
NUMBER = "+14135550123"


class Recording(HmacSubscriberMac):
    def __init__(self, key: bytes) -> None:
        super().__init__(key)
        self.messages: list[bytes] = []

    def mac(self, message: bytes) -> bytes:
        self.messages.append(message)
        return super().mac(message)


def _subs(store: MemorySubscriberStore, mac) -> Subscriptions:
    return Subscriptions(store, FakeSealer(), mac, ZoneMap.demo(), SubscriptionPolicy())


def test_each_use_is_computed_under_its_own_key() -> None:
    lookup, links = Recording(b"lookup" * 6), Recording(b"links" * 6)
    both = KeyPerUse(lookup, links)
    found = number_mac(both, NUMBER)
    assert found == number_mac(HmacSubscriberMac(b"lookup" * 6), NUMBER)
    assert found != number_mac(HmacSubscriberMac(b"links" * 6), NUMBER)
    assert issue(both, "sub-1", int(T0)) == issue(HmacSubscriberMac(b"links" * 6), "sub-1", int(T0))
    assert [m.split(b"\x00")[0] for m in lookup.messages] == [b"rtcc-alerts/number"]
    assert [m.split(b"\x00")[0] for m in links.messages] == [b"rtcc-alerts/manage"]
    with pytest.raises(ValueError):
        both.mac(b"anything else")


def test_the_api_side_manages_by_link_without_a_lookup_key() -> None:
    store = MemorySubscriberStore()
    lookup, links = HmacSubscriberMac(b"L" * 32), HmacSubscriberMac(b"M" * 32)
    confirm = _subs(store, KeyPerUse(lookup, links))  # alert-confirm: both keys
    api = _subs(store, KeyPerUse(NoKey("number lookup"), links))  # api: links only
    prefs = confirm.preferences(["downtown"])
    assert confirm.subscribe(NUMBER, prefs, Channel.WEB, "shown", T0).outcome == Outcome.PENDING
    assert confirm.confirm(NUMBER, T0 + 1).outcome == Outcome.CONFIRMED
    sid = next(iter(store.subscribers))
    token = confirm.manage_token(sid, T0 + 2)

    assert api.manage(token, T0 + 3).prefs.zones == ("downtown",)
    assert api.update(token, api.preferences(["harbor"]), T0 + 4).prefs.zones == ("harbor",)
    api.delete(token, T0 + 5)  # the lookup item goes by the number_mac stored on the record
    assert store.subscribers == {} and store.numbers == {}
    with pytest.raises(PermissionError, match="no number lookup key"):
        api.subscribe(NUMBER, prefs, Channel.WEB, "shown", T0 + 6)
    # A link signed the old way, under the lookup key, is no link now.
    with pytest.raises(Forbidden):
        api.manage(issue(lookup, sid, int(T0) + 3600), T0 + 7)


def test_each_function_is_wired_with_only_its_keys(moto_endpoint, monkeypatch) -> None:
    from rtcc.alerts import sending_wiring, signup_wiring, sms_line
    from rtcc.alerts.subscriber_keys import KmsSubscriberMac
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_ALERTS_SUBSCRIBER_KEY_ID", "lookup-key")
    monkeypatch.setenv("RTCC_ALERTS_MANAGE_KEY_ID", "manage-key")
    reload_settings()
    try:
        api = signup_wiring.public_signup().subscriptions.mac
        both = signup_wiring.subscriptions().mac
        sending = sending_wiring.alert_sending().recipients.mac
        webhook = sms_line.subscriptions().mac
    finally:
        monkeypatch.undo()
        reload_settings()
    assert isinstance(api.lookup, NoKey) and api.links._given_key_id == "manage-key"
    assert isinstance(both.lookup, KmsSubscriberMac) and both.lookup._given_key_id == "lookup-key"
    assert both.links._given_key_id == "manage-key"
    assert isinstance(sending.lookup, NoKey) and isinstance(sending.links, NoKey)
    assert webhook.lookup._given_key_id == "lookup-key" and isinstance(webhook.links, NoKey)
