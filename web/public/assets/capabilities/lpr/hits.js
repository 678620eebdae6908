// Hits: today's hits as cards, new ones arriving from the `lpr-hits` feed without a reload,
// each with accept / reject-with-reason; and one hit on its own page (#/lpr/hits/<id>), the
// link the watch desk's text carries. A verdict sends the revision the officer saw: if
// someone decided first the route answers 409 and the card shows the hit as it now stands.

import { ApiError, apiFetch } from "../../api.js";
import { busy, h, localTime, messageBox, replace } from "../../dom.js";
import { followFeed } from "../../feed.js";
import { REJECT_REASONS, facts, selectField, utcDay } from "./common.js";

const KIND_LABELS = { exact: "Exact match", "ocr-equivalent": "OCR look-alike", wildcard: "Partial plate (wildcard)" };

function hitPath(hitId) {
  return `/api/lpr/hits/${encodeURIComponent(hitId)}`;
}

function readCount(hit) {
  return Array.isArray(hit.reads) ? hit.reads.length : hit.reads || 1;
}

function verdictLine(v) {
  if (!v) return h("p", { class: "lpr-verdict lpr-verdict-open", text: "Not verified yet" });
  // The verdict route takes "accept" / "reject" and records "accepted" / "rejected".
  const accepted = v.verdict === "accepted" || v.verdict === "accept";
  const what = accepted ? "Accepted" : `Rejected: ${(REJECT_REASONS.find(([r]) => r === v.reason) || [, v.reason])[1]}`;
  return h("p", { class: `lpr-verdict lpr-verdict-${accepted ? "accept" : "reject"}` }, h("strong", { text: what }), ` · ${v.by || ""} · `, localTime(v.at));
}

function details(hit) {
  const entry = hit.entry || {};
  const where = hit.lat != null && hit.lon != null ? `${Number(hit.lat).toFixed(5)}, ${Number(hit.lon).toFixed(5)}` : "";
  return facts([
    ["Read", hit.plate],
    ["Hotlist plate", entry.plate || hit.candidate],
    ["Match", `${KIND_LABELS[hit.kind] || hit.kind}${hit.state_agrees === false ? " · state differs" : ""}`],
    ["Entry state", entry.state],
    ["Reason listed", entry.reason],
    ["Case", entry.case_number],
    ["Reader", hit.reader_name || hit.camera_id],
    ["Seen", localTime(hit.seen_at)],
    ["Reads", readCount(hit)],
    ["Where", where],
  ]);
}

/**
 * The accept and reject controls of one hit; `onDecided(hit)` gets the hit as saved. Changing
 * an earlier verdict (`changing`) needs a note saying why: the route refuses one without.
 */
function verdictForm(hit, onDecided, changing = false) {
  const errors = messageBox();
  const id = `${changing ? "change-" : ""}${hit.hit_id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const caseNo = h("input", { id: `lpr-case-${id}`, type: "text", maxlength: 80, autocomplete: "off" });
  const note = changing ? h("textarea", { id: `lpr-note-${id}`, rows: 2, maxlength: 2000 }) : null;
  const reason = selectField(`lpr-reason-${id}`, "Reason for rejecting", [["", "Choose a reason"], ...REJECT_REASONS]);
  const accept = h("button", { type: "button", class: "btn btn-primary lpr-accept", text: "Accept" });
  const reject = h("button", { type: "button", class: "btn btn-secondary lpr-reject", text: "Reject" });
  const send = (button, body) =>
    busy(button, async () => {
      errors.clear();
      if (note) {
        if (!note.value.trim()) return errors.error("Say why the verdict changes.");
        body.note = note.value.trim();
      }
      try {
        const out = await apiFetch(`${hitPath(hit.hit_id)}/verdict`, { method: "POST", json: { ...body, revision: hit.revision } });
        onDecided(out.hit);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          // Someone decided first: show their verdict instead of overwriting it.
          const now = await apiFetch(hitPath(hit.hit_id)).catch(() => null);
          if (now) onDecided(now.hit, "Another officer decided this hit first; it is shown as it stands now.");
          else errors.error(err);
          return undefined;
        }
        errors.error(err);
      }
      return undefined;
    });
  accept.addEventListener("click", () => send(accept, caseNo.value.trim() ? { verdict: "accept", case_number: caseNo.value.trim() } : { verdict: "accept" }));
  reject.addEventListener("click", () => {
    if (!reason.input.value) {
      reason.input.setAttribute("aria-invalid", "true");
      errors.error("Choose why you reject the hit.");
      reason.input.focus();
      return;
    }
    reason.input.removeAttribute("aria-invalid");
    send(reject, { verdict: "reject", reason: reason.input.value });
  });
  return h(
    "div",
    { class: "lpr-verdict-form" },
    note ? h("div", { class: "field" }, h("label", { for: note.id, text: "Why the verdict changes (required)" }), note) : null,
    h("div", { class: "field" }, h("label", { for: caseNo.id, text: "Case number (optional: accepting with one keeps the hit with the case)" }), caseNo),
    accept,
    reason.wrap,
    reject,
    errors.el,
  );
}

/** One hit's card; `onDecided` re-renders it. Headings carry the list, not the plate alone. */
function hitCard(hit, { onDecided, linked = true }) {
  const title = h("h3", { class: "lpr-hit-title" }, h("span", { class: "lpr-plate", text: hit.plate }), ` · ${hit.list_name || hit.list_id}`);
  return h(
    "article",
    { class: `card lpr-hit${hit.priority != null && hit.priority <= 10 ? " lpr-hit-high" : ""}`, dataset: { hit: hit.hit_id } },
    title,
    details(hit),
    verdictLine(hit.verification),
    hit.verification
      ? h("details", { class: "lpr-change" }, h("summary", { text: "Change the verdict" }), verdictForm(hit, onDecided, true))
      : verdictForm(hit, onDecided),
    linked ? h("p", {}, h("a", { href: `#/lpr/hits/${encodeURIComponent(hit.hit_id)}`, text: "Open this hit" })) : null,
  );
}

export async function hitsView(container, ctx) {
  const errors = messageBox();
  const news = h("p", { class: "visually-hidden", id: "lpr-hits-news", role: "status", "aria-live": "polite" });
  const list = h("div", { class: "lpr-hits", id: "lpr-hits" });
  const empty = h("p", { class: "muted", id: "lpr-hits-empty", text: "No hits since yesterday. New hits appear here as they happen." });
  container.append(h("h2", { text: "Recent hits" }), errors.el, news, empty, list);
  const cards = new Map();

  const put = (hit, note = "", first = false) => {
    const card = hitCard(hit, { onDecided: (saved, why) => put(saved, why) });
    if (note) card.append(h("p", { class: "message message-info", role: "status", text: note }));
    const old = cards.get(hit.hit_id);
    if (old) old.replaceWith(card);
    else if (first) list.prepend(card);
    else list.append(card);
    cards.set(hit.hit_id, card);
    empty.hidden = cards.size > 0;
  };

  // Hits are filed by UTC day, and UTC midnight falls inside a shift in most of the world
  // (7 pm in New York): yesterday's too, so the list does not empty in the middle of one.
  const now = new Date();
  const days = [utcDay(now), utcDay(new Date(now.getTime() - 24 * 3600 * 1000))];
  const pages = await Promise.all(days.map((day) => apiFetch("/api/lpr/hits", { query: { day } })));
  const page = pages[0];
  pages
    .flatMap((p) => p.hits)
    .sort((a, b) => String(b.seen_at).localeCompare(String(a.seen_at)))
    .forEach((hit) => put(hit));
  empty.hidden = cards.size > 0;

  const stop = followFeed(
    "lpr-hits",
    async (items) => {
      for (const item of items) {
        const hitId = (item.summary && item.summary.hit_id) || item.ref;
        if (!hitId) continue;
        // The item is a reference; the hit itself (with its revision) comes from its route.
        // One gone since (past retention) is skipped: rethrowing would replay the page forever.
        const found = await apiFetch(hitPath(hitId)).catch((err) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        });
        if (!found) continue;
        const { hit } = found;
        errors.clear();
        const known = cards.has(hit.hit_id);
        put(hit, "", true);
        if (!known) news.textContent = `New hit on ${hit.list_name || hit.list_id} at ${hit.reader_name || hit.camera_id}.`;
      }
    },
    { cursor: page.feed_cursor, onReset: () => ctx.navigate("#/lpr"), onError: (err) => errors.error(err) },
  );
  return stop;
}

export async function hitView(container, hitId) {
  const errors = messageBox();
  const slot = h("div", { id: "lpr-hit" });
  container.append(h("p", {}, h("a", { href: "#/lpr", text: "← All hits" })), errors.el, slot);
  const show = (hit, note = "") => {
    replace(slot, hitCard(hit, { onDecided: show, linked: false }));
    if (note) slot.append(h("p", { class: "message message-info", role: "status", text: note }));
  };
  try {
    show((await apiFetch(hitPath(hitId))).hit);
  } catch (err) {
    errors.error(err);
  }
}
