// Open one tutorial page of the built site (DOCS_URL, served on loopback) and read the heatmap
// of its first widget, rendered from the saved state by the bundle the site serves; record
// every request that leaves the site.
import { launch, report, tokens, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
const site = new URL(process.env.DOCS_URL).origin;
const elsewhere = [];
page.on("request", (request) => {
  if (!request.url().startsWith(site) && !request.url().startsWith("data:")) elsewhere.push(request.url());
});
await page.goto(process.env.DOCS_URL);
const root = page.locator(".ne-root").first();
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
const result = {
  pageErrors,
  elsewhere,
  widgets: await page.locator(".ne-root").count(),
  tokens: await tokens(root),
  runVisible: await root.locator("button.ne-primary").isVisible(),
};
await root.screenshot({ path: `${screenshots}/docs-tutorial.png` });
await browser.close();
report(result);
