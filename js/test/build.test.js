import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

const js = join(dirname(fileURLToPath(import.meta.url)), "..");
const shipped = join(js, "..", "notebook_explain", "static");
const FILES = ["widget.js", "widget.css"];

function buildInto() {
  const dir = mkdtempSync(join(tmpdir(), "ne-build-"));
  execFileSync(process.execPath, [join(js, "build.mjs"), "--outdir", dir], { cwd: tmpdir() });
  return dir;
}

test("the build is byte-for-byte reproducible and the shipped bundle is up to date", () => {
  const [a, b] = [buildInto(), buildInto()];
  try {
    for (const file of FILES) {
      const bytes = readFileSync(join(a, file));
      assert.ok(bytes.equals(readFileSync(join(b, file))), `${file} differs between two builds`);
      assert.ok(
        bytes.equals(readFileSync(join(shipped, file))),
        `notebook_explain/static/${file} is stale: run npm run build`,
      );
    }
    const widget = readFileSync(join(a, "widget.js"), "utf8");
    // anywidget takes the default export; a static page calls mountStatic (no named render)
    assert.match(widget, /export \{\n\s+index_default as default,\n\s+mountStatic\n\};\n$/);
    assert.doesNotMatch(widget, /innerHTML|insertAdjacentHTML|outerHTML|sourceMappingURL|<\/script|<!--/i);
  } finally {
    rmSync(a, { recursive: true });
    rmSync(b, { recursive: true });
  }
});

test("every CSS selector is scoped under .ne-root", () => {
  const css = readFileSync(join(js, "src", "style.css"), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/@keyframes[^{]*\{(?:[^{}]*\{[^}]*\})*[^}]*\}/g, "");
  const selectors = [...css.matchAll(/([^{}]+)\{[^}]*\}/g)].flatMap((m) => m[1].split(",").map((s) => s.trim()));
  assert.ok(selectors.length > 50);
  for (const selector of selectors) assert.match(selector, /^\.ne-root(?=[\s.:[]|$)/, selector);
});
