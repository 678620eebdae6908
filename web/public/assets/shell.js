// The signed-in console: header (who is signed in, with which role), navigation built
// from the view registry, and hash routing (#/home, #/audit, #/<view>/<params>).

import { apiFetch } from "./api.js";
import { h, messageBox, replace } from "./dom.js";
import { allowed, findView, viewsFor } from "./views.js";

const ROLE_LABELS = { admin: "Administrator", auditor: "Auditor", supervisor: "Supervisor", officer: "Officer" };

/** The highest group, as the API writes it into audit entries (rtcc.auth.Principal.primary_role). */
export function primaryRole(me) {
  return ["admin", "auditor", "supervisor", "officer"].find((role) => me.groups.includes(role)) || null;
}

export function roleLabel(role) {
  return ROLE_LABELS[role] || role;
}

function parseHash() {
  const match = /^#\/([a-z0-9-]+)(?:\/(.*))?$/.exec(location.hash);
  return match ? { id: match[1], params: decodeURIComponent(match[2] || "") } : { id: "home", params: "" };
}

/**
 * Builds the header and navigation, renders the view named by the URL hash and follows
 * hash changes. Returns {destroy()} which removes the shell (on sign-out).
 */
export function startShell({ main, me, config, appName, notices = [], onSignOut, toggleTheme }) {
  const topbar = document.getElementById("topbar");
  const nav = document.getElementById("nav");
  const views = viewsFor(me, config.capabilities);
  const role = primaryRole(me);
  let cleanup = null;
  let renderCount = 0;
  // Focus moves to the new page's heading when the person navigates (screen readers then
  // announce it), but not on the first render, where the browser's own focus is fine.
  let focusOnRender = false;

  // A toggle button: the label stays, aria-pressed says whether day mode is on.
  const isDay = () => String(document.documentElement.dataset.theme === "day");
  const themeButton = h("button", {
    class: "btn btn-quiet",
    type: "button",
    title: "Day mode: a light theme for daylight",
    "aria-label": "Day mode",
    "aria-pressed": isDay(),
    text: "Day",
    onclick: () => {
      toggleTheme();
      themeButton.setAttribute("aria-pressed", isDay());
    },
  });
  const signOutButton = h("button", {
    class: "btn btn-quiet",
    type: "button",
    text: "Sign out",
    onclick: () => {
      signOutButton.disabled = true;
      onSignOut();
    },
  });
  replace(
    topbar,
    h(
      "div",
      { class: "brand" },
      h("a", { href: "#/home", class: "brand-name", text: appName }),
      config.environment !== "deployed"
        ? h("span", { class: "env-badge", title: "Not a production deployment", text: config.environment })
        : null,
    ),
    h(
      "div",
      { class: "who", "aria-label": "Signed in" },
      h("span", { class: "who-name", id: "who-name", text: me.username }),
      h("span", { class: `role-badge role-${role || "none"}`, id: "who-role", text: role ? roleLabel(role) : "No role" }),
    ),
    h("div", { class: "top-actions" }, themeButton, signOutButton),
  );
  topbar.hidden = false;

  const links = new Map();
  replace(
    nav,
    h(
      "ul",
      {},
      views.map((view) => {
        const link = h("a", { href: `#/${view.id}`, dataset: { view: view.id }, text: view.title });
        links.set(view.id, link);
        return h("li", {}, link);
      }),
    ),
  );
  nav.hidden = false;

  async function render() {
    const { id, params } = parseHash();
    const token = ++renderCount;
    if (cleanup) {
      try {
        cleanup();
      } catch (err) {
        console.error("view cleanup failed", err);
      }
      cleanup = null;
    }
    for (const [viewId, link] of links) {
      if (viewId === id) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const view = findView(id);
    const heading = h("h1", { tabindex: "-1", id: "view-title" });
    const body = h("div", { class: "view-body" });
    replace(main, h("section", { class: "view", "aria-labelledby": "view-title", dataset: { view: id } }, heading, body));

    const enabled = view && (!view.capability || config.capabilities.includes(view.capability));
    if (!enabled) {
      heading.textContent = "Page not found";
      body.append(h("p", {}, "There is no page here. ", h("a", { href: "#/home", text: "Go to Home" })));
    } else if (!allowed(view, me)) {
      heading.textContent = view.title;
      const box = messageBox();
      body.append(box.el);
      box.error(`This page needs one of the roles: ${view.roles.map(roleLabel).join(", ")}.`);
    } else {
      heading.textContent = view.title;
      const ctx = { me, config, views, params, notices, apiFetch, navigate: (hash) => (location.hash = hash) };
      try {
        const result = await view.render(body, ctx);
        if (token !== renderCount) {
          // The person navigated on while this view was loading: release it at once.
          if (typeof result === "function") result();
        } else if (typeof result === "function") {
          cleanup = result;
        }
      } catch (err) {
        console.error(`view ${id} failed`, err);
        const box = messageBox();
        body.prepend(box.el);
        box.error(err);
      }
    }
    document.title = `${heading.textContent} · ${appName}`;
    if (focusOnRender) heading.focus();
  }

  const onHashChange = () => {
    focusOnRender = true;
    render();
  };
  window.addEventListener("hashchange", onHashChange);
  if (!location.hash || location.hash === "#" || location.hash === "#/") {
    history.replaceState(null, "", "#/home");
  }
  render();

  return {
    destroy() {
      window.removeEventListener("hashchange", onHashChange);
      if (cleanup) cleanup();
      cleanup = null;
      replace(topbar);
      topbar.hidden = true;
      replace(nav);
      nav.hidden = true;
    },
  };
}
