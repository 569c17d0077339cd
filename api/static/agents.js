// The agent board: totals by state, then one row per agent.
// renderAgents(data) is pure (returns HTML) so it can be tested under node.

import {
  AGENT_STATES, STATE_LABELS, esc, field, fmtDur, fmtInt, startPage, stateBadge,
} from "./app.js";

export function renderTotals(totals) {
  const agents = totals?.agents ?? {};
  const reasons = Object.entries(totals?.paused_by_reason ?? {})
    .map(([why, n]) => `${esc(why)} ${esc(n)}`).join(", ");
  const items = AGENT_STATES.map((state) => {
    const n = agents[state] ?? null;
    const extra = state === "paused" && reasons ? ` <span class="reason">(${reasons})</span>` : "";
    return `<li class="count st-${state}${n ? "" : " zero"}">` +
      field(`agents.${state}`, n, fmtInt(n)) +
      ` <span class="label">${esc(STATE_LABELS[state])}</span>${extra}</li>`;
  });
  return `<section class="state-totals" id="state-totals">
  <ul class="agents">${items.join("")}</ul>
  <div class="logged-in">${field("logged_in", totals?.logged_in ?? null,
    fmtInt(totals?.logged_in ?? null))} logged in</div>
</section>`;
}

function queueChips(queues) {
  return (queues ?? []).map((q) => {
    const why = q.paused ? ` ⏸${q.pause_reason ? ` ${esc(q.pause_reason)}` : ""}` : "";
    const title = q.paused ? `paused in ${q.queue}${q.pause_reason ? `: ${q.pause_reason}` : ""}`
      : `${q.queue}: ${STATE_LABELS[q.state] ?? q.state}`;
    return `<span class="chip${q.paused ? " paused" : ""}" data-queue="${esc(q.queue)}"` +
      ` data-paused="${q.paused ? "true" : "false"}" title="${esc(title)}">` +
      `${esc(q.queue)}${why}</span>`;
  }).join(" ");
}

function pauses(day) {
  const bySeconds = day?.paused_s_by_reason ?? {};
  const counts = day?.pauses_by_reason ?? {};
  const parts = Object.entries(bySeconds).map(([why, s]) =>
    `<span class="pause" data-reason="${esc(why)}" data-value="${esc(s)}"` +
    ` title="${esc(counts[why] ?? "?")} pause(s)">${esc(why)} ${esc(fmtDur(s))}</span>`);
  const total = day?.paused_s_total ?? null;
  return field("paused_total", total, fmtDur(total), { cls: "pause-total" }) +
    (parts.length ? ` <span class="pauses">${parts.join(", ")}</span>` : "");
}

function currentCall(call) {
  if (!call) return `<span data-field="current_call" data-value="">–</span>`;
  const who = call.customer_name ? ` <span class="muted">${esc(call.customer_name)}</span>` : "";
  const dir = call.direction && call.direction !== "inbound" ? ` (${esc(call.direction)})` : "";
  return `<span data-field="current_call" data-value="${esc(call.call_id)}">` +
    `${field("call_number", call.number, call.number ?? "–", { cls: "number" })}${who}` +
    ` · ${esc(call.queue ?? "no queue")}${dir} · ` +
    `${field("call_duration", call.duration_s ?? null, fmtDur(call.duration_s ?? null),
      { tick: true })}` +
    (call.state ? ` <span class="call-state">${esc(STATE_LABELS[call.state] ?? call.state)}` +
      `</span>` : "") + `</span>`;
}

export function renderAgentRow(agent, definitions = {}) {
  const d = agent.day ?? {};
  const out = d.outbound_dials
    ? ` <small title="outbound dials / connects">out ${esc(d.outbound_dials)}/${esc(d.outbound_connects ?? 0)}</small>`
    : "";
  return `<tr data-agent="${esc(agent.name)}" data-agent-id="${esc(agent.agent_id)}"` +
    ` data-state="${esc(agent.state)}">
  <td class="who">${field("name", agent.name, agent.name)}` +
    ` <span class="ext" data-field="extension" data-value="${esc(agent.extension)}">` +
    `${esc(agent.extension ?? "")}</span></td>
  <td>${stateBadge(agent.state, agent.reason)}</td>
  <td class="num">${field("in_state", agent.in_state_s ?? null, fmtDur(agent.in_state_s ?? null),
    { tick: true })}</td>
  <td>${queueChips(agent.queues)}</td>
  <td class="num">${field("calls_handled", d.calls_handled ?? null, fmtInt(d.calls_handled ?? null),
    { title: definitions.calls_handled ?? "" })}${out}</td>
  <td class="num">${field("talk_total", d.talk_total_s ?? null, fmtDur(d.talk_total_s ?? null))}</td>
  <td class="num">${field("hold_total", d.hold_total_s ?? null, fmtDur(d.hold_total_s ?? null))}</td>
  <td class="num">${field("acw_total", d.acw_total_s ?? null, fmtDur(d.acw_total_s ?? null))}</td>
  <td class="num">${field("aht", d.aht_s ?? null, fmtDur(d.aht_s ?? null))}</td>
  <td>${pauses(d)}</td>
  <td class="num">${field("ring_no_answer", d.ring_no_answer ?? null, fmtInt(d.ring_no_answer ?? null))}</td>
  <td>${currentCall(agent.current_call)}</td>
</tr>`;
}

export function renderAgents(data) {
  const defs = data?.definitions ?? {};
  const th = (label, key) => `<th${defs[key] ? ` title="${esc(defs[key])}"` : ""}>${esc(label)}</th>`;
  const rows = (data?.agents ?? []).map((a) => renderAgentRow(a, defs));
  return `${renderTotals(data?.totals)}
<table class="board agents-table">
  <thead><tr>
    ${th("Agent")}${th("State", "state")}${th("In state")}${th("Queues")}
    ${th("Handled", "calls_handled")}${th("Talk", "talk_total_s")}${th("Hold", "hold_total_s")}
    ${th("ACW", "acw_total_s")}${th("AHT", "aht_s")}${th("Paused", "paused_s_by_reason")}
    ${th("Ring no answer")}${th("Current call")}
  </tr></thead>
  <tbody>${rows.join("\n") || `<tr class="empty"><td colspan="12">no agents</td></tr>`}</tbody>
</table>
<p class="period muted">Day figures: ${esc(defs.period ?? "the business day so far")}.</p>`;
}

if (typeof document !== "undefined") startPage("agents", renderAgents);
