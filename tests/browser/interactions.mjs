// The widget as a user works it in JupyterLab (UI=lab) or Notebook 7 (UI=notebook), on a fresh
// copy of NOTEBOOK (written by test_notebook.py): a GRU demo widget on a sentence (`widget`) and
// one on a long text (`long`), with a training index. Every progress line the widget shows is
// recorded, with where the heatmap sat at that moment.
import { chipContrasts, launch, report, screenshots } from "./browser.mjs";
import { menu, minutes, notebookUrl, openAndRunAll, printedJson, runNewCell } from "./jupyter.mjs";

const ui = process.env.UI;
const { browser, page, pageErrors } = await launch();
const result = { pageErrors };
result.errors = await openAndRunAll(page, notebookUrl(process.env.JUPYTER_URL, ui, process.env.NOTEBOOK), `interactions-${ui}`);

const roots = page.locator(".ne-root");
const main = roots.nth(0);
const long = roots.nth(1);
await long.locator('[data-testid="ne-token"]').first().waitFor({ timeout: minutes(1) });
// each live view shows its kernel-only controls once the kernel has answered its ping
await main.locator(".ne-add-method").waitFor({ timeout: minutes(1) });

// every progress text of a widget, with the heatmap's offset from the widget's top at that time
await page.evaluate(() => {
  window.__progress = [];
  for (const [i, root] of [...document.querySelectorAll(".ne-root")].entries()) {
    const busy = root.querySelector('[data-testid="ne-busy"]');
    const heatmap = () => root.querySelector(".ne-heatmap").getBoundingClientRect().top - root.getBoundingClientRect().top;
    new MutationObserver(() =>
      window.__progress.push({ widget: i, busy: !busy.hidden, text: busy.textContent, heatmapTop: heatmap() }),
    ).observe(busy, { attributes: true, childList: true, subtree: true, characterData: true });
    window.__progress.push({ widget: i, busy: false, text: "", heatmapTop: heatmap() });
  }
});
const progress = async (widget) => (await page.evaluate(() => window.__progress)).filter((p) => p.widget === widget);
const takeProgress = async (widget) => {
  const seen = await progress(widget);
  await page.evaluate((w) => (window.__progress = window.__progress.filter((p) => p.widget !== w)), widget);
  return seen;
};
const idle = (root) =>
  root.locator('[data-testid="ne-busy"]').waitFor({ state: "hidden", timeout: minutes(2) });
// do what sends a request, then wait for the kernel to take it (busy) and to answer (idle)
async function request(widget, root, action) {
  await page.evaluate((w) => (window.__progress = window.__progress.filter((p) => p.widget !== w)), widget);
  await action();
  await page.waitForFunction((w) => window.__progress.some((p) => p.widget === w && p.busy), widget, {
    timeout: minutes(1),
  });
  await idle(root);
}
const methods = (root) =>
  root.locator('[data-testid="ne-method-select"] option').evaluateAll((os) => os.map((o) => o.value));
const selected = (root) => root.locator('[data-testid="ne-method-select"]').inputValue();
await takeProgress(0);

// 1. arrow keys on the widget step through the methods (the notebook must not take them)
const before = await selected(main);
await main.locator(".ne-legend, .ne-heatmap").first().click({ position: { x: 2, y: 2 } });
await page.keyboard.press("ArrowRight");
result.arrow = { before, after: await selected(main), methods: await methods(main) };

// 2. a parameter change recomputes that method only
await main.locator('[data-testid="ne-method-select"]').selectOption("integrated_gradients");
await main.locator('.ne-param input[name="steps"]').fill("7");
await request(0, main, () => main.getByRole("button", { name: "Recompute" }).click());
result.recompute = await takeProgress(0);

// 3. "+ add method" computes the added method only, and it joins Compare
await request(0, main, () => main.locator(".ne-add-method").selectOption("saliency_l2"));
result.added = {
  progress: await takeProgress(0),
  methods: await methods(main),
  shown: await main.locator('[data-testid="ne-method-select"]').inputValue(),
};
await main.getByRole("tab", { name: "Compare methods" }).click();
result.added.compared = await main.locator(".ne-compare-name").allTextContents();
await main.getByRole("tab", { name: "Heatmap" }).click();

// 4. influence: the method select stays usable through three switches
await main.getByRole("tab", { name: "Training influence" }).click();
const influenceSelect = main.locator('[data-testid="ne-influence-method"]');
await influenceSelect.waitFor({ timeout: minutes(1) });
const choices = await influenceSelect.locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
result.influence = [];
for (const method of choices.filter((m) => m !== (choices[0] ?? "")).concat(choices[0]).slice(0, 3)) {
  await request(0, main, () => influenceSelect.selectOption(method));
  result.influence.push({
    method,
    disabled: await influenceSelect.isDisabled(),
    items: await main.locator('[data-testid="ne-influence-item"]').count(),
  });
}
await main.getByRole("tab", { name: "Heatmap" }).click();

// 5. cancel a long run: Shapley values of the long text, which it asks about first (tens of s)
await takeProgress(1);
const longMethods = await methods(long);
const scoresBefore = await long.locator('[data-testid="ne-token"]').evaluateAll((els) => els.map((e) => e.dataset.score));
await long.locator(".ne-add-method").selectOption("shapley");
await long.locator('[data-testid="ne-confirm-run"]').click({ timeout: minutes(1) });
await page.waitForFunction(() =>
  window.__progress.some((p) => p.widget === 1 && p.busy && p.text.includes("Running shapley")),
);
const cancelledAt = Date.now();
await long.locator('[data-testid="ne-cancel"]').click();
await idle(long);
result.cancel = {
  seconds: (Date.now() - cancelledAt) / 1000,
  error: await long.locator('[data-testid="ne-error"]').textContent(),
  methodsBefore: longMethods,
  methodsAfter: await methods(long),
  scoresKept:
    JSON.stringify(await long.locator('[data-testid="ne-token"]').evaluateAll((els) => els.map((e) => e.dataset.score))) ===
    JSON.stringify(scoresBefore),
  progress: await takeProgress(1),
};

// 5b. with the cost threshold at 0 s: a target switch waits for the user, the select keeping the
// class it would explain; dropped, the select goes back; the sanity check asks first too
await runNewCell(page, "import notebook_explain.session as _session; _session.CONFIRM_SECONDS = 0.0");
const target = long.locator(".ne-target");
const prompt = long.locator('[data-testid="ne-confirm"]');
const shownClass = await target.inputValue();
const otherClass = shownClass === "0" ? "1" : "0";
await target.selectOption(otherClass);
await prompt.waitFor({ state: "visible", timeout: minutes(1) });
result.held = {
  shown: shownClass,
  asked: otherClass,
  selectWhileHeld: await target.inputValue(),
  prompt: await prompt.textContent(),
  inView: await prompt.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }),
};
await long.locator('[data-testid="ne-confirm-drop"]').click();
result.held.selectAfterDrop = await target.inputValue();
await long.getByRole("tab", { name: "Compare methods" }).click();
await long.locator('[data-testid="ne-sanity"]').click();
await prompt.waitFor({ state: "visible", timeout: minutes(1) });
result.held.sanityPrompt = await prompt.textContent();
await long.locator('[data-testid="ne-confirm-drop"]').click();
await long.getByRole("tab", { name: "Heatmap" }).click();
await runNewCell(page, "_session.CONFIRM_SECONDS = 10.0");

// the kernel's view of it all
const kernelCell = await runNewCell(
  page,
  'print("NE-KERNEL", json.dumps({"methods": {m: dict(widget.value.result(m).params) for m in widget.value.methods}, ' +
    '"influence": widget.influence.get("method"), "long": {m: dict(long.value.result(m).params) for m in long.value.methods}}))',
);
result.kernel = await printedJson(kernelCell, "NE-KERNEL");

// 6. JupyterLab's dark theme: weak words fade, strong ones stand out
if (ui === "lab") {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Settings$/ }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: /^Theme$/ }).hover();
  await page.locator(".lm-Menu-itemLabel", { hasText: /^JupyterLab Dark$/ }).click();
  await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: minutes(1) });
  await page.waitForTimeout(500); // the theme's stylesheet applies
  // a signed map (the added unsigned one is on screen since step 3)
  await main.locator('[data-testid="ne-method-select"]').selectOption("integrated_gradients");
  result.dark = await chipContrasts(main);
  await main.locator(".ne-heatmap").screenshot({ path: `${screenshots}/jupyterlab-dark.png` });
  await main.screenshot({ path: `${screenshots}/widget-dark.png` });
  await menu(page, "Settings", "Theme");
  await page.locator(".lm-Menu-itemLabel", { hasText: /^JupyterLab Light$/ }).click();
}
await browser.close();
report(result);
