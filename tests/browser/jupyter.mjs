// Driving a notebook in JupyterLab (UI=lab) or Notebook 7 (UI=notebook): open it, run every cell
// once the kernel is connected, and run extra cells at the end. Shared by the notebook scripts.
import { screenshots } from "./browser.mjs";

export const minutes = (n) => n * 60000;

/** The notebook's page; JupyterLab's with a reset workspace, so no tab of an earlier run reopens. */
export function notebookUrl(base, ui, notebook) {
  return ui === "lab" ? `${base}/lab/tree/${notebook}?reset` : `${base}/notebooks/${notebook}`;
}

export async function menu(page, top, item) {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }).click();
}

/** Every code cell shows an execution count once the kernel has run it, or one cell failed
 * (then Run All stops there, and the cells after it never run). */
export async function waitUntilAllRan(page, timeout) {
  await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")];
      const failed = [...document.querySelectorAll(".jp-OutputArea-output")].some((o) => /Traceback/.test(o.textContent));
      return failed || (prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent)));
    },
    null,
    { timeout, polling: 500 },
  );
}

/** A new cell at the end, run in place (Ctrl+Enter adds no further cell); returns the cell. */
export async function runNewCell(page, code) {
  const cells = page.locator(".jp-Notebook .jp-Cell");
  await cells.last().locator(".jp-InputArea-prompt").click();
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText(code);
  await page.keyboard.press("Control+Enter");
  await waitUntilAllRan(page, minutes(2));
  return cells.last();
}

/** The JSON a cell printed after `marker` (print(marker, json.dumps(...))). */
export async function printedJson(cell, marker) {
  const printed = await cell.locator(".jp-OutputArea-output").first().textContent();
  return JSON.parse(printed.slice(printed.indexOf(marker) + marker.length + 1));
}

/** Open the notebook, wait for its kernel, then Run All Cells and wait until every cell ran. */
export async function openAndRunAll(page, url, name) {
  // JupyterLab may ask which kernel to use when the page connects slowly, at any moment: whenever
  // that dialog stands in the way of an action, keep the proposed kernel
  await page.addLocatorHandler(page.locator(".jp-Dialog", { hasText: "Select Kernel" }), async (dialog) => {
    await dialog.locator(".jp-mod-accept", { hasText: /^Select$/ }).click();
  });
  // on failure, leave a screenshot of the page behind
  process.on("uncaughtException", async (error) => {
    await page.screenshot({ path: `${screenshots}/failure-${name}.png` }).catch(() => {});
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
    await menu(page, "Run", "Run All Cells");
    const started = await page
      .waitForFunction(
        () =>
          [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].some((p) =>
            /\[(\*|\d+)\]/.test(p.textContent),
          ),
        null,
        { timeout: 5000, polling: 250 },
      )
      .then(
        () => true,
        () => false,
      );
    if (started) break;
    if (attempt === 24) throw new Error("Run All Cells never started the cells: the kernel did not connect in 2 minutes");
  }
  await waitUntilAllRan(page, minutes(8));
  const errors = await page
    .locator(".jp-OutputArea-output")
    .evaluateAll((els) => els.map((el) => el.textContent).filter((t) => /Traceback|Error:/.test(t)));
  if (errors.some((e) => /Traceback/.test(e))) throw new Error(`A cell failed:\n${errors.join("\n").slice(-3000)}`);
  return errors;
}
