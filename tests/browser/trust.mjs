// A static export of show()'s widget opened from disk: each method's trust line (its checks with
// ✓ or ⚠, and the words for a map that runs against leave-one-out) and the first-paint reason.
import { pathToFileURL } from "node:url";
import { launch, report, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
await root
  .locator('[data-testid="ne-token"]')
  .first()
  .waitFor({ timeout: 30000 });
const methods = await root
  .locator('[data-testid="ne-method-select"] option')
  .evaluateAll((os) => os.map((o) => o.value));
const lines = {};
for (const method of methods) {
  await root.locator('[data-testid="ne-method-select"]').selectOption(method);
  lines[method] = await root
    .locator('[data-testid="ne-trust-line"]')
    .evaluate((line) => ({
      visible: line.checkVisibility(),
      chips: [...line.querySelectorAll(".ne-trust")].map((c) => ({
        check: c.dataset.check,
        text: c.textContent,
        warn: c.classList.contains("ne-trust-warn"),
      })),
      reason: line.querySelector(".ne-first-paint")?.textContent ?? null,
    }));
  if (process.env.SHOT && lines[method].chips.some((c) => c.warn))
    await root.screenshot({ path: `${screenshots}/${process.env.SHOT}` });
}
await browser.close();
report({ pageErrors, methods, lines });
