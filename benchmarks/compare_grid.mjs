// Opens Compare in a static export (PAGE) REPEATS times, each on a freshly loaded page: the time
// from the tab's click to the end of the layout it causes, and the height of the Compare panel
// (SHOT: a screenshot of the panel, to this path).
// Run by benchmarks/widget_scale.py, which writes the export.
import { launch, report } from "../tests/browser/browser.mjs";
import { pathToFileURL } from "node:url";

const { browser, page, pageErrors } = await launch();
const runs = [];
for (let i = 0; i < Number(process.env.REPEATS || 5); i++) {
  await page.goto(pathToFileURL(process.env.PAGE).href);
  await page.locator('.ne-root [data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
  runs.push(
    await page.evaluate(() => {
      const tab = [...document.querySelectorAll(".ne-tab")].find((b) => b.textContent === "Compare methods");
      const panel = document.querySelector(".ne-panel-compare");
      const start = performance.now();
      tab.click();
      const height = panel.getBoundingClientRect().height; // forces style and layout
      return {
        ms: performance.now() - start,
        height,
        gridHeight: panel.querySelector('[data-testid="ne-compare-grid"]').getBoundingClientRect().height,
        cells: panel.querySelectorAll(".ne-grid-cell").length,
        width: panel.getBoundingClientRect().width,
      };
    }),
  );
}
if (process.env.SHOT) await page.locator(".ne-panel-compare").screenshot({ path: process.env.SHOT });
await browser.close();
report({ pageErrors, runs });
