// Every slide of the talk, fully revealed, in real Chromium at 1280×720: rendered (not
// blank), nothing overflowing the 16:9 canvas, a screenshot of each to look at.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fetchDeck, openPage, screenshot, useServedDeck } from "./harness.mjs";

let server;
let browser;

useServedDeck((started) => ({ server, browser } = started));

test("every slide renders within the canvas, without console errors", async () => {
  const deck = await fetchDeck(server.url);
  const { page, context, errors } = await openPage(browser);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.goto(server.url);
  const problems = [];
  for (const [index, slide] of deck.slides.entries()) {
    await page.evaluate(([id, step]) => { location.hash = `#/${id}/${step}`; }, [slide.id, slide.steps]);
    await page.locator(`[data-slide-id="${slide.id}"][data-step="${slide.steps}"]`).waitFor();
    // Images and widgets settle before measuring.
    await page.evaluate(() => Promise.all([...document.images].map((image) => image.decode().catch(() => {}))));
    await page.waitForFunction(() => !document.querySelector(".widget-loading"));
    const overflow = await page.evaluate(() => {
      const root = document.querySelector("[data-slide-id]");
      const canvas = root.getBoundingClientRect();
      const outside = [];
      for (const element of root.querySelectorAll("h1, h2, p, li, table, pre, img, blockquote, .widget-slot")) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.bottom > canvas.bottom + 1 || box.right > canvas.right + 1) {
          outside.push(`${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 40)}" ends at ${Math.round(box.bottom)}/${Math.round(canvas.bottom)}`);
        }
      }
      return outside;
    });
    if (overflow.length > 0) problems.push(`${slide.id}: ${overflow.join("; ")}`);
    const number = String(index + 1).padStart(2, "0");
    const shot = await screenshot(page, `slide-${number}-${slide.id}`);
    if (shot.colours < 4) problems.push(`${slide.id}: looks blank (${shot.file})`);
  }
  assert.deepEqual(problems, [], `slides with problems:\n${problems.join("\n")}`);
  assert.deepEqual(errors, []);
  await context.close();
});
