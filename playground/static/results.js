// Rendering of run results and test-case results.

import { el, escapeHtml } from "./inputs.js";

export function pretty(body) {
  if (body === null || body === undefined) return "";
  if (typeof body !== "string") return JSON.stringify(body, null, 2);
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function formatMs(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function formatBytes(bytes) {
  if (!bytes) return "0 B";
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function headersTable(headers) {
  const table = el("table", { class: "headers" });
  for (const [key, value] of Object.entries(headers || {})) {
    table.append(el("tr", {}, el("th", { text: key }), el("td", { text: value })));
  }
  if (!table.children.length) table.append(el("tr", {}, el("td", { class: "muted", text: "(no headers)" })));
  return table;
}

// onLine(line, column): called when the author clicks the error position.
export function renderRun(host, result, { onLine } = {}) {
  host.innerHTML = "";
  const banner = el("div", { class: `outcome outcome-${result.outcome}`, id: "run-outcome", "data-outcome": result.outcome });
  if (result.outcome === "ok") {
    banner.append(el("strong", { text: "OK" }), document.createTextNode(" The template ran to the end."));
  } else if (result.outcome === "skipped") {
    banner.append(el("strong", { text: "Skipped by filters" }), document.createTextNode(": "),
      el("span", { class: "skip-reason", text: result.skip_reason || "" }));
  } else {
    const error = result.error || {};
    banner.append(el("strong", { text: `Error${error.stage ? ` (${error.stage})` : ""}` }), document.createTextNode(": "),
      el("span", { class: "error-message", text: error.message || "" }));
    if (error.line) {
      const link = el("button", { type: "button", class: "link-button error-position", "data-line": error.line,
        text: `line ${error.line}, column ${error.column}` });
      link.addEventListener("click", () => onLine && onLine(error.line, error.column));
      banner.append(document.createTextNode(" at "), link);
    }
    if (error.field) banner.append(el("span", { class: "muted", text: ` (input ${error.field})` }));
    if (error.rendered && (error.stage !== "code" || !error.line)) {
      banner.append(el("pre", { class: "error-rendered", text: error.rendered }));
    }
  }
  host.append(banner);

  const stats = el("div", { class: "stats", id: "run-stats" });
  const stat = (label, value, key) => stats.append(el("span", { class: "stat", "data-stat": key },
    el("span", { class: "stat-label", text: label }), el("span", { class: "stat-value", text: value })));
  stat("Hog time", formatMs(result.duration_ms), "duration");
  stat("Total", formatMs(result.wall_ms), "wall");
  stat("Ops", String(result.ops ?? 0), "ops");
  stat("Memory", formatBytes(result.memory_bytes), "memory");
  stat("Fetches", String((result.fetches || []).length), "fetches");
  stat("Fetch", result.fetch_mode === "real" ? "real" : "mocked", "mode");
  host.append(stats);

  const logs = el("section", { class: "result-section", id: "run-logs" }, el("h3", { text: `Logs (${(result.logs || []).length})` }));
  if ((result.logs || []).length === 0) logs.append(el("p", { class: "muted", text: "No logs." }));
  const list = el("ol", { class: "logs" });
  for (const entry of result.logs || []) {
    list.append(el("li", { class: `log log-${entry.level}` },
      el("span", { class: "log-level", text: entry.level }),
      el("span", { class: "log-message", text: entry.message })));
  }
  logs.append(list);
  host.append(logs);

  const fetches = el("section", { class: "result-section", id: "run-fetches" },
    el("h3", { text: `Fetch calls (${(result.fetches || []).length})` }));
  if ((result.fetches || []).length === 0) fetches.append(el("p", { class: "muted", text: "No fetch calls." }));
  (result.fetches || []).forEach((call, index) => {
    const card = el("details", { class: "fetch-call", open: true, "data-index": index });
    card.append(el("summary", {},
      el("span", { class: "fetch-number", text: `#${index + 1}` }),
      el("span", { class: "fetch-method", text: call.method }),
      el("span", { class: "fetch-url", text: call.url }),
      call.response ? el("span", { class: `fetch-status status-${String(call.response.status)[0]}xx`, text: String(call.response.status) }) : null));
    const request = el("div", { class: "fetch-part" }, el("h4", { text: "Request headers" }), headersTable(call.headers));
    if (call.body !== null && call.body !== undefined) {
      request.append(el("h4", { text: "Request body" }), el("pre", { class: "fetch-body", text: pretty(call.body) }));
    }
    const response = el("div", { class: "fetch-part" });
    if (call.error) response.append(el("h4", { text: "No response" }), el("p", { class: "fetch-error", text: call.error }));
    if (call.response) {
      response.append(el("h4", { text: `Response used (status ${call.response.status})` }),
        el("pre", { class: "fetch-response", text: pretty(call.response.body) }));
    }
    if (call.attempts && call.attempts > 1) response.append(el("p", { class: "muted", text: `${call.attempts} attempts` }));
    card.append(el("div", { class: "fetch-parts" }, request, response));
    fetches.append(card);
  });
  host.append(fetches);

  if (result.value !== null && result.value !== undefined) {
    host.append(el("section", { class: "result-section" }, el("h3", { text: "Returned value" }),
      el("pre", { class: "fetch-body", text: pretty(result.value) })));
  }
  if (result.inputs) {
    const details = el("details", { class: "result-section" }, el("summary", { text: "Evaluated inputs (secrets masked)" }),
      el("pre", { class: "fetch-body", text: pretty(result.inputs) }));
    host.append(details);
  }
}

export function renderTests(host, report) {
  host.innerHTML = "";
  const total = report.cases.length;
  const summary = el("div", { class: `outcome ${report.failed ? "outcome-error" : "outcome-ok"}`, id: "tests-summary" },
    el("strong", { text: `${report.passed} passed, ${report.failed} failed` }),
    document.createTextNode(` (${total} test case${total === 1 ? "" : "s"})`));
  host.append(summary);
  if (total === 0) host.append(el("p", { class: "muted", text: "This template has no test cases (tests/*.json)." }));
  const list = el("ul", { class: "test-cases" });
  for (const item of report.cases) {
    const row = el("li", { class: `test-case ${item.passed ? "passed" : "failed"}`, "data-case": item.name });
    row.append(el("span", { class: "test-mark", text: item.passed ? "✔" : "✘" }),
      el("span", { class: "test-name", text: item.name }),
      item.description ? el("span", { class: "test-description", text: item.description }) : null);
    if (!item.passed) {
      const diff = el("pre", { class: "test-diff" });
      diff.innerHTML = item.differences.map((line) => {
        const trimmed = line.trimStart();
        const cls = trimmed.startsWith("+") && !trimmed.startsWith("+++") ? "diff-add"
          : trimmed.startsWith("-") && !trimmed.startsWith("---") ? "diff-del"
          : trimmed.startsWith("actual:") ? "diff-add" : trimmed.startsWith("expected:") ? "diff-del" : "";
        return `<span class="${cls}">${escapeHtml(line)}</span>`;
      }).join("\n");
      row.append(diff);
    }
    list.append(row);
  }
  host.append(list);
}
