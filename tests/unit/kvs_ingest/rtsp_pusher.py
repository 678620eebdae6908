"""A camera pushing RTSP (ANNOUNCE/RECORD over TCP) in real time, run as its own process:
`python rtsp_pusher.py <file> <rtsp url>`. The agent's source listens (`rtsp_flags=listen`), so the test
gets a real RTSP session (SDP, RTP over TCP, H.264 depacketised to Annex B) without an RTSP server."""

from __future__ import annotations

import sys
import time

import av


def push(path: str, url: str) -> None:
    """Send the file's video packets to `url` at their own pace."""
    with av.open(path) as src, av.open(url, "w", format="rtsp", options={"rtsp_transport": "tcp"}) as out:
        ist = src.streams.video[0]
        ost = out.add_stream_from_template(ist)
        started = time.monotonic()
        for packet in src.demux(ist):
            if packet.dts is None:
                continue
            delay = float(packet.pts * packet.time_base) - (time.monotonic() - started)
            if delay > 0:
                time.sleep(delay)
            packet.stream = ost
            out.mux(packet)


if __name__ == "__main__":
    time.sleep(0.5)  # the listener opens first
    push(sys.argv[1], sys.argv[2])
