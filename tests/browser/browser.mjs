// Shared by the browser scripts: Debian's chromium through playwright-core (from js/node_modules),
// headless, with everything that phones home switched off.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = createRequire(path.join(root, "js/package.json"))("playwright-core");

export const screenshots = process.env.SCREENSHOTS;

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.stack || String(error)));
  return { browser, context, page, pageErrors };
}

// Cut the network off: every request but file: URLs is aborted and its URL kept in the returned list.
export async function offline(context) {
  const requests = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  return requests;
}

// The last stdout line is the JSON result pytest reads.
export function report(result) {
  process.stdout.write("\n" + JSON.stringify(result) + "\n");
}

// Read every heatmap unit (text, index, score, background) inside one widget root.
export async function tokens(root, testid = "ne-token") {
  return root.locator(`[data-testid="${testid}"]`).evaluateAll((els) =>
    els.map((el) => ({
      text: el.textContent,
      index: Number(el.dataset.index),
      score: Number(el.dataset.score),
      background: getComputedStyle(el).backgroundColor,
    })),
  );
}

// How far each heatmap chip in `root` stands out from the page, from the computed styles: the
// chip's colour laid over the widget's background, and its WCAG contrast ratio with it.
export async function chipContrasts(root) {
  return root.locator('[data-testid="ne-token"]').evaluateAll((els) => {
    const rgba = (css) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    // the first ancestor with a background of its own is the page the chips sit on
    let page = [255, 255, 255];
    for (let el = els[0]?.parentElement; el; el = el.parentElement) {
      const [r, g, b, a = 1] = rgba(getComputedStyle(el).backgroundColor);
      if (getComputedStyle(el).backgroundColor !== "rgba(0, 0, 0, 0)" && a > 0) {
        page = [r, g, b];
        break;
      }
    }
    return els.map((el) => {
      const [r, g, b, a = 1] = rgba(getComputedStyle(el).backgroundColor);
      const alpha = getComputedStyle(el).backgroundColor === "rgba(0, 0, 0, 0)" ? 0 : a;
      const shown = [r, g, b].map((c, k) => alpha * c + (1 - alpha) * page[k]);
      const [l1, l2] = [luminance(shown), luminance(page)].sort((x, y) => y - x);
      return { text: el.textContent, score: Number(el.dataset.score), contrast: (l1 + 0.05) / (l2 + 0.05) };
    });
  });
}
