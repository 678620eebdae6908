// The signed-in session: Cognito tokens kept in sessionStorage (gone when the tab closes,
// never shared with other tabs or left on a shared cruiser laptop), refreshed before the
// ID token expires, and cleared on sign-out.

import { CognitoError, refreshTokens, revokeToken } from "./cognito.js";

const KEY = "rtcc.session";
// Refresh this long before the ID token expires, so a request never leaves with a token
// that expires on the way.
const REFRESH_MARGIN_MS = 2 * 60 * 1000;

let refreshTimer = null;
let refreshing = null;
const endListeners = new Set();

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function write(tokens) {
  sessionStorage.setItem(KEY, JSON.stringify(tokens));
  scheduleRefresh();
}

/** The claims of a JWT (not verified here: the API verifies; the console only reads `exp`). */
export function jwtClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      [...atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="))]
        .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
        .join(""),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function expiresAt(result) {
  const exp = jwtClaims(result.IdToken).exp;
  if (exp) return exp * 1000;
  return Date.now() + (result.ExpiresIn || 3600) * 1000;
}

/** Stores the AuthenticationResult of a sign-in. */
export function startSession(result) {
  write({
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken,
    expiresAt: expiresAt(result),
  });
}

export function hasSession() {
  const tokens = read();
  return Boolean(tokens && tokens.idToken);
}

/** Called with a reason when the session ends without the user signing out (refresh refused). */
export function onSessionEnd(listener) {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function end(reason) {
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(KEY);
  for (const listener of endListeners) listener(reason);
}

/**
 * Gets new tokens with the refresh token. One refresh at a time: concurrent callers share it.
 * If Cognito refuses the refresh token, the session ends; a network failure keeps it.
 */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const tokens = read();
      if (!tokens || !tokens.refreshToken) {
        end("Your session has ended. Sign in again.");
        throw new CognitoError("NotAuthorizedException", "Your session has ended. Sign in again.");
      }
      try {
        const { AuthenticationResult: result } = await refreshTokens(tokens.refreshToken);
        write({
          ...tokens,
          idToken: result.IdToken,
          accessToken: result.AccessToken,
          refreshToken: result.RefreshToken || tokens.refreshToken,
          expiresAt: expiresAt(result),
        });
      } catch (err) {
        if (err.type !== "NetworkError" && err.type !== "TooManyRequestsException") {
          end("Your session has ended. Sign in again.");
        }
        throw err;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** An ID token valid for at least the refresh margin (refreshing first if needed), or null. */
export async function idToken() {
  let tokens = read();
  if (!tokens) return null;
  if (tokens.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    await refresh();
    tokens = read();
  }
  return tokens ? tokens.idToken : null;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const tokens = read();
  if (!tokens || !tokens.refreshToken) return;
  const wait = Math.max(5000, tokens.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  // Errors are handled by the session-end listeners; a failed background refresh is
  // retried by the next request.
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

/** Signs out: revokes the refresh token (best effort) and clears every token. */
export async function signOut() {
  const tokens = read();
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(KEY);
  if (tokens && tokens.refreshToken) {
    try {
      await revokeToken(tokens.refreshToken);
    } catch {
      // Best effort: the tokens are gone from this browser either way, and the ID token
      // expires within 5 minutes.
    }
  }
}

/** Resumes the refresh timer of a session left in this tab (after a reload). */
export function resumeSession() {
  if (hasSession()) scheduleRefresh();
}
