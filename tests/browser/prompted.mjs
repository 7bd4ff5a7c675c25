// A prompted LLM classifier's widget, exported with its influence tab open and opened from disk:
// the heatmap colours the user's words only; at the token level the prompt's template is there,
// every token of it marked special and uncoloured; the influence tab lists the demonstrations.
import { pathToFileURL } from "node:url";
import { launch, report, tokens, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
const result = { pageErrors };
await root.getByRole("tab", { name: "Training influence" }).waitFor({ timeout: 30000 });
result.demonstrations = await root
  .locator('[data-testid="ne-influence-item"]')
  .evaluateAll((els) => els.map((el) => ({ index: Number(el.dataset.index), text: el.textContent })));
await root.getByRole("tab", { name: "Heatmap" }).click();
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
result.model = await root.locator(".ne-header .ne-bar").first().textContent();
result.words = await tokens(root);
await root.locator('button[data-level="token"]').click();
result.tokens = await root.locator('[data-testid="ne-token"]').evaluateAll((els) =>
  els.map((el) => ({
    text: el.textContent,
    special: el.classList.contains("ne-special"),
    background: getComputedStyle(el).backgroundColor,
  })),
);
if (process.env.SHOT) await root.screenshot({ path: `${screenshots}/${process.env.SHOT}` });
await browser.close();
report(result);
