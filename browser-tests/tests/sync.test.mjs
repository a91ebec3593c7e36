// Presenter → audience sync over real HTTP and in the static site: followers replay the
// presenter's slide, step and widget state; late joiners catch up; a wrong token changes
// nothing; a broken edit during serve shows an overlay over the last good deck.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openPage, startServer, useServedDeck } from "./harness.mjs";

let server;
let browser;
let deck;

useServedDeck((started) => ({ server, browser, deck } = started));

// Generous waits: on a loaded 2-core machine a page may take seconds to start. How fast a
// change reaches followers is measured by `cargo xtask bench` (sync fan-out), not asserted
// by a timed test.
const WAIT = { timeout: 15000 };
const shown = (page, slide, step = 0) =>
  page.locator(`main [data-slide-id="${slide.id}"][data-step="${step}"]`).waitFor(WAIT);

const post = (body, token = "test-token") => fetch(new URL("api/sync", server.url), {
  method: "POST",
  headers: token ? { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } : {},
  body: JSON.stringify(body),
});

test("a follower replays the presenter's slide, step and widget state", async () => {
  const presenter = await openPage(browser, { width: 1440, height: 900 });
  const follower = await openPage(browser);
  await presenter.page.goto(`${server.url}?presenter&token=test-token#/${deck.slides[0].id}`);
  await presenter.page.locator('[data-view="presenter"]').waitFor();
  await follower.page.goto(`${server.url}?follow`);
  await shown(follower.page, deck.slides[0]);
  const stepped = deck.slides.findIndex((slide, index) => index > 0 && slide.steps > 0);
  await presenter.page.evaluate((id) => { location.hash = `#/${id}`; }, deck.slides[stepped].id);
  // The key must reach the presenter once it is on that slide, not before.
  await presenter.page.locator(`.presenter-current [data-slide-id="${deck.slides[stepped].id}"][data-step="0"]`).waitFor(WAIT);
  await presenter.page.keyboard.press("ArrowRight");
  await shown(follower.page, deck.slides[stepped], 1);

  // The widget: crash a node on the presenter, the follower shows it down.
  const widgetSlide = deck.slides.find((slide) => (slide.widgets ?? []).some((widget) => widget.kind === "raft" && (widget.controls.length === 0 || widget.controls.includes("crash"))));
  if (widgetSlide) {
    await presenter.page.evaluate((id) => { location.hash = `#/${id}`; }, widgetSlide.id);
    await shown(follower.page, widgetSlide);
    const current = presenter.page.locator(".presenter-current");
    const node = current.locator("[data-node]").first();
    await node.waitFor();
    const nodeId = await node.getAttribute("data-node");
    await node.click();
    await current.locator('[data-action="crash"]').first().click();
    await current.locator(`[data-node="${nodeId}"][data-role="down"]`).waitFor(WAIT);
    await follower.page.locator(`main [data-node="${nodeId}"][data-role="down"]`).waitFor(WAIT);
  } else {
    test.diagnostic("no slide has a raft widget with a crash control: widget sync not exercised");
  }
  assert.deepEqual(follower.errors, []);
  assert.deepEqual(presenter.errors, []);
  await presenter.context.close();
  await follower.context.close();
});

test("a late joiner gets the current state at once; a follower can detach and re-attach", async () => {
  const target = deck.slides[5];
  assert.equal((await post({ slide: target.id, step: 0 })).status, 200);
  const late = await openPage(browser);
  await late.page.goto(`${server.url}?follow`);
  await shown(late.page, target);
  await late.page.keyboard.press("ArrowRight");
  await late.page.locator('[data-view="follow"][data-attached="false"]').waitFor();
  await post({ slide: deck.slides[2].id, step: 0 });
  await late.page.waitForTimeout(300);
  assert.notEqual(await late.page.locator(`main [data-slide-id="${deck.slides[2].id}"]`).count(), 1, "a detached follower stays where it explores");
  await late.page.locator("[data-reattach]").click();
  await shown(late.page, deck.slides[2]);
  await late.context.close();
});

test("a follower opened after the presenter moved always starts on the presenter's slide", async () => {
  // A follower first lands on slide 1, then sync moves it: the hash change it made
  // itself on landing must never be taken for the audience's own navigation (which
  // would pull it back and detach it). Repeated, because that was a race.
  for (let round = 0; round < 12; round += 1) {
    const target = deck.slides[2 + (round % 6)];
    assert.equal((await post({ slide: target.id, step: 0 })).status, 200);
    const follower = await openPage(browser);
    await follower.page.goto(`${server.url}?follow`);
    await shown(follower.page, target);
    await follower.page.waitForTimeout(100);
    assert.equal(await follower.page.locator('[data-view="follow"]').getAttribute("data-attached"), "true", `round ${round}: detached`);
    assert.equal(await follower.page.locator(`main [data-slide-id="${target.id}"]`).count(), 1, `round ${round}: moved away`);
    await follower.context.close();
  }
});

test("a wrong or missing token is refused with 401 and changes nothing", async () => {
  assert.equal((await post({ slide: deck.slides[3].id, step: 0 })).status, 200);
  const follower = await openPage(browser);
  await follower.page.goto(`${server.url}?follow`);
  await shown(follower.page, deck.slides[3]);
  assert.equal((await post({ slide: deck.slides[8].id, step: 0 }, "wrong")).status, 401);
  assert.equal((await post({ slide: deck.slides[8].id, step: 0 }, null)).status, 401);
  const bad = await post({ slide: "no-such-slide", step: 0 });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /unknown slide/);
  // A presenter view with a wrong token cannot move the audience either.
  const impostor = await openPage(browser);
  await impostor.page.goto(`${server.url}?presenter&token=wrong#/${deck.slides[8].id}`);
  await impostor.page.locator(".presenter-problem").waitFor();
  await follower.page.waitForTimeout(400);
  await shown(follower.page, deck.slides[3]);
  await impostor.context.close();
  await follower.context.close();
});

test("static site: windows of one browser sync over BroadcastChannel", async () => {
  const { page, context, errors } = await openPage(browser);
  // The static site's shell says data-sync="static"; rewrite the served shell to match.
  await context.route((url) => url.pathname === "/" , async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace('data-sync="served"', 'data-sync="static"');
    await route.fulfill({ response, body });
  });
  await page.goto(`${server.url}?presenter#/${deck.slides[0].id}`);
  await page.locator('[data-view="presenter"]').waitFor();
  const follower = await context.newPage();
  await follower.goto(`${server.url}?follow`);
  await shown(follower, deck.slides[0]);
  await page.keyboard.press("Shift+ArrowRight");
  await shown(follower, deck.slides[1]);
  // A late joiner asks and gets the state at once.
  const late = await context.newPage();
  await late.goto(`${server.url}?follow`);
  await shown(late, deck.slides[1]);
  // The black screen travels the same way.
  await page.keyboard.press("b");
  await follower.locator("[data-blackout]").waitFor(WAIT);
  await late.locator("[data-blackout]").waitFor(WAIT);
  await page.keyboard.press("b");
  await follower.locator("[data-blackout]").waitFor({ ...WAIT, state: "detached" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("live reload: a good edit updates in place, a broken one shows an overlay, a fix clears it", async () => {
  const deckDir = mkdtempSync(path.join(os.tmpdir(), "raftdeck-live-"));
  for (const folder of ["slides", "speaker-notes", "static"]) {
    cpSync(path.join(process.env.RAFTDECK_DECK, folder), path.join(deckDir, folder), { recursive: true });
  }
  const live = await startServer({ deckDir });
  try {
    const { page, context } = await openPage(browser);
    const slide = deck.slides.find((candidate, index) => index > 0 && candidate.steps > 0);
    await page.goto(`${live.url}#/${slide.id}/1`);
    await shown(page, slide, 1);
    const file = path.join(deckDir, slide.source.file);
    const original = readFileSync(file, "utf8");
    const heading = `# ${slide.title}`;
    assert.ok(original.includes(heading), `the slide's heading is in ${slide.source.file}`);
    writeFileSync(file, original.replace(heading, `${heading} (modifié)`));
    await page.locator("main h1, main h2").filter({ hasText: "(modifié)" }).first().waitFor(WAIT);
    await shown(page, slide, 1);
    writeFileSync(file, original.replace(heading, `${heading}\n\n![schéma](diagrams/absent.svg)\n`));
    const overlay = page.locator("[data-live-errors]");
    await overlay.waitFor(WAIT);
    assert.match(await overlay.innerText(), new RegExp(`${slide.source.file}:\\d+: image .*absent\\.svg`));
    await shown(page, slide, 1);
    writeFileSync(file, original);
    await overlay.waitFor({ ...WAIT, state: "detached" });
    await shown(page, slide, 1);
    await context.close();
  } finally {
    await live.stop();
    rmSync(deckDir, { recursive: true, force: true });
  }
});

test("the black screen (B) reaches every follower, from the presenter view and from the remote", async () => {
  const presenter = await openPage(browser, { width: 1440, height: 900 });
  const follower = await openPage(browser);
  const remote = await openPage(browser, { width: 390, height: 844, hasTouch: true, isMobile: true });
  await presenter.page.goto(`${server.url}?presenter&token=test-token#/${deck.slides[1].id}`);
  await presenter.page.locator('[data-view="presenter"]').waitFor(WAIT);
  await follower.page.goto(`${server.url}?follow`);
  await shown(follower.page, deck.slides[1]);
  await remote.page.goto(`${server.url}?remote&token=test-token`);
  await remote.page.locator('[data-view="remote"]').waitFor(WAIT);
  const black = follower.page.locator("[data-blackout]");
  await presenter.page.keyboard.press("b");
  await black.waitFor(WAIT);
  await presenter.page.locator("[data-blackout-on]").waitFor(WAIT);
  await remote.page.locator('[data-remote="blackout"][aria-pressed="true"]').waitFor(WAIT);
  // The remote lights the screen again, then blacks it out.
  await remote.page.locator('[data-remote="blackout"]').click();
  await black.waitFor({ ...WAIT, state: "detached" });
  await presenter.page.locator("[data-blackout-on]").waitFor({ ...WAIT, state: "detached" });
  await remote.page.locator('[data-remote="blackout"]').click();
  await black.waitFor(WAIT);
  // Moving on keeps the screen black; the presenter's button lights it.
  await remote.page.locator('[data-remote="next"]').click();
  await follower.page.waitForFunction((id) => !document.querySelector(`main [data-slide-id="${id}"][data-step="0"]`), deck.slides[1].id, WAIT);
  assert.equal(await black.count(), 1);
  await presenter.page.locator("[data-blackout-toggle]").click();
  await black.waitFor({ ...WAIT, state: "detached" });
  assert.equal(await follower.page.locator('[data-view="follow"]').getAttribute("data-attached"), "true");
  for (const opened of [presenter, follower, remote]) {
    assert.deepEqual(opened.errors, []);
    await opened.context.close();
  }
});

/** Where a widget's slide step lands (widgets/src/player.rs, `checkpoint_for_step`). */
function checkpointFor(spec, step) {
  if (spec.checkpoints.length === 0) return null;
  if (step < spec.first_step) return 0;
  return spec.checkpoints[Math.min(step - spec.first_step, spec.checkpoints.length - 1)];
}

test("→ while a step's animation plays lands it on its checkpoint at once, on the presenter and its followers", async () => {
  // The longest step of the talk, as the widget would play it in real time.
  let longest = null;
  for (const slide of deck.slides) {
    const spec = (slide.widgets ?? [])[0];
    if (!spec || slide.widgets.length !== 1) continue;
    for (let step = 1; step <= slide.steps; step += 1) {
      const [from, to] = [checkpointFor(spec, step - 1), checkpointFor(spec, step)];
      if (from === null || to <= from) continue;
      const realMs = (to - from) / spec.speed;
      if (!longest || realMs > longest.realMs) longest = { slide, step, from, to, realMs };
    }
  }
  assert.ok(longest && longest.realMs > 4000, "the talk has a step whose animation lasts seconds");
  const { slide, step, to, realMs } = longest;
  const presenter = await openPage(browser, { width: 1440, height: 900 });
  const follower = await openPage(browser);
  await presenter.page.goto(`${server.url}?presenter&token=test-token#/${slide.id}/${step - 1}`);
  const current = presenter.page.locator(".presenter-current [data-widget]");
  await current.waitFor(WAIT);
  await follower.page.goto(`${server.url}?follow`);
  await shown(follower.page, slide, step - 1);
  const projected = follower.page.locator("main [data-widget]");
  await projected.waitFor(WAIT);
  await presenter.page.keyboard.press("ArrowRight");
  await presenter.page.locator(`.presenter-current [data-slide-id="${slide.id}"][data-step="${step}"] [data-step-playing]`).waitFor(WAIT);
  await follower.page.locator(`main [data-slide-id="${slide.id}"][data-step="${step}"] [data-step-playing]`).waitFor(WAIT);
  // Half-way through at most, the second → lands both on the checkpoint: it did not wait.
  assert.equal(await current.getAttribute("data-step-playing"), "true", "still playing when → is pressed again");
  await presenter.page.keyboard.press("ArrowRight");
  const landed = { timeout: Math.max(2000, realMs / 2) };
  await presenter.page.waitForFunction((to) => {
    const widget = document.querySelector(".presenter-current [data-widget]");
    return widget && !widget.hasAttribute("data-step-playing") && widget.dataset.simMs === String(to);
  }, to, landed);
  await follower.page.waitForFunction((to) => {
    const widget = document.querySelector("main [data-widget]");
    return widget && !widget.hasAttribute("data-step-playing") && widget.dataset.simMs === String(to);
  }, to, landed);
  // That press skipped the animation; it did not move on.
  assert.equal(await presenter.page.locator(`.presenter-current [data-slide-id="${slide.id}"]`).getAttribute("data-step"), String(step));
  await shown(follower.page, slide, step);
  // The phone remote's next does the same: it knows an animation plays from the presenter.
  const remote = await openPage(browser, { width: 390, height: 844, hasTouch: true, isMobile: true });
  await remote.page.goto(`${server.url}?remote&token=test-token`);
  await remote.page.locator('[data-view="remote"]').waitFor(WAIT);
  await presenter.page.keyboard.press("ArrowLeft");
  await presenter.page.locator(`.presenter-current [data-slide-id="${slide.id}"][data-step="${step - 1}"]`).waitFor(WAIT);
  await presenter.page.keyboard.press("ArrowRight");
  await presenter.page.locator(`.presenter-current [data-slide-id="${slide.id}"][data-step="${step}"] [data-step-playing]`).waitFor(WAIT);
  await remote.page.locator("[data-remote-animating]").waitFor(WAIT);
  await remote.page.locator('[data-remote="next"]').click();
  await presenter.page.waitForFunction((to) => {
    const widget = document.querySelector(".presenter-current [data-widget]");
    return widget && !widget.hasAttribute("data-step-playing") && widget.dataset.simMs === String(to);
  }, to, landed);
  await follower.page.waitForFunction((to) => {
    const widget = document.querySelector("main [data-widget]");
    return widget && !widget.hasAttribute("data-step-playing") && widget.dataset.simMs === String(to);
  }, to, landed);
  assert.equal(await presenter.page.locator(`.presenter-current [data-slide-id="${slide.id}"]`).getAttribute("data-step"), String(step));
  await remote.page.locator("[data-remote-animating]").waitFor({ ...WAIT, state: "detached" });
  assert.deepEqual(remote.errors, []);
  await remote.context.close();
  // The next → moves on.
  await presenter.page.keyboard.press("ArrowRight");
  await presenter.page.waitForFunction(([id, step]) => !document.querySelector(`.presenter-current [data-slide-id="${id}"][data-step="${step}"]`), [slide.id, step], WAIT);
  assert.deepEqual(presenter.errors, []);
  assert.deepEqual(follower.errors, []);
  await presenter.context.close();
  await follower.context.close();
});
