// The hierarchy view of an exported explanation, opened from disk with the network cut off:
// every level's segments with their scores and colours, the detail a hover shows, the words a
// click marks, and the span-level view another method switches to.
import { pathToFileURL } from "node:url";
import { launch, offline, report, screenshots } from "./browser.mjs";

const { browser, context, page, pageErrors } = await launch();
const requests = await offline(context);
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
const view = root.locator('[data-testid="ne-hierarchy"]');
await view.locator("[data-start]").first().waitFor({ timeout: 30000 });

const rows = () =>
  view.locator(".ne-hierarchy-row").evaluateAll((rs) =>
    rs.map((r) =>
      [...r.children].map((s) => ({
        start: Number(s.dataset.start),
        end: Number(s.dataset.end),
        score: Number(s.dataset.score),
        text: s.textContent,
        background: getComputedStyle(s).backgroundColor,
        width: s.getBoundingClientRect().width,
      })),
    ),
  );
const result = { requests, pageErrors, source: await root.locator('[data-testid="ne-hierarchy-source"]').textContent() };
result.rows = await rows();
const target = view.locator(`[data-start="${process.env.START}"][data-end="${process.env.END}"]`).first();
await target.hover();
result.hover = await root.locator('[data-testid="ne-hierarchy-detail"]').textContent();
await target.click();
result.marked = await view.locator(".ne-hierarchy-row").evaluateAll((rs) =>
  rs.map((r) => [...r.querySelectorAll(".ne-selected")].map((e) => [Number(e.dataset.start), Number(e.dataset.end)])),
);
if (screenshots) await root.screenshot({ path: `${screenshots}/hierarchy.png` });
await root.locator('[data-testid="ne-hierarchy-method"]').selectOption(process.env.OTHER);
result.otherSource = await root.locator('[data-testid="ne-hierarchy-source"]').textContent();
result.otherRows = await rows();
await browser.close();
report(result);
