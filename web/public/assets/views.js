// The registry of console views. A view module registers itself on import:
//
//   import { registerView } from "../views.js";
//   registerView({
//     id: "tips",                     // route: #/tips (and #/tips/<anything>, passed as ctx.params)
//     title: "Tips",                  // navigation label and page heading
//     description: "Triage anonymous tips",   // shown on Home
//     roles: ["officer"],             // who sees it (effective roles: an admin is also an officer)
//     capability: "tips",             // optional: only when config.capabilities lists it
//     order: 20,                      // optional: position in the navigation
//     render(container, ctx) { ... }, // may return a cleanup function, called on leaving
//   });
//
// Platform views live in assets/views/ and are always loaded. A capability's views live
// in assets/capabilities/<capability>.js and are loaded only when config.json lists that
// capability (see app.js).

const registry = new Map();

export function registerView(view) {
  for (const key of ["id", "title", "render"]) {
    if (!view[key]) throw new Error(`registerView: "${key}" is required`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(view.id)) throw new Error(`registerView: bad id "${view.id}"`);
  if (registry.has(view.id)) throw new Error(`registerView: "${view.id}" is registered twice`);
  registry.set(view.id, { roles: [], order: 100, description: "", ...view });
}

/** Whether `me` (from GET /api/me) may open `view`. A view with no roles is open to all staff. */
export function allowed(view, me) {
  return !view.roles.length || view.roles.some((role) => me.roles.includes(role));
}

function enabled(view, capabilities) {
  return !view.capability || capabilities.includes(view.capability);
}

export function findView(id) {
  return registry.get(id) || null;
}

/** The views `me` may open, in navigation order. */
export function viewsFor(me, capabilities) {
  return [...registry.values()]
    .filter((view) => enabled(view, capabilities) && allowed(view, me))
    .sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
}
