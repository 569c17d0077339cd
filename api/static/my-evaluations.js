// The agent's page: my evaluation results (submitted and later), with the buttons to
// acknowledge a result or dispute it while the dispute window is open.
// renderMine(rows) and renderDisputeForm(id) are pure (they return html) so node can test
// them.

import {
  field, fmtDateTime, initHeader, insertHtmlAfter, join, html, requestJson, setHtml, showBanner,
} from "./app.js";

function versions(scorings) {
  if (!scorings?.length || scorings.length < 2) return "";
  return html`<div class="versions" data-field="versions" data-value="${scorings.length}">${
    join(scorings.map((s) => `v${s.version} ${s.kind} ${s.score}`), " → ")}</div>`;
}

function actions(row) {
  if (row.status !== "submitted" || row.final) return "";
  return html`<button type="button" data-action="acknowledge" data-evaluation-id="${row.id}"
    >Acknowledge</button><button type="button" data-action="dispute"
    data-evaluation-id="${row.id}">Dispute</button>`;
}

function renderRow(r) {
  const call = r.call ?? {};
  const fatal = (r.fatal ?? []).join(", ");
  return html`<tr data-evaluation="${r.id}" data-status="${r.status}"
    data-final="${r.final ? "true" : "false"}">
    <td>${field("started_at", call.started_at, fmtDateTime(call.started_at))}</td>
    <td>${field("queue", call.queue ?? "", call.queue ?? call.direction ?? "–")}</td>
    <td>${field("form", r.form, `${r.form} v${r.form_version}`)}</td>
    <td>${field("analyst", r.analyst, r.analyst)}</td>
    <td>${field("score", r.score, r.score ?? "–")}${versions(r.scorings)}</td>
    <td>${field("fatal", fatal, fatal || "–")}</td>
    <td>${field("status", r.status, r.status)}</td>
    <td>${field("dispute_deadline", r.dispute_deadline, fmtDateTime(r.dispute_deadline))}</td>
    <td>${r.note ?? ""}</td><td class="actions">${actions(r)}</td></tr>`;
}

export function renderMine(rows) {
  if (!rows?.length) return html`<p class="muted" data-field="none">No results yet.</p>`;
  return html`<table class="board"><thead><tr><th>Call</th><th>Queue</th><th>Form</th>
    <th>Analyst</th><th>Score</th><th>Fatal</th><th>Status</th><th>Dispute until</th>
    <th>Note</th><th></th></tr></thead><tbody>${rows.map(renderRow)}</tbody></table>`;
}

/** The row under a result where the agent says why they dispute it. */
export function renderDisputeForm(id) {
  return html`<tr class="dispute-form" data-dispute-for="${id}"><td colspan="10">
    <label>Why do you dispute this result?<textarea name="reason" rows="3"
    maxlength="4000"></textarea></label>
    <button type="button" data-action="send-dispute" data-evaluation-id="${id}"
    >Send dispute</button> <button type="button" data-action="cancel">Cancel</button>
    </td></tr>`;
}

function main() {
  const root = document.getElementById("evaluations");
  const base = "/api/qa/my-evaluations";

  async function load() {
    try {
      setHtml(root, renderMine((await requestJson("GET", base)).evaluations));
    } catch (err) {
      showBanner(err.message);
    }
  }

  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const id = button.dataset.evaluationId;
    const action = button.dataset.action;
    if (action === "dispute") {
      root.querySelector("tr.dispute-form")?.remove();
      insertHtmlAfter(button.closest("tr"), renderDisputeForm(id));
      root.querySelector("tr.dispute-form textarea").focus();
      return;
    }
    if (action === "cancel") {
      button.closest("tr").remove();
      return;
    }
    try {
      if (action === "acknowledge") {
        await requestJson("POST", `${base}/${encodeURIComponent(id)}/acknowledge`);
      } else if (action === "send-dispute") {
        const reason = button.closest("tr").querySelector("textarea").value.trim();
        if (!reason) {
          showBanner("Say why you dispute the result.");
          return;
        }
        await requestJson("POST", `${base}/${encodeURIComponent(id)}/dispute`, { reason });
      }
      showBanner("");
      await load();
    } catch (err) {
      showBanner(err.message);
    }
  });

  initHeader();
  load();
}

if (typeof document !== "undefined") main();
