// Presenter → audience sync over real HTTP and in the static site: followers replay the
// presenter's slide, step and widget state; late joiners catch up; a wrong token changes
// nothing; a broken edit during serve shows an overlay over the last good deck.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  }
});
