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
