// A static export of a widget with an evaluation (ExplainWidget.to_html), opened from disk: the
// faithfulness table shows the exported numbers and curves; no control that needs a kernel shows.
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
// the controls a static page cannot serve, and which of them a user would see
const kernelOnly = await page.evaluate(() => {
  const controls = [
    ...document.querySelectorAll('[data-testid="ne-evaluate"], [data-testid="ne-cancel"], select.ne-add-method'),
    ...[...document.querySelectorAll("button")].filter((b) =>
      ["Run", "Recompute", "Compute input reduction"].includes(b.textContent),
    ),
  ];
  const visible = (el) => el.checkVisibility?.() ?? el.offsetParent !== null;
  return { found: controls.length, visible: controls.filter(visible).map((el) => el.textContent || el.className) };
});
await browser.close();
report({ pageErrors, cells, kernelOnly });
