// The few Cognito user-pool calls the console makes, with plain fetch: the AWS JSON 1.1
// protocol needs no SDK. The app client has no secret (a browser cannot keep one), so no
// SECRET_HASH is sent.

import { config } from "./config.js";

export class CognitoError extends Error {
  /** `type` is Cognito's exception name, e.g. NotAuthorizedException. */
  constructor(type, message) {
    super(message);
    this.name = "CognitoError";
    this.type = type;
  }
}

// Shown when Cognito sends no message of its own.
const FALLBACK = {
  NotAuthorizedException: "Incorrect username or password.",
  UserNotFoundException: "User does not exist.",
  CodeMismatchException: "That code is not correct. Enter the current code from your authenticator app.",
  ExpiredCodeException: "That code has expired. Enter the current code.",
  TooManyRequestsException: "Too many attempts. Wait a minute and try again.",
  PasswordResetRequiredException: "Your password must be reset. Ask an administrator.",
  UserNotConfirmedException: "This account is not confirmed yet. Ask an administrator.",
};

async function call(action, body) {
  let response;
  try {
    response = await fetch(config().cognitoEndpoint, {
      method: "POST",
      headers: {
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        "Content-Type": "application/x-amz-json-1.1",
      },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new CognitoError("NetworkError", "Cannot reach the sign-in service. Check the connection and try again.");
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    // An empty or non-JSON body: handled below by status.
  }
  if (!response.ok) {
    // "__type" is "NotAuthorizedException" or "com.amazonaws...#NotAuthorizedException".
    const raw = data.__type || response.headers.get("x-amzn-ErrorType") || "UnknownError";
    const type = raw.split("#").pop().split(":")[0];
    const message = data.message || data.Message || FALLBACK[type] || `Sign-in failed (${type}).`;
    throw new CognitoError(type, message);
  }
  return data;
}

/** USER_PASSWORD_AUTH. Resolves to {AuthenticationResult} or {ChallengeName, Session, ChallengeParameters}. */
export function initiatePasswordAuth(username, password) {
  return call("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config().userPoolClientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
}

/** Answers a challenge (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, MFA_SETUP). */
export function respondToAuthChallenge(challengeName, session, responses) {
  return call("RespondToAuthChallenge", {
    ChallengeName: challengeName,
    ClientId: config().userPoolClientId,
    Session: session,
    ChallengeResponses: responses,
  });
}

/** New ID and access tokens for a refresh token (the refresh token itself is not rotated). */
export function refreshTokens(refreshToken) {
  return call("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config().userPoolClientId,
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
}

/** Revokes a refresh token and the tokens issued from it. */
export function revokeToken(refreshToken) {
  return call("RevokeToken", { Token: refreshToken, ClientId: config().userPoolClientId });
}

/** MFA_SETUP step 1: a new TOTP secret for the signing-in user. Resolves to {SecretCode, Session}. */
export function associateSoftwareToken(session) {
  return call("AssociateSoftwareToken", { Session: session });
}

/** MFA_SETUP step 2: proves the authenticator app has the secret. Resolves to {Status, Session}. */
export function verifySoftwareToken(session, code, deviceName) {
  return call("VerifySoftwareToken", { Session: session, UserCode: code, FriendlyDeviceName: deviceName });
}
