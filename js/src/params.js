// A method parameter's input, built from its registered metadata
// ({default, help, choices, low, high, words}): a select for choices, a checkbox for booleans,
// a number input for numbers (a text input when words such as "auto" are allowed beside them),
// a text input otherwise.

import { h } from "./dom.js";

function numberControl(label, spec, value) {
  const words = spec.words ?? [];
  const integer = Number.isInteger(spec.default) || words.includes(spec.default);
  const low = spec.low ?? null;
  const high = spec.high ?? null;
  const input = words.length
    ? h("input", { type: "text", inputmode: "numeric", value: String(value) })
    : h("input", { type: "number", min: low, max: high, step: integer ? 1 : "any", value: String(value) });
  const range = low !== null || high !== null ? ` in [${low ?? "−∞"}, ${high ?? "∞"}]` : "";
  const either = words.map((w) => ` or "${w}"`).join("");
  const read = () => {
    if (words.includes(input.value.trim())) return input.value.trim();
    const v = Number(input.value);
    const ok =
      input.value.trim() !== "" &&
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)) &&
      (low === null || v >= low) &&
      (high === null || v <= high);
    if (!ok) throw new Error(`${label} must be ${integer ? "an integer" : "a number"}${range}${either}.`);
    return v;
  };
  return { input, read };
}

function choiceControl(spec, value) {
  const input = h(
    "select",
    {},
    spec.choices.map((choice, i) => h("option", { value: i, text: String(choice) })),
  );
  input.value = String(Math.max(0, spec.choices.indexOf(value)));
  return { input, read: () => spec.choices[Number(input.value)] };
}

/** {el, name, read()}: read() returns the typed value or throws an Error with a readable message. */
export function paramControl(method, name, spec, value) {
  let control;
  if (Array.isArray(spec.choices)) control = choiceControl(spec, value);
  else if (typeof spec.default === "boolean") {
    const input = h("input", { type: "checkbox", checked: Boolean(value) });
    control = { input, read: () => input.checked };
  } else if (typeof spec.default === "number" || spec.words?.length)
    control = numberControl(`${method}: ${name}`, spec, value);
  else {
    const input = h("input", { type: "text", value: String(value ?? "") });
    control = { input, read: () => input.value };
  }
  control.input.setAttribute("name", name);
  const el = h("label", { class: "ne-param", title: spec.help ?? "" }, [h("span", { text: name }), control.input]);
  return { el, name, read: control.read };
}
