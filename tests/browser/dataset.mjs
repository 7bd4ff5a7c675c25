// A static export of Explainer.browse (PAGE): the dataset table in chromium. Sorts by SORT (a
// column key), largest first, then by the same column smallest first, each timed from the
// header's click to the end of the layout it causes; reads the order of the rows shown; types
// QUERY into the search. Run by the browser test and by benchmarks/dataset_view.py.
import { pathToFileURL } from "node:url";
import { launch, report, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
await root.locator('[data-testid="ne-dataset-row"]').first().waitFor({ timeout: 30000 });
const shown = () =>
  root.locator('[data-testid="ne-dataset-row"]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.row)));
const sortBy = (key) =>
  page.evaluate((column) => {
    const start = performance.now();
    document.querySelector(`.ne-sort[data-column="${column}"]`).click();
    document.querySelector(".ne-dataset-table").getBoundingClientRect(); // style and layout
    return performance.now() - start;
  }, key);
const result = { pageErrors, first: await shown() };
result.descendingMs = await sortBy(process.env.SORT);
result.descending = await shown();
result.ascendingMs = await sortBy(process.env.SORT);
result.ascending = await shown();
result.count = await root.locator('[data-testid="ne-dataset-count"]').textContent();
await root.locator('input[type="search"]').fill(process.env.QUERY);
result.searched = await shown();
result.opens = await root.locator(".ne-dataset-open").count(); // a static page cannot open rows
if (process.env.SHOT) await root.screenshot({ path: `${screenshots}/${process.env.SHOT}` });
await browser.close();
report(result);
