"""From a camera source to KVS fragments: keyframe-aligned, self-contained MKV documents of about
`fragment_seconds` (never more than 10 s), stamped with strictly increasing absolute producer times.

H.264 sources are remuxed (packets copied as they are, Annex B turned into AVCC); other codecs, or a
camera with privacy masks, are decoded and re-encoded with libx264. Bad input is survived, not fatal:
- a corrupt packet (flagged by the demuxer, malformed NAL units, or a decode error) and everything after
  it up to the next keyframe is dropped (those frames reference the broken one);
- a new SPS (a camera switching resolution) ends the fragment and starts one with a new track header;
- a jump of the source's timestamps (a file looping, a camera restarting) ends the fragment and the next
  one is re-anchored to the wall clock, never before the end of the previous one;
- the wall clock jumping back (NTP) is not followed, jumping forward is: stamps stay strictly increasing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import av

from kvs_ingest import avc
from kvs_ingest.encode import H264Encoder
from kvs_ingest.masks import PrivacyMask
from kvs_ingest.mkv import FramePacket, TrackInfo, build_document
from kvs_ingest.motion import MotionDetector, MotionEvent
from kvs_ingest.source import MediaSource, SourceSpec, SourceUnavailable, open_source

log = logging.getLogger("kvs_ingest.fragmenter")

MAX_FRAGMENT_MS = 10_000  # KVS's limit on one fragment
JUMP_MS = 5_000  # a source timestamp step beyond this is a discontinuity, not a slow frame
#: KVS refuses a fragment over 50 MB (4001), and a fragment's frames are held in memory until it is
#: cut: a camera (or a hostile RTSP server) sending huge frames is cut at this size instead.
MAX_FRAGMENT_BYTES = 45 * 1024 * 1024
#: A live or paced source's fragment ending further than this past the wall clock is dropped: a hostile
#: or broken source stepping its timestamps just under JUMP_MS a frame would otherwise push producer time
#: ahead without limit (the ring buffer's window would evict the unsent backlog, KVS would get the future).
MAX_AHEAD_MS = 30_000
#: Re-encoding starts a new libx264 encoder per picture-size change: more than one change per this much
#: producer time is corrupt input (endless changes would starve the other cameras of CPU).
TRACK_CHANGE_MS = 10_000


@dataclass(frozen=True)
class Fragment:
    """One fragment ready for PutMedia: `data` is a whole MKV document, `data[header_size:]` its Cluster
    alone (to chain after an earlier header of the same track); `new_track` when the header differs from
    the previous fragment's."""

    producer_ts_ms: int
    duration_ms: int
    data: bytes
    width: int
    height: int
    header_size: int = 0
    frames: int = 0
    new_track: bool = False


@dataclass(frozen=True)
class MotionSettings:
    """Motion detection knobs (the [cameras.motion] table of the agent config)."""

    enabled: bool = True
    sample_fps: float = 2.0
    threshold: float = 0.02
    width: int = 320
    cooldown_s: float = 10.0


@dataclass(slots=True)
class _Unit:
    """An H.264 access unit on its way to a fragment: AVCC bytes and the track it belongs to."""

    pts_ms: int
    data: bytes
    keyframe: bool
    track: TrackInfo
    discontinuity: bool = False
    sample: object = None  # a motion sample (grey ndarray) taken from this frame


class ProducerClock:
    """Maps source time (ms) to producer time (ms since the epoch), one anchor at a time.

    `stamp` is asked at each fragment start. Shared by successive Fragmenters of one camera (reconnects)
    so stamps stay strictly increasing across them."""

    def __init__(self, wall: Callable[[], float] = time.time, resync_ms: int = JUMP_MS) -> None:
        self._wall, self.resync_ms = wall, resync_ms
        self._anchor: tuple[int, int] | None = None  # (producer ms, source ms)
        self._floor = 0  # the end of the last fragment: nothing may start before it
        self.jumps = 0
        self.max_ahead_ms: int | None = None  # set by a Fragmenter reading a live or paced source
        self.dropped_ahead = 0  # fragments dropped for being stamped too far past the wall clock

    def stamp(self, pts_ms: int, discontinuity: bool = False) -> int:
        """The producer time of a fragment starting at source time `pts_ms`."""
        now = int(self._wall() * 1000)
        if self._anchor is None or discontinuity:
            if now < self._floor:
                self.jumps += 1  # the wall clock is behind what was sent: continue from the floor
            self._anchor = (max(now, self._floor), pts_ms)
        elif now - self.at(pts_ms) > self.resync_ms:
            self.jumps += 1  # the wall clock jumped forward (or the source fell behind it): follow it
            log.warning("producer clock re-anchored %d ms forward", now - self.at(pts_ms))
            self._anchor = (now, pts_ms)
        return max(self.at(pts_ms), self._floor)

    def at(self, pts_ms: int) -> int:
        """The producer time of source time `pts_ms` under the current anchor (the wall clock if none)."""
        if self._anchor is None:
            return int(self._wall() * 1000)
        return self._anchor[0] + pts_ms - self._anchor[1]

    def close(self, end_ms: int) -> None:
        """A fragment ended at `end_ms`: the next one starts no earlier."""
        self._floor = max(self._floor, end_ms)

    def too_far_ahead(self, end_ms: int) -> bool:
        """Whether a fragment ending at `end_ms` lies more than max_ahead_ms past the wall clock."""
        return self.max_ahead_ms is not None and end_ms > int(self._wall() * 1000) + self.max_ahead_ms

    def reject(self) -> None:
        """A fragment was dropped as too far ahead: it never raised the floor (only sent fragments do,
        and they are at most max_ahead_ms ahead), and the anchor it ran ahead on is dropped, so the next
        fragment is anchored to the wall clock again, right after the last one kept."""
        self.dropped_ahead += 1
        self._anchor = None

    def start_after(self, end_ms: int) -> bool:
        """At start-up: the newest buffered fragment ended at `end_ms`; new ones start after it, unless
        it lies more than MAX_AHEAD_MS past the wall clock (a hostile source stamped it, or the clock was
        far ahead last run): such a floor would carry the offset across restarts."""
        if end_ms > int(self._wall() * 1000) + MAX_AHEAD_MS:
            log.warning("buffered fragments end %d ms past the wall clock: not continued from", end_ms)
            return False
        self.close(end_ms)
        return True


@dataclass
class _Assembler:
    """Cuts the unit stream into fragments at keyframes."""

    clock: ProducerClock
    target_ms: int
    max_ms: int = MAX_FRAGMENT_MS
    units: list = field(default_factory=list)
    start_pts: int = 0
    start_ts: int = 0
    frame_ms: int = 33
    last_track: TrackInfo | None = None
    long_gop: bool = False
    dropped: int = 0
    pending_discontinuity: bool = False
    size: int = 0  # bytes of the open fragment's units
    dropped_ahead: int = 0  # fragments dropped as stamped too far past the wall clock

    def feed(self, unit: _Unit) -> Fragment | None:
        """Add a unit; the fragment it completes, if any."""
        out = None
        self.pending_discontinuity |= unit.discontinuity
        if len(unit.data) > MAX_FRAGMENT_BYTES:  # alone too large: dropped, and its GOP after it
            self.dropped += 1
            return self.close(self.units[-1].pts_ms + self.frame_ms) if self.units else None
        if self.units:
            last = self.units[-1].pts_ms
            if unit.pts_ms > last:
                self.frame_ms = min(1000, unit.pts_ms - last)
            if unit.discontinuity:
                out = self.close(last + self.frame_ms)
            elif unit.keyframe and (
                # Slack of a frame or a tenth of the target: RTP timestamps jitter (an RTSP camera's first
                # IDR may carry its successor's time), and a keyframe just short of the target must not
                # double the fragment.
                unit.track != self.units[0].track
                or unit.pts_ms - self.start_pts + max(self.frame_ms, self.target_ms // 10) >= self.target_ms
            ):
                out = self.close(unit.pts_ms)
            elif not unit.keyframe and unit.pts_ms + self.frame_ms - self.start_pts > self.max_ms:
                self.long_gop = True  # no keyframe within 10 s: cut, and drop up to the next keyframe
                out = self.close(last + self.frame_ms)
            elif self.size + len(unit.data) > MAX_FRAGMENT_BYTES:
                out = self.close(unit.pts_ms)  # the rest of the GOP is dropped up to the next keyframe
        if not self.units:
            if not unit.keyframe:
                self.dropped += 1
                return out
            self.start_pts = unit.pts_ms
            self.start_ts = self.clock.stamp(unit.pts_ms, self.pending_discontinuity)
            self.pending_discontinuity = False
        self.units.append(unit)
        self.size += len(unit.data)
        return out

    def close(self, end_pts: int) -> Fragment | None:
        """Finish the open fragment at source time `end_pts`."""
        if not self.units:
            return None
        units, self.units, self.size = self.units, [], 0
        track = units[0].track
        duration = max(1, min(self.max_ms, end_pts - self.start_pts))
        if self.clock.too_far_ahead(self.start_ts + duration):
            self.dropped_ahead += 1
            self.clock.reject()
            log.warning("fragment at %d ms, too far past the wall clock, dropped", self.start_ts)
            return None
        start = self.start_pts
        packets = [FramePacket(u.pts_ms - start, u.data, u.keyframe) for u in units]
        doc = build_document(track, self.start_ts, packets)
        self.clock.close(self.start_ts + duration)
        new_track, self.last_track = track != self.last_track, track
        return Fragment(
            self.start_ts,
            duration,
            doc.data,
            track.width,
            track.height,
            doc.header_size,
            len(units),
            new_track,
        )

    def flush(self) -> Fragment | None:
        """Finish the open fragment at the end of the source."""
        return self.close(self.units[-1].pts_ms + self.frame_ms) if self.units else None


class _H264Track:
    """Normalises one H.264 stream's packets to AVCC and follows its SPS/PPS: the current TrackInfo."""

    def __init__(self, extradata: bytes = b"") -> None:
        # FFmpeg's convention: packets are AVCC exactly when the stream header is an avcC record
        # (a 4-byte length can itself start with 00 00 01, so a packet cannot tell on its own).
        self.annexb = extradata[:1] != b"\x01"
        self.length_size = 4
        self.sps: bytes | None = None
        self.pps: list[bytes] = []
        self.track: TrackInfo | None = None
        if extradata:
            try:
                record = avc.codec_private(extradata)
                self.length_size, sps, pps = avc.parse_avcc_record(record)
                self._set(sps[0], pps, record)
            except avc.BitstreamError:
                log.info("no usable SPS/PPS in the stream header; waiting for them in-band")

    def _set(self, sps: bytes, pps: list[bytes], record: bytes | None = None) -> None:
        info = avc.parse_sps(sps)
        self.sps, self.pps = sps, pps
        record = record or avc.avcc_record(sps, pps, self.length_size)
        self.track = TrackInfo(record, info["width"], info["height"])

    def convert(self, data: bytes, keyframe: bool) -> bytes:
        """AVCC bytes of one packet; at a keyframe, a changed in-band SPS/PPS gives a new track.
        BitstreamError when the packet is malformed."""
        if self.annexb:
            nals = avc.check_nals(avc.split_annexb(data))
            data = avc.join_avcc(nals, self.length_size)
        elif keyframe:
            nals = avc.split_avcc(data, self.length_size)
        else:  # most packets: checked in place, nothing copied
            avc.check_avcc(data, self.length_size)
            return data
        if keyframe:
            sps = [n for n in nals if avc.nal_type(n) == avc.NAL_SPS]
            pps = [n for n in nals if avc.nal_type(n) == avc.NAL_PPS] or self.pps
            if sps and (sps[0] != self.sps or pps != self.pps) and pps:
                self._set(sps[0], pps)
        return data


class Fragmenter:
    """Iterate to get Fragments from a source (see the module docstring); `stop()` ends the iteration.

    on_motion(MotionEvent) is called (on the iterating thread) when motion is seen; privacy_masks are
    polygons in fractions of the frame (they force re-encoding); force_encode re-encodes an H.264 source
    too. Pass the previous `clock` when re-opening a camera so stamps keep increasing.
    SourceUnavailable is raised when the source cannot be opened or fails (after the last whole fragment).
    """

    def __init__(
        self,
        spec: SourceSpec,
        on_motion: Callable[[MotionEvent], None] | None = None,
        *,
        fragment_seconds: float = 2.0,
        motion: MotionSettings | None = None,
        privacy_masks: PrivacyMask | Sequence = (),
        force_encode: bool = False,
        clock: ProducerClock | None = None,
    ) -> None:
        if not 0 < fragment_seconds <= MAX_FRAGMENT_MS / 1000:
            raise ValueError("fragment_seconds: must be > 0 and <= 10 (KVS's fragment limit)")
        self.spec, self.on_motion = spec, on_motion
        self.fragment_ms = int(fragment_seconds * 1000)
        self.masks = privacy_masks if isinstance(privacy_masks, PrivacyMask) else PrivacyMask(privacy_masks)
        self.motion = motion or MotionSettings(enabled=on_motion is not None)
        self.detector = None
        if on_motion is not None and self.motion.enabled:
            m = self.motion
            self.detector = MotionDetector(m.threshold, m.sample_fps, m.width, m.cooldown_s, self.masks)
        self.force_encode = force_encode
        self.clock = clock or ProducerClock()
        # A file read as fast as it can (a bench, a test) is ahead of the wall clock by design.
        self.clock.max_ahead_ms = MAX_AHEAD_MS if spec.kind != "file" or spec.paced else None
        self.mode: str | None = None
        self.stats = {"fragments": 0, "dropped_corrupt": 0, "dropped_to_keyframe": 0, "track_changes": 0}
        self.stats.update(dropped_ahead=0, dropped_size_changes=0)
        self._stopped = False
        self._keyframe_decoder = None

    def stop(self) -> None:
        """Make the iteration end after the packet in hand (thread-safe: a flag)."""
        self._stopped = True

    def __iter__(self) -> Iterator[Fragment]:
        source = open_source(self.spec)
        remux = source.codec_name == "h264" and not self.masks and not self.force_encode
        self.mode = "remux" if remux else "encode"
        assembler = _Assembler(self.clock, self.fragment_ms)
        failure = None
        try:
            try:
                for unit in self._units(source, assembler):
                    fragment = assembler.feed(unit)
                    if unit.sample is not None:
                        self._motion(unit)
                    if fragment:
                        yield self._counted(fragment)
            except SourceUnavailable as exc:
                failure = exc  # the frames read before the failure still make a whole fragment
            fragment = assembler.flush()
            if fragment:
                yield self._counted(fragment)
            if failure is not None:
                raise failure
        finally:
            self.stats["dropped_to_keyframe"] += assembler.dropped
            self.stats["dropped_ahead"] += assembler.dropped_ahead
            source.close()

    def _counted(self, fragment: Fragment) -> Fragment:
        self.stats["fragments"] += 1
        self.stats["track_changes"] += int(fragment.new_track and self.stats["fragments"] > 1)
        return fragment

    def _motion(self, unit: _Unit) -> None:
        if unit.sample is None or self.detector is None:
            return
        event = self.detector.compare(unit.sample, self.clock.at(unit.pts_ms))
        if event is not None and self.on_motion is not None:
            try:
                self.on_motion(event)
            except Exception:  # a failing motion callback must never stop the video
                log.exception("motion callback failed")

    def _units(self, source: MediaSource, assembler: _Assembler) -> Iterator[_Unit]:
        """The source's packets as H.264 units (remuxed or re-encoded), bad packets dropped."""
        state = _State(_H264Track(source.extradata) if self.mode == "remux" else None)
        for sp in source.packets():
            if self._stopped:
                return
            if self.mode == "remux" and assembler.long_gop:
                log.warning("source keyframes are more than 10 s apart: re-encoding from here on")
                self.mode, state.broken = "encode", True
            jump = state.last_pts is not None and not -1000 <= sp.pts_ms - state.last_pts <= JUMP_MS
            state.last_pts = sp.pts_ms
            if sp.corrupt:
                state.broken = True
            elif not (state.broken and not sp.keyframe):
                step = self._remux_one if self.mode == "remux" else self._encode_one
                for unit in step(source, sp, state):
                    unit.discontinuity, jump = jump, False
                    yield unit
                continue  # (lists, not generators: this runs for every packet)
            self.stats["dropped_corrupt"] += 1
        if self.mode == "encode" and state.encoder is not None:
            yield from state.encoded(state.encoder.flush())

    def _remux_one(self, source: MediaSource, sp, state: _State) -> list[_Unit]:
        """One H.264 packet copied (as AVCC); at a sampled keyframe, a motion sample."""
        try:
            data = state.h264.convert(sp.data, sp.keyframe)
        except avc.BitstreamError as exc:
            state.broken = True
            self.stats["dropped_corrupt"] += 1
            log.info("corrupt packet at %d ms dropped up to the next keyframe (%s)", sp.pts_ms, exc)
            return []
        state.broken = False
        if state.h264.track is None:
            self.stats["dropped_to_keyframe"] += 1  # no SPS/PPS seen yet
            return []
        sample = None
        if self.detector is not None and sp.keyframe and self.detector.wants(sp.pts_ms):
            frame = self._decode_keyframe(source, sp.packet)
            sample = self.detector.sample(frame, sp.pts_ms) if frame is not None else None
        return [_Unit(sp.pts_ms, data, sp.keyframe, state.h264.track, sample=sample)]

    def _decode_keyframe(self, source: MediaSource, packet: av.Packet):
        """The picture of one keyframe, decoded alone: a decoder of its own, drained and reset each time,
        answers at once even when the stream has B-frames (a reordering decoder would hold it back)."""
        if self._keyframe_decoder is None:
            self._keyframe_decoder = av.CodecContext.create("h264", "r")
            self._keyframe_decoder.extradata = source.extradata or None
            self._keyframe_decoder.thread_count = 1  # one picture at a time: threads only add latency
        decoder = self._keyframe_decoder
        try:
            frames = decoder.decode(packet) + decoder.decode(None)
        except av.error.FFmpegError:
            frames = []
        decoder.flush_buffers()
        return frames[0] if frames else None

    def _too_many_size_changes(self, state: _State, pts_ms: int) -> bool:
        """Whether a picture-size change at source time `pts_ms` comes within TRACK_CHANGE_MS of producer
        time after the last one (each starts a libx264 encoder); if not, it is the new last one."""
        at = self.clock.at(pts_ms)
        if state.size_changed_at is not None and at - state.size_changed_at < TRACK_CHANGE_MS:
            return True
        state.size_changed_at = at
        return False

    def _encode_one(self, source: MediaSource, sp, state: _State) -> Iterator[_Unit]:
        """One packet decoded; its frames masked, sampled for motion and re-encoded."""
        try:
            frames = source.decode(sp.packet)
        except av.error.FFmpegError as exc:
            state.broken = True
            self.stats["dropped_corrupt"] += 1
            log.info("undecodable packet at %d ms dropped up to the next keyframe (%s)", sp.pts_ms, exc)
            return
        state.broken = False
        for frame in frames:
            if not (frame.width <= avc.MAX_DIMENSION and frame.height <= avc.MAX_DIMENSION):
                state.broken = True  # a hostile size: never masked or re-encoded at that size
                self.stats["dropped_corrupt"] += 1
                continue
            ms = sp.pts_ms if frame.pts is None else int(frame.pts * frame.time_base * 1000)
            if (
                ms + state.offset_ms <= state.last_frame_ms
            ):  # the source went back: keep the encoder's time going
                state.offset_ms = state.last_frame_ms + 1 - ms
            ms = state.last_frame_ms = ms + state.offset_ms
            frame = self.masks.apply(frame)
            if self.detector is not None and self.detector.wants(ms):
                state.pending_sample = self.detector.sample(frame, ms)
            enc = state.encoder
            if enc is None or (frame.width, frame.height) != (enc.width, enc.height):
                if enc is not None and self._too_many_size_changes(state, sp.pts_ms):
                    state.broken = True  # dropped up to the next keyframe, as corrupt input
                    self.stats["dropped_size_changes"] += 1
                    continue
                if enc is not None:
                    yield from state.encoded(enc.flush())
                state.encoder = H264Encoder(frame.width, frame.height, source.fps, self.fragment_ms)
                state.encoded_track = _H264Track()
            yield from state.encoded(state.encoder.encode(frame, ms))


@dataclass
class _State:
    """What the unit loop carries from packet to packet."""

    h264: _H264Track | None
    broken: bool = False
    last_pts: int | None = None
    last_frame_ms: int = -1
    offset_ms: int = 0
    encoder: H264Encoder | None = None
    encoded_track: _H264Track | None = None
    pending_sample: object = None
    size_changed_at: int | None = None  # producer time of the last picture-size change re-encoded

    def encoded(self, packets) -> Iterator[_Unit]:
        """The encoder's packets as units (their in-band SPS/PPS give the track)."""
        for p in packets:
            data = self.encoded_track.convert(p.data, p.keyframe)
            sample, self.pending_sample = self.pending_sample, None
            yield _Unit(p.pts_ms, data, p.keyframe, self.encoded_track.track, sample=sample)
