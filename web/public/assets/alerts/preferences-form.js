// What a resident chooses on /signup and /alerts/manage: areas (from the list, a ZIP code or
// a pin on the tip page's grid map, any mix), which alerts, categories and the language of
// the texts. The map shows the zones' outlines on the same plain grid as /tip: no picture is
// fetched from anywhere unless the city configured a tile server (config.json mapTiles).

import { h } from "../dom.js";
import { hasText, language, languages, tx } from "../i18n.js";
import { locationPicker } from "../tip/location-picker.js";

const KINDS = ["neighborhood", "ward", "precinct", "zip"];
// Emergency reaches every subscriber of an area; a resident chooses the others.
const TIERS = ["emergency", "advisory", "community"];

function check(id, name, value, labelAttrs, { checked = false, disabled = false, describedBy = null } = {}) {
  const input = h("input", { type: "checkbox", id, name, value, checked, disabled, "aria-describedby": describedBy });
  return { input, wrap: h("label", { class: "check", for: id }, input, h("span", labelAttrs)) };
}

function kindKey(kind) {
  return hasText(`signup.kind.${kind}`) ? `signup.kind.${kind}` : "signup.kind.other";
}

function zoneList(zones) {
  const boxes = [];
  const kinds = [...new Set(zones.map((z) => z.kind))].sort((a, b) => {
    const ia = KINDS.indexOf(a) < 0 ? KINDS.length : KINDS.indexOf(a);
    const ib = KINDS.indexOf(b) < 0 ? KINDS.length : KINDS.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
  const groups = kinds.map((kind) =>
    h(
      "fieldset",
      { class: "choice-group" },
      h("legend", tx(kindKey(kind))),
      zones
        .filter((z) => z.kind === kind)
        .map((zone) => {
          // Zone names are the city's own words: shown as they are in every language.
          const box = check(`zone-${zone.id.replace(/[^A-Za-z0-9_-]/g, "-")}`, "zones", zone.id, { text: zone.name });
          boxes.push(box.input);
          return box.wrap;
        }),
    ),
  );
  return { groups, boxes };
}

function outlines(zones) {
  return (map, L) => {
    const shaped = zones.filter((z) => z.outline);
    if (!shaped.length) return;
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: shaped.map((z) => ({ type: "Feature", geometry: z.outline, properties: {} })) },
      { interactive: false, style: { weight: 2, fill: false, color: "#1d4ed8" } },
    ).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  };
}

function tierChoice() {
  const boxes = TIERS.map((tier) =>
    check(`tier-${tier}`, "tiers", tier, tx(`signup.tier.${tier}`), {
      checked: true,
      disabled: tier === "emergency",
      describedBy: `tier-${tier}-hint`,
    }),
  );
  const rows = boxes.map((box, i) =>
    h("div", { class: "choice" }, box.wrap, h("p", { class: "hint", id: `tier-${TIERS[i]}-hint`, ...tx(`signup.tier.${TIERS[i]}.hint`) })),
  );
  return { el: h("fieldset", { class: "card choice-group" }, h("legend", tx("signup.tiers")), rows), boxes };
}

function categoryChoice(categories) {
  const boxes = categories.map((name) => {
    const key = `signup.category.${name}`;
    return check(`category-${name}`, "categories", name, hasText(key) ? tx(key) : { text: name });
  });
  const el = h(
    "fieldset",
    { class: "card choice-group", hidden: !categories.length },
    h("legend", tx("signup.categories")),
    h("p", { class: "hint", ...tx("signup.categories.hint") }),
    boxes.map((b) => b.wrap),
  );
  return { el, boxes };
}

function languageChoice(prefix) {
  const id = `${prefix}-text-language`;
  const select = h(
    "select",
    { id, name: "text-language", "aria-describedby": `${id}-hint` },
    languages().map(({ code, name }) => h("option", { value: code, lang: code, text: name, selected: code === language() })),
  );
  const el = h(
    "div",
    { class: "field" },
    h("label", { for: id, ...tx("signup.textLanguage") }),
    h("p", { class: "hint", id: `${id}-hint`, ...tx("signup.textLanguage.hint") }),
    select,
  );
  return { el, select };
}

/** The form's parts and its values as the API takes them ({zones, zip, lat, lon, ...}). */
/** `search` (optional): a part shown first under "Where" (the address search on /signup). */
export function preferencesForm(options, prefix, { search = null } = {}) {
  const list = zoneList(options.zones);
  const zip = h("input", {
    id: `${prefix}-zip`,
    name: "zip",
    inputmode: "numeric",
    autocomplete: "postal-code",
    maxlength: "5",
    "aria-describedby": `${prefix}-zip-hint`,
  });
  const pin = locationPicker({
    prefix,
    keys: { label: "signup.pin.label", tapHint: "signup.pin.tapHint", region: "signup.pin.region", pinTitle: "signup.pin.title", open: "signup.pin.open", failed: "signup.pin.failed", tilesFailed: "signup.pin.tilesFailed", locationUnavailable: "signup.pin.unavailable" },
    onMap: outlines(options.zones),
  });
  const where = h(
    "fieldset",
    { class: "card choice-group", id: `${prefix}-where` },
    h("legend", tx("signup.where")),
    h("p", { class: "hint", ...tx("signup.where.hint") }),
    search,
    list.groups,
    h("div", { class: "field" }, h("label", { for: `${prefix}-zip`, ...tx("signup.zip") }), h("p", { class: "hint", id: `${prefix}-zip-hint`, ...tx("signup.zip.hint") }), zip),
    pin.wrap,
  );
  const tiers = tierChoice();
  const categories = categoryChoice(options.categories || []);
  const lang = languageChoice(prefix);

  function values() {
    const point = pin.value();
    return {
      zones: list.boxes.filter((b) => b.checked).map((b) => b.value),
      zip: zip.value.trim() || null,
      lat: point ? point.latitude : null,
      lon: point ? point.longitude : null,
      categories: categories.boxes.filter((b) => b.input.checked).map((b) => b.input.value),
      tiers: tiers.boxes.filter((b) => b.input.checked).map((b) => b.input.value),
      language: lang.select.value,
    };
  }

  function setValues(prefs) {
    for (const box of list.boxes) box.checked = prefs.zones.includes(box.value);
    for (const { input } of categories.boxes) input.checked = prefs.categories.includes(input.value);
    for (const { input } of tiers.boxes) input.checked = input.disabled || prefs.tiers.includes(input.value);
    if ([...lang.select.options].some((o) => o.value === prefs.language)) lang.select.value = prefs.language;
  }

  // Checks the zones a picked address is in (as a pin there would select); returns their names.
  function selectZones(ids) {
    const picked = list.boxes.filter((b) => ids.includes(b.value));
    for (const box of picked) box.checked = true;
    return picked.map((b) => options.zones.find((z) => z.id === b.value).name);
  }

  // Where the page sends the reader for a refused field.
  function focusField(name) {
    const target = { zip: zip, zones: list.boxes[0], location: list.boxes[0] }[name];
    if (target) target.focus();
  }

  return { parts: [where, tiers.el, categories.el, lang.el], values, setValues, focusField, selectZones };
}
