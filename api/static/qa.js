// The QA analyst's page: my work queue (evaluations assigned to me, not yet submitted)
// and the scoring form of one call, with its recording playing in the page from
// /api/recordings/{name}/audio (served with HTTP Range, so the browser can seek).
// renderQueue, renderQuestions, renderResult, renderFacts and renderRecordings are pure
// (they return html) so node can test them.

import {
  attrs, field, fmtDateTime, fmtDur, html, initHeader, requestJson, setHtml, showBanner,
} from "./app.js";

export const NA = "n/a";

export function audioUrl(name) {
  return `/api/recordings/${encodeURIComponent(name)}/audio`;
}

export function renderQueue(rows) {
  if (!rows?.length) {
    return html`<p class="muted" data-field="queue_empty">Nothing is assigned to you.</p>`;
  }
  const body = rows.map((r) => {
    const call = r.call ?? {};
    return html`<tr data-evaluation="${r.id}" data-status="${r.status}">
      <td>${field("started_at", call.started_at, fmtDateTime(call.started_at))}</td>
      <td>${field("agent", r.agent, r.agent_name || r.agent)}</td>
      <td>${field("queue", call.queue ?? "", call.queue ?? call.direction ?? "–")}</td>
      <td>${field("duration", call.duration_s, fmtDur(call.duration_s))}</td>
      <td>${field("form", r.form, `${r.form} v${r.form_version}`)}</td>
      <td>${field("status", r.status, r.status)}</td>
      <td><button type="button" data-action="open" data-evaluation-id="${r.id}">Score</button>
      </td></tr>`;
  });
  return html`<table class="board"><thead><tr><th>Call</th><th>Agent</th><th>Queue</th>
    <th>Length</th><th>Form</th><th>Status</th><th></th></tr></thead>
    <tbody>${body}</tbody></table>`;
}

function flags(q) {
  return html`${q.fatal ? html`<span class="badge flag fatal"
    title="the lowest answer fails the call (score 0)">fatal</span>` : ""}${
    q.mandatory ? html`<span class="badge flag script"
    title="a point the agent must always say">script point</span>` : ""}`;
}

function renderQuestion(q, answers) {
  const options = [...q.scale, ...(q.na_allowed ? [NA] : [])];
  const radios = options.map((o) => html`<label><input type="radio" name="q-${q.key}"
    value="${o}" data-question="${q.key}"${attrs({ checked: answers?.[q.key] === o })}> ${o
    }</label>`);
  return html`<fieldset class="question" data-question="${q.key}"><legend>${q.text} <span
    class="weight">(weight ${q.weight})</span>${flags(q)}</legend>${radios}</fieldset>`;
}

/** The questions of a form version as radio groups, `answers` checked. */
export function renderQuestions(definition, answers = {}) {
  return html`${(definition?.sections ?? []).map((s) => html`<section
    data-section="${s.key}"><h3>${s.title}</h3>${
    s.questions.map((q) => renderQuestion(q, answers))}</section>`)}`;
}

export function renderResult(evaluation) {
  const fatal = evaluation.fatal?.length
    ? html` · fatal: ${field("fatal", evaluation.fatal.join(" "), evaluation.fatal.join(", "))}`
    : "";
  return html`Submitted. Score ${field("score", evaluation.score, evaluation.score)}${fatal} · ${
    field("status", evaluation.status, evaluation.status)}`;
}

/** The call being scored: agent, direction, queue, number (as sent, maybe masked). */
export function renderFacts(ev) {
  const call = ev.call ?? {};
  return html`<p>${field("agent", ev.agent, ev.agent_name || ev.agent)} · ${
    field("direction", call.direction, call.direction)} ${
    field("queue", call.queue ?? "", call.queue ?? "")} · ${
    field("number", call.number ?? "", call.number ?? "")} · ${
    field("duration", call.duration_s, fmtDur(call.duration_s))} · form ${
    field("form", ev.form, `${ev.form} v${ev.form_version}`)}</p>`;
}

/** The recording choices of a call. */
export function renderRecordings(names) {
  return html`${(names ?? []).map((n) => html`<option value="${n}">${n}</option>`)}`;
}

function main() {
  const queue = document.getElementById("queue");
  const count = document.getElementById("queue-count");
  const panel = document.getElementById("scoring");
  const form = document.getElementById("score-form");
  const player = document.getElementById("player");
  const recording = document.getElementById("recording");
  const result = document.getElementById("result");
  const note = document.getElementById("note");
  const buttons = ["save", "submit"].map((id) => document.getElementById(id));
  let current = null;

  const fail = (err) => showBanner(err?.message ?? String(err));

  async function loadQueue() {
    try {
      const rows = (await requestJson("GET", "/api/qa/work")).evaluations;
      setHtml(queue, renderQueue(rows));
      count.textContent = `(${rows.length})`;
      count.dataset.value = rows.length;
    } catch (err) {
      fail(err);
    }
  }

  function answers() {
    const out = {};
    for (const input of form.querySelectorAll("input[type=radio]:checked")) {
      out[input.dataset.question] = input.value;
    }
    return out;
  }

  async function open(id) {
    showBanner("");
    try {
      let ev = await requestJson("GET", `/api/qa/evaluations/${encodeURIComponent(id)}`);
      if (ev.status === "assigned") {
        ev = await requestJson("POST", `/api/qa/evaluations/${encodeURIComponent(id)}/start`);
      }
      current = ev;
      panel.hidden = false;
      panel.dataset.evaluation = ev.id;
      document.getElementById("call-title").textContent =
        `Call of ${fmtDateTime(ev.call?.started_at)}`;
      setHtml(document.getElementById("call-facts"), renderFacts(ev));
      const names = ev.call?.recordings ?? [];
      setHtml(recording, renderRecordings(names));
      player.src = names.length ? audioUrl(names[0]) : "";
      setHtml(form, renderQuestions(ev.definition, ev.answers));
      note.value = "";
      result.textContent = "";
      for (const b of buttons) b.disabled = false;
    } catch (err) {
      fail(err);
    }
  }

  queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=open]");
    if (button) open(button.dataset.evaluationId);
  });
  recording.addEventListener("change", () => { player.src = audioUrl(recording.value); });
  document.getElementById("play").addEventListener("click", () => {
    player.play().catch((err) => console.warn("callboard: cannot play", err));
  });
  document.getElementById("save").addEventListener("click", async () => {
    if (!current) return;
    try {
      current = await requestJson("PUT",
        `/api/qa/evaluations/${encodeURIComponent(current.id)}/answers`, { answers: answers() });
      result.textContent = "Draft saved.";
      showBanner("");
    } catch (err) {
      fail(err);
    }
  });
  document.getElementById("submit").addEventListener("click", async () => {
    if (!current) return;
    try {
      current = await requestJson("POST",
        `/api/qa/evaluations/${encodeURIComponent(current.id)}/submit`,
        { answers: answers(), note: note.value });
      setHtml(result, renderResult(current));
      for (const b of buttons) b.disabled = true;
      showBanner("");
      await loadQueue();
    } catch (err) {
      fail(err);
    }
  });

  initHeader();
  loadQueue();
}

if (typeof document !== "undefined") main();
