// A small code editor: a transparent <textarea> over a highlighted <pre>, with a line-number gutter,
// error markers (underline at the exact span, a gutter badge, the message on hover) and line highlights.
// One scroll container holds everything, so the layers never drift apart.

import { renderHighlighted, escapeHtml } from "./highlight.js";

const INDENT = "    ";

export class Editor {
  constructor(host, { language = "hog", onChange = null, label = "Code", minLines = 1 } = {}) {
    this.language = language;
    this.onChange = onChange;
    this.markers = [];      // {line, column, end_line, end_column, message, kind: "error"|"warning"}
    this.lineMarks = [];    // {line, kind} whole-line highlights (e.g. where a run failed)
    this.minLines = minLines;
    host.classList.add("editor", `editor-${language}`);
    host.innerHTML = `
      <div class="editor-gutter" aria-hidden="true"></div>
      <div class="editor-code">
        <div class="editor-lines" aria-hidden="true"></div>
        <pre class="editor-highlight" aria-hidden="true"></pre>
        <textarea class="editor-input" spellcheck="false" autocapitalize="off" autocomplete="off" wrap="off"></textarea>
      </div>
      <div class="editor-tooltip" role="tooltip" hidden></div>`;
    this.host = host;
    this.gutter = host.querySelector(".editor-gutter");
    this.lines = host.querySelector(".editor-lines");
    this.pre = host.querySelector(".editor-highlight");
    this.textarea = host.querySelector(".editor-input");
    this.tooltip = host.querySelector(".editor-tooltip");
    this.textarea.setAttribute("aria-label", label);
    this.textarea.addEventListener("input", () => this.changed());
    this.textarea.addEventListener("keydown", (e) => this.keydown(e));
    this.textarea.addEventListener("mousemove", (e) => this.hover(e));
    this.textarea.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    this.gutter.addEventListener("mousemove", (e) => this.gutterHover(e));
    this.gutter.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    this.render();
  }

  get value() { return this.textarea.value; }

  setValue(text) {
    this.textarea.value = text;
    this.markers = [];
    this.lineMarks = [];
    this.render();
  }

  changed() {
    this.lineMarks = [];  // a run's error line no longer applies once the code changes
    this.render();
    if (this.onChange) this.onChange(this.value);
  }

  setMarkers(markers) {
    this.markers = markers || [];
    this.render();
  }

  setLineMarks(marks) {
    this.lineMarks = marks || [];
    this.render();
  }

  // Offsets of (1-based line, 1-based column in code points) in the UTF-16 text.
  offsetOf(line, column) {
    const text = this.value;
    let offset = 0;
    for (let l = 1; l < line; l++) {
      const nl = text.indexOf("\n", offset);
      if (nl < 0) return text.length;
      offset = nl + 1;
    }
    let col = 1;
    while (col < column && offset < text.length && text[offset] !== "\n") {
      const code = text.charCodeAt(offset);
      offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      col++;
    }
    return offset;
  }

  render() {
    const text = this.value;
    const marks = this.markers.filter((m) => m.line).map((m) => {
      const start = this.offsetOf(m.line, m.column || 1);
      const end = m.end_line ? this.offsetOf(m.end_line, m.end_column || m.column || 1) : start;
      return { start, end: Math.max(start, end), kind: m.kind || "error" };
    });
    // A trailing newline needs a visible last line in the <pre>; the extra space keeps heights equal.
    this.pre.innerHTML = renderHighlighted(text, this.language, marks) + " \n";
    const count = Math.max(this.minLines, text.split("\n").length);
    const byLine = new Map();
    for (const m of this.markers) {
      if (!m.line) continue;
      const existing = byLine.get(m.line);
      if (!existing || existing.kind !== "error") byLine.set(m.line, m);
    }
    let gutter = "";
    for (let n = 1; n <= count; n++) {
      const marker = byLine.get(n);
      const cls = marker ? ` class="has-${marker.kind || "error"}" data-line="${n}"` : "";
      gutter += `<div${cls}>${marker ? '<span class="gutter-badge">●</span>' : ""}${n}</div>`;
    }
    this.gutter.innerHTML = gutter;
    this.lines.innerHTML = this.lineMarks.map((m) =>
      `<div class="line-mark line-mark-${m.kind}" data-line="${m.line}"></div>`).join("");
    for (const el of this.lines.children) {
      el.style.top = `calc(var(--pad) + ${(Number(el.dataset.line) - 1)} * var(--lh))`;
    }
  }

  // Where the pointer is, as (line, column), from the fixed line height and character width.
  positionAt(event) {
    const rect = this.textarea.getBoundingClientRect();
    const style = getComputedStyle(this.textarea);
    const lh = parseFloat(style.lineHeight);
    const pad = parseFloat(style.paddingTop);
    const padLeft = parseFloat(style.paddingLeft);
    const line = Math.floor((event.clientY - rect.top - pad) / lh) + 1;
    const column = Math.floor((event.clientX - rect.left - padLeft) / this.charWidth()) + 1;
    return { line, column };
  }

  charWidth() {
    if (!this._charWidth) {
      const probe = document.createElement("span");
      probe.textContent = "0".repeat(100);
      probe.className = "editor-probe";
      this.pre.appendChild(probe);
      this._charWidth = probe.getBoundingClientRect().width / 100 || 7.8;
      probe.remove();
    }
    return this._charWidth;
  }

  markerAt(line, column) {
    let onLine = null;
    for (const m of this.markers) {
      const endLine = m.end_line || m.line;
      if (line < m.line || line > endLine) continue;
      const startCol = line === m.line ? m.column || 1 : 1;
      const endCol = line === endLine ? Math.max(m.end_column || startCol, startCol + 1) : Infinity;
      if (column >= startCol && column < endCol) return m;
      onLine = onLine || m;
    }
    return onLine;
  }

  showTooltip(marker, event) {
    if (!marker) { this.tooltip.hidden = true; return; }
    const where = `line ${marker.line}, column ${marker.column || 1}`;
    this.tooltip.innerHTML = `<strong>${escapeHtml(marker.kind === "warning" ? "Warning" : "Error")}</strong> ` +
      `(${where}): ${escapeHtml(marker.message)}${marker.hint ? `<br><em>hint: ${escapeHtml(marker.hint)}</em>` : ""}`;
    // The tooltip lives inside the scrolling editor: position it in content coordinates.
    const box = this.host.getBoundingClientRect();
    this.tooltip.style.left = `${Math.max(4, event.clientX - box.left + this.host.scrollLeft + 12)}px`;
    this.tooltip.style.top = `${event.clientY - box.top + this.host.scrollTop + 16}px`;
    this.tooltip.hidden = false;
  }

  hover(event) {
    const { line, column } = this.positionAt(event);
    this.showTooltip(this.markerAt(line, column), event);
  }

  gutterHover(event) {
    const row = event.target.closest("[data-line]");
    const marker = row ? this.markers.find((m) => m.line === Number(row.dataset.line)) : null;
    this.showTooltip(marker, event);
  }

  // Put the caret at (line, column) and scroll it into view.
  reveal(line, column = 1) {
    const offset = this.offsetOf(line, column);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lh = parseFloat(getComputedStyle(this.textarea).lineHeight) || 20;
    const top = (line - 1) * lh;
    if (top < this.host.scrollTop || top > this.host.scrollTop + this.host.clientHeight - 2 * lh) {
      this.host.scrollTop = Math.max(0, top - this.host.clientHeight / 3);
    }
  }

  insert(text) {
    // execCommand keeps the browser's undo history; fall back to setRangeText where it is missing.
    if (!document.execCommand("insertText", false, text)) {
      this.textarea.setRangeText(text, this.textarea.selectionStart, this.textarea.selectionEnd, "end");
      this.changed();
    }
  }

  keydown(event) {
    const ta = this.textarea;
    if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (event.shiftKey) return;  // leave Shift+Tab for keyboard navigation
      event.preventDefault();
      this.insert(INDENT);
    } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      const before = ta.value.slice(0, ta.selectionStart);
      const lineStart = before.lastIndexOf("\n") + 1;
      const indent = /^[ \t]*/.exec(before.slice(lineStart))[0];
      const opens = /[{[(]\s*$/.test(before);
      this.insert("\n" + indent + (opens ? INDENT : ""));
    } else if (event.key === "Escape") {
      this.tooltip.hidden = true;
    }
  }
}
