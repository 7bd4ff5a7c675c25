// A static export (Explanation.to_html) opened from disk with the network cut off: it renders
// the same views, text stays text, and toggling a method is fast.
import { pathToFileURL } from "node:url";
import { launch, offline, report, tokens, screenshots } from "./browser.mjs";

const { browser, context, page, pageErrors } = await launch();
const requests = await offline(context);

const result = { requests, pageErrors };
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
result.tokens = await tokens(root);
result.methods = await root.locator('[data-testid="ne-method-select"] option').evaluateAll((os) => os.map((o) => o.value));
result.xss = await page.evaluate(() => ({
  flag: window.__xss ?? null,
  images: document.querySelectorAll("img").length,
  scripts: [...document.querySelectorAll("script")].filter((s) => s.type !== "application/json").length,
}));

// toggling: every method once, timed from the change event to the end of the style recalculation
const toggles = [];
for (const method of [...result.methods.slice(1), result.methods[0]]) {
  toggles.push(
    await page.evaluate((name) => {
      const select = document.querySelector('[data-testid="ne-method-select"]');
      const start = performance.now();
      select.value = name;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      for (const el of document.querySelectorAll('[data-testid="ne-token"]')) getComputedStyle(el).backgroundColor;
      return performance.now() - start;
    }, method),
  );
  if (toggles.length === 1) result.afterToggle = await tokens(root);
}
result.toggleMs = toggles;
if (process.env.SHOT) await root.screenshot({ path: `${screenshots}/${process.env.SHOT}` });
await browser.close();
report(result);
