// Open a fresh copy of examples/quickstart.ipynb (NOTEBOOK, never run before) in JupyterLab (UI=lab) or Notebook 7 (UI=notebook), run all its
// cells, then run extra cells that print the kernel's numbers and display an XSS payload.
import { launch, report, tokens, screenshots } from "./browser.mjs";
import { minutes, notebookUrl, openAndRunAll, printedJson, runNewCell } from "./jupyter.mjs";

const ui = process.env.UI || "lab";
const { browser, page, pageErrors } = await launch();
const result = { pageErrors };
result.errors = await openAndRunAll(page, notebookUrl(process.env.JUPYTER_URL, ui, process.env.NOTEBOOK), ui);

const roots = page.locator(".ne-root");
await roots.nth(2).locator('[data-testid="ne-reduction-slider"]').waitFor({ timeout: minutes(1) });
result.widgets = await roots.count();
const main = roots.first();
result.tokens = await tokens(main);
result.methods = await main.locator('[data-testid="ne-method-select"] option').evaluateAll((os) => os.map((o) => o.value));
if (ui === "lab") {
  await main.screenshot({ path: `${screenshots}/widget.png` });

  // the kernel's own numbers for the first widget
  const kernelCell = await runNewCell(
    page,
    'import json\nprint("NE-KERNEL", json.dumps({"method": widget.method, "words": list(widget.value.words), ' +
      '"scores": {m: widget.value.scores(m).tolist() for m in widget.value.methods}, ' +
      '"influence": [i["index"] for side in ("proponents", "opponents") for i in influential.influence[side]]}))',
  );
  result.kernel = await printedJson(kernelCell, "NE-KERNEL");

  // switching the method recolours the heatmap
  await main.locator('[data-testid="ne-method-select"]').selectOption(result.methods[1]);
  result.afterToggle = await tokens(main);

  // the reduction stepper steps
  const reduction = roots.nth(2);
  const slider = reduction.locator('[data-testid="ne-reduction-slider"]');
  result.reductionMax = Number(await slider.getAttribute("max"));
  result.reductionSteps = [];
  for (const step of [0, 1, result.reductionMax]) {
    await slider.fill(String(step));
    const shown = reduction.locator('[data-testid="ne-reduction-step"]');
    result.reductionSteps.push({
      step: Number(await shown.getAttribute("data-step")),
      probability: Number(await shown.getAttribute("data-probability")),
      struck: await reduction.locator("s, .ne-removed").count(),
    });
  }
  await reduction.screenshot({ path: `${screenshots}/reduction.png` });

  // the influence panel lists the kernel's ranked training examples
  const influence = roots.nth(3);
  await influence.locator('[data-testid="ne-influence-item"]').first().waitFor({ timeout: minutes(1) });
  result.influence = await influence
    .locator('[data-testid="ne-influence-item"]')
    .evaluateAll((els) => els.map((el) => Number(el.getAttribute("data-index"))));
  await influence.screenshot({ path: `${screenshots}/influence.png` });

  // an XSS payload typed by a user stays text
  await runNewCell(page, `ex.show('<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> ok', methods=["saliency_l2"])`);
  const xssRoot = roots.nth(4);
  await xssRoot.locator('[data-testid="ne-token"]').first().waitFor({ timeout: minutes(1) });
  result.xssTokens = await tokens(xssRoot);
  result.xss = await page.evaluate(() => ({
    flag: window.__xss ?? null,
    injected: document.querySelectorAll(".ne-root img, .ne-root script").length,
  }));
}
await browser.close();
report(result);
