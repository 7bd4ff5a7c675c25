// A static export (PAGE) in JupyterLab's light or dark colours (THEME): how far each word's chip
// stands out from the page, measured from the computed styles: the chip's colour laid over the
// page's, and its WCAG contrast ratio with the page. Screenshot: heatmap-<THEME>.png.
import { pathToFileURL } from "node:url";
import { chipContrasts, launch, report, screenshots } from "./browser.mjs";

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
const chips = await chipContrasts(root);
await root.locator(".ne-heatmap").screenshot({ path: `${screenshots}/heatmap-${process.env.THEME}.png` });
await browser.close();
report({ pageErrors, chips });
