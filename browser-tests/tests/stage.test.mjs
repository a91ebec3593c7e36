// What a speaker and a room meet in a rehearsal, checked on whatever slides the talk has:
// every slide and every widget step at 1920×1080 and 1280×720 keeps its text inside its
// boxes, widget labels never overlap, every text reads at 4.5:1 at least (axe-core for
// HTML, our own check for SVG), the presenter view and the overview draw a slide in its
// own colours, the remote's buttons stay within thumb reach. The checks themselves are
// shown to fail on a page built to break them.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { inspectLayout, textColours } from "./layout-checks.mjs";
import { openPage, screenshot, useServedDeck } from "./harness.mjs";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

let server;
let browser;
let deck;

useServedDeck((started) => ({ server, browser, deck } = started));

const WAIT = { timeout: 20000 };

/** axe-core's colour-contrast rule on `selector`: its violations, as sentences. */
async function contrastViolations(page, selector) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async (selector) => {
    const result = await window.axe.run(selector, { runOnly: { type: "rule", values: ["color-contrast"] }, resultTypes: ["violations"] });
    return result.violations.flatMap((violation) => violation.nodes.map((node) => `${node.target.join(" ")}: ${node.any.map((check) => check.message).join("; ")}`));
  }, selector);
}

/** Opens the audience deck (reduced motion: a step lands on its checkpoint at once). */
async function openDeck(width, height) {
  const opened = await openPage(browser, { width, height, bypassCSP: true });
  await opened.page.emulateMedia({ reducedMotion: "reduce" });
  await opened.page.goto(server.url);
  await opened.page.locator("main [data-slide-id]").waitFor(WAIT);
  return opened;
}

/** Goes to a slide and step by the URL and waits until its widgets are drawn there. */
async function visit(page, slide, step) {
  await page.evaluate(([id, step]) => { location.hash = `#/${id}/${step}`; }, [slide.id, step]);
  await page.locator(`main [data-slide-id="${slide.id}"][data-step="${step}"]`).waitFor(WAIT);
  const widgets = (slide.widgets ?? []).length;
  await page.waitForFunction((count) => document.querySelectorAll("main [data-widget]").length >= count
    && !document.querySelector("main [data-step-playing]"), widgets, WAIT);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Every slide at its last step, and every step of a slide with a widget. */
function positions() {
  return deck.slides.flatMap((slide) => {
    const steps = (slide.widgets ?? []).length > 0 ? [...Array(slide.steps + 1).keys()] : [slide.steps];
    return steps.map((step) => ({ slide, step }));
  });
}

test("the layout checks catch overflowing, clipped, crossing, overlapping and faint text", async () => {
  const { page, context } = await openPage(browser);
  await page.setContent(`<!doctype html><body style="margin:0">
    <main class="canvas" style="position:relative;width:1280px;height:720px;background:#fff;color:#111;font:20px sans-serif">
      <button id="narrow" style="width:60px;white-space:nowrap;overflow:visible">Indexer un document</button>
      <p id="cut" style="width:120px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">Une légende bien trop longue</p>
      <div style="width:100px;overflow:hidden"><span style="white-space:nowrap">texte coupé par son cadre</span></div>
      <p id="fine">Un texte sage</p>
      <p id="faint" style="color:#cbd5e1">Un texte trop pâle</p>
      <div data-widget="probe"><svg viewBox="0 0 600 200" width="600" height="200">
        <rect data-box="" x="10" y="10" width="120" height="60" fill="#f1f5f9" stroke="#333"></rect>
        <text x="20" y="40" font-size="18" fill="#111">dépasse de sa boîte, oui</text>
        <text x="300" y="100" font-size="18" fill="#111">premier</text>
        <text x="320" y="104" font-size="18" fill="#111">second</text>
        <text x="20" y="150" font-size="18" fill="#cbd5e1">pâle</text>
        <rect data-box="" x="400" y="140" width="160" height="40" fill="#1d4ed8"></rect>
        <text x="420" y="166" font-size="18" fill="#ffffff">bien lisible</text>
      </svg></div>
    </main></body>`);
  const problems = await page.evaluate(inspectLayout, { scope: "main" });
  const has = (pattern) => problems.some((problem) => pattern.test(problem));
  assert.ok(has(/button.*Indexer un document.*runs past its own box/), problems.join("\n"));
  assert.ok(has(/Une légende.*runs past its own box/), problems.join("\n"));
  assert.ok(has(/texte coupé par son cadre.*cut by div/), problems.join("\n"));
  assert.ok(has(/dépasse de sa boîte.*crosses the edge of rect/), problems.join("\n"));
  assert.ok(has(/premier.*overlaps.*second/), problems.join("\n"));
  assert.ok(has(/pâle.*contrast 1\.\d+:1/), problems.join("\n"));
  assert.ok(!has(/Un texte sage|bien lisible/), problems.join("\n"));
  assert.ok(has(/trop pâle/) === false, "HTML contrast is axe-core's to check");
  assert.deepEqual(await contrastViolations(page, "main").then((found) => found.filter((line) => /#faint/.test(line)).length), 1);
  // The colour check sees a slide's own colours.
  assert.deepEqual(await page.evaluate(textColours, { scope: "main" }), ["p: rgb(17, 17, 17)", "p: rgb(17, 17, 17)", "p: rgb(203, 213, 225)"]);
  await context.close();
});

for (const [width, height] of [[1920, 1080], [1280, 720]]) {
  test(`every slide and widget step at ${width}×${height}: text inside its boxes, no overlaps, readable contrast`, async () => {
    const { page, context, errors } = await openDeck(width, height);
    const problems = [];
    for (const { slide, step } of positions()) {
      await visit(page, slide, step);
      const found = await page.evaluate(inspectLayout, { scope: "main.canvas", contrast: width === 1920 });
      problems.push(...found.map((problem) => `${slide.id}/${step}: ${problem}`));
      // axe-core (HTML text) once per slide, fully revealed.
      if (width === 1920 && step === slide.steps) {
        const violations = await contrastViolations(page, "main.canvas");
        problems.push(...violations.map((violation) => `${slide.id}/${step}: axe: ${violation}`));
      }
    }
    assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.join("\n")}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

for (const [width, height] of [[1920, 1080], [1366, 768]]) {
  test(`the presenter view at ${width}×${height}: the slide in its own colours, notes under it, readable chrome`, async () => {
    const audience = await openDeck(1280, 720);
    const { page, context, errors } = await openPage(browser, { width, height, bypassCSP: true });
    await page.emulateMedia({ reducedMotion: "reduce" });
    // A slide with the most kinds of text: tables, lists, code, quotes.
    const richest = [...deck.slides].sort((a, b) => (b.html.match(/<(table|li|pre|blockquote|p)\b/g) ?? []).length
      - (a.html.match(/<(table|li|pre|blockquote|p)\b/g) ?? []).length)[0];
    await visit(audience.page, richest, richest.steps);
    const seen = await audience.page.evaluate(textColours, { scope: "main.canvas" });
    assert.ok(seen.length > 2, `${richest.id} has text to compare`);
    await page.goto(`${server.url}?presenter&token=test-token#/${richest.id}/${richest.steps}`);
    const view = page.locator('[data-view="presenter"]');
    await view.locator(`.presenter-current [data-slide-id="${richest.id}"][data-step="${richest.steps}"]`).waitFor(WAIT);
    await page.waitForFunction(() => !document.querySelector("[data-notes] .notes-none"), null, WAIT);
    assert.deepEqual(await page.evaluate(textColours, { scope: ".presenter-current .canvas" }), seen, "the current slide keeps its colours");
    // The notes take the room under the current slide.
    const [current, notes] = await Promise.all([view.locator(".presenter-current").boundingBox(), view.locator("[data-notes]").boundingBox()]);
    assert.ok(notes.y >= current.y + current.height - 1, "the notes are under the current slide");
    assert.ok(notes.height >= 150, `the notes have room (${notes.height} px)`);
    assert.ok(notes.y + notes.height <= height + 1, "the notes end inside the window");
    const layout = await page.evaluate(inspectLayout, { scope: ".presenter-current .canvas", contrast: false });
    assert.deepEqual(layout, []);
    const violations = await contrastViolations(page, "[data-view=presenter]");
    assert.deepEqual(violations, [], violations.join("\n"));
    const shot = await screenshot(page, `stage-presenter-${width}x${height}`);
    assert.ok(shot.colours > 20, `blank presenter view: ${shot.file}`);
    // The preview of what comes next draws it in its colours too.
    const index = deck.slides.indexOf(richest);
    if (index > 0) {
      const before = deck.slides[index - 1];
      await page.evaluate(([id, step]) => { location.hash = `#/${id}/${step}`; }, [before.id, before.steps]);
      await view.locator(`[data-next] [data-slide-id="${richest.id}"]`).waitFor(WAIT);
      assert.deepEqual(await page.evaluate(textColours, { scope: "[data-next] .canvas" }), seen, "the next preview keeps the slide's colours");
    }
    // And the overview's thumbnails.
    await page.keyboard.press("o");
    await page.locator(`[data-overview-index="${index}"] .canvas`).waitFor(WAIT);
    assert.deepEqual(await page.evaluate(textColours, { scope: `[data-overview-index="${index}"] .canvas` }), seen, "the overview keeps the slide's colours");
    assert.deepEqual(errors, []);
    await context.close();
    await audience.context.close();
  });
}

test("the remote: buttons stay at the bottom within thumb reach, black screen and next title shown, readable", async () => {
  const { page, context, errors } = await openPage(browser, { width: 390, height: 844, hasTouch: true, isMobile: true, bypassCSP: true });
  const long = deck.slides.find((slide, index) => index < deck.slides.length - 1 && slide.steps > 0) ?? deck.slides[0];
  await page.goto(`${server.url}?remote&token=test-token#/${long.id}`);
  await page.locator('[data-view="remote"]').waitFor(WAIT);
  await page.waitForFunction(() => document.querySelector("[data-notes]").innerText.length > 20, null, WAIT);
  assert.match(await page.locator("[data-remote-next]").innerText(), /step 1 of|Next: /);
  assert.match(await page.locator("[data-remote-step]").innerText(), new RegExp(`step 0 / ${long.steps}`));
  const buttons = ["previous", "blackout", "next"].map((name) => page.locator(`[data-remote="${name}"]`));
  // Scroll the notes as far as they go: the buttons stay in the bottom third.
  await page.evaluate(() => document.querySelectorAll(".remote, .remote-scroll").forEach((element) => { element.scrollTop = 1e6; }));
  for (const button of buttons) {
    const box = await button.boundingBox();
    assert.ok(box, "the button is on screen");
    assert.ok(box.y >= 844 * 0.66 && box.y + box.height <= 844 + 1, `within thumb reach: ${JSON.stringify(box)}`);
    assert.ok(box.height >= 56, "big enough for a thumb");
  }
  const violations = await contrastViolations(page, "[data-view=remote]");
  assert.deepEqual(violations, [], violations.join("\n"));
  await screenshot(page, "stage-remote");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the audience's widget: no transport bar until pointed at, the first election is no outage, a failed site and a cut link show", async () => {
  const slide = deck.slides.find((candidate) => (candidate.widgets ?? []).some((widget) => widget.kind === "raft"
    && (widget.controls.length === 0 || (widget.controls.includes("link") && widget.controls.includes("crash")))));
  assert.ok(slide, "the talk has a raft widget with links and crashes");
  const { page, context, errors } = await openDeck(1280, 720);
  await visit(page, slide, 0);
  const widget = page.locator('main [data-widget="raft"]').first();
  const controls = widget.locator(".raft-controls");
  const opacity = () => controls.evaluate((element) => getComputedStyle(element).opacity);
  assert.equal(await opacity(), "0", "no transport bar on the projector");
  await widget.hover();
  assert.equal(await opacity(), "1", "pointing at the widget brings the bar back");
  await page.mouse.move(2, 2);
  assert.equal(await opacity(), "0");
  // The cluster starts: its first election is not counted as an outage.
  await widget.focus();
  for (let press = 0; press < 60 && (await widget.locator('[data-role="leader"]').count()) === 0; press += 1) {
    await widget.press("]");
  }
  assert.equal(await widget.locator('[data-role="leader"]').count(), 1, "a leader is elected");
  if ((await widget.locator('[data-node][data-role="down"]').count()) === 0) {
    assert.equal(await widget.getAttribute("data-unavailable-ms"), "0", "no outage before anything failed");
    assert.equal(await widget.locator("[data-safety-badge]").getAttribute("data-writable"), "true");
  }
  // A cut link is drawn with a mark as large as a node's name.
  const link = widget.locator("[data-link]").first();
  if ((await link.count()) > 0) {
    await link.locator(".raft-link-hit").dispatchEvent("click");
    const mark = widget.locator('[data-link][data-state="down"] .raft-link-cut-mark').first();
    await mark.waitFor(WAIT);
    const box = await mark.boundingBox();
    assert.ok(box.width >= 20 && box.height >= 20, `a visible cut mark: ${JSON.stringify(box)}`);
  }
  // Every member of a site down: the site looks failed.
  const sites = await widget.locator(".raft-site[data-site]").evaluateAll((elements) => elements.map((element) => element.dataset.site));
  const nodes = await widget.locator("[data-node]").evaluateAll((elements) => elements.map((element) => ({ name: element.dataset.node, site: element.dataset.site })));
  const order = nodes.map((node) => node.name).sort((a, b) => a.length - b.length || a.localeCompare(b));
  const site = sites.map((name) => ({ name, members: nodes.filter((node) => node.site === name) }))
    .filter((candidate) => candidate.members.length > 0)
    .sort((a, b) => a.members.length - b.members.length)[0];
  for (const member of site.members) {
    await widget.press(String(order.indexOf(member.name) + 1));
    await widget.press("c");
    await widget.locator(`[data-node="${member.name}"][data-role="down"]`).waitFor(WAIT);
  }
  const failed = widget.locator(`.raft-site[data-site="${site.name}"][data-state="down"]`);
  await failed.waitFor(WAIT);
  assert.match(await failed.locator(".raft-site-down-mark").textContent(), /en panne/);
  assert.deepEqual(errors, []);
  await context.close();
});
