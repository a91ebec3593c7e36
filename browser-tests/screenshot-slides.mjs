// Screenshots every slide of the talk at 1920×1080, fully revealed (its last step, widgets
// played to their last checkpoint), into browser-tests/screenshots/slides/NN-<id>.png, so
// an author can look at each one. Not a test: run it by hand after `cargo xtask build`:
//
//   RAFTDECK_BIN=target/release/raftdeck RAFTDECK_DECK=. RAFTDECK_DIST=target/dist \
//   CHROMIUM=/usr/bin/chromium node browser-tests/screenshot-slides.mjs [slide-id…]
//
// It prints one line per slide (file, distinct colours, share of non-background pixels)
// and exits 1 if a slide looks blank or the page logged an error.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fetchDeck, launchBrowser, screenshot, startServer } from "./tests/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = new Set(process.argv.slice(2));
const server = await startServer();
const browser = await launchBrowser();
let failed = false;
try {
  const deck = await fetchDeck(server.url);
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  page.on("pageerror", (error) => errors.push(String(error)));
  for (const [index, slide] of deck.slides.entries()) {
    if (only.size > 0 && !only.has(slide.id)) continue;
    await page.goto(`${server.url}#/${slide.id}/${slide.steps}`);
    await page.locator(`[data-slide-id="${slide.id}"][data-step="${slide.steps}"]`).first().waitFor();
    for (const widget of slide.widgets ?? []) {
      const last = widget.checkpoints.at(-1);
      if (last === undefined) continue;
      await page
        .locator(`main [data-widget][data-sim-ms="${last}"]`)
        .first()
        .waitFor({ timeout: 120000 });
    }
    // Fonts and images settle.
    await page.waitForTimeout(300);
    const name = path.join("slides", `${String(index + 1).padStart(2, "0")}-${slide.id}`);
    const shot = await screenshot(page, name);
    const blank = shot.colours < 4 || shot.varied < 0.01;
    failed ||= blank;
    console.log(`${path.relative(here, shot.file)}\tcolours ${shot.colours}\tvaried ${shot.varied.toFixed(3)}${blank ? "\tBLANK" : ""}`);
  }
  if (errors.length > 0) {
    failed = true;
    console.error(`page errors:\n${errors.join("\n")}`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
