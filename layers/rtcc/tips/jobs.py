"""The jobs tips puts on its queues: one pydantic model per kind of message.

Producers (the SMS and web intakes, the inbox) build a job and send `model_dump_json()`;
consumers (functions/tip_media.py, functions/tip_outbound.py) get it back parsed by
Powertools' batch processor, so a message that is not a job fails as that record, with
the reason, instead of as a KeyError in the middle of the work.

A job names a tip and an item, never what the tipster wrote or their number: the queues
and their dead-letter queues are readable by more roles than the records are.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rtcc.models.tips import TIP_CODE_PATTERN

TipCode = Annotated[str, Field(pattern=TIP_CODE_PATTERN)]


class _Job(BaseModel):
    # Fields a newer producer adds are ignored, so a deploy may update the producers and
    # the consumers in any order. Errors never quote the input (the body of a message).
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class MediaJob(_Job):
    """tip-media: fetch, check, clean and file one media item of a tip."""

    code: TipCode
    media_id: str = Field(min_length=1, max_length=128)


class ReplyJob(_Job):
    """tip-outbound: send an officer's stored reply (the tip's message `message_key`)."""

    kind: Literal["reply"] = "reply"
    code: TipCode
    message_key: str = Field(min_length=1, max_length=128)


class AlertJob(_Job):
    """tip-outbound: text the on-duty supervisors that a tip carries priority keywords."""

    kind: Literal["notify"] = "notify"
    code: TipCode
    # Bounded: the words become part of a text to supervisors (the consumer keeps only
    # configured priority keywords, rtcc.tips.outbound).
    keywords: tuple[Annotated[str, Field(min_length=1, max_length=40)], ...] = Field((), max_length=20)


class ForgetInboundJob(_Job):
    """tip-outbound: delete a text-only inbound message at Twilio (its record there holds
    the sender's number), and the SID kept on the message for that. Names the message by
    its key: the SID itself never travels through a queue."""

    kind: Literal["forget_inbound"] = "forget_inbound"
    code: TipCode
    message_key: str = Field(min_length=1, max_length=128)


class ForgetReplyJob(_Job):
    """tip-outbound: delete a reply at Twilio once its status is final (its record there
    holds the tipster's number as the To). Queued by the status callback
    (rtcc.tips.reply_status). Unlike the other jobs it carries the SID itself: no table
    keeps a reply's SID, so this message is the only place it lives, in flight, until the
    delete succeeds (or the job dead-letters). It names no tip, so nothing that reads the
    queue links the SID to a tip code."""

    kind: Literal["forget_reply"] = "forget_reply"
    sid: str = Field(pattern=r"^(SM|MM)[0-9A-Za-z]{30,34}$")


#: What the tip-outbound queue carries, told apart by `kind`.
OutboundJob = Annotated[ReplyJob | AlertJob | ForgetInboundJob | ForgetReplyJob, Field(discriminator="kind")]
