// Open a page that shows one live widget (APP_URL: a Voilà dashboard or a marimo app), wait for
// its heatmap and for the kernel's answer to the view's ping (the Run button appears), then do
// what a user does: pick another method, type a new text and press Run, and read the heatmap
// the kernel sends back.
import { launch, report, tokens, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
const result = { pageErrors };
const root = page.locator(".ne-root").first();

process.on("uncaughtException", async (error) => {
  await page.screenshot({ path: `${screenshots}/failure-${process.env.APP}.png` }).catch(() => {});
  console.error(error);
  process.exit(1);
});

// poll through locators: marimo renders its widgets inside a shadow root, which
// document.querySelector does not enter
async function until(check, timeout, what) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

await page.goto(process.env.APP_URL);
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 180000 });
result.before = await tokens(root);
const run = root.locator("button.ne-primary");
await run.waitFor({ state: "visible", timeout: 30000 }); // the kernel answered the ping
result.methods = await root.locator('[data-testid="ne-method-select"] option').evaluateAll((os) => os.map((o) => o.value));
const select = root.locator('[data-testid="ne-method-select"]');
await select.selectOption(result.methods[1]);
await until(async () => (await select.inputValue()) === result.methods[1], 10000, "the method switch");
await root.locator('[data-testid="ne-text"]').fill(process.env.NEW_TEXT);
await run.click();
const words = async () => (await tokens(root)).map((t) => t.text).join(" ");
await until(async () => (await words()) === process.env.NEW_TEXT, 60000, "the kernel's new heatmap");
result.after = await tokens(root);
result.errorShown = await root.locator('[data-testid="ne-error"]').isVisible();
await page.screenshot({ path: `${screenshots}/${process.env.APP}.png` });
await browser.close();
report(result);
