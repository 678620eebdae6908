// The public console configuration, fetched once from config.json (served by the API,
// see rtcc.api.routes.platform.console_config). It holds no secrets.

const REQUIRED = ["region", "userPoolId", "userPoolClientId", "cognitoEndpoint", "environment"];

let current = null;

// The site root: where config.json and the API live. Pages below it say how far up it is
// (<meta name="rtcc-root" content="../">). Everything is resolved against it, never written
// as "/...": on the execute-api URL the site lives under the stage (/prod/), and an
// absolute path would leave it.
function siteRoot() {
  return new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);
}

/** Fetches config.json from the site root, so the console also works under a path prefix. */
export async function loadConfig() {
  if (current) return current;
  const url = new URL("config.json", siteRoot());
  let response;
  try {
    response = await fetch(url, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
  } catch {
    throw new Error("Cannot reach the server to load the console configuration. Check the connection and reload.");
  }
  if (!response.ok) throw new Error(`The console configuration could not be loaded (HTTP ${response.status}).`);
  const data = await response.json();
  const missing = REQUIRED.filter((key) => typeof data[key] !== "string");
  if (missing.length) throw new Error(`The console configuration is missing: ${missing.join(", ")}.`);
  current = Object.freeze({
    ...data,
    // Relative (the default "api") resolves against config.json's own URL: the same site root.
    apiBase: new URL(data.apiBase || "api", url).href.replace(/\/+$/, ""),
    capabilities: Array.isArray(data.capabilities) ? data.capabilities : [],
  });
  return current;
}

/** The loaded configuration (after loadConfig resolved). */
export function config() {
  if (!current) throw new Error("config.json has not been loaded yet");
  return current;
}
