// The login form: POST the token with fetch so a 401 can be shown in #error; on success
// go to ?next= (same-origin paths only) or /wallboard.

import { safeNext } from "./app.js";

/** The message to show for a failed login response. */
export async function failureMessage(response) {
  try {
    const body = await response.json();
    if (typeof body?.detail === "string") return body.detail;
    if (body?.detail) return JSON.stringify(body.detail);
  } catch (err) {
    // not JSON: fall through
  }
  return `Login failed (HTTP ${response.status}).`;
}

function main() {
  const form = document.getElementById("login-form");
  const button = document.getElementById("login");
  const error = document.getElementById("error");
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  const show = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show("");
    button.disabled = true;
    try {
      const response = await fetch("/api/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form)),
      });
      if (response.ok || response.redirected) {
        location.href = next;
        return;
      }
      show(await failureMessage(response));
    } catch (err) {
      show("Cannot reach the server. Try again.");
    } finally {
      button.disabled = false;
    }
  });
}

if (typeof document !== "undefined") main();
