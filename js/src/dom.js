// A tiny element builder. Text only ever enters the DOM as text nodes or through textContent,
// attributes through setAttribute: nothing is parsed as HTML.

const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "readOnly"]);

/**
 * h("button", { class: "x", text: "Run", onclick: fn }, [children])
 * `text` sets textContent, `on<event>` adds a listener, value/checked/disabled/hidden/readOnly
 * set the property; anything else is an attribute. null, undefined and false are skipped.
 */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Replace an element's children (strings become text nodes). */
export function fill(el, children) {
  el.replaceChildren(
    ...children
      .filter((c) => c !== null && c !== undefined)
      .map((c) => (typeof c === "string" ? document.createTextNode(c) : c)),
  );
}
