"""H.264 bitstream helpers: Annex B <-> AVCC (length-prefixed) NAL units, the AVCDecoderConfigurationRecord
Matroska's V_MPEG4/ISO/AVC track carries as CodecPrivate, and the picture size an SPS declares.

Cameras over RTSP send Annex B (start codes, SPS/PPS in-band); MP4 files carry AVCC with an avcC record.
Matroska wants AVCC in the blocks and avcC in CodecPrivate, so both shapes are normalised here, in pure
Python over bytes (no decoding): remuxing must stay cheap.
"""

from __future__ import annotations

NAL_SLICE = 1
NAL_IDR = 5
NAL_SPS = 7
NAL_PPS = 8
_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


class BitstreamError(ValueError):
    """The bytes are not a well-formed H.264 access unit or parameter set."""


def is_annexb(data: bytes) -> bool:
    """True when `data` starts with an Annex B start code (00 00 01 or 00 00 00 01)."""
    return data[:3] == b"\x00\x00\x01" or data[:4] == b"\x00\x00\x00\x01"


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream, start codes and trailing zero bytes removed."""
    nals: list[bytes] = []
    start = data.find(b"\x00\x00\x01")
    while start != -1:
        begin = start + 3
        nxt = data.find(b"\x00\x00\x01", begin)
        end = len(data) if nxt == -1 else nxt
        nal = data[begin:end].rstrip(b"\x00") if nxt != -1 else data[begin:end]
        if nal:
            nals.append(nal)
        start = nxt
    return nals


def join_avcc(nals: list[bytes], length_size: int = 4) -> bytes:
    """NAL units as one AVCC sample: each preceded by its big-endian length."""
    return b"".join(len(n).to_bytes(length_size, "big") + n for n in nals)


def annexb_to_avcc(data: bytes) -> bytes:
    """An Annex B access unit as an AVCC sample with 4-byte lengths."""
    return join_avcc(split_annexb(data))


def split_avcc(data: bytes, length_size: int = 4) -> list[bytes]:
    """The NAL units of an AVCC sample; BitstreamError when the lengths overrun the sample or a NAL
    header is invalid (forbidden bit set, type 0): the sign of a corrupt packet."""
    nals: list[bytes] = []
    pos, total = 0, len(data)
    if total == 0:
        raise BitstreamError("empty sample")
    while pos < total:
        if pos + length_size > total:
            raise BitstreamError("truncated NAL length")
        size = int.from_bytes(data[pos : pos + length_size], "big")
        pos += length_size
        if size == 0 or pos + size > total:
            raise BitstreamError(f"NAL length {size} overruns the sample")
        header = data[pos]
        if header & 0x80 or header & 0x1F == 0:
            raise BitstreamError(f"invalid NAL header 0x{header:02x}")
        nals.append(data[pos : pos + size])
        pos += size
    return nals


def check_nals(nals: list[bytes]) -> list[bytes]:
    """The NAL units, or BitstreamError when there are none or one has an invalid header."""
    if not nals:
        raise BitstreamError("no NAL unit")
    for nal in nals:
        if nal[0] & 0x80 or nal[0] & 0x1F == 0:
            raise BitstreamError(f"invalid NAL header 0x{nal[0]:02x}")
    return nals


def check_avcc(data: bytes, length_size: int = 4) -> None:
    """As split_avcc without copying the NAL units (the check every remuxed packet gets)."""
    pos, total = 0, len(data)
    if total == 0:
        raise BitstreamError("empty sample")
    while pos < total:
        size = int.from_bytes(data[pos : pos + length_size], "big")
        pos += length_size
        if size == 0 or pos + size > total:
            raise BitstreamError(f"NAL length {size} overruns the sample")
        header = data[pos]
        if header & 0x80 or not header & 0x1F:
            raise BitstreamError(f"invalid NAL header 0x{header:02x}")
        pos += size


def nal_type(nal: bytes) -> int:
    """nal_unit_type of a NAL unit (its first byte's low 5 bits)."""
    return nal[0] & 0x1F


def parse_avcc_record(record: bytes) -> tuple[int, list[bytes], list[bytes]]:
    """(NAL length size, SPS list, PPS list) of an AVCDecoderConfigurationRecord."""
    if len(record) < 7 or record[0] != 1:
        raise BitstreamError("not an AVCDecoderConfigurationRecord")
    length_size = (record[4] & 0x03) + 1
    pos, sps, pps = 6, [], []
    for count, out in ((record[5] & 0x1F, sps), (None, pps)):
        if count is None:
            count, pos = record[pos], pos + 1
        for _ in range(count):
            size = int.from_bytes(record[pos : pos + 2], "big")
            out.append(record[pos + 2 : pos + 2 + size])
            pos += 2 + size
    if not sps or any(len(p) == 0 for p in sps + pps) or pos > len(record):
        raise BitstreamError("truncated AVCDecoderConfigurationRecord")
    return length_size, sps, pps


def avcc_record(sps: bytes, pps: list[bytes] | bytes, length_size: int = 4) -> bytes:
    """The AVCDecoderConfigurationRecord (ISO 14496-15) for one SPS and its PPS (NAL lengths of
    `length_size` bytes); high profiles get the chroma/bit-depth extension the standard asks for."""
    pps_list = [pps] if isinstance(pps, bytes) else list(pps)
    out = bytearray([1, sps[1], sps[2], sps[3], 0xFC | (length_size - 1), 0xE1])
    out += len(sps).to_bytes(2, "big") + sps + bytes([len(pps_list)])
    for p in pps_list:
        out += len(p).to_bytes(2, "big") + p
    if sps[1] in (100, 110, 122, 144):
        info = parse_sps(sps)
        out += bytes([0xFC | info["chroma_format_idc"], 0xF8 | info["bit_depth_luma_minus8"]])
        out += bytes([0xF8 | info["bit_depth_chroma_minus8"], 0])
    return bytes(out)


def codec_private(extradata: bytes) -> bytes:
    """CodecPrivate for Matroska from a demuxer's extradata: an avcC record as it is, Annex B SPS/PPS
    converted; BitstreamError when it holds no SPS."""
    if extradata[:1] == b"\x01":
        parse_avcc_record(extradata)
        return bytes(extradata)
    nals = split_annexb(extradata)
    sps = [n for n in nals if nal_type(n) == NAL_SPS]
    pps = [n for n in nals if nal_type(n) == NAL_PPS]
    if not sps or not pps:
        raise BitstreamError("no SPS/PPS in the stream's extradata")
    return avcc_record(sps[0], pps)


#: Largest picture side accepted (H.264's level 6.2 tops out at 8192x4320).
MAX_DIMENSION = 8192


class _Bits:
    """An RBSP bit reader (emulation-prevention bytes removed) with Exp-Golomb codes."""

    def __init__(self, nal: bytes) -> None:
        self.data = nal[1:].replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def u(self, n: int) -> int:
        """n bits as an unsigned integer."""
        value = 0
        for _ in range(n):
            byte = self.pos >> 3
            if byte >= len(self.data):
                raise BitstreamError("SPS ends early")
            value = (value << 1) | ((self.data[byte] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        """An unsigned Exp-Golomb code."""
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise BitstreamError("bad Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        """A signed Exp-Golomb code."""
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def _skip_scaling_lists(bits: _Bits, chroma_format_idc: int) -> None:
    for i in range(12 if chroma_format_idc == 3 else 8):
        if bits.u(1):
            last, nxt = 8, 8
            for _ in range(16 if i < 6 else 64):
                if nxt:
                    nxt = (last + bits.se() + 256) % 256
                last = nxt or last


def _skip_poc(bits: _Bits) -> None:
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.u(1)
        bits.se()
        bits.se()
        for _ in range(bits.ue()):
            bits.se()


def parse_sps(sps: bytes) -> dict[str, int]:
    """width, height (cropping applied), profile_idc, chroma_format_idc and bit depths of an SPS NAL."""
    bits = _Bits(sps)
    info = {"profile_idc": bits.u(8), "chroma_format_idc": 1, "bit_depth_luma_minus8": 0}
    info["bit_depth_chroma_minus8"] = 0
    bits.u(16)  # constraint flags, level_idc
    bits.ue()  # seq_parameter_set_id
    if info["profile_idc"] in _HIGH_PROFILES:
        info["chroma_format_idc"] = bits.ue()
        if info["chroma_format_idc"] == 3:
            bits.u(1)
        info["bit_depth_luma_minus8"], info["bit_depth_chroma_minus8"] = bits.ue(), bits.ue()
        bits.u(1)
        if bits.u(1):
            _skip_scaling_lists(bits, info["chroma_format_idc"])
    bits.ue()  # log2_max_frame_num_minus4
    _skip_poc(bits)
    bits.ue()  # max_num_ref_frames
    bits.u(1)
    width_mbs, height_units = bits.ue() + 1, bits.ue() + 1
    frame_mbs_only = bits.u(1)
    if not frame_mbs_only:
        bits.u(1)
    bits.u(1)
    crop = (bits.ue(), bits.ue(), bits.ue(), bits.ue()) if bits.u(1) else (0, 0, 0, 0)
    chroma = info["chroma_format_idc"]
    unit_x = 1 if chroma in (0, 3) else 2
    unit_y = (2 - frame_mbs_only) * (2 if chroma == 1 else 1)
    info["width"] = width_mbs * 16 - (crop[0] + crop[1]) * unit_x
    info["height"] = (2 - frame_mbs_only) * height_units * 16 - (crop[2] + crop[3]) * unit_y
    if not (0 < info["width"] <= MAX_DIMENSION and 0 < info["height"] <= MAX_DIMENSION):
        # A hostile SPS: sizes up to 2**32 or cropped below zero (a 16384x16384 picture is 400 MB)
        raise BitstreamError(f"SPS picture size {info['width']}x{info['height']} out of range")
    return info
