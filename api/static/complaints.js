// The complaint handler's page: open a complaint (optionally linked to calls), the list of
// complaints (GET /api/complaints), and one ticket's state and merged timeline
// (GET /api/complaints/{reference}/timeline): the complaint's own events, its calls'
// events with their recordings, and the agents' state at the time, in time order.
// renderList, renderFacts, renderTimeline (html) and describeEntry (text) are pure so node
// can test them.

import {
  attrs, field, fmtClock, fmtDateTime, html, initHeader, requestJson, setHtml, showBanner,
} from "./app.js";

export const LIST_WAIT_MS = 5000; // how long to wait for a new ticket to reach the list

// data keys worth a word in the timeline, in the order they are shown
const SUMMARY_KEYS = ["by", "queue", "caller_number", "number", "agent_name", "agent",
  "state", "reason", "to", "handler", "text", "message", "resolution", "recording",
  "call_id", "linkedid", "kind"];

/** "a: 1 · b: 2" from the interesting scalar fields of a timeline entry. */
export function describeEntry(entry) {
  const data = { ...(entry?.data ?? {}) };
  if (entry?.recording) data.recording = entry.recording;
  if (entry?.type === "AgentStateAtCall") {
    const queues = Object.entries(data.queues ?? {}).map(([q, s]) => `${q} ${s}`).join(", ");
    return `${data.agent || data.interface || "?"}: ${data.state ?? "?"}` +
      (queues ? ` (${queues})` : "");
  }
  const parts = [];
  for (const key of SUMMARY_KEYS) {
    const value = data[key];
    if (value === null || value === undefined || value === "" || typeof value === "object") {
      continue;
    }
    if (key === "call_id" && entry?.source === "call") continue; // shown as the call
    parts.push(`${key}: ${value}`);
  }
  return parts.join(" · ");
}

function renderListRow(c, selected) {
  const calls = c.calls ?? [];
  return html`<tr data-complaint="${c.reference}" data-status="${c.status}"
    data-severity="${c.severity}"${attrs({ class: c.reference === selected ? "selected" : null })}>
    <td>${field("reference", c.reference, c.reference)}</td>
    <td>${field("opened_at", c.opened_at, fmtDateTime(c.opened_at))}</td>
    <td>${field("customer_name", c.customer_name ?? "", c.customer_name || "–")}</td>
    <td>${field("category", c.category ?? "", c.category ?? "–")}</td>
    <td>${field("severity", c.severity, c.severity, { cls: `badge sev-${c.severity}` })}</td>
    <td>${field("status", c.status, c.status, { cls: `badge status-${c.status}` })}</td>
    <td class="num">${field("calls", calls.length, String(calls.length),
      { title: calls.join("\n") })}</td>
    <td><button type="button" data-action="open-ticket" data-reference="${c.reference}"
    >Open</button></td></tr>`;
}

export function renderList(view, selected = "") {
  const rows = view?.complaints ?? [];
  if (!rows.length) {
    return html`<p class="muted" data-field="list_empty">No complaints yet.</p>`;
  }
  return html`<table class="board" id="complaints"><thead><tr><th>Reference</th>
    <th>Opened</th><th>Customer</th><th>Category</th><th>Severity</th><th>Status</th>
    <th>Calls</th><th></th></tr></thead><tbody>${
    rows.map((c) => renderListRow(c, selected))}</tbody></table>`;
}

function fact(label, name, value, text) {
  return html`<dt>${label}</dt><dd>${field(name, value ?? "", text)}</dd>`;
}

/** The ticket's state: a `dl` of fields, each `[data-field][data-value]`. */
export function renderFacts(c) {
  const deadlines = Object.entries(c?.deadlines ?? {}).map(([kind, due]) => html`<span
    class="chip" data-deadline="${kind}" data-value="${due}"
    data-breached="${(c.breached ?? []).includes(kind)}" data-met="${c.met?.[kind] ?? ""}"
    >${kind} ${fmtDateTime(due)}</span> `);
  const calls = (c?.calls ?? []).map((id) => html`<span class="chip"
    data-linked-call="${id}">${id}</span> `);
  const agents = c?.agents ?? [];
  return html`<dl class="facts">${[
    fact("Status", "status", c?.status, c?.status ?? "–"),
    fact("Severity", "severity", c?.severity,
      (c?.severity ?? "–") + (c?.major_reason ? ` (${c.major_reason})` : "")),
    fact("Category", "category", c?.category, c?.category ?? "–"),
    fact("Channel", "channel", c?.channel, c?.channel ?? "–"),
    fact("Customer", "customer_name", c?.customer_name, c?.customer_name || "–"),
    fact("Number", "customer_number", c?.customer_number, c?.customer_number || "–"),
    fact("Contact", "customer_contact", c?.customer_contact, c?.customer_contact || "–"),
    fact("Opened", "opened_at", c?.opened_at,
      `${fmtDateTime(c?.opened_at)} by ${c?.opened_by ?? "?"}`),
    fact("Handler", "handler", c?.handler, c?.handler || "–"),
    fact("Escalated", "escalated", c?.escalated, c?.escalated ? "yes" : "no"),
  ]}<dt>Matter</dt><dd data-field="matter">${c?.matter ?? ""}</dd>
    <dt>Calls</dt><dd data-field="calls" data-value="${calls.length}">${
    calls.length ? calls : "–"}</dd>
    <dt>Agents</dt><dd data-field="agents" data-value="${agents.join(" ")}">${
    agents.join(", ") || "–"}</dd>
    <dt>Deadlines</dt><dd data-field="deadlines">${deadlines.length ? deadlines : "–"}</dd>
    </dl>`;
}

function renderEntry(e, i) {
  const callId = e.call_id ?? "";
  const kind = e.source ?? "";
  const call = callId && kind !== "complaint"
    ? html` <small title="${callId}">call ${e.linkedid || callId.slice(0, 8)}</small>` : "";
  return html`<li data-kind="${kind}" data-type="${e.type}" data-at="${e.at ?? ""}"
    data-index="${i}" data-call-id="${callId}"${attrs({ "data-recording": e.recording || null })}
    ><span class="at" title="${fmtDateTime(e.at)}">${fmtClock(e.at)}</span
    ><span><span class="badge src src-${kind}">${kind}</span></span
    ><span class="type">${e.type}</span><span class="what">${describeEntry(e)}${call}</span></li>`;
}

/** One `li[data-kind][data-type]` per entry, in the server's (time) order. */
export function renderTimeline(entries) {
  if (!entries?.length) return html`<li class="muted" data-empty="true">no entries</li>`;
  return html`${entries.map(renderEntry)}`;
}

/** The body of POST /api/complaints from the form's values. */
export function openBody(values) {
  const body = {
    channel: values.channel,
    customer_name: (values.customer_name ?? "").trim(),
    customer_number: (values.customer_number ?? "").trim(),
    customer_contact: (values.customer_contact ?? "").trim(),
    matter: (values.matter ?? "").trim(),
    category: (values.category ?? "").trim(),
    severity: values.severity || "normal",
    calls: String(values.calls ?? "").split(/[\s,]+/).filter(Boolean),
  };
  if (body.severity === "major") body.major_reason = values.major_reason ?? "";
  return body;
}

// -- the page -----------------------------------------------------------------------------

const state = { selected: "", view: null };

async function loadList() {
  const view = await requestJson("GET", "/api/complaints");
  state.view = view;
  setHtml(document.getElementById("list"), renderList(view, state.selected));
  const count = document.getElementById("complaint-count");
  count.textContent = String(view.complaints.length);
  count.dataset.value = String(view.complaints.length);
  return view;
}

/** The list comes from a projection: wait (a little) until it shows `reference`. */
async function loadListUntil(reference) {
  const deadline = performance.now() + LIST_WAIT_MS;
  for (;;) {
    const view = await loadList();
    if (view.complaints.some((c) => c.reference === reference)) return;
    if (performance.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function showTicket(reference) {
  state.selected = reference;
  for (const row of document.querySelectorAll("#complaints tr[data-complaint]")) {
    row.classList.toggle("selected", row.dataset.complaint === reference);
  }
  const panel = document.getElementById("ticket");
  panel.dataset.loading = "true";
  try {
    const data = await requestJson("GET",
      `/api/complaints/${encodeURIComponent(reference)}/timeline`);
    const c = data.complaint;
    panel.dataset.reference = c.reference;
    panel.dataset.status = c.status;
    document.getElementById("ticket-title").textContent =
      `${c.reference} · ${c.customer_name} · ${c.category}`;
    setHtml(document.getElementById("ticket-facts"), renderFacts(c));
    setHtml(document.getElementById("timeline"), renderTimeline(data.entries));
    const count = document.getElementById("entry-count");
    count.textContent = String(data.entries.length);
    count.dataset.value = String(data.entries.length);
    panel.hidden = false;
    const url = new URL(location.href);
    url.searchParams.set("ref", reference);
    history.replaceState(null, "", url);
  } finally {
    delete panel.dataset.loading;
  }
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function toggleMajor() {
  const major = document.getElementById("severity").value === "major";
  document.getElementById("major-reason").hidden = !major;
  document.getElementById("major-reason-label").hidden = !major;
}

async function onOpen(event) {
  event.preventDefault();
  const form = event.target;
  const button = document.getElementById("open");
  button.disabled = true;
  document.body.dataset.openState = "sending";
  try {
    const made = await requestJson("POST", "/api/complaints", openBody(formValues(form)));
    showBanner("");
    document.body.dataset.openState = "opened";
    document.body.dataset.opened = made.reference;
    form.reset();
    toggleMajor();
    await loadListUntil(made.reference);
    await showTicket(made.reference);
  } catch (error) {
    document.body.dataset.openState = "error";
    showBanner(`Could not open the complaint: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

async function onLink(event) {
  event.preventDefault();
  const input = document.getElementById("link-call");
  const call = input.value.trim();
  if (!call || !state.selected) return;
  try {
    await requestJson("POST", `/api/complaints/${encodeURIComponent(state.selected)}/calls`,
      { call });
    input.value = "";
    showBanner("");
    await showTicket(state.selected);
    await loadList();
  } catch (error) {
    showBanner(`Could not link call ${call}: ${error.message}`);
  }
}

function onClick(event) {
  const button = event.target.closest?.('button[data-action="open-ticket"]');
  if (!button) return;
  showTicket(button.dataset.reference).catch((error) =>
    showBanner(`Could not load ${button.dataset.reference}: ${error.message}`));
}

async function start() {
  initHeader();
  document.getElementById("open-form").addEventListener("submit", onOpen);
  document.getElementById("link-form").addEventListener("submit", onLink);
  document.getElementById("severity").addEventListener("change", toggleMajor);
  document.getElementById("refresh").addEventListener("click", () => {
    if (state.selected) showTicket(state.selected).catch((e) => showBanner(e.message));
    loadList().catch((e) => showBanner(e.message));
  });
  document.addEventListener("click", onClick);
  try {
    await loadList();
    const wanted = new URL(location.href).searchParams.get("ref");
    if (wanted) await showTicket(wanted);
  } catch (error) {
    showBanner(error.status === 403 ? "Complaints are not allowed for your role."
      : `Could not load the complaints: ${error.message}`);
  }
  document.body.dataset.ready = "true";
}

if (typeof document !== "undefined") {
  start();
}
