// Shared bits of the plate-read views: the section tabs, labels, and small formatters.

import { h } from "../../dom.js";

// Officer-facing words for rtcc.lpr.model.RejectReason (the values the verdict route takes).
export const REJECT_REASONS = [
  ["misread", "Misread (the camera read the plate wrong)"],
  ["state-mismatch", "State does not match"],
  ["vehicle-does-not-match", "Vehicle does not match"],
  ["entry-no-longer-valid", "Hotlist entry no longer valid"],
];

const SECTIONS = [
  ["", "Hits", "officer"],
  ["hotlists", "Hotlists", "officer"],
  ["search", "Search", "officer"],
  ["rates", "Rates", "supervisor"],
  ["sources", "Sources", "admin"],
];

/** The tabs between the plate-read pages, the current one marked for screen readers. */
export function sectionNav(me, current) {
  const items = SECTIONS.filter(([, , role]) => me.roles.includes(role)).map(([path, label]) => {
    const link = h("a", { href: path ? `#/lpr/${path}` : "#/lpr", class: "lpr-tab", text: label, dataset: { section: path || "hits" } });
    if (path === current) link.setAttribute("aria-current", "page");
    return h("li", {}, link);
  });
  return h("nav", { class: "lpr-tabs", "aria-label": "Plate read pages" }, h("ul", {}, items));
}

export function hasRole(me, role) {
  return me.roles.includes(role);
}

/** Today's date in UTC as the hits route keys days (YYYY-MM-DD). */
export function utcDay(date = new Date()) {
  return date.toISOString().slice(0, 10);
}

export function kib(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** A definition list of [term, value] pairs, skipping empty values. */
export function facts(pairs) {
  const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", { text: term }), h("dd", {}, value instanceof Node ? value : String(value))]));
}

/** A labelled <select> of [value, label] options. */
export function selectField(id, label, options, attrs = {}) {
  const select = h("select", { id, name: id, ...attrs }, options.map(([value, text]) => h("option", { value, text })));
  return { wrap: h("div", { class: "field" }, h("label", { for: id, text: label }), select), input: select };
}
