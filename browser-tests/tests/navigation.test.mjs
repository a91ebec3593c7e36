// The deck in a real browser: first slide, keys, URL contract, reload, no console errors,
// a non-blank screenshot, and the readable failure when the WASM cannot load.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useServedDeck } from "./harness.mjs";

let server;
let browser;
let deck;

useServedDeck((started) => ({ server, browser, deck } = started), {
  stopped: (code) => assert.equal(code, 0, `raftdeck serve should stop cleanly on Ctrl-C:\n${server?.output()}`),
});

const visibleSlide = (page) => page.locator("[data-slide-id][data-step]");

test("the first slide is shown, titled, and the screenshot is not blank", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url);
  await visibleSlide(page).waitFor();
  assert.equal(await visibleSlide(page).getAttribute("data-slide-id"), deck.slides[0].id);
  assert.equal(await page.title(), deck.meta.title);
  assert.match(await page.locator("h1").first().innerText(), /Kubernetes/);
  const shot = await screenshot(page, "01-first-slide");
  assert.ok(shot.colours > 20, `the first slide looks blank (${shot.colours} colours): ${shot.file}`);
  assert.ok(shot.varied > 0.02, `the first slide looks blank (${shot.varied}): ${shot.file}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the first slide loads no simulation; the slide before a widget fetches the widgets module", async () => {
  const { page, context, errors } = await openPage(browser);
  const widgetsModule = (request) => /\/assets\/raftdeck-widgets-[0-9a-f]+\.(js|wasm)$/.test(new URL(request.url()).pathname);
  const fetched = [];
  page.on("request", (request) => { if (widgetsModule(request)) fetched.push(new URL(request.url()).pathname); });
  await page.goto(server.url);
  await visibleSlide(page).waitFor();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowLeft");
  await page.waitForLoadState("networkidle");
  assert.deepEqual(fetched, [], "the widgets module was fetched for the first slides");
  const first = deck.slides.findIndex((slide) => slide.widgets.length > 0);
  assert.ok(first > 1, "the talk opens with slides without widgets");
  const before = deck.slides[first - 1];
  await page.goto(`${server.url}#/${before.id}`);
  await page.locator(`[data-slide-id="${before.id}"]`).waitFor();
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((entry) => /raftdeck-widgets-[0-9a-f]+\.wasm$/.test(entry.name)));
  assert.equal(fetched.filter((path) => path.endsWith(".wasm")).length, 1, `fetched: ${fetched}`);
  // On the widget's slide, the module is there already: the widget mounts.
  await page.goto(`${server.url}#/${deck.slides[first].id}`);
  await page.locator(`[data-slide-id="${deck.slides[first].id}"] [data-widget]`).first().waitFor();
  assert.equal(fetched.filter((path) => path.endsWith(".wasm")).length, 1, `fetched twice: ${fetched}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("ArrowRight walks the steps and slides, and the hash follows", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url);
  await visibleSlide(page).waitFor();
  // Walk to the second slide: every step of the first, then one more.
  for (let step = 0; step <= deck.slides[0].steps; step += 1) {
    await page.keyboard.press("ArrowRight");
  }
  const second = deck.slides[1];
  await page.locator(`[data-slide-id="${second.id}"][data-step="0"]`).waitFor();
  assert.equal(new URL(page.url()).hash, `#/${second.id}`);
  if (second.steps > 0) {
    const fragment = page.locator('[data-fragment="1"]');
    assert.equal(await fragment.isVisible(), false, "a fragment is hidden before its step");
    await page.keyboard.press("Space");
    await page.locator(`[data-slide-id="${second.id}"][data-step="1"]`).waitFor();
    assert.equal(await fragment.isVisible(), true, "a fragment shows at its step");
    assert.equal(new URL(page.url()).hash, `#/${second.id}/1`);
    await page.keyboard.press("ArrowLeft");
    await page.locator(`[data-slide-id="${second.id}"][data-step="0"]`).waitFor();
  }
  await page.keyboard.press("ArrowLeft");
  await page.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor();
  await page.keyboard.press("End");
  const last = deck.slides.at(-1);
  await page.locator(`[data-slide-id="${last.id}"][data-step="${last.steps}"]`).waitFor();
  await page.keyboard.press("Home");
  await page.locator(`[data-slide-id="${deck.slides[0].id}"][data-step="0"]`).waitFor();
  await page.keyboard.press("PageDown");
  await page.keyboard.press("PageUp");
  await page.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a URL opens that slide and step, and a reload keeps it", async () => {
  const { page, context, errors } = await openPage(browser);
  const target = deck.slides.find((slide) => slide.steps > 0) ?? deck.slides[2];
  const step = Math.min(1, target.steps);
  await page.goto(`${server.url}#/${target.id}/${step}`);
  await page.locator(`[data-slide-id="${target.id}"][data-step="${step}"]`).waitFor();
  await page.reload();
  await page.locator(`[data-slide-id="${target.id}"][data-step="${step}"]`).waitFor();
  const shot = await screenshot(page, "02-deep-link");
  assert.ok(shot.colours > 10, `blank screenshot: ${shot.file}`);
  // Editing the hash by hand navigates too.
  await page.evaluate((id) => { location.hash = `#/${id}`; }, deck.slides[0].id);
  await page.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("the canvas is letterboxed to 16:9 in any window", async () => {
  const { page, context } = await openPage(browser, { width: 1000, height: 900 });
  await page.goto(server.url);
  await visibleSlide(page).waitFor();
  const box = await page.locator(".canvas").boundingBox();
  assert.ok(Math.abs(box.width - 1000) < 2, `canvas width ${box.width}`);
  assert.ok(Math.abs(box.height - 562.5) < 2, `canvas height ${box.height}`);
  assert.ok(Math.abs(box.y - (900 - 562.5) / 2) < 2, `canvas is centred vertically (${box.y})`);
  await context.close();
});

test("when the WASM cannot load, the page says so instead of staying blank", async () => {
  const { page, context } = await openPage(browser);
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto(server.url);
  const failure = page.locator(".boot-failed[role=alert]");
  await failure.waitFor();
  assert.match(await failure.innerText(), /n’a pas pu démarrer/);
  await context.close();
});

test("the HTML draws the first slide before the app loads, and the app takes over", async () => {
  const { page, context, errors } = await openPage(browser);
  // Hold the WASM module back to see what the audience sees while it downloads.
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route("**/*.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(server.url);
  const prerender = page.locator("#prerender");
  await prerender.waitFor({ state: "visible" });
  assert.equal(await prerender.getAttribute("data-prerendered-slide"), deck.slides[0].id);
  assert.match(await prerender.innerText(), new RegExp(deck.slides[0].title.slice(0, 20)));
  // Scaled into the window like the app's canvas: the slide fills the 1280×720 window.
  const box = await prerender.locator(".prerender-canvas").boundingBox();
  assert.ok(Math.abs(box.width - 1280) < 2 && Math.abs(box.height - 720) < 2, JSON.stringify(box));
  assert.equal(await page.locator("[data-slide-id]").count(), 0, "the app is not there yet");
  assert.equal(await page.locator(".boot").isVisible(), false, "no loading screen over it");
  const early = await screenshot(page, "nav-prerendered-first-slide");
  assert.ok(early.colours > 3, early.file);
  release();
  await visibleSlide(page).waitFor();
  await prerender.waitFor({ state: "hidden" });
  const late = await screenshot(page, "nav-app-first-slide");
  assert.ok(late.colours > 3, late.file);
  await context.close();

  // A deep link to another slide does not flash the first one: the loading screen shows.
  const other = await openPage(browser);
  let releaseOther;
  const heldOther = new Promise((resolve) => {
    releaseOther = resolve;
  });
  await other.page.route("**/*.wasm", async (route) => {
    await heldOther;
    await route.continue();
  });
  const second = deck.slides[1].id;
  await other.page.goto(`${server.url}#/${second}`);
  await other.page.locator(".boot").waitFor({ state: "visible" });
  assert.equal(await other.page.locator("#prerender").isVisible(), false);
  releaseOther();
  await other.page.locator(`[data-slide-id="${second}"]`).waitFor();
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
  await other.context.close();
});
