// The public console configuration, fetched once from config.json (served by the API,
// see rtcc.api.routes.platform.console_config). It holds no secrets.

const REQUIRED = ["region", "userPoolId", "userPoolClientId", "cognitoEndpoint", "environment"];

let current = null;

/** Fetches config.json relative to the page, so the console also works under a path prefix. */
export async function loadConfig() {
  if (current) return current;
  let response;
  try {
    response = await fetch(new URL("config.json", document.baseURI), {
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
    apiBase: (data.apiBase || "/api").replace(/\/+$/, ""),
    capabilities: Array.isArray(data.capabilities) ? data.capabilities : [],
  });
  return current;
}

/** The loaded configuration (after loadConfig resolved). */
export function config() {
  if (!current) throw new Error("config.json has not been loaded yet");
  return current;
}
