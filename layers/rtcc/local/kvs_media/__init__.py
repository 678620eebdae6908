"""The local stand-in for Kinesis Video Streams' media plane (PutMedia, HLS, GetClip);
see server.py, and the README's "Live video" section for what it emulates and what not."""

from rtcc.local.kvs_media.credentials import AGENT_KEY_PREFIX, agent_credentials, thing_of
from rtcc.local.kvs_media.server import KvsMediaStandIn

__all__ = ["AGENT_KEY_PREFIX", "KvsMediaStandIn", "agent_credentials", "thing_of"]
