// Open a fresh copy of examples/quickstart.ipynb (NOTEBOOK, never run before) in JupyterLab (UI=lab) or Notebook 7 (UI=notebook), run all its
// cells, then run extra cells that print the kernel's numbers and display an XSS payload.
import { launch, report, tokens, screenshots } from "./browser.mjs";

const ui = process.env.UI || "lab";
const url = `${process.env.JUPYTER_URL}/${ui === "lab" ? "lab/tree" : "notebooks"}/${process.env.NOTEBOOK}`;
const { browser, page, pageErrors } = await launch();
const result = { pageErrors };
const minutes = (n) => n * 60000;

// JupyterLab may ask which kernel to use when the page connects slowly, at any moment: whenever
// that dialog stands in the way of an action, keep the proposed kernel
await page.addLocatorHandler(page.locator(".jp-Dialog", { hasText: "Select Kernel" }), async (dialog) => {
  await dialog.locator(".jp-mod-accept", { hasText: /^Select$/ }).click();
});

async function menu(top, item) {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }).click();
}

// every code cell shows an execution count once the kernel has run it
async function waitUntilAllRan(timeout) {
  await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")];
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent));
    },
    null,
    { timeout, polling: 500 },
  );
}

// a new cell at the end, run in place (Ctrl+Enter adds no further cell)
async function runNewCell(code) {
  const cells = page.locator(".jp-Notebook .jp-Cell");
  await cells.last().locator(".jp-InputArea-prompt").click();
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText(code);
  await page.keyboard.press("Control+Enter");
  await waitUntilAllRan(minutes(2));
  return cells.last();
}

// on failure, leave a screenshot of the page behind
process.on("uncaughtException", async (error) => {
  await page.screenshot({ path: `${screenshots}/failure-${ui}.png` }).catch(() => {});
  console.error(error);
  process.exit(1);
});

await page.goto(url);
await page.locator(".jp-Notebook").waitFor({ timeout: minutes(2) });
// the page's kernel has started and is idle (the REST API tells, in JupyterLab and Notebook 7 alike)
await page.waitForFunction(
  async () => {
    const kernels = await (await fetch("/api/kernels")).json();
    return kernels.some((k) => k.execution_state === "idle" && k.connections > 0);
  },
  null,
  { timeout: minutes(2), polling: 500 },
);
// the page may not have connected to the kernel yet, and then "Run All" runs nothing: try again
for (let attempt = 1; ; attempt++) {
  await menu("Run", "Run All Cells");
  const started = await page
    .waitForFunction(
      () => [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].some((p) => /\[(\*|\d+)\]/.test(p.textContent)),
      null,
      { timeout: 5000, polling: 250 },
    )
    .then(() => true, () => false);
  if (started) break;
  if (attempt === 24) throw new Error("Run All Cells never started the cells: the kernel did not connect in 2 minutes");
}
await waitUntilAllRan(minutes(8));
result.errors = await page.locator(".jp-OutputArea-output").evaluateAll((els) =>
  els.map((el) => el.textContent).filter((t) => /Traceback|Error:/.test(t)),
);

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
    'import json\nprint("NE-KERNEL", json.dumps({"method": widget.method, "words": list(widget.value.words), ' +
      '"scores": {m: widget.value.scores(m).tolist() for m in widget.value.methods}, ' +
      '"influence": [i["index"] for side in ("proponents", "opponents") for i in influential.influence[side]]}))',
  );
  const printed = await kernelCell.locator(".jp-OutputArea-output").first().textContent();
  result.kernel = JSON.parse(printed.slice(printed.indexOf("NE-KERNEL") + 10));

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
  await runNewCell(`ex.show('<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> ok', methods=["saliency_l2"])`);
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
