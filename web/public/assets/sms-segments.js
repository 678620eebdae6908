// SMS segment counting for the alert composer's live counter: the same algorithm as
// layers/rtcc/alerts/segments.py (a test runs both over the same strings), so the count the
// supervisor sees is the count the server enforces.
//
// GSM-7 (3GPP TS 23.038): 160 septets in one message, 153 per segment once split; extension
// characters take 2 septets. Any other character makes the whole text UCS-2: 70 UTF-16 code
// units in one message, 67 per segment, an emoji outside the BMP counting 2. A two-unit
// character is never split across segments.

export const MAX_SEGMENTS = 10;

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

const LIMITS = { "GSM-7": [160, 153], "UCS-2": [70, 67] };

export function isGsm7(text) {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  return true;
}

function unitSizes(text, encoding) {
  const sizes = [];
  // for..of walks code points, as Python's str iteration does.
  for (const ch of text) {
    if (encoding === "GSM-7") sizes.push(GSM7_EXTENSION.has(ch) ? 2 : 1);
    else sizes.push(ch.codePointAt(0) > 0xffff ? 2 : 1);
  }
  return sizes;
}

function pack(sizes, capacity) {
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > capacity) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/** segments("Hi €") -> {encoding: "GSM-7", units: 5, segments: 1, perSegment: 160} */
export function segments(text) {
  const encoding = isGsm7(text) ? "GSM-7" : "UCS-2";
  const [single, split] = LIMITS[encoding];
  const sizes = unitSizes(text, encoding);
  const units = sizes.reduce((a, b) => a + b, 0);
  if (units === 0) return { encoding, units: 0, segments: 0, perSegment: single };
  if (units <= single) return { encoding, units, segments: 1, perSegment: single };
  return { encoding, units, segments: pack(sizes, split), perSegment: split };
}
