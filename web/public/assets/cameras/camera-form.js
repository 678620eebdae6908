// One camera's fields, shared by /cameras (a new camera, placed on the map) and the owner
// portal (a camera edited in place, or added): name, type, where it is, which way it faces,
// level and sharing policy, each choice explained in plain words. A refusal from the API names
// its field; the form shows it under that field (aria-invalid, described by the message) and
// moves the focus there, and keeps everything the owner typed.

import { h } from "../dom.js";
import { setText, tx } from "../i18n.js";
import { locationPicker } from "../tip/location-picker.js";

export const TYPES = ["doorbell", "fixed", "dome", "ptz", "other"]; // rtcc.cameras.model.CameraType
export const LEVELS = ["register", "integrate"];
export const POLICIES = ["request", "incident", "always"];
// The compass points a resident knows; "exact" opens a degrees field (0 = north, clockwise).
const COMPASS = { n: 0, ne: 45, e: 90, se: 135, s: 180, sw: 225, w: 270, nw: 315 };
const CONE_M = 40; // the drawn view cone's reach: a picture of "which way", not a range

// The API's field names, and where a refusal of each is shown.
const FIELD_OF = { lat: "location", lon: "location", location: "location", boundary: "location", bearing_deg: "facing" };

function errorLine(id) {
  return h("p", { class: "field-error", id, hidden: true });
}

function textField(prefix, name, attrs) {
  const id = `${prefix}-${name}`;
  const input = h("input", { id, name, "aria-describedby": `${id}-hint ${id}-error`, ...attrs });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id, ...tx(`cameras.camera.${name}`) }),
    h("p", { class: "hint", id: `${id}-hint`, ...tx(`cameras.camera.${name}.hint`) }),
    input,
    errorLine(`${id}-error`),
  );
  return { wrap, input };
}

function typeField(prefix) {
  const id = `${prefix}-type`;
  const input = h(
    "select",
    { id, name: "type", "aria-describedby": `${id}-error` },
    TYPES.map((type) => h("option", { value: type, ...tx(`cameras.type.${type}`) })),
  );
  const wrap = h("div", { class: "field" }, h("label", { for: id, ...tx("cameras.camera.type") }), input, errorLine(`${id}-error`));
  return { wrap, input };
}

function facingField(prefix, onChange) {
  const id = `${prefix}-facing`;
  const select = h(
    "select",
    { id, name: "facing", "aria-describedby": `${id}-hint ${id}-error` },
    h("option", { value: "", ...tx("cameras.facing.unknown") }),
    Object.keys(COMPASS).map((point) => h("option", { value: point, ...tx(`cameras.facing.${point}`) })),
    h("option", { value: "exact", ...tx("cameras.facing.exact") }),
  );
  const degrees = h("input", {
    id: `${id}-degrees`,
    name: "bearing_deg",
    type: "number",
    inputmode: "numeric",
    min: "0",
    max: "359",
    step: "1",
    "aria-describedby": `${id}-degrees-hint ${id}-error`,
  });
  const exact = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: `${id}-degrees`, ...tx("cameras.facing.degrees") }),
    h("p", { class: "hint", id: `${id}-degrees-hint`, ...tx("cameras.facing.degrees.hint") }),
    degrees,
  );
  select.addEventListener("change", () => {
    exact.hidden = select.value !== "exact";
    onChange();
  });
  degrees.addEventListener("input", onChange);
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id, ...tx("cameras.camera.facing") }),
    h("p", { class: "hint", id: `${id}-hint`, ...tx("cameras.camera.facing.hint") }),
    select,
    exact,
    errorLine(`${id}-error`),
  );
  // null: not sure; NaN: typed but not a whole number of degrees (the API says so).
  const value = () => {
    if (select.value === "exact") return degrees.value.trim() === "" ? Number.NaN : Number(degrees.value);
    return select.value ? COMPASS[select.value] : null;
  };
  const set = (deg) => {
    const point = Object.keys(COMPASS).find((p) => COMPASS[p] === deg);
    select.value = deg === null || deg === undefined ? "" : point || "exact";
    degrees.value = point || deg === null || deg === undefined ? "" : String(deg);
    exact.hidden = select.value !== "exact";
  };
  return { wrap, input: select, value, set };
}

function choiceGroup(prefix, name, options, legendKey, checked) {
  const inputs = options.map((option) =>
    h("input", { type: "radio", id: `${prefix}-${name}-${option}`, name: `${prefix}-${name}`, value: option, checked: option === checked, "aria-describedby": `${prefix}-${name}-${option}-hint` }),
  );
  const rows = options.map((option, i) =>
    h(
      "div",
      { class: "choice" },
      h("label", { class: "check", for: inputs[i].id }, inputs[i], h("span", tx(`cameras.${name}.${option}`))),
      h("p", { class: "hint", id: `${prefix}-${name}-${option}-hint`, ...tx(`cameras.${name}.${option}.hint`) }),
    ),
  );
  const el = h("fieldset", { class: "choice-group", id: `${prefix}-${name}` }, h("legend", tx(legendKey)), rows, errorLine(`${prefix}-${name}-error`));
  return { el, inputs, value: () => inputs.find((i) => i.checked)?.value || null, set: (v) => inputs.forEach((i) => (i.checked = i.value === v)) };
}

// The view cone drawn from the pin toward the camera's facing (a flat-earth offset is exact
// enough over 40 m).
function cone(L, point, bearing) {
  const at = (deg) => {
    const rad = (deg * Math.PI) / 180;
    const north = (CONE_M * Math.cos(rad)) / 111320;
    const east = (CONE_M * Math.sin(rad)) / (111320 * Math.cos((point.latitude * Math.PI) / 180));
    return [point.latitude + north, point.longitude + east];
  };
  const edge = [-45, -22, 0, 22, 45].map((d) => at(bearing + d));
  return L.polygon([[point.latitude, point.longitude], ...edge], { interactive: false, weight: 2, color: "#1d4ed8", fillOpacity: 0.2 });
}

/**
 * The fields of one camera. `prefix` names the element ids; `withMap` adds the location
 * picker (a new camera: the portal does not move one); `camera` fills the fields from the
 * API's camera. Returns {el, values(), showError(err), clearErrors(), reset()}.
 */
export function cameraForm({ prefix, withMap = true, camera = null }) {
  let drawn = null;
  let leaflet = null;
  const name = textField(prefix, "name", { type: "text", required: true, maxlength: "80", autocomplete: "off" });
  const type = typeField(prefix);
  const facing = facingField(prefix, () => redraw());
  const level = choiceGroup(prefix, "level", LEVELS, "cameras.camera.level", camera?.level || "register");
  const policy = choiceGroup(prefix, "policy", POLICIES, "cameras.camera.policy", camera?.policy || "request");
  const pin = withMap
    ? locationPicker({
        prefix,
        keys: { label: "cameras.map.label", open: "cameras.map.open", tapHint: "cameras.map.tapHint", region: "cameras.map.region", pinTitle: "cameras.map.pinTitle", none: "cameras.map.none", failed: "cameras.map.failed", tilesFailed: "cameras.map.tilesFailed", locationUnavailable: "cameras.map.unavailable" },
        onMap: (map, L) => (leaflet = { map, L }),
        onChange: () => redraw(),
      })
    : null;
  const location = withMap ? h("div", { class: "stack", id: `${prefix}-location` }, pin.wrap, errorLine(`${prefix}-location-error`)) : null;

  function redraw() {
    if (drawn) drawn.remove();
    drawn = null;
    const point = pin?.value();
    const bearing = facing.value();
    if (leaflet && point && Number.isInteger(bearing)) drawn = cone(leaflet.L, point, bearing).addTo(leaflet.map);
  }

  if (camera) {
    name.input.value = camera.name || "";
    const kind = camera.type ?? camera.camera_type; // the API's body says "type", a CameraSpot "camera_type"
    if (TYPES.includes(kind)) type.input.value = kind;
    facing.set(camera.bearing_deg);
  }

  function values() {
    const point = pin?.value();
    const bearing = facing.value();
    const out = { name: name.input.value.trim(), type: type.input.value, bearing_deg: Number.isNaN(bearing) ? "" : bearing, level: level.value(), policy: policy.value() };
    if (withMap) Object.assign(out, { lat: point ? point.latitude : null, lon: point ? point.longitude : null });
    return out;
  }

  // Where a refusal of each field is shown, and what takes the focus.
  const targets = () => ({
    name: [name.input, `${prefix}-name-error`],
    type: [type.input, `${prefix}-type-error`],
    facing: [facing.input, `${prefix}-facing-error`],
    level: [level.inputs[0], `${prefix}-level-error`],
    policy: [policy.inputs[0], `${prefix}-policy-error`],
    location: [document.getElementById(`${prefix}-location-open`), `${prefix}-location-error`],
  });

  function clearErrors() {
    for (const [input, errorId] of Object.values(targets())) {
      input?.removeAttribute("aria-invalid");
      const line = document.getElementById(errorId);
      if (line) line.hidden = true;
    }
  }

  /** Shows `err` (its `field` named by the API) under that field; false if it names none of ours. */
  function showError(err, key = null) {
    const target = targets()[FIELD_OF[err.field] || err.field];
    if (!target || !target[0]) return false;
    const [input, errorId] = target;
    const line = document.getElementById(errorId);
    if (key) setText(line, key);
    else {
      delete line.dataset.i18n;
      line.textContent = err.message;
    }
    line.hidden = false;
    input.setAttribute("aria-invalid", "true");
    if (input.id === `${prefix}-location-open`) input.setAttribute("aria-describedby", errorId);
    input.focus();
    return true;
  }

  function reset() {
    name.input.value = "";
    type.input.value = TYPES[0];
    facing.set(null);
    pin?.reset();
    clearErrors();
  }

  const el = [name.wrap, type.wrap, location, facing.wrap, level.el, policy.el];
  return { el, values, showError, clearErrors, reset };
}
