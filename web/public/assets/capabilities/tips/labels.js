// Words the tips inbox shows for API values, and small badges.

import { h } from "../../dom.js";

export const STATUS_LABELS = { new: "New", triaged: "Triaged", assigned: "Assigned", closed: "Closed" };
export const PRIORITY_LABELS = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const DISPOSITION_LABELS = {
  actionable: "Actionable",
  information_only: "Information only",
  duplicate: "Duplicate",
  unfounded: "Unfounded",
  prank_spam: "Prank / spam",
};

/** "missing_person" -> "Missing person" */
export function humanize(value) {
  if (!value) return "—";
  const text = String(value).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const label = (map, value) => map[value] || humanize(value);

export function statusBadge(status) {
  return h("span", { class: `tip-badge status-${status}`, text: label(STATUS_LABELS, status) });
}

export function priorityBadge(priority) {
  return h("span", { class: `tip-badge priority-${priority}`, text: label(PRIORITY_LABELS, priority) });
}

export function channelLabel(channel) {
  return channel === "sms" ? "Text message" : "Web";
}
