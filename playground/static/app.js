// The playground page: template picker, code editor with live diagnostics, inputs, event, mocks, run,
// tests, bytecode / JavaScript tabs, save and export. Talks to the JSON API in docs/playground.md.

import { Editor } from "./editor.js";
import { InputsForm, el } from "./inputs.js";
import { MocksEditor } from "./mocks.js";
import { renderRun, renderTests } from "./results.js";

const COMPILE_DELAY_MS = 250;
const $ = (selector) => document.querySelector(selector);

const state = {
  ref: null,
  detail: null,
  savedCode: "",
  savedMetadata: "",
  compileSeq: 0,
  compileTimer: null,
  lastCompile: null,
};

class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, "The playground server is not reachable (was it stopped?).");
  }
  let data = null;
  try { data = await response.json(); } catch { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const detail = (data && data.error) || {};
    throw new ApiError(response.status, detail.message || `Request failed with status ${response.status}.`, detail.field);
  }
  return data;
}

function setStatus(message, kind = "info") {
  const status = $("#status");
  status.textContent = message;
  status.dataset.kind = kind;
}

// ---------------------------------------------------------------------------------------------------
// Editors

const codeEditor = new Editor($("#code-editor"), { language: "hog", label: "Hog code", onChange: () => codeChanged() });
const metadataEditor = new Editor($("#metadata-editor"), { language: "json", label: "template.json", onChange: () => metadataChanged() });
const eventEditor = new Editor($("#event-editor"), { language: "json", label: "Event JSON", onChange: () => eventChanged() });
const inputsForm = new InputsForm($("#inputs-form"));
const mocksEditor = new MocksEditor($("#mocks-editor"));

function updateDirty() {
  const dirty = codeEditor.value !== state.savedCode || metadataEditor.value !== state.savedMetadata;
  $("#dirty").hidden = !dirty;
}

function codeChanged() {
  updateDirty();
  clearTimeout(state.compileTimer);
  state.compileTimer = setTimeout(compileNow, COMPILE_DELAY_MS);
}

async function compileNow() {
  const seq = ++state.compileSeq;
  const wantJs = activeTab() === "javascript";
  $("#compile-state").textContent = "compiling…";
  let result;
  try {
    result = await api("/api/compile", { source: codeEditor.value, javascript: wantJs });
  } catch (error) {
    if (seq === state.compileSeq) $("#compile-state").textContent = error.message;
    return;
  }
  if (seq !== state.compileSeq) return;  // a newer edit is being compiled
  state.lastCompile = result;
  const markers = [
    ...result.errors.map((e) => ({ ...e, kind: "error" })),
    ...(result.warnings || []).map((w) => ({ ...w, kind: "warning" })),
  ];
  codeEditor.setMarkers(markers);
  renderProblems(markers);
  $("#compile-state").textContent = result.ok ? `compiled in ${result.compile_ms} ms` : "has errors";
  $("#compile-state").dataset.ok = result.ok ? "1" : "0";
  document.body.dataset.compiled = String(seq);
  $("#disassembly").textContent = result.ok ? result.disassembly
    : "The code does not compile; fix the errors to see the bytecode.";
  $("#bytecode-json").textContent = result.ok ? JSON.stringify(result.bytecode) : "";
  if (result.javascript) showJavascript(result.javascript);
}

function showJavascript(result) {
  const pre = $("#javascript");
  pre.dataset.state = "done";
  pre.textContent = result.ok ? result.javascript
    : `The code does not transpile:\n${result.errors.map((e) => `${e.line ? `line ${e.line}, column ${e.column}: ` : ""}${e.message}`).join("\n")}`;
  // The runtime helpers come first; start the view at the translated program itself.
  const at = result.ok ? result.javascript.indexOf("function __program") : -1;
  if (at >= 0) {
    const line = result.javascript.slice(0, at).split("\n").length - 1;
    pre.scrollTop = line * parseFloat(getComputedStyle(pre).lineHeight);
  }
}

function renderProblems(markers) {
  const host = $("#problems");
  host.innerHTML = "";
  if (markers.length === 0) {
    host.append(el("div", { class: "problem-none", text: "No problems." }));
    return;
  }
  for (const marker of markers) {
    const item = el("button", { type: "button", class: `problem problem-${marker.kind}`, "data-line": marker.line || "",
      "data-column": marker.column || "" });
    item.append(el("span", { class: "problem-where", text: marker.line ? `${marker.line}:${marker.column}` : "–" }),
      el("span", { class: "problem-message", text: marker.message + (marker.hint ? ` (hint: ${marker.hint})` : "") }));
    item.addEventListener("click", () => {
      selectTab("code");
      if (marker.line) codeEditor.reveal(marker.line, marker.column);
    });
    host.append(item);
  }
}

function metadataChanged() {
  updateDirty();
  const box = $("#metadata-error");
  try {
    const metadata = JSON.parse(metadataEditor.value);
    box.hidden = true;
    metadataEditor.setMarkers([]);
    const schema = JSON.stringify(metadata.inputs_schema || []);
    if (schema !== state.lastSchema) {
      // The inputs form follows the schema being edited, keeping the values typed so far.
      const { values } = inputsForm.collect();
      state.lastSchema = schema;
      inputsForm.render(metadata.inputs_schema || [], { ...defaultsFor(metadata.inputs_schema || []), ...values });
    }
  } catch (error) {
    showJsonError(box, metadataEditor, error, "template.json");
  }
}

function defaultsFor(schema) {
  const out = {};
  for (const item of schema) if (item && item.key && item.default !== undefined) out[item.key] = item.default;
  return out;
}

// JSON.parse messages mention a position; turn it into line and column for the marker and the message.
function jsonErrorPosition(editor, error) {
  const text = editor.value;
  let match = /line (\d+) column (\d+)/.exec(error.message);
  if (match) return { line: Number(match[1]), column: Number(match[2]) };
  match = /position (\d+)/.exec(error.message);
  let offset = match ? Number(match[1]) : text.length;
  offset = Math.min(offset, text.length);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function showJsonError(box, editor, error, what) {
  const { line, column } = jsonErrorPosition(editor, error);
  const message = error.message.replace(/^JSON\.parse: /, "");
  box.textContent = `Invalid JSON in ${what}: ${message}`;
  box.hidden = false;
  editor.setMarkers([{ line, column, end_line: line, end_column: column + 1, message, kind: "error" }]);
}

function eventChanged() {
  parseEvent();
}

function parseEvent() {
  const box = $("#event-error");
  try {
    const value = JSON.parse(eventEditor.value);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("the event must be a JSON object");
    }
    box.hidden = true;
    eventEditor.setMarkers([]);
    return value;
  } catch (error) {
    if (error instanceof SyntaxError) {
      showJsonError(box, eventEditor, error, "the event");
    } else {
      box.textContent = `Invalid event: ${error.message}`;
      box.hidden = false;
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Tabs

function activeTab() {
  return document.querySelector(".editor-tabs [aria-selected='true']").dataset.tab;
}

function selectTab(name) {
  for (const tab of document.querySelectorAll(".editor-tabs [role='tab']")) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", selected ? "true" : "false");
    $(`#panel-${tab.dataset.tab}`).hidden = !selected;
  }
  if (name === "javascript") {
    $("#javascript").textContent = "Transpiling…";
    $("#javascript").dataset.state = "loading";
    api("/api/transpile", { source: codeEditor.value }).then(showJavascript)
      .catch((error) => { $("#javascript").textContent = error.message; });
  }
}

function selectOutputTab(name) {
  for (const tab of document.querySelectorAll(".output-tabs [role='tab']")) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", selected ? "true" : "false");
    $(`#output-${tab.dataset.tab}`).hidden = !selected;
  }
}

for (const tab of document.querySelectorAll(".editor-tabs [role='tab']")) {
  tab.addEventListener("click", () => selectTab(tab.dataset.tab));
}
for (const tab of document.querySelectorAll(".output-tabs [role='tab']")) {
  tab.addEventListener("click", () => selectOutputTab(tab.dataset.tab));
}

// ---------------------------------------------------------------------------------------------------
// Templates

async function loadTemplateList(selectRef) {
  const { templates } = await api("/api/templates");
  const picker = $("#template-picker");
  picker.innerHTML = "";
  const groups = { bundled: "Bundled templates", workdir: "Working folder", blank: "New" };
  for (const [origin, label] of Object.entries(groups)) {
    const group = el("optgroup", { label });
    for (const t of templates.filter((x) => x.origin === origin)) {
      const text = origin === "blank" ? "Blank template" : `${t.name || t.folder} (${t.folder})`;
      group.append(el("option", { value: t.ref, text }));
    }
    if (group.children.length) picker.append(group);
  }
  const wanted = selectRef || state.ref || (templates.find((t) => t.origin !== "blank") || templates[0]).ref;
  picker.value = wanted;
  await openTemplate(picker.value);
}

async function openTemplate(ref) {
  setStatus("Loading template…");
  let detail;
  try {
    detail = await api(`/api/templates/${encodeURIComponent(ref).replace(/%2F/g, "/")}`);
  } catch (error) {
    setStatus(error.message, "error");
    return;
  }
  state.ref = ref;
  state.detail = detail;
  codeEditor.setValue(detail.code);
  metadataEditor.setValue(JSON.stringify(detail.metadata, null, 2) + "\n");
  state.savedCode = codeEditor.value;
  state.savedMetadata = metadataEditor.value;
  state.lastSchema = JSON.stringify(detail.inputs_schema || []);
  $("#metadata-error").hidden = true;
  updateDirty();
  inputsForm.render(detail.inputs_schema, detail.inputs);

  const samplePicker = $("#sample-picker");
  samplePicker.innerHTML = "";
  for (const sample of detail.samples) samplePicker.append(el("option", { value: sample.name, text: sample.label }));
  samplePicker.value = detail.default_sample || (detail.samples[0] && detail.samples[0].name) || "";
  showSample(samplePicker.value);

  const scenarioPicker = $("#scenario-picker");
  scenarioPicker.innerHTML = "";
  detail.mock_scenarios.forEach((scenario, index) => scenarioPicker.append(el("option", { value: index, text: scenario.name })));
  scenarioPicker.value = "0";
  mocksEditor.load(detail.mock_scenarios[0].mocks);

  $("#new-folder").hidden = detail.writable;
  $("#test-count").textContent = detail.tests.length ? `(${detail.tests.length})` : "";
  $("#run-output").innerHTML = '<p class="muted">Press Run (Ctrl+Enter) to run the template on the event.</p>';
  $("#output-tests").innerHTML = '<p class="muted">Run the template\'s test cases (tests/*.json) against the code in the editor.</p>';
  $("#export-output").textContent = "";
  const problems = detail.problems || [];
  setStatus(problems.length ? `template.json has problems: ${problems[0].message}` : `Opened ${detail.name}.`,
    problems.length ? "error" : "info");
  document.body.dataset.template = ref;  // lets tests (and the curious) see which template is open
  compileNow();
}

function showSample(name) {
  const sample = (state.detail.samples || []).find((s) => s.name === name);
  if (!sample) return;
  eventEditor.setValue(JSON.stringify(sample.event, null, 2) + "\n");
  parseEvent();
}

$("#template-picker").addEventListener("change", (e) => openTemplate(e.target.value));
$("#sample-picker").addEventListener("change", (e) => showSample(e.target.value));
$("#scenario-picker").addEventListener("change", (e) => {
  mocksEditor.load(state.detail.mock_scenarios[Number(e.target.value)].mocks);
});

function currentMetadata() {
  try {
    return JSON.parse(metadataEditor.value);
  } catch (error) {
    selectTab("metadata");
    throw new Error(`template.json is not valid JSON: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Run, tests, save, export

async function run() {
  selectOutputTab("run");
  const output = $("#run-output");
  const problems = [];
  const event = parseEvent();
  if (event === null) problems.push($("#event-error").textContent);
  const { values, errors } = inputsForm.collect();
  problems.push(...errors);
  let mocks = null;
  try { mocks = mocksEditor.collect(); } catch (error) { problems.push(error.message); }
  let metadata = null;
  try { metadata = currentMetadata(); } catch (error) { problems.push(error.message); }
  if (problems.length) {
    output.innerHTML = "";
    output.append(el("div", { class: "outcome outcome-invalid", id: "run-outcome", "data-outcome": "invalid" },
      el("strong", { text: "Cannot run: " }), el("span", { text: problems.join(" ") })));
    return;
  }
  const fetchMode = document.querySelector("input[name='fetch-mode']:checked").value;
  $("#run-button").disabled = true;
  output.classList.add("busy");
  try {
    const result = await api("/api/run", {
      template: state.ref, source: codeEditor.value, metadata, event, inputs: values, mocks, fetch_mode: fetchMode,
    });
    renderRun(output, result, { onLine: (line, column) => { selectTab("code"); codeEditor.reveal(line, column); } });
    const error = result.error;
    codeEditor.setLineMarks(error && error.line ? [{ line: error.line, kind: "run-error" }] : []);
    if (error && error.line) codeEditor.setMarkers([...codeEditor.markers.filter((m) => m.kind !== "run"),
      { line: error.line, column: error.column, end_line: error.end_line, end_column: error.end_column,
        message: error.message, kind: "run" }]);
  } catch (error) {
    output.innerHTML = "";
    output.append(el("div", { class: "outcome outcome-invalid", id: "run-outcome", "data-outcome": "invalid" },
      el("strong", { text: "Cannot run: " }), el("span", { text: error.message })));
  } finally {
    $("#run-button").disabled = false;
    output.classList.remove("busy");
  }
}

async function runTests() {
  selectOutputTab("tests");
  const host = $("#output-tests");
  host.innerHTML = '<p class="muted">Running test cases…</p>';
  try {
    const report = await api("/api/test", { template: state.ref, source: codeEditor.value, metadata: currentMetadata() });
    renderTests(host, report);
  } catch (error) {
    host.innerHTML = "";
    host.append(el("div", { class: "outcome outcome-invalid", text: error.message }));
  }
}

async function save() {
  let metadata;
  try { metadata = currentMetadata(); } catch (error) { setStatus(error.message, "error"); return; }
  const body = { template: state.ref, source: codeEditor.value, metadata };
  if (!state.detail.writable) body.folder = $("#new-folder").value.trim();
  try {
    const result = await api("/api/save", body);
    setStatus(`Saved ${result.files.join(" and ")} in ${result.folder}/.`, "ok");
    if (result.ref !== state.ref) {
      await loadTemplateList(result.ref);
    } else {
      state.savedCode = codeEditor.value;
      state.savedMetadata = metadataEditor.value;
      updateDirty();
    }
  } catch (error) {
    setStatus(`Not saved: ${error.message}`, "error");
  }
}

async function exportJson() {
  selectOutputTab("export");
  try {
    const record = await api("/api/export", { template: state.ref, source: codeEditor.value, metadata: currentMetadata() });
    const text = JSON.stringify(record, null, 2) + "\n";
    $("#export-output").textContent = text;
    const link = $("#export-download");
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = `${record.id || "template"}.json`;
    link.hidden = false;
  } catch (error) {
    $("#export-output").textContent = error.message;
  }
}

$("#run-button").addEventListener("click", run);
$("#test-button").addEventListener("click", runTests);
$("#save-button").addEventListener("click", save);
$("#export-button").addEventListener("click", exportJson);
$("#reload-button").addEventListener("click", () => openTemplate(state.ref));
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") { e.preventDefault(); save(); }
});

for (const radio of document.querySelectorAll("input[name='fetch-mode']")) {
  radio.addEventListener("change", () => {
    $("#real-fetch-warning").hidden = document.querySelector("input[name='fetch-mode']:checked").value !== "real";
  });
}

loadTemplateList().then(() => { document.body.dataset.ready = "1"; })
  .catch((error) => setStatus(error.message, "error"));
