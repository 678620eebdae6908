// The sign-in screen: username and password (USER_PASSWORD_AUTH), then whichever
// challenges Cognito asks for: a new password for a first sign-in, setting up an
// authenticator app (MFA_SETUP, deployed pools require MFA), and the authenticator code.

import {
  associateSoftwareToken,
  initiatePasswordAuth,
  respondToAuthChallenge,
  verifySoftwareToken,
} from "./cognito.js";
import { busy, field, h, messageBox, replace } from "./dom.js";
import { startSession } from "./session.js";

/**
 * Shows the sign-in screen in `main`; resolves once a session has started.
 * `notice` is an optional sentence shown above the form (e.g. "You have signed out.").
 */
export function signIn(main, { appName, notice } = {}) {
  return new Promise((resolve) => {
    const card = h("section", { class: "card login", "aria-labelledby": "login-title" });
    replace(main, h("div", { class: "login-wrap" }, card));
    let username = "";

    // Every Cognito answer comes through here: tokens end the flow, a challenge shows its step.
    const next = async (answer) => {
      if (answer.AuthenticationResult) {
        startSession(answer.AuthenticationResult);
        resolve();
        return;
      }
      const params = answer.ChallengeParameters || {};
      // Cognito names the user by its internal id when the person signed in with an alias.
      username = params.USER_ID_FOR_SRP || username;
      switch (answer.ChallengeName) {
        case "NEW_PASSWORD_REQUIRED":
          return newPasswordStep(answer.Session);
        case "SOFTWARE_TOKEN_MFA":
          return codeStep(answer.Session);
        case "MFA_SETUP":
          return mfaSetupStep(answer.Session);
        default:
          return passwordStep(
            `This account needs a sign-in step the console does not support (${answer.ChallengeName}). ` +
              "Ask an administrator.",
          );
      }
    };

    const step = (title, intro, form, message) => {
      replace(
        card,
        h("h1", { id: "login-title", tabindex: "-1", text: title }),
        intro ? h("p", { class: "muted", text: intro }) : null,
        message.el,
        form,
      );
      const first = form.querySelector("input");
      (first || card.querySelector("h1")).focus();
    };

    const submitWith = (form, message, work) => {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        message.clear();
        const button = form.querySelector("button[type=submit]");
        try {
          const answer = await busy(button, work);
          if (answer) await next(answer);
        } catch (err) {
          // Sessions of a challenge last a few minutes; an expired one means starting over.
          if (err.type === "NotAuthorizedException" && /session/i.test(err.message)) {
            passwordStep(`${err.message} Sign in again.`);
            return;
          }
          message.error(err);
          // Most often the last field is the wrong one (the password, the code).
          const inputs = form.querySelectorAll("input");
          if (inputs.length) inputs[inputs.length - 1].select();
        }
      });
    };

    function passwordStep(errorMessage) {
      const message = messageBox();
      const user = field("login-username", "Username", {
        type: "text",
        autocomplete: "username",
        autocapitalize: "none",
        spellcheck: "false",
        required: true,
        value: username,
      });
      const pass = field("login-password", "Password", {
        type: "password",
        autocomplete: "current-password",
        required: true,
      });
      const form = h(
        "form",
        { class: "stack", novalidate: false },
        user.wrap,
        pass.wrap,
        h("button", { class: "btn btn-primary btn-block", type: "submit", text: "Sign in" }),
      );
      submitWith(form, message, () => {
        username = user.input.value.trim();
        return initiatePasswordAuth(username, pass.input.value);
      });
      step(`Sign in to ${appName || "the console"}`, "Staff accounts only. Every action is audited.", form, message);
      if (errorMessage) message.error(errorMessage);
      else if (notice) message.info(notice);
      if (username) pass.input.focus();
    }

    function newPasswordStep(session) {
      const message = messageBox();
      const pass = field(
        "new-password",
        "New password",
        { type: "password", autocomplete: "new-password", required: true, minlength: 12 },
        "At least 12 characters with upper and lower case letters, a number and a symbol.",
      );
      const again = field("new-password-again", "New password again", {
        type: "password",
        autocomplete: "new-password",
        required: true,
      });
      const form = h(
        "form",
        { class: "stack" },
        pass.wrap,
        again.wrap,
        h("button", { class: "btn btn-primary btn-block", type: "submit", text: "Set password" }),
      );
      submitWith(form, message, async () => {
        if (pass.input.value !== again.input.value) {
          throw new Error("The two passwords are not the same.");
        }
        return respondToAuthChallenge("NEW_PASSWORD_REQUIRED", session, {
          USERNAME: username,
          NEW_PASSWORD: pass.input.value,
        });
      });
      step("Choose a new password", "This is your first sign-in: replace the temporary password.", form, message);
    }

    function codeInput(id, label) {
      return field(
        id,
        label,
        {
          type: "text",
          inputmode: "numeric",
          autocomplete: "one-time-code",
          pattern: "[0-9]{6}",
          maxlength: 6,
          required: true,
          class: "code",
        },
        "The 6-digit code from your authenticator app.",
      );
    }

    function codeStep(session) {
      const message = messageBox();
      const code = codeInput("mfa-code", "Authentication code");
      const form = h(
        "form",
        { class: "stack" },
        code.wrap,
        h("button", { class: "btn btn-primary btn-block", type: "submit", text: "Verify" }),
      );
      submitWith(form, message, () =>
        respondToAuthChallenge("SOFTWARE_TOKEN_MFA", session, {
          USERNAME: username,
          SOFTWARE_TOKEN_MFA_CODE: code.input.value.trim(),
        }),
      );
      step("Two-step verification", null, form, message);
    }

    async function mfaSetupStep(session) {
      const message = messageBox();
      let setup;
      try {
        setup = await associateSoftwareToken(session);
      } catch (err) {
        passwordStep(err.message);
        return;
      }
      let current = setup.Session || session;
      const secret = setup.SecretCode;
      const label = encodeURIComponent(`RTCC:${username}`);
      const uri = `otpauth://totp/${label}?secret=${encodeURIComponent(secret)}&issuer=RTCC`;
      const code = codeInput("mfa-setup-code", "Code from the app");
      const form = h(
        "form",
        { class: "stack" },
        h("p", { text: "Add an account to your authenticator app with this key (time-based):" }),
        h("p", { class: "secret", text: secret.replace(/(.{4})/g, "$1 ").trim() }),
        h("p", {}, h("a", { href: uri, text: "Open in an authenticator app on this device" })),
        code.wrap,
        h("button", { class: "btn btn-primary btn-block", type: "submit", text: "Verify and sign in" }),
      );
      submitWith(form, message, async () => {
        const verified = await verifySoftwareToken(current, code.input.value.trim(), "RTCC console");
        current = verified.Session || current;
        if (verified.Status !== "SUCCESS") throw new Error("That code is not correct. Try the current code.");
        return respondToAuthChallenge("MFA_SETUP", current, { USERNAME: username });
      });
      step("Set up two-step verification", "Your account must use an authenticator app.", form, message);
    }

    passwordStep();
  });
}
