// "Save clip to case": a stretch of a camera's recorded stream saved as evidence in a case
// (POST /api/video-clips {camera_id, case_number, start, end} -> 202 {clip_id}; the
// video-clip function fetches it from Kinesis Video, stores and hashes it, and adds it to the
// case with its chain-of-custody entry). The same role and owner's policy as live view apply.
// The form then follows the clip (GET /api/video-clips/{clip_id}) until it is done or refused.

import { ApiError, apiFetch } from "../api.js";
import { busy, field, h, localInputToUtc, messageBox } from "../dom.js";

const DEFAULT_MINUTES = 2;
const POLL_MS = 3000;
const POLL_FOR_MS = 180_000;
//: A clip still on its way; any other status is where it ended.
const WORKING = new Set(["queued", "saving"]);

/** A Date as the value of <input type="datetime-local"> (the browser's local time, to the second). */
export function toLocalInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

function clipFields(cameraId) {
  const id = (name) => `clip-${name}-${cameraId}`;
  return {
    case_number: field(id("case"), "Case number", { required: true, maxlength: 40, pattern: "[A-Za-z0-9-]{1,40}", autocomplete: "off" }, "Letters, digits and -."),
    start: field(id("start"), "From", { type: "datetime-local", step: 1, required: true }),
    end: field(id("end"), "To", { type: "datetime-local", step: 1, required: true }),
  };
}

function savedText(clipId, caseNumber, clip) {
  const parts = Array.isArray(clip.parts) ? clip.parts : [];
  const hashes = parts.map((p) => `SHA-256 ${p.sha256}`).join("; ");
  const gaps = Array.isArray(clip.gaps) && clip.gaps.length ? ` The stream had ${clip.gaps.length} gap(s) in that time.` : "";
  return `Clip ${clipId} saved to case ${caseNumber}${parts.length ? ` in ${parts.length} part(s): ${hashes}` : ""}.${gaps}`;
}

/** The form for `cameraId` (collapsed under a <details>, so a phone's screen stays the picture's). */
export function clipForm(cameraId) {
  const fields = clipFields(cameraId);
  const box = messageBox();
  const send = h("button", { type: "submit", class: "btn btn-primary", text: "Save clip to case" });
  const form = h(
    "form",
    { class: "stack clip-form", dataset: { camera: cameraId }, novalidate: true },
    fields.case_number.wrap,
    h("div", { class: "clip-window" }, fields.start.wrap, fields.end.wrap),
    box.el,
    send,
  );
  const details = h(
    "details",
    { class: "card clip-card" },
    h("summary", { class: "clip-summary", text: "Save clip to case" }),
    h("p", { class: "hint", text: `The last ${DEFAULT_MINUTES} minutes unless you change the times. The clip is added to the case as evidence.` }),
    form,
  );
  let poll = null;

  function resetWindow() {
    const now = new Date();
    fields.end.input.value = toLocalInput(now);
    fields.start.input.value = toLocalInput(new Date(now.getTime() - DEFAULT_MINUTES * 60_000));
  }
  details.addEventListener("toggle", () => details.open && !fields.start.input.value && resetWindow());

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    for (const f of Object.values(fields)) f.input.removeAttribute("aria-invalid");
    busy(send, async () => {
      const body = {
        camera_id: cameraId,
        case_number: fields.case_number.input.value.trim(),
        start: localInputToUtc(fields.start.input.value),
        end: localInputToUtc(fields.end.input.value),
      };
      try {
        const out = await apiFetch("/api/video-clips", { method: "POST", json: body });
        box.ok(`Clip ${out.clip_id} requested for case ${body.case_number}: it is being saved.`);
        follow(out.clip_id, body.case_number);
      } catch (err) {
        refused(err);
      }
    });
  });

  function refused(err) {
    const named = err instanceof ApiError ? (err.detail && err.detail.field) || (/^(\w+):/.exec(err.message) || [])[1] : null;
    if (named && fields[named]) {
      fields[named].input.setAttribute("aria-invalid", "true");
      fields[named].input.focus();
    }
    if (err instanceof ApiError && err.status === 403) box.error(`The owner's policy or your role does not allow saving this camera's video now (${err.message}).`);
    else box.error(err);
  }

  // GET /api/video-clips/{id} -> {clip: {status queued|saving|saved|refused|failed, reason,
  // parts: [{evidence_id, sha256, ...}], gaps}}.
  function follow(clipId, caseNumber) {
    clearTimeout(poll);
    const until = Date.now() + POLL_FOR_MS;
    const check = async () => {
      try {
        const out = await apiFetch(`/api/video-clips/${encodeURIComponent(clipId)}`);
        const clip = (out && out.clip) || {};
        if (WORKING.has(clip.status || "queued")) {
          if (Date.now() < until) poll = setTimeout(check, POLL_MS);
          else box.info(`Clip ${clipId} is still being saved to case ${caseNumber}; it will appear in the case.`);
          return;
        }
        if (clip.status === "saved") box.ok(savedText(clipId, caseNumber, clip));
        else box.error(`Clip ${clipId} was not saved (${clip.status}${clip.reason ? `: ${clip.reason}` : ""}).`);
      } catch (err) {
        box.error(err);
      }
    };
    poll = setTimeout(check, POLL_MS);
  }

  return { el: details, destroy: () => clearTimeout(poll) };
}
