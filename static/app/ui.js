// Tiny DOM helpers: elements are built, never parsed from strings, so no
// record's text can become markup.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "checked" || key === "value" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, ...children);
  return el;
}

export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let counter = 0;
export function fieldId(name) {
  counter += 1;
  return `f-${name}-${counter}`;
}

// A labelled control: every input has a visible label.
export function field(label, control, hint = null) {
  control.id = control.id || fieldId(control.name || "x");
  return h("div", { class: "field" }, h("label", { for: control.id, text: label }), control,
           hint ? h("p", { class: "hint", text: hint }) : null);
}

export function checkbox(label, props = {}) {
  const input = h("input", { type: "checkbox", ...props });
  input.id = fieldId(props.name || "c");
  return h("div", { class: "check" }, input, h("label", { for: input.id, text: label }));
}

export function formatTime(iso, lang) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
