// One tip: its thread with media, the reply box, triage (status, priority, category,
// disposition, assignee, case number, notes) and blocking the sender. Officers see the
// tip code and the alias only; the API never sends more.

import { apiFetch } from "../../api.js";
import { busy, h, localTime, messageBox, replace } from "../../dom.js";
import { DISPOSITION_LABELS, PRIORITY_LABELS, STATUS_LABELS, channelLabel, humanize, label, priorityBadge, statusBadge } from "./labels.js";
import { mediaRenderer } from "./media.js";


function select(id, labelText, values, labels, current, allowNone) {
  const input = h("select", { id, name: id });
  if (allowNone) input.append(h("option", { value: "", text: "— none —" }));
  for (const value of values) input.append(h("option", { value, selected: value === current, text: label(labels, value) }));
  if (allowNone && !current) input.value = "";
  return { input, wrap: h("div", { class: "field" }, h("label", { for: id, text: labelText }), input) };
}

function textInput(id, labelText, value, attrs = {}) {
  const input = h("input", { id, name: id, type: "text", value: value || "", autocomplete: "off", ...attrs });
  return { input, wrap: h("div", { class: "field" }, h("label", { for: id, text: labelText }), input) };
}

function messageItem(message, mediaById, media) {
  const items = (message.media_ids || []).map((id) => mediaById.get(id)).filter(Boolean);
  const who = message.direction === "in" ? "Tipster" : message.author ? `Reply by ${message.author}` : "Reply";
  const delivery =
    message.direction === "out" && message.delivery
      ? h("span", { class: `tip-delivery delivery-${message.delivery}`, title: message.delivery_detail || "", text: humanize(message.delivery) })
      : null;
  return h(
    "li",
    { class: `tip-msg tip-msg-${message.direction}`, dataset: { direction: message.direction } },
    h("p", { class: "tip-msg-meta" }, h("strong", { text: who }), " · ", localTime(message.at), delivery ? [" · ", delivery] : null),
    message.body ? h("p", { class: "tip-msg-body", text: message.body }) : null,
    items.length ? h("div", { class: "tip-media-list" }, items.map((item) => media.render(item))) : null,
  );
}

/**
 * Renders the tip `code` into `container`. onSaved(summary) tells the list about changes.
 * Returns {activity(summary), dispose()}: the list calls activity() when the feed
 * reports the open tip.
 */
export function tipDetail(container, code, { ctx, options, onSaved, onBack }) {
  let tip = null;
  let dirty = false;
  let disposed = false;
  let media = mediaRenderer();
  const box = messageBox();
  const threadEl = h("ol", { class: "tip-thread", id: "tip-thread", "aria-label": "Messages" });
  const header = h("div", { class: "tip-head" });
  const triageHolder = h("div");
  const notesHolder = h("div");
  const replyHolder = h("div");
  const blockHolder = h("div");
  const isSupervisor = ctx.me.roles.includes("supervisor");

  const back = h("button", { type: "button", class: "btn btn-quiet tip-back", id: "tip-back", text: "← All tips", onclick: onBack });
  const refresh = h("button", { type: "button", class: "btn btn-quiet", id: "tip-refresh", text: "Refresh" });
  refresh.addEventListener("click", () => busy(refresh, () => load(true)));
  const exportButton = h("button", { type: "button", class: "btn btn-quiet", id: "tip-export", text: "Export" });
  exportButton.addEventListener("click", () =>
    busy(exportButton, async () => {
      try {
        const data = await apiFetch(`/api/tips/${encodeURIComponent(code)}/export`);
        const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
        const link = h("a", { href: url, download: `${code}.json` });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (err) {
        box.error(err);
      }
    }),
  );

  replace(
    container,
    h("div", { class: "tip-toolbar" }, back, refresh, exportButton),
    box.el,
    header,
    h("section", { class: "card", "aria-labelledby": "tip-thread-title" }, h("h2", { id: "tip-thread-title", text: "Conversation" }), threadEl, replyHolder),
    triageHolder,
    notesHolder,
    blockHolder,
  );

  function renderHeader() {
    const facts = [
      ["Alias", h("span", { id: "tip-alias", text: tip.alias })],
      ["Channel", channelLabel(tip.channel)],
      ["Received", localTime(tip.created_at)],
      ["Last activity", localTime(tip.last_activity_at)],
      ["Category", humanize(tip.category)],
      ["Assigned to", tip.assignee || "—"],
      ["Case number", tip.case_number || "—"],
      ["Disposition", tip.disposition ? label(DISPOSITION_LABELS, tip.disposition) : "—"],
    ];
    if (tip.latitude !== null && tip.latitude !== undefined) {
      const where = `${tip.latitude.toFixed(5)}, ${tip.longitude.toFixed(5)}`;
      facts.push([
        "Location",
        h("a", {
          href: `https://www.openstreetmap.org/?mlat=${tip.latitude}&mlon=${tip.longitude}#map=17/${tip.latitude}/${tip.longitude}`,
          target: "_blank",
          rel: "noopener noreferrer",
          text: where,
        }),
      ]);
    }
    if (tip.keywords.length) facts.push(["Keywords", tip.keywords.join(", ")]);
    if (tip.closed_at) facts.push(["Closed", localTime(tip.closed_at)]);
    // Retention policy: the tip and everything in it is deleted on this (UTC) day unless reopened.
    if (tip.purge_on) facts.push(["Deleted on", tip.purge_on]);
    replace(
      header,
      h(
        "div",
        { class: "tip-title" },
        h("h2", { class: "mono", id: "tip-code", tabindex: "-1", text: tip.code }),
        statusBadge(tip.status),
        priorityBadge(tip.priority),
        tip.spam_suspected ? h("span", { class: "tip-badge tip-spam", text: "Suspected spam" }) : null,
        tip.blocked ? h("span", { class: "tip-badge tip-blocked", text: "Sender blocked from this tip" }) : null,
      ),
      h("dl", { class: "facts tip-facts" }, facts.map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)])),
    );
  }

  function renderThread() {
    media.dispose();
    media = mediaRenderer();
    const byId = new Map(tip.media.map((m) => [m.media_id, m]));
    const shown = new Set(tip.messages.flatMap((m) => m.media_ids || []));
    const loose = tip.media.filter((m) => !shown.has(m.media_id));
    replace(
      threadEl,
      tip.messages.map((m) => messageItem(m, byId, media)),
      loose.length ? h("li", { class: "tip-msg" }, h("div", { class: "tip-media-list" }, loose.map((item) => media.render(item)))) : null,
    );
  }

  function renderReply() {
    if (tip.status === "closed") {
      replace(replyHolder, h("p", { class: "muted", text: "This tip is closed. Reopen it (set the status) to reply." }));
      return;
    }
    const text = h("textarea", { id: "tip-reply-text", name: "reply", rows: "3", maxlength: "1000", required: true });
    const send = h("button", { type: "submit", class: "btn btn-primary", id: "tip-reply-send", text: "Send reply" });
    const how =
      tip.channel === "sms"
        ? "Goes to the tipster by text message from the tip line. Their number stays hidden from you."
        : "Shown to the tipster on the follow-up page when they next check.";
    const form = h(
      "form",
      { class: "tip-reply", "aria-label": "Reply to the tipster" },
      h("div", { class: "field" }, h("label", { for: text.id, text: "Reply to the tipster" }), text, h("p", { class: "hint", text: how })),
      send,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      busy(send, async () => {
        try {
          await apiFetch(`/api/tips/${encodeURIComponent(code)}/replies`, { method: "POST", json: { text: text.value } });
          text.value = "";
          box.ok("Reply sent.");
          await load(false);
        } catch (err) {
          box.error(err);
        }
      });
    });
    replace(replyHolder, form);
  }

  function renderTriage() {
    const status = select("tip-status", "Status", options.statuses, STATUS_LABELS, tip.status, false);
    const priority = select("tip-priority", "Priority", options.priorities, PRIORITY_LABELS, tip.priority, false);
    const category = select("tip-category", "Category", options.categories, {}, tip.category, true);
    const disposition = select("tip-disposition", "Disposition", options.dispositions, DISPOSITION_LABELS, tip.disposition, true);
    const assignee = textInput("tip-assignee", "Assigned to", tip.assignee, { maxlength: "128", autocapitalize: "none" });
    const mine = h("button", { type: "button", class: "btn btn-quiet", id: "tip-assign-me", text: "Assign to me" });
    const caseNumber = textInput("tip-case", "Case number", tip.case_number, { maxlength: "64", pattern: "[A-Za-z0-9][A-Za-z0-9\\-_/.]*" });
    const note = h("textarea", { id: "tip-note", name: "note", rows: "2", maxlength: "4000" });
    const save = h("button", { type: "submit", class: "btn btn-primary", id: "tip-save", text: "Save changes" });
    const form = h(
      "form",
      { class: "card", id: "tip-triage", "aria-labelledby": "tip-triage-title" },
      h("h2", { id: "tip-triage-title", text: "Triage" }),
      h(
        "div",
        { class: "filter-grid" },
        status.wrap,
        priority.wrap,
        category.wrap,
        disposition.wrap,
        h("div", { class: "tip-assign" }, assignee.wrap, mine),
        caseNumber.wrap,
      ),
      h("div", { class: "field tip-note-field" }, h("label", { for: note.id, text: "Add an internal note (never shown to the tipster)" }), note),
      h("div", { class: "filter-actions" }, save),
    );
    form.addEventListener("input", () => {
      dirty = true;
    });
    form.addEventListener("change", () => {
      dirty = true;
    });
    mine.addEventListener("click", () => {
      assignee.input.value = ctx.me.username;
      if (status.input.value === "new" || status.input.value === "triaged") status.input.value = "assigned";
      dirty = true;
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const changes = {};
      const pick = (name, value, current) => {
        const next = value === "" ? null : value;
        if (next !== (current ?? null)) changes[name] = next;
      };
      pick("status", status.input.value, tip.status);
      pick("priority", priority.input.value, tip.priority);
      pick("category", category.input.value, tip.category);
      pick("disposition", disposition.input.value, tip.disposition);
      pick("assignee", assignee.input.value.trim(), tip.assignee);
      pick("case_number", caseNumber.input.value.trim(), tip.case_number);
      if (note.value.trim()) changes.note = note.value.trim();
      if (!Object.keys(changes).length) {
        box.info("Nothing changed.");
        return;
      }
      busy(save, async () => {
        try {
          const updated = await apiFetch(`/api/tips/${encodeURIComponent(code)}`, { method: "PATCH", json: { ...changes, version: tip.version } });
          dirty = false;
          show(updated);
          box.ok("Saved.");
          onSaved(updated);
        } catch (err) {
          box.error(err);
        }
      });
    });
    replace(triageHolder, form);
  }

  function renderNotes() {
    if (!tip.notes.length) {
      replace(notesHolder);
      return;
    }
    replace(
      notesHolder,
      h(
        "section",
        { class: "card", "aria-labelledby": "tip-notes-title" },
        h("h2", { id: "tip-notes-title", text: "Internal notes" }),
        h(
          "ul",
          { class: "tip-notes" },
          tip.notes.map((n) => h("li", {}, h("p", { class: "tip-msg-meta" }, h("strong", { text: n.author }), " · ", localTime(n.at)), h("p", { class: "tip-msg-body", text: n.text }))),
        ),
      ),
    );
  }

  function renderBlock() {
    if (tip.channel !== "sms") {
      replace(blockHolder);
      return;
    }
    if (!isSupervisor) {
      // The API tells officers nothing about blocks: a block seen on every tip of one
      // number would show which tips share a sender.
      replace(blockHolder, h("p", { class: "hint", text: "A supervisor can block this sender if the texts are abuse." }));
      return;
    }
    const button = h("button", {
      type: "button",
      class: "btn btn-secondary",
      id: "tip-block",
      text: tip.blocked ? "Unblock this sender" : "Block this sender",
    });
    button.addEventListener("click", () => {
      const blocking = !tip.blocked;
      if (blocking && !window.confirm("Block this sender? Their texts to the tip line will no longer be taken. The block shows on this tip only.")) return;
      busy(button, async () => {
        try {
          await apiFetch(`/api/tips/${encodeURIComponent(code)}/block`, { method: blocking ? "POST" : "DELETE" });
          box.ok(blocking ? "Sender blocked." : "Sender unblocked.");
          await load(false);
        } catch (err) {
          box.error(err);
        }
      });
    });
    // Each tip's block is its own: unblocking here lifts only a block made from this tip,
    // so neither button tells whether the sender is blocked from another tip.
    const hint = tip.blocked ? h("p", { class: "hint", text: "Unblocking lifts the block made from this tip; a block made from another tip stays." }) : null;
    replace(blockHolder, h("section", { class: "card", "aria-label": "Abuse" }, button, hint));
  }

  function show(detail) {
    tip = detail;
    renderHeader();
    renderThread();
    renderReply();
    if (!dirty) renderTriage();
    renderNotes();
    renderBlock();
  }

  async function load(focus) {
    try {
      const detail = await apiFetch(`/api/tips/${encodeURIComponent(code)}`);
      if (disposed) return;
      show(detail);
      onSaved({ ...detail, unread: false }); // opening it marked it read
      if (focus) header.querySelector("h2")?.focus();
    } catch (err) {
      if (disposed) return;
      if (!tip) replace(header, h("p", { class: "muted", text: `Tip ${code} could not be opened.` }));
      box.error(err);
    }
  }

  load(true);

  return {
    /** The feed says this tip changed: fetch it again when the thread grew. */
    activity(summary) {
      if (!tip) return;
      const inbound = tip.messages.filter((m) => m.direction === "in").length;
      // media_settled grows when the media consumer stores or rejects an item, which the
      // feed reports too: that is how a preview appears once its file has been checked.
      const settled = tip.media.filter((m) => m.state === "stored" || m.state === "rejected").length;
      if (
        summary.message_count !== inbound ||
        summary.media_count !== tip.media.length ||
        summary.media_settled !== settled ||
        summary.last_activity_at !== tip.last_activity_at
      ) {
        load(false);
      }
    },
    dispose() {
      disposed = true;
      media.dispose();
    },
  };
}
