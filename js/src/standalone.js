// The static page's entry point (bundled as an IIFE): renders every exported widget on the page.

import { mountStandalone } from "./static-model.js";
import { render } from "./widget.js";

const mount = () => mountStandalone(document, render);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
