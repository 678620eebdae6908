// Small DOM helpers shared by the console and capability views. Text goes in through
// textContent only, never innerHTML, so data from the API cannot become markup.

/**
 * h("button", {class: "btn", onclick: fn}, "Save") -> <button class="btn">Save</button>
 * Attributes: `class`, `text`, `on<event>` (listener), booleans (true sets, false omits),
 * `dataset` (object); anything else is setAttribute. Children: nodes, strings, arrays,
 * null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces everything inside `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/**
 * A UTC ISO 8601 timestamp from the API as a <time> element in the browser's local time,
 * the exact UTC value kept in `datetime` and the tooltip.
 */
export function localTime(iso) {
  const when = new Date(iso);
  if (!iso || Number.isNaN(when.getTime())) return h("span", { text: iso || "—" });
  return h("time", { datetime: iso, title: `${iso} (UTC)`, text: dateTime.format(when) });
}

/** A value from <input type="datetime-local"> (local time) as UTC ISO 8601, or "" if empty. */
export function localInputToUtc(value) {
  if (!value) return "";
  const when = new Date(value);
  return Number.isNaN(when.getTime()) ? "" : when.toISOString();
}

/**
 * A message area for errors and results. Errors use role="alert" (read out at once);
 * other messages are polite status updates.
 */
export function messageBox() {
  const el = h("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  const show = (kind, text) => {
    el.className = `message message-${kind}`;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.setAttribute("aria-live", kind === "error" ? "assertive" : "polite");
    el.textContent = text;
    el.hidden = false;
  };
  return {
    el,
    error: (errOrText) => show("error", errorText(errOrText)),
    ok: (text) => show("ok", text),
    info: (text) => show("info", text),
    clear: () => {
      el.hidden = true;
      el.textContent = "";
    },
  };
}

/** What to show a person for an error: the API's or Cognito's message, else a plain sentence. */
export function errorText(err) {
  if (typeof err === "string") return err;
  if (err && err.message) return err.message;
  return "Something went wrong. Try again.";
}

/** Disables a button and marks it busy while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** A labelled form field; returns {wrap, input}. `hint` becomes aria-describedby text. */
export function field(id, label, inputAttrs = {}, hint = "") {
  const input = h(inputAttrs.tag || "input", {
    id,
    name: id,
    ...Object.fromEntries(Object.entries(inputAttrs).filter(([k]) => k !== "tag")),
    "aria-describedby": hint ? `${id}-hint` : null,
  });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id, text: label }),
    input,
    hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
  );
  return { wrap, input };
}
