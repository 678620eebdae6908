// The tips list: filters, the list itself, and the platform's live feed (channel "tips",
// followed with feed.js) that brings new tips and new activity in without a reload (every
// 3 s while the view is visible). Feed items name tips; their rows come from
// GET /api/tips/summaries.

import { apiFetch } from "../../api.js";
import { h, localInputToUtc, localTime, replace } from "../../dom.js";
import { followFeed } from "../../feed.js";
import { PRIORITY_LABELS, STATUS_LABELS, channelLabel, humanize, label, priorityBadge, statusBadge } from "./labels.js";

export const POLL_MS = 3000;

// Filters survive moving between the list and a tip (each move re-renders the view).
const remembered = { status: "", category: "", priority: "", since: "", until: "", q: "", sinceLocal: "", untilLocal: "" };

function selectField(id, text, values, labels, current) {
  const input = h("select", { id, name: id }, h("option", { value: "", text: "All" }));
  for (const value of values) input.append(h("option", { value, selected: value === current, text: label(labels, value) }));
  return { input, wrap: h("div", { class: "field" }, h("label", { for: id, text }), input) };
}

function filterPanel(options, onApply) {
  const status = selectField("tips-status", "Status", options.statuses, STATUS_LABELS, remembered.status);
  const category = selectField("tips-category", "Category", options.categories, {}, remembered.category);
  const priority = selectField("tips-priority", "Priority", options.priorities, PRIORITY_LABELS, remembered.priority);
  const since = h("input", { id: "tips-since", name: "tips-since", type: "datetime-local", value: remembered.sinceLocal });
  const until = h("input", { id: "tips-until", name: "tips-until", type: "datetime-local", value: remembered.untilLocal });
  const q = h("input", { id: "tips-q", name: "tips-q", type: "search", value: remembered.q, maxlength: "200", autocomplete: "off", placeholder: "Words in the tip" });
  const summary = h("span", { class: "filter-summary" });
  const form = h(
    "form",
    { "aria-label": "Filter tips" },
    h(
      "div",
      { class: "filter-grid" },
      status.wrap,
      priority.wrap,
      category.wrap,
      h("div", { class: "field" }, h("label", { for: q.id, text: "Search" }), q),
      h("div", { class: "field" }, h("label", { for: since.id, text: "Activity from (local time)" }), since),
      h("div", { class: "field" }, h("label", { for: until.id, text: "Activity before (local time)" }), until),
    ),
    h(
      "div",
      { class: "filter-actions" },
      h("button", { class: "btn btn-primary", type: "submit", id: "tips-apply", text: "Apply filters" }),
      h("button", { class: "btn btn-secondary", type: "reset", text: "Clear" }),
    ),
  );
  const describe = () => {
    const active = ["status", "category", "priority", "since", "until", "q"].filter((k) => remembered[k]).length;
    summary.textContent = active ? `(${active} active)` : "(none)";
  };
  const read = () => {
    Object.assign(remembered, {
      status: status.input.value,
      category: category.input.value,
      priority: priority.input.value,
      q: q.value.trim(),
      sinceLocal: since.value,
      untilLocal: until.value,
      since: localInputToUtc(since.value),
      until: localInputToUtc(until.value),
    });
    describe();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    read();
    onApply();
  });
  form.addEventListener("reset", () =>
    setTimeout(() => {
      read();
      onApply();
    }, 0),
  );
  describe();
  const open = ["status", "category", "priority", "since", "until", "q"].some((k) => remembered[k]);
  return h("details", { class: "filters", open }, h("summary", {}, "Filters", summary), form);
}

/** Whether a tip from the feed belongs in the list under the current filters (null: cannot tell). */
function matches(tip) {
  if (remembered.q) return null; // search words are matched by the server only
  if (remembered.status && tip.status !== remembered.status) return false;
  if (remembered.category && tip.category !== remembered.category) return false;
  if (remembered.priority && tip.priority !== remembered.priority) return false;
  if (remembered.since && tip.last_activity_at < remembered.since) return false;
  if (remembered.until && tip.last_activity_at >= remembered.until) return false;
  return true;
}

function tipItem(tip, selected, fresh) {
  const classes = ["tip-item", tip.unread ? "tip-unread" : "", fresh ? "tip-fresh" : "", selected ? "tip-selected" : ""].filter(Boolean).join(" ");
  return h(
    "li",
    { class: classes, dataset: { code: tip.code } },
    h(
      "a",
      { href: `#/tips/${encodeURIComponent(tip.code)}`, "aria-current": selected ? "true" : null },
      h(
        "span",
        { class: "tip-item-top" },
        h("span", { class: "tip-item-code mono", text: tip.code }),
        tip.unread ? h("span", { class: "tip-dot", title: "Unread", "aria-label": "Unread" }) : null,
        h("span", { class: "tip-item-time" }, localTime(tip.last_activity_at)),
      ),
      h(
        "span",
        { class: "tip-item-badges" },
        statusBadge(tip.status),
        priorityBadge(tip.priority),
        tip.category ? h("span", { class: "tip-badge", text: humanize(tip.category) }) : null,
        tip.spam_suspected ? h("span", { class: "tip-badge tip-spam", text: "Spam?" }) : null,
      ),
      h("span", { class: "tip-item-preview", text: tip.preview || (tip.media_count ? "(attachments only)" : "(no text)") }),
      h(
        "span",
        { class: "tip-item-meta" },
        `${tip.alias} · ${channelLabel(tip.channel)} · ${tip.message_count} message${tip.message_count === 1 ? "" : "s"}`,
        tip.media_count ? ` · ${tip.media_count} file${tip.media_count === 1 ? "" : "s"}` : "",
      ),
    ),
  );
}

/**
 * The list pane. callbacks: onActivity(summary) for each tip the feed reports,
 * onUnread(count) for the badge. Returns {el, upsert(summary), dispose()}.
 */
export function inboxList({ options, selected, onActivity, onUnread, onError }) {
  let tips = [];
  let stopFeed = null;
  let disposed = false;
  let generation = 0;
  const fresh = new Set();

  const listEl = h("ul", { class: "tip-list", id: "tip-list", "aria-label": "Tips" });
  const more = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "tips-more", hidden: true, text: "Older tips" });
  const empty = h("p", { class: "muted", id: "tips-empty", hidden: true, text: "No tips match these filters." });
  const live = h("p", { class: "visually-hidden", "aria-live": "polite", id: "tips-announce" });
  let nextBefore = null;

  function render() {
    replace(listEl, tips.map((t) => tipItem(t, t.code === selected, fresh.has(t.code))));
    empty.hidden = tips.length > 0;
    more.hidden = !nextBefore;
    onUnread(tips.filter((t) => t.unread).length);
  }

  function query(extra = {}) {
    return {
      status: remembered.status,
      category: remembered.category,
      priority: remembered.priority,
      since: remembered.since,
      until: remembered.until,
      q: remembered.q,
      limit: 50,
      ...extra,
    };
  }

  async function load() {
    const mine = ++generation;
    const page = await apiFetch("/api/tips", { query: query() });
    if (disposed || mine !== generation) return;
    tips = page.tips;
    nextBefore = page.next_before;
    fresh.clear();
    render();
    // Followed from the cursor that came with the first list; later loads keep following.
    if (!stopFeed) {
      stopFeed = followFeed("tips", heard, {
        everyMs: POLL_MS,
        cursor: page.feed_cursor,
        onReset: load,
        // A missed poll is retried (with back-off); a lasting problem shows.
        onError: (err) => {
          if (err && err.status) onError(err);
        },
      });
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await apiFetch("/api/tips", { query: query({ before: nextBefore }) });
      const known = new Set(tips.map((t) => t.code));
      tips = tips.concat(page.tips.filter((t) => !known.has(t.code)));
      nextBefore = page.next_before;
      render();
    } catch (err) {
      onError(err);
    } finally {
      more.disabled = false;
    }
  });

  function upsert(summary) {
    const fit = matches(summary);
    const at = tips.findIndex((t) => t.code === summary.code);
    if (fit === false) {
      if (at >= 0) tips.splice(at, 1);
    } else if (at >= 0) {
      tips[at] = { ...tips[at], ...summary };
    } else {
      tips.push(summary);
    }
    tips.sort((a, b) => (a.last_activity_at < b.last_activity_at ? 1 : a.last_activity_at > b.last_activity_at ? -1 : 0));
    render();
  }

  /** Feed items name tips with news: fetch their rows and merge them into the list. */
  async function heard(items) {
    const codes = [...new Set(items.map((item) => item.ref))];
    const found = [];
    for (let i = 0; i < codes.length; i += 100) {
      const page = await apiFetch("/api/tips/summaries", { query: { codes: codes.slice(i, i + 100).join(",") } });
      found.push(...page.tips);
    }
    if (disposed || !found.length) return;
    if (found.some((t) => matches(t) === null)) {
      await load();
    } else {
      const known = new Set(tips.map((t) => t.code));
      const arrivals = found.filter((t) => !known.has(t.code) && matches(t));
      for (const t of found) upsert(t);
      for (const t of arrivals) fresh.add(t.code);
      if (arrivals.length) {
        render();
        live.textContent = arrivals.length === 1 ? `New tip ${arrivals[0].code}` : `${arrivals.length} new tips`;
      }
    }
    for (const t of found) onActivity(t);
  }

  const el = h(
    "div",
    { class: "tips-list-inner" },
    filterPanel(options, () => {
      load().catch(onError);
    }),
    live,
    listEl,
    empty,
    more,
  );

  load().catch(onError);

  return {
    el,
    upsert,
    dispose() {
      disposed = true;
      if (stopFeed) stopFeed();
    },
  };
}
