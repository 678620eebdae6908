// Address search on /signup (shown only when the city configured a place index): a combobox
// (WAI-ARIA 1.2 pattern: an input with a listbox popup) over /api/public/alerts/places.
// Typing asks for a few addresses inside the city; picking one (click, tap, or arrows and
// Enter) hands its zones to `onPick`, which checks them as a pin there would. The query
// goes to our own API only (connect-src 'self'); the API asks Amazon Location for it.

import { h } from "../dom.js";
import { setText, tx } from "../i18n.js";
import { alertsApi } from "./alerts-api.js";

const MIN_QUERY = 3; // rtcc.alerts.places.MIN_QUERY: shorter queries are not searched
const DEBOUNCE_MS = 300; // one request per pause in typing, not per key

function optionId(prefix, i) {
  return `${prefix}-place-${i}`;
}

export function addressSearch({ prefix, language, onPick }) {
  const listId = `${prefix}-places`;
  const input = h("input", {
    id: `${prefix}-address`,
    type: "text",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "100",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    "aria-describedby": `${prefix}-address-hint`,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "place-list", hidden: true, "aria-labelledby": `${prefix}-address-label` });
  // Results and picks are announced politely: the list itself is not read out on each key.
  const status = h("p", { class: "hint", id: `${prefix}-address-status`, role: "status" });
  let results = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", optionId(prefix, i));
      list.children[i].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function pick(i) {
    const place = results[i];
    if (!place) return;
    input.value = place.label;
    close();
    const names = onPick(place.zones);
    if (names.length) setText(status, "signup.search.picked", { label: place.label, zones: names.join(", ") });
    else setText(status, "signup.search.outside");
  }

  function show(found) {
    results = found;
    list.replaceChildren(
      ...found.map((place, i) =>
        h("li", {
          id: optionId(prefix, i),
          role: "option",
          class: "place-option",
          "aria-selected": "false",
          text: place.label,
          // mousedown, not click: the input would blur (and close the list) first.
          onmousedown: (event) => {
            event.preventDefault();
            pick(i);
          },
        }),
      ),
    );
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(found.length > 0));
    highlight(-1);
    if (found.length) setText(status, "signup.search.results", { count: found.length });
    else setText(status, "signup.search.none");
  }

  async function search(query) {
    const mine = ++asked;
    let answer;
    try {
      answer = await alertsApi("GET", `places?q=${encodeURIComponent(query)}&lang=${encodeURIComponent(language())}`);
    } catch {
      if (mine === asked) {
        close();
        setText(status, "signup.search.unavailable");
      }
      return;
    }
    if (mine === asked && input.value.trim() === query) show(answer.results || []);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < MIN_QUERY) {
      asked++; // an answer still on its way is for an older query
      close();
      status.textContent = "";
      return;
    }
    timer = setTimeout(() => search(query), DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && results.length > 0;
    if (event.key === "ArrowDown" && open) highlight((active + 1) % results.length);
    else if (event.key === "ArrowUp" && open) highlight(active <= 0 ? results.length - 1 : active - 1);
    else if (event.key === "Enter" && open && active >= 0) pick(active);
    else if (event.key === "Escape" && open) close();
    else return;
    event.preventDefault(); // Enter picks, never submits the form; arrows do not move the caret
  });
  input.addEventListener("blur", close);

  const wrap = h(
    "div",
    { class: "field address-search" },
    h("label", { for: input.id, id: `${prefix}-address-label`, ...tx("signup.search.label") }),
    h("p", { class: "hint", id: `${prefix}-address-hint`, ...tx("signup.search.hint") }),
    h("div", { class: "combobox" }, input, list),
    status,
  );
  return { wrap };
}
