// Presenting in a real browser: every key, the overview, the go-to prompt, help,
// blackout, fullscreen, the presenter view, touch, the aria-live region and reduced motion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useServedDeck } from "./harness.mjs";

let server;
let browser;
let deck;

useServedDeck((started) => ({ server, browser, deck } = started));

const at = (page, slide, step = 0) =>
  page.locator(`main [data-slide-id="${slide.id}"][data-step="${step}"]`).waitFor();

async function open(hash = "", query = "", options) {
  const opened = await openPage(browser, options);
  await opened.page.goto(`${server.url}${query}${hash}`);
  await opened.page.locator("[data-slide-id][data-step]").first().waitFor();
  return opened;
}

test("the audience deck has no notes; the presenter's notes need the token", async () => {
  assert.equal(deck.notes, undefined, "api/deck must not carry the speaker notes");
  const denied = await fetch(new URL("api/notes", server.url));
  assert.equal(denied.status, 401);
  const wrong = await fetch(new URL("api/notes", server.url), { headers: { Authorization: "Bearer nope" } });
  assert.equal(wrong.status, 401);
  const notes = await (await fetch(new URL("api/notes", server.url), { headers: { Authorization: "Bearer test-token" } })).json();
  assert.ok(notes[deck.slides[0].id].length > 20, "the first slide has notes");
  assert.equal((await fetch(new URL("notes", server.url))).status, 401);
  const handout = await fetch(new URL("notes?token=test-token", server.url));
  assert.equal(handout.status, 200);
  assert.match(await handout.text(), new RegExp(deck.slides[1].title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
});

test("N, P, Shift+arrows, Home and End move as reveal.js does", async () => {
  const { page, context, errors } = await open();
  const multi = deck.slides.findIndex((slide, index) => index > 0 && slide.steps > 0);
  const slide = deck.slides[multi];
  await page.evaluate((id) => { location.hash = `#/${id}`; }, slide.id);
  await at(page, slide, 0);
  await page.keyboard.press("n");
  await at(page, slide, 1);
  await page.keyboard.press("p");
  await at(page, slide, 0);
  await page.keyboard.press("Shift+ArrowRight");
  await at(page, deck.slides[multi + 1], 0);
  await page.keyboard.press("Shift+ArrowLeft");
  await at(page, slide, 0);
  await page.keyboard.press("End");
  await at(page, deck.slides.at(-1), deck.slides.at(-1).steps);
  await page.keyboard.press("Home");
  await at(page, deck.slides[0], 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the aria-live region announces the slide title and step", async () => {
  const { page, context } = await open();
  const announce = page.locator("[data-announce]");
  assert.equal(await announce.getAttribute("aria-live"), "polite");
  await page.keyboard.press("Shift+ArrowRight");
  await at(page, deck.slides[1]);
  assert.match(await announce.textContent(), new RegExp(`Diapositive 2 sur ${deck.slides.length}`));
  assert.ok((await announce.textContent()).includes(deck.slides[1].title));
  await context.close();
});

test("O opens the overview; arrows and Enter go to a slide; a click too; Esc closes", async () => {
  const { page, context, errors } = await open();
  await page.keyboard.press("o");
  const overview = page.locator("[data-overview]");
  await overview.waitFor();
  assert.equal(await page.locator("[data-overview-index]").count(), deck.slides.length);
  assert.notEqual(await page.locator("main.canvas").getAttribute("inert"), null, "the slide under the overview is inert");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowDown");
  const shot = await screenshot(page, "presenting-overview");
  assert.ok(shot.colours > 20, `blank overview: ${shot.file}`);
  await page.keyboard.press("Enter");
  await overview.waitFor({ state: "detached" });
  await at(page, deck.slides[7]);
  await page.keyboard.press("Escape");
  await overview.waitFor();
  await page.locator('[data-overview-index="3"]').click();
  await overview.waitFor({ state: "detached" });
  await at(page, deck.slides[3]);
  await page.keyboard.press("Escape");
  await overview.waitFor();
  await page.keyboard.press("Escape");
  await overview.waitFor({ state: "detached" });
  await at(page, deck.slides[3]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("G then a number or an id goes to that slide", async () => {
  const { page, context, errors } = await open();
  await page.keyboard.press("g");
  await page.locator("[data-goto] input").waitFor();
  await page.keyboard.type("5");
  await page.keyboard.press("Enter");
  await at(page, deck.slides[4]);
  await page.keyboard.press("G");
  await page.keyboard.type(deck.slides[9].id);
  await page.keyboard.press("Enter");
  await at(page, deck.slides[9]);
  await page.keyboard.press("g");
  await page.keyboard.type("zzz-nothing");
  await page.keyboard.press("Enter");
  await page.locator(".goto-error").waitFor();
  await page.keyboard.press("Escape");
  await page.locator("[data-goto]").waitFor({ state: "detached" });
  // Keys typed in the prompt did not move the deck.
  await at(page, deck.slides[9]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("? shows every key; B and . black the screen; F asks for fullscreen", async () => {
  const { page, context, errors } = await open();
  await page.keyboard.press("?");
  const help = page.locator("[data-help]");
  await help.waitFor();
  const text = await help.innerText();
  for (const key of ["PageDown", "Shift+→", "Home", "Esc", "G", "F", "B", "S", "?"]) {
    assert.ok(text.includes(key), `the help lists ${key}`);
  }
  await page.keyboard.press("Escape");
  await help.waitFor({ state: "detached" });
  await page.keyboard.press("b");
  await page.locator("[data-blackout]").waitFor();
  await page.keyboard.press("b");
  await page.locator("[data-blackout]").waitFor({ state: "detached" });
  await page.keyboard.press(".");
  await page.locator("[data-blackout]").waitFor();
  await page.keyboard.press(".");
  await page.locator("[data-blackout]").waitFor({ state: "detached" });
  await page.keyboard.press("f");
  await page.waitForFunction(() => document.fullscreenElement !== null);
  await page.keyboard.press("f");
  await page.waitForFunction(() => document.fullscreenElement === null);
  assert.deepEqual(errors, []);
  await context.close();
});

test("keys inside a widget or a text field are left to them", async () => {
  const { page, context } = await open();
  await page.evaluate(() => {
    const field = document.createElement("input");
    field.id = "probe-field";
    document.body.append(field);
    const widget = document.createElement("div");
    widget.dataset.widget = "probe";
    widget.tabIndex = 0;
    widget.id = "probe-widget";
    document.body.append(widget);
  });
  await page.focus("#probe-field");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("o");
  await page.focus("#probe-widget");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("End");
  await at(page, deck.slides[0], 0);
  assert.equal(await page.locator("[data-overview]").count(), 0);
  await context.close();
});

test("a swipe moves to the next and previous step", async () => {
  const { page, context } = await open("", "", { hasTouch: true });
  const swipe = (from, to) => page.evaluate(([from, to]) => {
    const touch = (x) => new Touch({ identifier: 1, target: document.body, clientX: x, clientY: 300 });
    document.body.dispatchEvent(new TouchEvent("touchstart", { bubbles: true, changedTouches: [touch(from)], touches: [touch(from)] }));
    document.body.dispatchEvent(new TouchEvent("touchend", { bubbles: true, changedTouches: [touch(to)], touches: [] }));
  }, [from, to]);
  await page.keyboard.press("Shift+ArrowRight");
  await at(page, deck.slides[1]);
  await swipe(800, 300);
  const next = deck.slides[1].steps > 0 ? [deck.slides[1], 1] : [deck.slides[2], 0];
  await at(page, ...next);
  await swipe(300, 800);
  await at(page, deck.slides[1], 0);
  await context.close();
});

test("S opens the presenter view in a new window and this window follows it", async () => {
  const { page, context, errors } = await open("", "?token=test-token");
  const [popup] = await Promise.all([context.waitForEvent("page"), page.keyboard.press("s")]);
  await popup.waitForLoadState();
  assert.match(popup.url(), /\?presenter&token=test-token/);
  await popup.locator('[data-view="presenter"]').waitFor();
  await page.locator('[data-view="follow"]').waitFor();
  assert.match(page.url(), /\?follow&token=test-token/);
  // The presenter window drives this one.
  await popup.keyboard.press("Shift+ArrowRight");
  await at(page, deck.slides[1]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the presenter view shows the slide, the next step, notes, timers and pacing", async () => {
  const { page, context, errors } = await openPage(browser, { width: 1440, height: 900 });
  const slideIndex = deck.slides.findIndex((slide, index) => index > 1 && slide.steps > 1);
  const slide = deck.slides[slideIndex];
  await page.goto(`${server.url}?presenter&token=test-token#/${slide.id}`);
  const view = page.locator('[data-view="presenter"]');
  await view.waitFor();
  await view.locator(`.presenter-current [data-slide-id="${slide.id}"][data-step="0"]`).waitFor();
  const next = view.locator("[data-next]");
  assert.match(await next.locator("h2").textContent(), new RegExp(`Next: step 1 of ${slide.steps}`));
  await next.locator(`[data-slide-id="${slide.id}"][data-step="1"]`).waitFor();
  assert.notEqual(await next.locator(".scaled").getAttribute("inert"), null, "previews are inert");
  const notes = view.locator("[data-notes]");
  await page.waitForFunction(() => !document.querySelector("[data-notes] .notes-none"));
  assert.ok((await notes.innerText()).length > 40, "the notes are shown");
  assert.match(await view.locator("[data-counter]").innerText(), new RegExp(`Slide ${slideIndex + 1} / ${deck.slides.length}`));
  assert.match(await view.locator("[data-elapsed]").innerText(), /\d+:\d\d/);
  assert.match(await view.locator("[data-clock]").innerText(), /\d\d:\d\d/);
  // Opened at a slide the plan reaches after some minutes: the speaker is ahead.
  assert.match(await view.locator("[data-pacing]").innerText(), /ahead/);
  const size = await notes.evaluate((element) => getComputedStyle(element).fontSize);
  await view.getByRole("button", { name: "Larger notes" }).click();
  assert.notEqual(await notes.evaluate((element) => getComputedStyle(element).fontSize), size);
  await view.getByRole("button", { name: "Phone remote" }).click();
  const qr = page.locator(".presenter-qr img");
  await qr.waitFor();
  await page.waitForFunction(() => document.querySelector(".presenter-qr img").naturalWidth > 0);
  // The picture shows the widgets drawn, not their loading note (a cold browser may
  // still be fetching the widgets module here).
  await page.waitForFunction(() => !document.querySelector(".widget-loading"));
  const shot = await screenshot(page, "presenting-presenter-view");
  assert.ok(shot.colours > 20, `blank presenter view: ${shot.file}`);
  await view.getByRole("button", { name: "Phone remote" }).click();
  await page.keyboard.press("ArrowRight");
  await view.locator(`.presenter-current [data-slide-id="${slide.id}"][data-step="1"]`).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("the phone remote moves the deck and shows the title and notes", async () => {
  const { page, context, errors } = await openPage(browser, { width: 390, height: 844, hasTouch: true, isMobile: true });
  await page.goto(`${server.url}?remote&token=test-token#/${deck.slides[0].id}`);
  await page.locator('[data-view="remote"]').waitFor();
  assert.equal(await page.locator(".remote-title").innerText(), deck.slides[0].title);
  await page.waitForFunction(() => document.querySelector("[data-notes]").innerText.length > 20);
  for (let step = 0; step <= deck.slides[0].steps; step += 1) {
    await page.locator('[data-remote="next"]').click();
  }
  await page.waitForFunction((title) => document.querySelector(".remote-title").innerText === title, deck.slides[1].title);
  await screenshot(page, "presenting-remote");
  assert.deepEqual(errors, []);
  await context.close();
});

test("reduced motion: fragments and the progress bar do not animate", async () => {
  const { page, context } = await openPage(browser);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.goto(server.url);
  await page.locator("[data-slide-id]").first().waitFor();
  const durations = await page.evaluate(() => {
    const probe = document.createElement("div");
    probe.className = "fragment";
    document.querySelector(".slide-body").append(probe);
    return [getComputedStyle(probe).transitionDuration, getComputedStyle(document.querySelector(".progress-bar")).transitionDuration];
  });
  assert.deepEqual(durations, ["0s", "0s"]);
  await page.emulateMedia({ reducedMotion: "no-preference" });
  const animated = await page.evaluate(() => getComputedStyle(document.querySelector(".progress-bar")).transitionDuration);
  assert.notEqual(animated, "0s");
  await context.close();
});
