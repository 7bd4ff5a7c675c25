// The bundle's entry point, one ESM file for every page: anywidget loads its default export
// ({ render }) in a notebook; a static page (export.py) imports it and calls mountStatic().

import { mountStandalone } from "./static-model.js";
import { render } from "./widget.js";

/** Render every exported widget (`div[data-ne-standalone]`) of `doc` from its inlined state. */
export function mountStatic(doc = document) {
  mountStandalone(doc, render);
}

export default { render };
