// Console start-up: configuration, capability views, sign-in, then the shell.

import { ApiError, apiFetch } from "./api.js";
import { loadConfig } from "./config.js";
import { h, messageBox, replace } from "./dom.js";
import { signIn } from "./login.js";
import { hasSession, onSessionEnd, resumeSession, signOut } from "./session.js";
import { startShell } from "./shell.js";
import "./views/home.js";
import "./views/audit.js";

const APP_NAME = "RTCC";

/** "Springfield RTCC" when the deployment names its city (config.json cityName). */
function appName(config) {
  return config?.cityName ? `${config.cityName} RTCC` : APP_NAME;
}
const THEME_KEY = "rtcc.theme";

const main = document.getElementById("main");
let shell = null;

// Night (dark, high contrast) is the default: the console is read in patrol cars at night.
// The choice is a display preference, not a secret, so it lives in localStorage.
function applyTheme(theme) {
  document.documentElement.dataset.theme = theme === "day" ? "day" : "night";
}
function toggleTheme() {
  const next = document.documentElement.dataset.theme === "day" ? "night" : "day";
  applyTheme(next);
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    // Storage may be disabled; the toggle still works for this page.
  }
}

/** Loads assets/capabilities/<name>.js for each capability config.json lists. */
async function loadCapabilities(capabilities) {
  const notices = [];
  const names = capabilities.filter((name) => /^[a-z][a-z0-9-]*$/.test(name));
  const results = await Promise.allSettled(names.map((name) => import(`./capabilities/${name}.js`)));
  results.forEach((result, i) => {
    if (result.status === "rejected") {
      console.error(`capability ${names[i]}: its console views failed to load`, result.reason);
      notices.push(`The ${names[i]} part of the console could not be loaded. Reload the page; if it persists, tell an administrator.`);
    }
  });
  return notices;
}

function fatal(text, retry) {
  const box = messageBox();
  replace(
    main,
    h(
      "section",
      { class: "card fatal" },
      h("h1", { text: `${APP_NAME} console` }),
      box.el,
      retry ? h("button", { class: "btn btn-primary", type: "button", text: "Try again", onclick: retry }) : null,
    ),
  );
  box.error(text);
}

async function enter(config, notices, notice) {
  if (shell) {
    shell.destroy();
    shell = null;
  }
  if (!hasSession()) await signIn(main, { appName: appName(config), notice });
  replace(main, h("p", { class: "boot", text: "Signing in…" }));
  let me;
  try {
    me = await apiFetch("/api/me");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) {
      fatal(err.message, () => enter(config, notices));
      return;
    }
    // 401 after a refresh, or the account cannot use the API: back to the sign-in form.
    await signOut();
    return enter(config, notices, err.message);
  }
  shell = startShell({
    main,
    me,
    config,
    appName: appName(config),
    notices,
    toggleTheme,
    onSignOut: async () => {
      await signOut();
      enter(config, notices, "You have signed out.");
    },
  });
}

async function start() {
  try {
    applyTheme(localStorage.getItem(THEME_KEY));
  } catch {
    applyTheme("night");
  }
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    fatal(err.message, () => location.reload());
    return;
  }
  const notices = await loadCapabilities(config.capabilities);
  // A refresh refused in the background (account disabled, tokens revoked) ends the session.
  onSessionEnd((reason) => {
    if (shell) enter(config, notices, reason);
  });
  resumeSession();
  await enter(config, notices);
}

start();
