// A static export of a widget with an evaluation (ExplainWidget.to_html), opened from disk: the
// faithfulness table shows the exported numbers and curves, and its button says a kernel is needed.
import { pathToFileURL } from "node:url";
import { launch, report, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
await page.goto(pathToFileURL(process.env.PAGE).href);
const panel = page.locator(".ne-panel:not([hidden]) .ne-faithfulness-panel");
await panel.locator('[data-testid="ne-faithfulness"]').waitFor({ timeout: 30000 });
const cells = await panel.locator("td[data-metric]").evaluateAll((tds) =>
  tds.map((td) => ({
    method: td.dataset.method,
    metric: td.dataset.metric,
    value: td.dataset.value === "" ? null : Number(td.dataset.value),
    best: td.hasAttribute("data-best"),
    points: Number(td.querySelector("svg")?.dataset.points ?? 0),
  })),
);
if (process.env.SHOT) await page.locator(".ne-root").screenshot({ path: `${screenshots}/${process.env.SHOT}` });
await panel.locator('[data-testid="ne-evaluate"]').click();
const error = await page.locator('[data-testid="ne-error"]').textContent();
await browser.close();
report({ pageErrors, cells, error });
