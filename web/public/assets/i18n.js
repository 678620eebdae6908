// Message catalogs for the public pages (/tip, /tip/follow-up, /signup): every text a
// resident or tipster reads comes from i18n/<lang>.json, so a city adds a language by
// adding a catalog file (and regenerating i18n/index.json: node web/scripts/i18n-index.mjs),
// with no code change.
//
// The language is, in order: ?lang= in the address (links we send in a text), the choice
// made with the switch in this tab, the browser's languages, English. The choice is kept in
// sessionStorage, not localStorage: it follows the tipster from /tip to /tip/follow-up and
// across reloads, and is gone when the tab closes, so the phone keeps no lasting trace
// that this site was used.
//
// Text reaches the page through textContent only. Elements carry their key
// (data-i18n="tip.send", data-i18n-attr="aria-label:files.list", data-i18n-values='{"n":2}'),
// so switching language re-translates what is on screen, including what scripts built,
// without a reload (a reload would lose a tip's code and passphrase, which live only in
// the page's memory).

const STORAGE_KEY = "rtcc.language";
const FALLBACK = "en";

const state = { lang: FALLBACK, messages: {}, fallback: {}, languages: [] };
const listeners = new Set();

function siteRoot() {
  return new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);
}

async function fetchJson(path) {
  const response = await fetch(new URL(path, siteRoot()), {
    headers: { Accept: "application/json" },
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

/**
 * The best of `available` (codes such as "en", "es") for the wanted languages in order
 * ("es-MX" matches "es"), else English, else the first one.
 */
export function pickLanguage(available, wanted) {
  for (const tag of wanted) {
    if (typeof tag !== "string" || !tag) continue;
    const lower = tag.toLowerCase();
    const exact = available.find((code) => code.toLowerCase() === lower);
    if (exact) return exact;
    const base = available.find((code) => code.toLowerCase() === lower.split("-")[0]);
    if (base) return base;
  }
  return available.includes(FALLBACK) ? FALLBACK : available[0] || FALLBACK;
}

/** "{count} files" with {count: 2} -> "2 files"; an unknown placeholder stays as written. */
export function format(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The current language's text for `key`, else English's, else the key itself. */
export function t(key, values) {
  const template = state.messages[key] ?? state.fallback[key] ?? key;
  return format(template, values);
}

/** The current language code ("en", "es", ...). */
export function language() {
  return state.lang;
}

/** The catalogs' languages, [{code, name}] with each name in its own language. */
export function languages() {
  return state.languages.slice();
}

/** Whether the catalogs (this language's or English) have `key`. */
export function hasText(key) {
  return key in state.messages || key in state.fallback;
}

/** Attributes for h(): the text of `key` and the key itself, so a switch re-translates it. */
export function tx(key, values) {
  return {
    text: t(key, values),
    "data-i18n": key,
    "data-i18n-values": values ? JSON.stringify(values) : null,
  };
}

/**
 * Attributes for h() whose values are translated: txAttrs({"aria-label": "files.list"}).
 * `values` fill placeholders in all of them.
 */
export function txAttrs(keys, values) {
  const attrs = { "data-i18n-attr": Object.entries(keys).map(([name, key]) => `${name}:${key}`).join(";") };
  for (const [name, key] of Object.entries(keys)) attrs[name] = t(key, values);
  if (values) attrs["data-i18n-values"] = JSON.stringify(values);
  return attrs;
}

/** Sets `el`'s text to `key` (kept on the element for a later switch); returns `el`. */
export function setText(el, key, values) {
  el.dataset.i18n = key;
  if (values) el.dataset.i18nValues = JSON.stringify(values);
  else delete el.dataset.i18nValues;
  el.textContent = t(key, values);
  return el;
}

/** Text that is not ours to translate (an API's message): drops any key `el` carried. */
export function setPlainText(el, text) {
  delete el.dataset.i18n;
  delete el.dataset.i18nValues;
  el.textContent = text;
  return el;
}

/**
 * Shows catalog text `key` in a dom.js messageBox, keyed so a switch re-translates it.
 * Every message a page shows goes through this or showError, so a box never keeps the key
 * of an earlier message.
 */
export function showMessage(box, kind, key, values) {
  box[kind](t(key, values));
  setText(box.el, key, values);
}

/** Shows an error whose text is final (an API's or an upload's message) in a messageBox. */
export function showError(box, err) {
  box.error(err);
  setPlainText(box.el, box.el.textContent);
}

function valuesOf(el) {
  try {
    return el.dataset.i18nValues ? JSON.parse(el.dataset.i18nValues) : undefined;
  } catch {
    return undefined;
  }
}

/** Translates every keyed element under `root` (the whole document by default). */
export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n, valuesOf(el));
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [name, key] = pair.split(":");
      if (name && key) el.setAttribute(name.trim(), t(key.trim(), valuesOf(el)));
    }
  }
  document.documentElement.lang = state.lang;
  document.documentElement.dir = state.messages["lang.dir"] === "rtl" ? "rtl" : "ltr";
}

/** Calls `fn(lang)` after every language switch (for text a page computes itself). */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function savedChoice() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

function saveChoice(lang) {
  try {
    sessionStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage blocked: the choice lasts until the page is left
  }
}

async function load(lang) {
  const messages = lang === FALLBACK ? state.fallback : await fetchJson(`i18n/${lang}.json`);
  state.lang = lang;
  state.messages = messages;
}

/** Switches to `lang`, remembers the choice for this tab, and re-translates the page. */
export async function setLanguage(lang) {
  if (!state.languages.some((l) => l.code === lang)) return;
  await load(lang);
  saveChoice(lang);
  apply();
  for (const fn of listeners) fn(lang);
}

/**
 * Loads the list of languages and the catalogs, picks the language and translates the
 * static page. English is always loaded too, as the fallback for a key a catalog lacks.
 */
export async function initI18n() {
  const [index, english] = await Promise.all([fetchJson("i18n/index.json"), fetchJson(`i18n/${FALLBACK}.json`)]);
  state.languages = Array.isArray(index.languages) ? index.languages : [];
  state.fallback = english;
  const codes = state.languages.map((l) => l.code);
  const requested = new URLSearchParams(location.search).get("lang");
  await load(pickLanguage(codes, [requested, savedChoice(), ...(navigator.languages || [navigator.language])]));
  apply();
  return state.lang;
}

/**
 * The language switch: a labelled <select> whose options name each language in itself
 * (with its own lang attribute, so screen readers pronounce it right). Keyboard-usable as
 * any native select; changing it re-translates the page at once.
 */
export function languageSwitch(id = "language-switch") {
  const wrap = document.createElement("div");
  wrap.className = "lang-switch";
  const label = document.createElement("label");
  label.htmlFor = id;
  setText(label, "lang.label");
  const select = document.createElement("select");
  select.id = id;
  select.name = "language";
  for (const { code, name } of state.languages) {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = name;
    option.selected = code === state.lang;
    select.append(option);
  }
  select.addEventListener("change", () => {
    select.disabled = true;
    setLanguage(select.value)
      .catch(() => {
        select.value = state.lang; // the catalog did not load: stay in the language shown
      })
      .finally(() => {
        select.disabled = false;
        select.focus();
      });
  });
  wrap.append(label, select);
  return wrap;
}
