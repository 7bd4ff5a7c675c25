// A static export (PAGE) in a narrow output (WIDTH px of viewport): every view is opened in turn
// and whatever sticks out past the widget's right edge, outside a scrolling box, is reported.
// Screenshots: narrow-<view>.png.
import { pathToFileURL } from "node:url";
import { launch, report, screenshots } from "./browser.mjs";

const { browser, page, pageErrors } = await launch();
await page.setViewportSize({ width: Number(process.env.WIDTH), height: 900 });
await page.goto(pathToFileURL(process.env.PAGE).href);
const root = page.locator(".ne-root").first();
await root.locator('[data-testid="ne-token"]').first().waitFor({ timeout: 30000 });
const views = {};
for (const tab of await root.locator(".ne-tab:visible").all()) {
  const name = await tab.textContent();
  await tab.click();
  views[name] = await root.evaluate((el) => {
    const edge = el.getBoundingClientRect().right;
    const scrolls = (node) => {
      for (let p = node.parentElement; p && p !== el; p = p.parentElement) {
        if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
      }
      return false;
    };
    const sticking = [...el.querySelectorAll("*")].filter((node) => {
      const box = node.getBoundingClientRect();
      return box.width > 0 && box.right > edge + 1 && !scrolls(node);
    });
    const tabs = [...el.querySelectorAll(".ne-tab")].filter((t) => !t.hidden).map((t) => t.getBoundingClientRect().top);
    return {
      rootWidth: el.getBoundingClientRect().width,
      pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      sticking: sticking.slice(0, 10).map((n) => `${n.tagName.toLowerCase()}.${n.className}`),
      tabRows: new Set(tabs).size,
    };
  });
  await root.screenshot({ path: `${screenshots}/narrow-${name.split(" ")[0].toLowerCase()}.png` });
}
await browser.close();
report({ pageErrors, views });
