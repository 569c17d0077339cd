// Shared helpers for the Callboard pages: formatting, the readable-figure helpers, the
// board WebSocket with reconnect, and a local ticker. Markup is built with the `html`
// template of html.js (re-exported here) and the header comes from header.js.
// Nothing here touches the DOM at import time, so node can import it for tests.

import { mountHeader, loginUrl } from "./header.js";
import { attrs, html, insertHtmlAfter, join, raw, setHtml } from "./html.js";

export { attrs, html, insertHtmlAfter, join, loginUrl, raw, setHtml };

export const AGENT_STATES = ["available", "ringing", "on-call", "on-hold", "wrap-up",
  "paused", "logged-out"];
export const STATE_LABELS = {
  "available": "available", "ringing": "ringing", "on-call": "on call",
  "on-hold": "on hold", "wrap-up": "wrap-up", "paused": "paused",
  "logged-out": "logged out",
};

export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 5000;
export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NO_BOARD = 4404;

// -- formatting ---------------------------------------------------------------------------

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const pad2 = (n) => String(n).padStart(2, "0");

/** Epoch seconds -> "HH:MM:SS" in the browser's local time; "–" for null. */
export function fmtClock(epoch) {
  if (!isNum(epoch)) return "–";
  const d = new Date(epoch * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Seconds -> "m:ss" (minutes are not wrapped into hours); "–" for null. */
export function fmtDur(seconds) {
  if (!isNum(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
}

/** Percent value (already 0..100) -> "87.5%"; "–" for null. */
export function fmtPct(value) {
  if (!isNum(value)) return "–";
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

export function fmtInt(value) {
  return isNum(value) ? String(value) : "–";
}

/**
 * A readable figure: `<tag data-field=name data-value=raw ...>text</tag>`.
 * `data-value` holds the raw number ("" for null); `tick` makes the local ticker
 * advance the shown duration from `value` (see startTicker). `text` may be an html
 * fragment; `attrs` is a map of extra attributes (escaped, see html.js attrs()).
 */
export function field(name, value, text, { tag = "span", cls = "", title = "", tick = false,
  attrs: extra = {} } = {}) {
  if (!/^[a-z][a-z0-9]*$/.test(tag)) throw new Error(`field: bad tag ${tag}`);
  const all = attrs({
    "class": cls || null,
    "data-field": name,
    "data-value": value === null || value === undefined ? "" : value,
    "data-tick": tick && isNum(value) ? value : null,
    "title": title || null,
    ...extra,
  });
  return html`${raw(`<${tag}`)}${all}>${text}${raw(`</${tag}>`)}`;
}

/** A coloured agent-state badge with the state in `data-state`. */
export function stateBadge(state, reason = "") {
  const label = STATE_LABELS[state] ?? state ?? "?";
  const why = reason ? html` <span class="reason">${reason}</span>` : "";
  return html`<span class="badge st-${state}" data-field="state" data-value="${state}"
    >${label}${why}</span>`;
}

/**
 * Only a path of this site may be a redirect target after login: it starts with one "/"
 * (not "//" or "/\\", which browsers read as another host), holds no control character
 * (the URL parser drops tab, CR and LF, so "/\t/evil" would become "//evil") and no
 * backslash, and resolved against `origin` it stays on that origin. `next` itself is
 * returned, not the resolved path: "/..//evil" resolves to the path "//evil", which as
 * a link would leave the site. Anything else gives `fallback`.
 */
export function safeNext(next, fallback = "/wallboard", origin = globalThis.location?.origin) {
  if (typeof next !== "string" || !/^\/(?![/\\])/.test(next) ||
      /[\u0000-\u001f\u007f-\u009f\\]/.test(next)) {
    return fallback;
  }
  const base = origin && origin !== "null" ? origin : "http://callboard.invalid";
  try {
    if (new URL(next, base).origin !== new URL(base).origin) return fallback;
  } catch (err) {
    return fallback;
  }
  return next;
}

// -- the board socket ---------------------------------------------------------------------

/** Next reconnect delay: 0.5 s doubling up to 5 s. */
export function nextDelay(previousMs) {
  if (!previousMs) return RECONNECT_MIN_MS;
  return Math.min(previousMs * 2, RECONNECT_MAX_MS);
}

/**
 * Keep a WebSocket to `/ws/<board>` open and call `onSnapshot(data, message)` for every
 * snapshot. `onStatus(state, detail)` gets "connecting", "open", "reconnecting",
 * "forbidden", "no-board". 4401 sends the browser to the login page; 4403 and 4404 stop
 * trying; any other close reconnects with backoff.
 */
export function connectBoard(board, onSnapshot, onStatus = () => {}) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/ws/${board}`;
  let delay = 0;
  let stopped = false;

  function open() {
    onStatus(delay ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      retry();
      return;
    }
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        console.warn("callboard: unreadable message", err);
        return;
      }
      if (message?.type !== "snapshot" || (message.board && message.board !== board)) return;
      delay = 0; // reset the backoff only once the server really talks to us
      onStatus("open");
      onSnapshot(message.data, message);
    });
    ws.addEventListener("close", (event) => {
      if (stopped) return;
      if (event.code === CLOSE_NOT_LOGGED_IN) {
        stopped = true;
        location.href = loginUrl(location);
      } else if (event.code === CLOSE_FORBIDDEN || event.code === CLOSE_NO_BOARD) {
        stopped = true;
        onStatus(event.code === CLOSE_FORBIDDEN ? "forbidden" : "no-board", event.reason);
      } else {
        retry();
      }
    });
    // "error" is always followed by "close", which does the reconnecting.
    ws.addEventListener("error", () => onStatus("reconnecting"));
  }

  function retry() {
    delay = nextDelay(delay);
    onStatus("reconnecting");
    setTimeout(open, delay);
  }

  open();
  return { stop() { stopped = true; } };
}

/** Reflect the socket state in `#conn` (badge) and `#banner` (role refusal). */
export function showStatus(state, detail) {
  const badge = document.getElementById("conn");
  if (badge) {
    badge.dataset.state = state;
    badge.hidden = state === "open";
    badge.textContent = state === "forbidden" ? "not allowed"
      : state === "no-board" ? "no such board"
      : state === "connecting" ? "connecting…" : "reconnecting…";
  }
  const banner = document.getElementById("banner");
  if (banner && (state === "forbidden" || state === "no-board")) {
    banner.textContent = (state === "forbidden" ? "This board is not allowed for your role."
      : "The server has no such board.") + (detail ? ` (${detail})` : "");
    banner.hidden = false;
  }
}

// -- header -------------------------------------------------------------------------------

/** Draw the shared header (header.js) and fill it from GET /api/me. */
export function initHeader({ live = false } = {}) {
  return mountHeader({ live });
}

/** "as of HH:MM:SS · position N" into `#as-of` and `#position`. */
export function showAsOf(data) {
  const asOf = document.getElementById("as-of");
  if (asOf) {
    asOf.textContent = fmtClock(data?.as_of);
    asOf.dataset.value = data?.as_of ?? "";
  }
  const position = document.getElementById("position");
  if (position) {
    position.textContent = fmtInt(data?.position);
    position.dataset.value = data?.position ?? "";
  }
}

// -- local ticking ------------------------------------------------------------------------

/**
 * Every second, advance each `[data-tick]` element under `root`: it shows
 * fmtDur(data-tick + seconds since the last reset()). `data-value` stays the server's
 * figure. Call reset() right after each render.
 */
export function startTicker(root) {
  let since = performance.now();
  const tick = () => {
    const elapsed = (performance.now() - since) / 1000;
    for (const el of root.querySelectorAll("[data-tick]")) {
      el.textContent = fmtDur(parseFloat(el.dataset.tick) + elapsed);
    }
  };
  const timer = setInterval(tick, 1000);
  return {
    tick,
    reset() { since = performance.now(); },
    stop() { clearInterval(timer); },
  };
}

/**
 * Common page start: header, ticker, socket. `render(data, message)` returns the html of
 * `#board` (an html`…` result: setHtml refuses strings); `after(data, message)` runs after each render (optional). Returns
 * `{ rerender() }` to redraw the last snapshot (e.g. when a page control changes).
 */
export function startPage(board, render, after = () => {}) {
  const root = document.getElementById("board");
  const ticker = startTicker(root);
  let last = null;
  const draw = (fresh) => {
    if (!last) return;
    setHtml(root, render(last.data, last.message));
    if (fresh) ticker.reset(); else ticker.tick(); // a redraw keeps the local clock
    showAsOf(last.data);
    after(last.data, last.message);
  };
  initHeader({ live: true });
  connectBoard(board, (data, message) => {
    last = { data, message };
    draw(true);
  }, showStatus);
  return { rerender: () => draw(false) };
}

// -- JSON requests and messages (for the pages that send commands, e.g. QA) ---------------

/**
 * fetch() a JSON endpoint with the session cookie. A 401 sends the browser to the login
 * page; any other non-2xx throws an Error whose message is the server's `detail` (and
 * whose `status` is the HTTP status).
 */
export async function requestJson(method, url, body = undefined) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.href = loginUrl(location);
    throw new Error("not logged in");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    const error = new Error(typeof data?.detail === "string" ? data.detail
      : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Show `text` in `#banner` (an empty text hides it). */
export function showBanner(text) {
  const banner = document.getElementById("banner");
  if (!banner) return;
  banner.textContent = text ?? "";
  banner.hidden = !text;
}

/** Epoch seconds -> "YYYY-MM-DD HH:MM" in the browser's local time; "–" for null. */
export function fmtDateTime(epoch) {
  if (!isNum(epoch)) return "–";
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}
