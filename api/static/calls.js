// The live call list (monitoring board), in the server's order, and the departed calls.
// renderCalls(data) is pure (returns html) so it can be tested under node.

import {
  attrs, field, fmtClock, fmtDur, fmtInt, html, requestJson, showBanner, startPage,
} from "./app.js";
import { renderFeedBanner, showFeed } from "./header.js";

export const ACTIONS = ["listen", "whisper", "barge"];
export const ACTIONS_DISABLED_TITLE = "no agent on this call yet";
export const EXTENSION_KEY = "callboard.extension"; // the supervisor's phone (localStorage)
const LIVE_STATES = new Set(["on-call", "on-hold"]);
const REASONS = {
  "closed-by-resync": "closed by resync (ended while the feed was down)",
  "lost-by-restart": "lost by PBX restart",
};

/** "Local/1004@agents/n" -> "1004". */
export function extensionOf(iface) {
  return String(iface ?? "").replace(/^[^/]*\//, "").replace(/@.*$/, "");
}

function flags(attention) {
  return (attention ?? []).map((f) => html`<span class="badge att att-${f}" data-flag="${f}"
    >${f.replace("-", " ")}</span> `);
}

function agentCell(call) {
  if (call.agent_name || call.agent_extension || call.agent) {
    const ext = call.agent_extension ?? extensionOf(call.agent);
    return html`${field("agent", call.agent_name || ext, call.agent_name || ext)}${
      call.agent_name && ext ? html` <span class="ext">${ext}</span>` : ""}`;
  }
  if (call.ringing?.length) {
    const exts = call.ringing.map(extensionOf).join(", ");
    return html`<span data-field="agent" data-value="" class="muted">ringing ${exts}</span>`;
  }
  return html`<span data-field="agent" data-value="">–</span>`;
}

function timeCell(call) {
  if (call.waiting_s !== null && call.waiting_s !== undefined) {
    return html`<span class="label">wait</span> ${
      field("waiting", call.waiting_s, fmtDur(call.waiting_s), { tick: true })}`;
  }
  if (call.talk_s !== null && call.talk_s !== undefined) {
    return html`<span class="label">talk</span> ${
      field("talk", call.talk_s, fmtDur(call.talk_s), { tick: true })}`;
  }
  return html`<span class="muted" title="started ${fmtClock(call.started_at)}">–</span>`;
}

function holdCell(call) {
  const total = call.hold_total_s ?? null;
  const now = call.on_hold && call.hold_s !== null && call.hold_s !== undefined
    ? html`<span class="label">on hold</span> ${field("hold", call.hold_s, fmtDur(call.hold_s),
      { tick: true })} ` : "";
  const sum = total ? html`<small>total ${field("hold_total", total, fmtDur(total))}</small>`
    : html`<span data-field="hold_total" data-value="${total ?? ""}">${now ? "" : "–"}</span>`;
  return html`${now}${sum}`;
}

function supervisorsCell(supervisors) {
  if (!supervisors?.length) return html`<span data-field="supervisors" data-value="0">–</span>`;
  const items = supervisors.map((s, i) => html`${i ? " " : ""}<span
    class="chip sup sup-${s.mode}" data-extension="${s.extension}" data-mode="${s.mode}"
    title="since ${fmtClock(s.since)}">${s.extension} ${s.mode}</span>`);
  return html`<span data-field="supervisors" data-value="${supervisors.length}">${items}</span>`;
}

function actions(call) {
  const live = LIVE_STATES.has(call.state);
  return ACTIONS.map((a) => html`<button type="button" class="action" data-action="${a}"
    data-call-id="${call.call_id}"${attrs(live ? { title: `${a} on this call from your phone` }
      : { disabled: true, title: ACTIONS_DISABLED_TITLE })}
    >${a[0].toUpperCase()}${a.slice(1)}</button>`);
}

/** POST /api/pbx/calls/{call}/{mode}: ChanSpy for the supervisor's phone (the extension
 * kept in localStorage, else the server's default for the user). */
export async function supervise(callId, mode, extension) {
  const body = extension ? { extension } : {};
  return requestJson("POST", `/api/pbx/calls/${encodeURIComponent(callId)}/` +
    `${encodeURIComponent(mode)}`, body);
}

/** The banner for a PBX action's record: the PBX only queues an Async Originate ("queued");
 * whether the supervisor's phone was connected comes later (state connected | failed, with
 * the PBX's reason in `detail`). Plain text: showBanner escapes it. */
export function outcomeText(action, record) {
  const from = record.fields?.Channel ? ` (from ${record.fields.Channel})` : "";
  switch (record.state) {
    case "connected": return `${action}: connected${from}`;
    case "failed": return `${action} failed on the PBX: ${record.detail || record.message}${from}`;
    case "queued":
      return `${action}: ${record.message || "queued"}, waiting for the PBX's outcome${from}`;
    default: return `${action}: ${record.message || record.response}${from}`;
  }
}

const OUTCOME_POLL_MS = 500;
const OUTCOME_WAIT_MS = 30000;

/** Follow a queued action until the PBX tells its outcome (GET /api/pbx/actions/{id}). */
async function followOutcome(action, record) {
  const until = Date.now() + OUTCOME_WAIT_MS;
  let current = record;
  while (current.state === "queued" && Date.now() < until) {
    await new Promise((done) => setTimeout(done, OUTCOME_POLL_MS));
    current = await requestJson(
      "GET", `/api/pbx/actions/${encodeURIComponent(record.action_id)}`);
  }
  document.body.dataset.pbxOutcome = current.state;
  showBanner(outcomeText(action, current));
}

function onAction(event) {
  const button = event.target.closest?.("button.action[data-action]");
  if (!button || button.disabled) return;
  const { action, callId } = button.dataset;
  const extension = localStorage.getItem(EXTENSION_KEY) || "";
  document.body.dataset.pbxState = "sending";
  delete document.body.dataset.pbxOutcome;
  supervise(callId, action, extension).then((record) => {
    document.body.dataset.pbxState = "sent";
    document.body.dataset.pbxAction = record.action_id;
    showBanner(outcomeText(action, record));
    return followOutcome(action, record);
  }).catch((error) => {
    if (document.body.dataset.pbxState === "sending") document.body.dataset.pbxState = "error";
    showBanner(`${action} failed: ${error.message}`);
  });
}

export function renderCallRow(call) {
  const recordings = call.recordings ?? [];
  const who = call.customer_name ? html` <span class="muted">${call.customer_name}</span>` : "";
  return html`<tr data-call="${call.call_id}" data-state="${call.state}"
  data-attention="${(call.attention ?? []).join(" ")}">
  <td class="flags">${flags(call.attention)}</td>
  <td>${field("direction", call.direction, call.direction ?? "–")}</td>
  <td>${field("queue", call.queue ?? "", call.queue ?? "–")}</td>
  <td>${field("number", call.number ?? "", call.number || "–", { cls: "number" })}${who}</td>
  <td>${agentCell(call)}</td>
  <td>${field("state", call.state, call.state ?? "–", { cls: `badge cs-${call.state}` })}</td>
  <td class="num">${timeCell(call)}</td>
  <td class="num">${holdCell(call)}</td>
  <td class="num">${field("recordings", recordings.length, fmtInt(recordings.length),
    { title: recordings.join("\n") })}</td>
  <td>${supervisorsCell(call.supervisors)}</td>
  <td class="actions">${actions(call)}</td>
</tr>`;
}

export function renderDeparted(departed) {
  const rows = (departed ?? []).map((d) => html`<tr data-departed="${d.call_id}"
  data-reason="${d.reason}">
  <td>${field("at", d.at ?? null, fmtClock(d.at))}</td>
  <td>${field("number", d.number ?? "", d.number || "–", { cls: "number" })}</td>
  <td>${field("queue", d.queue ?? "", d.queue ?? "–")}</td>
  <td>${field("reason", d.reason ?? "", REASONS[d.reason] ?? d.reason ?? "–")}</td>
  <td class="muted">${d.linkedid ?? ""}</td>
</tr>`);
  return html`<section class="departed" id="departed">
  <h2>Departed <small>calls that left the floor without a seen end</small></h2>
  <table class="board">
    <thead><tr><th>At</th><th>Customer</th><th>Queue</th><th>Reason</th><th>Linkedid</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr class="empty"><td colspan="5">none</td></tr>`}</tbody>
  </table>
</section>`;
}

export function renderCalls(data) {
  const calls = data?.calls ?? [];
  const t = data?.thresholds ?? {};
  const waiting = calls.filter((c) => c.attention?.includes("waiting")).length;
  return html`${renderFeedBanner(data?.feed)}<p class="summary">
  ${field("call_count", calls.length, String(calls.length), { attrs: { id: "call-count" } })
  } live calls, ${field("waiting_count", waiting, String(waiting))} waiting ·
  long talk over ${fmtDur(t.long_talk_s ?? null)}, long hold over ${fmtDur(t.long_hold_s ?? null)}
</p>
<table class="board calls-table" id="calls">
  <thead><tr>
    <th>Attention</th><th>Direction</th><th>Queue</th><th>Customer</th><th>Agent</th>
    <th>State</th><th>Wait / talk</th><th>Hold</th><th>Rec.</th><th>Supervisors</th><th>Actions</th>
  </tr></thead>
  <tbody>${calls.length ? calls.map(renderCallRow)
    : html`<tr class="empty"><td colspan="11">no live calls</td></tr>`}</tbody>
</table>
${renderDeparted(data?.departed)}`;
}

if (typeof document !== "undefined") {
  startPage("monitoring", renderCalls, (data) => showFeed(data?.feed));
  document.addEventListener("click", onAction);
}
