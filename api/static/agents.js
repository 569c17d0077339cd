// The agent board: totals by state, then one row per agent.
// renderAgents(data) is pure (returns html) so it can be tested under node.

import {
  AGENT_STATES, STATE_LABELS, attrs, field, fmtDur, fmtInt, html, startPage, stateBadge,
} from "./app.js";
import { renderFeedBanner, showFeed } from "./header.js";

export function renderTotals(totals) {
  const agents = totals?.agents ?? {};
  const reasons = Object.entries(totals?.paused_by_reason ?? {})
    .map(([why, n]) => `${why} ${n}`).join(", ");
  const items = AGENT_STATES.map((state) => {
    const n = agents[state] ?? null;
    const extra = state === "paused" && reasons ? html` <span class="reason">(${reasons})</span>`
      : "";
    return html`<li class="count st-${state}${n ? "" : " zero"}">${
      field(`agents.${state}`, n, fmtInt(n))} <span class="label">${STATE_LABELS[state]}</span>${
      extra}</li>`;
  });
  return html`<section class="state-totals" id="state-totals">
  <ul class="agents">${items}</ul>
  <div class="logged-in">${field("logged_in", totals?.logged_in ?? null,
    fmtInt(totals?.logged_in ?? null))} logged in</div>
</section>`;
}

function queueChips(queues) {
  return (queues ?? []).map((q) => {
    const why = q.paused ? ` ⏸${q.pause_reason ? ` ${q.pause_reason}` : ""}` : "";
    const title = q.paused ? `paused in ${q.queue}${q.pause_reason ? `: ${q.pause_reason}` : ""}`
      : `${q.queue}: ${STATE_LABELS[q.state] ?? q.state}`;
    return html`<span class="chip${q.paused ? " paused" : ""}" data-queue="${q.queue}"
      data-paused="${q.paused ? "true" : "false"}" title="${title}">${q.queue}${why}</span> `;
  });
}

function pauses(day) {
  const bySeconds = day?.paused_s_by_reason ?? {};
  const counts = day?.pauses_by_reason ?? {};
  const parts = Object.entries(bySeconds).map(([why, s], i) => html`${i ? ", " : ""}<span
    class="pause" data-reason="${why}" data-value="${s}" title="${counts[why] ?? "?"} pause(s)"
    >${why} ${fmtDur(s)}</span>`);
  const total = day?.paused_s_total ?? null;
  return html`${field("paused_total", total, fmtDur(total), { cls: "pause-total" })}${
    parts.length ? html` <span class="pauses">${parts}</span>` : ""}`;
}

function currentCall(call) {
  if (!call) return html`<span data-field="current_call" data-value="">–</span>`;
  const who = call.customer_name ? html` <span class="muted">${call.customer_name}</span>` : "";
  const dir = call.direction && call.direction !== "inbound" ? ` (${call.direction})` : "";
  const state = call.state
    ? html` <span class="call-state">${STATE_LABELS[call.state] ?? call.state}</span>` : "";
  return html`<span data-field="current_call" data-value="${call.call_id}">${
    field("call_number", call.number, call.number ?? "–", { cls: "number" })}${who} · ${
    call.queue ?? "no queue"}${dir} · ${field("call_duration", call.duration_s ?? null,
    fmtDur(call.duration_s ?? null), { tick: true })}${state}</span>`;
}

export function renderAgentRow(agent, definitions = {}) {
  const d = agent.day ?? {};
  const out = d.outbound_dials ? html` <small title="outbound dials / connects">out ${
    d.outbound_dials}/${d.outbound_connects ?? 0}</small>` : "";
  const num = (name, value, text, options) => html`<td class="num">${
    field(name, value ?? null, text, options)}</td>`;
  return html`<tr data-agent="${agent.name}" data-agent-id="${agent.agent_id}"
  data-state="${agent.state}">
  <td class="who">${field("name", agent.name, agent.name)} <span class="ext"
    data-field="extension" data-value="${agent.extension}">${agent.extension ?? ""}</span></td>
  <td>${stateBadge(agent.state, agent.reason)}</td>
  ${num("in_state", agent.in_state_s, fmtDur(agent.in_state_s ?? null), { tick: true })}
  <td>${queueChips(agent.queues)}</td>
  <td class="num">${field("calls_handled", d.calls_handled ?? null, fmtInt(d.calls_handled ?? null),
    { title: definitions.calls_handled ?? "" })}${out}</td>
  ${num("talk_total", d.talk_total_s, fmtDur(d.talk_total_s ?? null))}
  ${num("hold_total", d.hold_total_s, fmtDur(d.hold_total_s ?? null))}
  ${num("acw_total", d.acw_total_s, fmtDur(d.acw_total_s ?? null))}
  ${num("aht", d.aht_s, fmtDur(d.aht_s ?? null))}
  <td>${pauses(d)}</td>
  ${num("ring_no_answer", d.ring_no_answer, fmtInt(d.ring_no_answer ?? null))}
  <td>${currentCall(agent.current_call)}</td>
</tr>`;
}

export function renderAgents(data) {
  const defs = data?.definitions ?? {};
  const th = (label, key) => html`<th${attrs({ title: defs[key] || null })}>${label}</th>`;
  const rows = (data?.agents ?? []).map((a) => renderAgentRow(a, defs));
  return html`${renderFeedBanner(data?.feed)}${renderTotals(data?.totals)}
<table class="board agents-table">
  <thead><tr>
    ${th("Agent")}${th("State", "state")}${th("In state")}${th("Queues")}
    ${th("Handled", "calls_handled")}${th("Talk", "talk_total_s")}${th("Hold", "hold_total_s")}
    ${th("ACW", "acw_total_s")}${th("AHT", "aht_s")}${th("Paused", "paused_s_by_reason")}
    ${th("Ring no answer")}${th("Current call")}
  </tr></thead>
  <tbody>${rows.length ? rows : html`<tr class="empty"><td colspan="12">no agents</td></tr>`
  }</tbody>
</table>
<p class="period muted">Day figures: ${defs.period ?? "the business day so far"}.</p>`;
}

if (typeof document !== "undefined") {
  startPage("agents", renderAgents, (data) => showFeed(data?.feed));
}
