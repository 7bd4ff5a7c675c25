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

const SVG = "http://www.w3.org/2000/svg";

/** svg("polyline", { points: "0,0 4,2" }, [children]): an SVG element; `text` sets textContent, the rest are attributes. */
export function svg(tag, attrs = {}, children = []) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, String(value));
  }
  el.append(...children);
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
