// The inputs form, generated from a template's inputs_schema.
// string / number / boolean / choice / dictionary (key-value rows) / json / integration (key-value rows)
// Secret inputs, and dictionary entries whose key looks like a credential, are masked with a Show toggle.

import { escapeHtml } from "./highlight.js";

const CREDENTIAL_KEY = /authorization|cookie|token|secret|password|passcode|credential|api[-_]?key|private[-_]?key|signing[-_]?key/i;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function maskedInput(value, attrs) {
  const input = el("input", { type: "password", autocomplete: "off", ...attrs });
  input.value = value;
  const toggle = el("button", { type: "button", class: "mask-toggle", text: "Show", "aria-label": "Show the secret value" });
  toggle.addEventListener("click", () => {
    const hidden = input.type === "password";
    input.type = hidden ? "text" : "password";
    toggle.textContent = hidden ? "Hide" : "Show";
  });
  return el("span", { class: "masked" }, input, toggle);
}

function textValue(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// key/value rows; values are text (templated strings), non-string defaults are shown as JSON.
function dictionaryEditor(value, { secret = false, id }) {
  const rows = el("div", { class: "dict-rows", id });
  const add = (key, val) => {
    const masked = secret || CREDENTIAL_KEY.test(key);
    const keyInput = el("input", { type: "text", class: "dict-key", placeholder: "key", "aria-label": "key" });
    keyInput.value = key;
    const valueAttrs = { class: "dict-value", placeholder: "value", "aria-label": `value of ${key || "new key"}` };
    const valueField = masked ? maskedInput(textValue(val), valueAttrs) : el("input", { type: "text", ...valueAttrs });
    if (!masked) valueField.value = textValue(val);
    const remove = el("button", { type: "button", class: "icon-button", text: "✕", title: "Remove this entry" });
    const row = el("div", { class: "dict-row" }, keyInput, valueField, remove);
    if (val !== null && val !== undefined && typeof val !== "string") row.dataset.json = "1";
    remove.addEventListener("click", () => row.remove());
    rows.append(row);
  };
  for (const [key, val] of Object.entries(value && typeof value === "object" ? value : {})) add(key, val);
  const addButton = el("button", { type: "button", class: "small-button", text: "+ Add entry" });
  addButton.addEventListener("click", () => add("", ""));
  const wrapper = el("div", { class: "dict-editor" }, rows, addButton);
  wrapper.collect = () => {
    const out = {};
    for (const row of rows.querySelectorAll(".dict-row")) {
      const key = row.querySelector(".dict-key").value;
      const raw = row.querySelector(".dict-value").value;
      if (!key) continue;
      if (row.dataset.json) {
        try { out[key] = JSON.parse(raw); continue; } catch { /* edited into plain text: keep the text */ }
      }
      out[key] = raw;
    }
    return out;
  };
  return wrapper;
}

function jsonEditor(value, { id }) {
  const area = el("textarea", { class: "json-input", rows: 4, spellcheck: "false", id });
  area.value = JSON.stringify(value === undefined ? null : value, null, 2);
  const wrapper = el("div", { class: "json-field" }, area);
  wrapper.collect = () => {
    try {
      return JSON.parse(area.value);
    } catch (error) {
      throw new Error(`not valid JSON: ${error.message}`);
    }
  };
  return wrapper;
}

export class InputsForm {
  constructor(host) {
    this.host = host;
    this.fields = [];
  }

  render(schema, values) {
    this.host.innerHTML = "";
    this.fields = [];
    if (!schema || schema.length === 0) {
      this.host.append(el("p", { class: "muted", text: "This template has no inputs." }));
      return;
    }
    for (const item of schema) {
      if (!item || typeof item.key !== "string") continue;
      const id = `input-${item.key}`;
      const value = Object.prototype.hasOwnProperty.call(values, item.key) ? values[item.key] : item.default;
      const label = el("label", { for: id, class: "field-label" },
        document.createTextNode(item.label || item.key),
        item.required ? el("span", { class: "required", text: " *", title: "required" }) : null,
        el("code", { class: "field-key", text: item.key }),
        item.secret ? el("span", { class: "badge", text: "secret" }) : null);
      const kind = item.type || "string";
      let control;
      let collect;
      if (kind === "boolean") {
        control = el("input", { type: "checkbox", id });
        control.checked = Boolean(value);
        collect = () => control.checked;
      } else if (kind === "choice") {
        control = el("select", { id });
        for (const choice of item.choices || []) {
          const option = el("option", { value: JSON.stringify(choice.value), text: choice.label ?? String(choice.value) });
          if (choice.value === value) option.selected = true;
          control.append(option);
        }
        collect = () => (control.value ? JSON.parse(control.value) : null);
      } else if (kind === "number") {
        control = el("input", { type: "number", id, step: "any" });
        control.value = value ?? "";
        collect = () => (control.value === "" ? null : Number(control.value));
      } else if (kind === "dictionary" || kind === "integration") {
        control = dictionaryEditor(value, { secret: Boolean(item.secret), id });
        collect = () => control.collect();
      } else if (kind === "json" || kind === "email" || (value !== null && value !== undefined && typeof value === "object")) {
        control = jsonEditor(value, { id });
        collect = () => control.collect();
      } else if (item.secret) {
        control = maskedInput(textValue(value), { id });
        const input = control.querySelector("input");
        collect = () => input.value;
      } else {
        control = el("input", { type: "text", id });
        control.value = textValue(value);
        collect = () => control.value;
      }
      const error = el("div", { class: "field-error", hidden: true });
      const help = item.description ? el("div", { class: "field-help", text: item.description }) : null;
      const field = el("div", { class: `field field-${kind}`, "data-key": item.key }, label, control, help, error);
      this.host.append(field);
      this.fields.push({ key: item.key, collect, error });
    }
  }

  // {values, errors}: errors name the input, and are shown under it.
  collect() {
    const values = {};
    const errors = [];
    for (const field of this.fields) {
      field.error.hidden = true;
      try {
        values[field.key] = field.collect();
      } catch (error) {
        field.error.textContent = error.message;
        field.error.hidden = false;
        errors.push(`Input '${field.key}': ${error.message}`);
      }
    }
    return { values, errors };
  }
}

export { el, escapeHtml };
