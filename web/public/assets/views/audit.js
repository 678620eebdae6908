// Audit log (auditors and administrators): filter and page through the hash-chained log,
// and recompute the chain. Reading the log is itself audited by the API.

import { apiFetch } from "../api.js";
import { busy, field, h, localInputToUtc, localTime, messageBox, replace } from "../dom.js";
import { registerView } from "../views.js";

const PAGE_SIZES = [25, 50, 100, 200];

function filtersForm(onApply) {
  const actor = field("audit-actor", "Actor", { type: "text", autocomplete: "off", maxlength: 128, autocapitalize: "none" });
  const action = field("audit-action", "Action", { type: "text", autocomplete: "off", maxlength: 128, autocapitalize: "none" }, "e.g. audit.read");
  const target = field(
    "audit-target",
    "Target",
    { type: "text", autocomplete: "off", maxlength: 256, autocapitalize: "none" },
    "Exact, or a prefix ending in *",
  );
  const since = field("audit-since", "From (local time)", { type: "datetime-local", step: 1 });
  const until = field("audit-until", "Before (local time)", { type: "datetime-local", step: 1 });
  const limit = field("audit-limit", "Per page", { tag: "select" });
  for (const size of PAGE_SIZES) limit.input.append(h("option", { value: size, selected: size === 50, text: size }));
  const newest = h("input", { type: "checkbox", id: "audit-newest", name: "audit-newest", checked: true });

  // A disclosure, so on a phone the entries are not pushed below a screenful of fields;
  // open from the start on wide screens.
  const summaryText = h("span", { class: "filter-summary" });
  const form = h(
    "form",
    { "aria-label": "Filter audit entries" },
    h("div", { class: "filter-grid" }, actor.wrap, action.wrap, target.wrap, since.wrap, until.wrap, limit.wrap),
    h(
      "div",
      { class: "filter-actions" },
      h("label", { class: "check", for: "audit-newest" }, newest, "Newest first"),
      h("button", { class: "btn btn-primary", type: "submit", text: "Apply filters" }),
      h("button", { class: "btn btn-secondary", type: "reset", text: "Clear" }),
    ),
  );
  const panel = h(
    "details",
    { class: "filters", open: window.matchMedia("(min-width: 900px)").matches },
    h("summary", {}, "Filters", summaryText),
    form,
  );
  const read = () => ({
    actor: actor.input.value.trim(),
    action: action.input.value.trim(),
    target: target.input.value.trim(),
    since: localInputToUtc(since.input.value),
    until: localInputToUtc(until.input.value),
    limit: Number(limit.input.value),
    newest_first: newest.checked,
  });
  const describe = (q) => {
    const active = ["actor", "action", "target", "since", "until"].filter((k) => q[k]).length;
    summaryText.textContent = active ? `(${active} active)` : "(none)";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = read();
    describe(q);
    onApply(q, form.querySelector("button[type=submit]"));
  });
  // After the browser has reset the fields, show the unfiltered log again.
  form.addEventListener("reset", () =>
    setTimeout(() => {
      const q = read();
      describe(q);
      onApply(q, null);
    }, 0),
  );
  describe(read());
  return { form: panel, read };
}

function detailsOf(entry) {
  const rows = [
    ["Request id", entry.request_id || "—"],
    ["Detail", Object.keys(entry.detail || {}).length ? JSON.stringify(entry.detail, null, 2) : "—"],
    ["Previous hash", entry.prev_hash],
    ["Entry hash", entry.entry_hash],
  ];
  return h("dl", { class: "facts mono" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", {}, h("pre", { text: v }))]));
}

const COLUMNS = ["#", "Time", "Actor", "Role", "Action", "Target", "Purpose / case", "Details"];

/**
 * One entry as two rows: the summary, and a full-width row with request id, detail and
 * hashes that its "More" button shows (so the hashes never squeeze the table's columns).
 */
function entryRows(entry) {
  const purpose = [entry.purpose, entry.case_number && `case ${entry.case_number}`].filter(Boolean).join(" · ");
  // data-label names each cell in the narrow (card) layout, where the header row is hidden.
  const cell = (i, ...content) => h("td", { "data-label": COLUMNS[i] }, ...content);
  const detailId = `audit-entry-${entry.seq}-detail`;
  const more = h("button", {
    class: "btn-link",
    type: "button",
    "aria-expanded": "false",
    "aria-controls": detailId,
    "aria-label": `More about entry ${entry.seq}`,
    text: "More",
  });
  const summary = h(
    "tr",
    { class: "entry", dataset: { seq: entry.seq } },
    cell(0, String(entry.seq)),
    cell(1, localTime(entry.at)),
    cell(2, entry.actor),
    cell(3, entry.role),
    cell(4, h("code", { text: entry.action })),
    cell(5, h("span", { class: "wrap", text: entry.target })),
    cell(6, purpose || "—"),
    h("td", { class: "entry-toggle" }, more),
  );
  const detail = h(
    "tr",
    { class: "entry-detail", id: detailId, hidden: true },
    h("td", { colspan: COLUMNS.length }, detailsOf(entry)),
  );
  more.addEventListener("click", () => {
    const open = detail.hidden;
    detail.hidden = !open;
    summary.classList.toggle("expanded", open);
    more.setAttribute("aria-expanded", String(open));
    more.textContent = open ? "Less" : "More";
  });
  return [summary, detail];
}

registerView({
  id: "audit",
  title: "Audit log",
  description: "Who read or changed what, when and why; verify the hash chain.",
  roles: ["auditor", "admin"],
  order: 900,
  render(container) {
    let query = null;
    let nextAfter = null;

    const verifyResult = messageBox();
    const verifyButton = h("button", { class: "btn btn-secondary", type: "button", id: "audit-verify", text: "Verify chain" });
    verifyButton.addEventListener("click", () =>
      busy(verifyButton, async () => {
        verifyResult.info("Recomputing the chain…");
        try {
          const result = await apiFetch("/api/audit/verify");
          if (result.ok) {
            verifyResult.ok(
              `Chain OK: ${result.checked} entries checked, none altered, inserted or removed. ` +
                `Head ${result.head_seq}:${result.head_hash} — record it outside rtcc; ` +
                "`rtcc audit verify --expect` later proves the log was not cut short.",
            );
          } else {
            verifyResult.error(
              `Chain BROKEN at entry #${result.first_broken_seq}: ${result.reason || "hash mismatch"} ` +
                `(${result.checked} entries checked). Report this to the system owner.`,
            );
          }
        } catch (err) {
          verifyResult.error(err);
        }
      }),
    );

    const listMessage = messageBox();
    const tbody = h("tbody");
    const table = h(
      "table",
      { class: "entries", id: "audit-entries" },
      h("caption", { class: "visually-hidden", text: "Audit entries" }),
      h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", text: c })))),
      tbody,
    );
    const status = h("p", { class: "muted", role: "status", "aria-live": "polite", id: "audit-status" });
    const moreButton = h("button", { class: "btn btn-secondary btn-block", type: "button", text: "Load more", hidden: true });

    // Only the latest request may fill the table: "Apply" while "Load more" is still
    // loading must not mix the two answers.
    let latest = 0;

    async function load(append, button) {
      const params = { ...query, after_seq: append ? nextAfter : undefined };
      const mine = ++latest;
      listMessage.clear();
      container.setAttribute("aria-busy", "true");
      const work = (async () => {
        try {
          const page = await apiFetch("/api/audit", { query: params });
          if (mine !== latest) return;
          if (!append) replace(tbody);
          tbody.append(...page.entries.flatMap(entryRows));
          nextAfter = page.next_after_seq;
          moreButton.hidden = nextAfter === null || nextAfter === undefined;
          const shown = tbody.querySelectorAll("tr.entry").length;
          table.hidden = shown === 0;
          status.textContent = shown
            ? `${shown} ${shown === 1 ? "entry" : "entries"} shown${moreButton.hidden ? "" : "; more available"}.`
            : "No entries match these filters.";
        } catch (err) {
          if (mine === latest) listMessage.error(err);
        } finally {
          if (mine === latest) container.removeAttribute("aria-busy");
        }
      })();
      return button ? busy(button, () => work) : work;
    }

    const filters = filtersForm((q, button) => {
      query = q;
      return load(false, button);
    });
    moreButton.addEventListener("click", () => load(true, moreButton));

    container.append(
      h(
        "section",
        { class: "card", "aria-labelledby": "audit-verify-title" },
        h("h2", { id: "audit-verify-title", text: "Chain integrity" }),
        h("p", {
          class: "muted",
          text: "Recomputes every entry's hash link and names the first entry that was altered, inserted or removed.",
        }),
        verifyButton,
        verifyResult.el,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "audit-entries-title" },
        h("h2", { id: "audit-entries-title", text: "Entries" }),
        filters.form,
        listMessage.el,
        status,
        h("div", { class: "table-wrap" }, table),
        moreButton,
      ),
    );
    query = filters.read();
    load(false, null);
  },
});
