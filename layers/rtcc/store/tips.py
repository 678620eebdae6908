"""Tables of the anonymous tips capability.

Every hot path is a key lookup or a base-table Query:
- the webhook reads `TipsterRecord` (by pseudonym) and `TipRecord` (by code), claims the
  MessageSid with a conditional put on `TipReceiptRecord`, then writes idempotently
  (see rtcc.tips.sms_intake: no transaction, whose cost grows with table size locally);
- the console's "what is new" poll reads the platform's live feed (`rtcc.store.feed`,
  channel "tips"), one partition per UTC day;
- a tip's thread and media are Queries on the tip's partition.
Only the filtered inbox list uses a GSI (`by_status`), read when an officer opens or
filters the list, not every few seconds.

No record holds a phone number in clear: tipsters are keyed by an HMAC pseudonym and the
number itself lives only in `TipVaultRecord`, KMS-encrypted, deleted by TTL.
"""

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from rtcc.store.base import register


class TipsByStatusIndex(GlobalSecondaryIndex):
    """The inbox list: one partition per status, newest activity first."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    activity_key = UnicodeAttribute(range_key=True)


@register
class TipRecord(Model):
    class Meta:
        logical_name = "tips"
        table_name = "tips"

    code = UnicodeAttribute(hash_key=True)  # "T-4F7K"
    channel = UnicodeAttribute()  # "sms" | "web"
    alias = UnicodeAttribute()  # what officers call the tipster; per tip, unlinkable
    # The tipster's HMAC pseudonym (sms only): threading, rate limits and blocking.
    # Never returned by the API.
    pseudonym = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="new")  # new | triaged | assigned | closed
    priority = UnicodeAttribute(default="normal")  # low | normal | high | urgent
    category = UnicodeAttribute(null=True)
    disposition = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    case_number = UnicodeAttribute(null=True)
    notes_json = UnicodeAttribute(null=True)  # [{"at", "author", "text"}], officers only
    created_at = UnicodeAttribute()
    last_activity_at = UnicodeAttribute()
    activity_key = UnicodeAttribute()  # f"{last_activity_at}#{code}": unique sort key of the inbox
    closed_at = UnicodeAttribute(null=True)
    # Closed tips are deleted on this UTC day (rtcc.tips.retention); None while open.
    purge_on = UnicodeAttribute(null=True)
    purging = BooleanAttribute(null=True)  # the sweeper has begun deleting it: no more changes
    preview = UnicodeAttribute(default="")  # start of the first message
    message_count = NumberAttribute(default=0)
    media_count = NumberAttribute(default=0)
    media_settled = NumberAttribute(default=0)  # items the media consumer stored or rejected
    unread = BooleanAttribute(default=True)  # an inbound message no officer has opened yet
    keywords = UnicodeSetAttribute(null=True)  # priority keywords seen
    spam_suspected = BooleanAttribute(default=False)
    search_words = UnicodeSetAttribute(null=True)  # casefolded words of every message, for search
    latitude = NumberAttribute(null=True)  # web tips: where the tipster pointed on the map
    longitude = NumberAttribute(null=True)
    passphrase_hash = UnicodeAttribute(null=True)  # web tips: scrypt, never the passphrase
    version = NumberAttribute(default=0)  # optimistic lock between the webhook and officers
    # The last few Twilio MessageSids applied to this tip (sms only): a redone webhook
    # (a retry after a crash) sees its own and does not count the message twice.
    recent_inbound_sids = ListAttribute(of=UnicodeAttribute, null=True)

    by_status = TipsByStatusIndex()


@register
class TipMessageRecord(Model):
    class Meta:
        logical_name = "tip-messages"
        table_name = "tip-messages"

    code = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # f"{at}#{message_id}": thread order
    message_id = UnicodeAttribute()
    at = UnicodeAttribute()
    direction = UnicodeAttribute()  # "in" (tipster) | "out" (officer reply)
    channel = UnicodeAttribute()  # "sms" | "web"
    body = UnicodeAttribute(default="")
    media_ids = ListAttribute(of=UnicodeAttribute, default=list)
    author = UnicodeAttribute(null=True)  # officer username, replies only
    # An inbound MessageSid until the message is deleted at Twilio (rtcc.tips.forget); never
    # a reply's SID, which only its status callback and delete job carry.
    provider_sid = UnicodeAttribute(null=True)
    # Inbound SMS: the key of its MessageSid's receipt, so the purge that deletes the
    # thread deletes the receipts with it (the sweeper holds no key to recompute them).
    receipt_key = UnicodeAttribute(null=True)
    delivery = UnicodeAttribute(null=True)  # replies: queued | sending | sent | undeliverable | failed
    delivery_detail = UnicodeAttribute(null=True)


@register
class TipMediaRecord(Model):
    class Meta:
        logical_name = "tip-media"
        table_name = "tip-media"

    code = UnicodeAttribute(hash_key=True)
    media_id = UnicodeAttribute(range_key=True)
    message_key = UnicodeAttribute()
    source = UnicodeAttribute()  # "twilio" (MMS) | "upload" (web, presigned POST)
    source_url = UnicodeAttribute(null=True)  # Twilio media URL; no tipster data in it
    declared_type = UnicodeAttribute(default="")
    # awaiting_upload -> pending -> stored | rejected
    state = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    source_deleted = BooleanAttribute(default=False)  # deleted at Twilio / upload object removed
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


@register
class TipReceiptRecord(Model):
    """One per Twilio MessageSid: the conditional put that makes retries and replays harmless.

    Keyed by a keyed hash of the SID (rtcc.tips.pseudonym.receipt_key), never the SID.
    Written as a claim (`state="claimed"`, with every decision the webhook took: tip code,
    new or joined, message key, time) before any other write, and marked `stored` after
    the last one. A retry that finds a claim redoes the same writes; one that finds
    `stored` is a duplicate and writes nothing.

    A stored message's receipt has no expiry: Twilio's signature carries no timestamp, so
    a captured request is valid forever, and the receipt is what tells its replay apart
    from a new message. It lives as long as its tip (the purge deletes it, found through
    `TipMessageRecord.receipt_key`). A keyword's receipt (STOP, START, NEW; `code` None)
    is kept for good, like the tipster state it changed. Only an unfinished claim, and
    the supervisor-alert markers (rtcc.tips.outbound), expire.
    """

    class Meta:
        logical_name = "tip-receipts"
        table_name = "tip-receipts"

    # The attribute keeps its name (the table's key schema); it holds the keyed hash.
    message_sid = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(null=True)  # None: a keyword's receipt
    message_key = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    state = UnicodeAttribute(null=True)  # claimed | stored (absent: stored, older receipts)
    # new | joined: which acknowledgement to repeat; stop | start | new_next: a keyword
    outcome = UnicodeAttribute(null=True)
    # The acknowledgement ended with how to switch language (the sender's first): Twilio's
    # retry must get the same answer, though the tipster's language is on record by then.
    hinted = BooleanAttribute(null=True)
    expires = TTLAttribute(null=True)
    # A reply's status marker only: SHA-256 of the SID its first callback named, so the ref
    # answers for that one message (rtcc.tips.reply_status).
    sid_hash = UnicodeAttribute(null=True)


@register
class TipsterRecord(Model):
    """State per pseudonym: the open tip, the rate window, a block; kept while any of the
    sender's tips is."""

    class Meta:
        logical_name = "tipsters"
        table_name = "tipsters"

    pseudonym = UnicodeAttribute(hash_key=True)
    open_code = UnicodeAttribute(null=True)
    last_message_at = UnicodeAttribute(null=True)
    window_start = UnicodeAttribute(null=True)
    window_count = NumberAttribute(default=0)
    blocked = BooleanAttribute(default=False)  # while any code is in blocked_from
    blocked_at = UnicodeAttribute(null=True)  # the latest block
    blocked_by = UnicodeAttribute(null=True)
    # The tip codes a supervisor blocked from, each shown blocked on that tip alone: one
    # code would let a block from a second tip move (or an unblock there lift) the first
    # tip's block, telling whoever watched that the two tips share a sender.
    blocked_from = UnicodeSetAttribute(null=True)
    # Before blocked_from, one code held the block: read as one more entry of the set, and
    # removed when its tip is unblocked (no migration needed).
    blocked_via = UnicodeAttribute(null=True)
    opted_out = BooleanAttribute(default=False)  # texted STOP: no replies go out
    # The catalog the tipster's texts are in (rtcc.tips.sms_texts): the city's until they
    # text a language's name. Unset: not told yet how to switch.
    language = UnicodeAttribute(null=True)
    # The sender's tips not yet purged: the purge removes its tip's code and deletes the
    # record once none is left (rtcc.tips.retention), so a pseudonym (and its block) lives
    # no longer than the sender's last tip. Readers of this table learn nothing new from
    # it: each of these tips carries the pseudonym already.
    tip_codes = UnicodeSetAttribute(null=True)
    # Only on a record that holds no tip (a keyword such as STOP from a number with none):
    # it has no purge to end with, so TTL does. A message that opens a tip removes it.
    expires = TTLAttribute(null=True)


@register
class TipVaultRecord(Model):
    """The tipster's number for replies, KMS-encrypted with the tip code as context.

    Only the reply function's role may read it (and KMS Decrypt); TTL deletes it
    `tips_vault_retention_days` after the tip closes.
    """

    class Meta:
        logical_name = "tip-vault"
        table_name = "tip-vault"

    code = UnicodeAttribute(hash_key=True)
    ciphertext = BinaryAttribute(legacy_encoding=False)
    opted_out = BooleanAttribute(default=False)
    expires = TTLAttribute(null=True)
