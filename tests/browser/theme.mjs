// A static export (PAGE) in JupyterLab's light or dark colours (THEME): how far each word's chip
// stands out from the page, measured from the computed styles: the chip's colour laid over the
// page's, and its WCAG contrast ratio with the page. Screenshot: heatmap-<THEME>.png.
import { pathToFileURL } from "node:url";
import { launch, report, screenshots } from "./browser.mjs";

const THEMES = {
  light: { page: "#ffffff", text: "#000000" },
  dark: { page: "#111111", text: "#e0e0e0" },
};
const theme = THEMES[process.env.THEME];
const { browser, page, pageErrors } = await launch();
await page.goto(pathToFileURL(process.env.PAGE).href);
await page.addStyleTag({
  content: `:root { --jp-layout-color1: ${theme.page}; --jp-ui-font-color1: ${theme.text}; }
            body { background: ${theme.page}; color: ${theme.text}; }`,
});
const root = page.locator(".ne-root").first();
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
const chips = await root.locator('[data-testid="ne-token"]').evaluateAll((els) => {
  const rgba = (css) => (css.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const pageColor = rgba(getComputedStyle(document.querySelector(".ne-root")).backgroundColor);
  return els.map((el) => {
    const [r, g, b, a = 1] = rgba(getComputedStyle(el).backgroundColor);
    const alpha = getComputedStyle(el).backgroundColor === "rgba(0, 0, 0, 0)" ? 0 : a;
    const shown = [r, g, b].map((c, k) => alpha * c + (1 - alpha) * pageColor[k]);
    const [l1, l2] = [luminance(shown), luminance(pageColor)].sort((x, y) => y - x);
    return { text: el.textContent, score: Number(el.dataset.score), contrast: (l1 + 0.05) / (l2 + 0.05) };
  });
});
await root.locator(".ne-heatmap").screenshot({ path: `${screenshots}/heatmap-${process.env.THEME}.png` });
await browser.close();
report({ pageErrors, chips });
