// The mocked-fetch editor: one row per route (exact URL or RE2 pattern, optional method, status, body),
// plus the answer for requests no route matches. Produces hoglite's mock file format (hoglite.net.mock).

import { el } from "./inputs.js";

const METHODS = ["", "GET", "POST", "PUT", "PATCH", "DELETE"];

function bodyText(body) {
  if (body === undefined) return "{}";
  return typeof body === "string" && !isJsonText(body) ? body : JSON.stringify(body, null, 2);
}

function isJsonText(text) {
  try { JSON.parse(text); return true; } catch { return false; }
}

// A body box holds JSON; text that is not JSON is sent as a plain string body.
function parseBody(text) {
  if (text.trim() === "") return "";
  try { return JSON.parse(text); } catch { return text; }
}

export class MocksEditor {
  constructor(host) {
    this.host = host;
    this.rows = el("div", { class: "mock-rows" });
    const addButton = el("button", { type: "button", class: "small-button", text: "+ Add route" });
    addButton.addEventListener("click", () => this.addRoute({ url: "https://", response: { status: 200, body: {} } }));
    this.defaultStatus = el("input", { type: "number", min: 100, max: 599, class: "mock-status", "aria-label": "default status" });
    this.defaultBody = el("textarea", { class: "mock-body", rows: 1, spellcheck: "false", "aria-label": "default body" });
    this.failUnmatched = el("input", { type: "checkbox", id: "mock-fail-unmatched" });
    const defaults = el("div", { class: "mock-default" },
      el("span", { class: "mock-default-label", text: "Any other request:" }),
      el("label", { class: "inline" }, this.failUnmatched, document.createTextNode(" fail")),
      el("span", { text: " or answer status " }), this.defaultStatus, this.defaultBody);
    host.append(this.rows, addButton, defaults);
  }

  load(mocks) {
    this.rows.innerHTML = "";
    for (const route of mocks.routes || []) this.addRoute(route);
    const fallback = mocks.default === undefined ? { status: 200, body: {} } : mocks.default;
    this.failUnmatched.checked = fallback === null;
    this.defaultStatus.value = fallback ? fallback.status ?? 200 : 200;
    this.defaultBody.value = fallback ? bodyText(fallback.body) : "{}";
  }

  addRoute(route) {
    const isPattern = route.pattern !== undefined;
    const kind = el("select", { class: "mock-kind", "aria-label": "match by" },
      el("option", { value: "url", text: "URL" }), el("option", { value: "pattern", text: "Pattern" }));
    kind.value = isPattern ? "pattern" : "url";
    const method = el("select", { class: "mock-method", "aria-label": "method" });
    for (const m of METHODS) method.append(el("option", { value: m, text: m || "any" }));
    method.value = (route.method || "").toUpperCase();
    const match = el("input", { type: "text", class: "mock-match", spellcheck: "false", "aria-label": "URL or pattern" });
    match.value = isPattern ? route.pattern : route.url || "";
    const response = route.response || (route.responses || [])[0] || { status: 200, body: {} };
    const isError = response.error !== undefined;
    const status = el("input", { type: "number", min: 100, max: 599, class: "mock-status", "aria-label": "status" });
    status.value = isError ? "" : response.status ?? 200;
    status.placeholder = isError ? "no response" : "";
    const body = el("textarea", { class: "mock-body", rows: 3, spellcheck: "false", "aria-label": "response body" });
    body.value = isError ? response.error : bodyText(response.body);
    const errorBox = el("input", { type: "checkbox", class: "mock-error", title: "No response at all (connection error)" });
    errorBox.checked = isError;
    const remove = el("button", { type: "button", class: "icon-button", text: "✕", title: "Remove this route" });
    const row = el("div", { class: "mock-row" },
      el("div", { class: "mock-row-head" }, kind, method, match, remove),
      el("div", { class: "mock-row-response" },
        el("span", { text: "→ status" }), status,
        el("label", { class: "inline", title: "Simulate a request that gets no response" }, errorBox,
          document.createTextNode(" connection error")),
        body));
    remove.addEventListener("click", () => row.remove());
    this.rows.append(row);
  }

  // The mock file, or throws with a message naming the bad route.
  collect() {
    const routes = [];
    this.rows.querySelectorAll(".mock-row").forEach((row, index) => {
      const where = `Mocked route ${index + 1}`;
      const match = row.querySelector(".mock-match").value.trim();
      if (!match) throw new Error(`${where}: give a URL or a pattern.`);
      const route = {};
      route[row.querySelector(".mock-kind").value] = match;
      const method = row.querySelector(".mock-method").value;
      if (method) route.method = method;
      const bodyValue = row.querySelector(".mock-body").value;
      if (row.querySelector(".mock-error").checked) {
        route.response = { error: bodyValue || "connection refused" };
      } else {
        const status = Number(row.querySelector(".mock-status").value || 200);
        if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`${where}: status must be 100 to 599.`);
        route.response = { status, body: parseBody(bodyValue) };
      }
      routes.push(route);
    });
    let fallback = null;
    if (!this.failUnmatched.checked) {
      const status = Number(this.defaultStatus.value || 200);
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error("Default response: status must be 100 to 599.");
      fallback = { status, body: parseBody(this.defaultBody.value) };
    }
    return { default: fallback, routes };
  }
}
