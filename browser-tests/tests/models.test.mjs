// The other systems' widgets (controlplane, elastic, kafka, multisite) in a real browser:
// each is opened on its slide, clicked through (fail a site, send writes, play, seek), and
// checked against the documented outcome through its data attributes; a slide step
// forward then back returns the exact state; screenshots are taken to be looked at.
// No wall-clock assertion: waits are for DOM conditions, with generous timeouts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useServedDeck } from "./harness.mjs";

let server;
let browser;

useServedDeck((started) => ({ server, browser } = started));

const WAIT = { timeout: 60000 };

/** Opens a slide at a step and returns its widget root. */
async function openWidget(page, kind, slideId, step = 0) {
  await page.goto(`${server.url}#/${slideId}${step ? `/${step}` : ""}`);
  await page.locator(`[data-slide-id="${slideId}"][data-step="${step}"]`).waitFor();
  const widget = page.locator(`[data-widget="${kind}"]`);
  await widget.waitFor();
  return widget;
}

const simMs = async (widget) => Number(await widget.getAttribute("data-sim-ms"));

/** Clicks a site in its title band (the cards inside it are other buttons). */
async function clickSite(widget, site) {
  await widget.locator(`[data-site="${site}"]`).click({ position: { x: 40, y: 12 } });
}

/** Seeks the widget to an instant with its scrubber, as a user dragging it would. */
async function seek(widget, ms) {
  await widget.locator('[data-action="seek"]').fill(String(ms));
  await widget.locator(`xpath=self::*[@data-sim-ms="${ms}"]`).waitFor(WAIT);
}

/** What the widget shows: time, root attributes, sites, links, nodes, writes, caption. */
async function picture(widget) {
  return widget.evaluate((root) => ({
    ms: root.dataset.simMs,
    attributes: Object.fromEntries(
      Object.entries(root.dataset).filter(([key]) => key !== "playing"),
    ),
    sites: [...root.querySelectorAll("[data-site]")].map((s) => `${s.dataset.site}:${s.dataset.state}`),
    links: [...root.querySelectorAll("[data-link]")].map((l) => `${l.dataset.link}:${l.dataset.state}`),
    nodes: [...root.querySelectorAll("[data-node]")].map(
      (n) => `${n.dataset.node}:${n.dataset.state ?? n.dataset.role}`,
    ),
    replicas: [...root.querySelectorAll("[data-partition]")].map((r) => r.textContent),
    writes: [...root.querySelectorAll("[data-write]")].map((w) => `${w.textContent}:${w.dataset.outcome}`),
    caption: root.querySelector('[aria-live="polite"]')?.textContent,
  }));
}

test("every model widget mounts with the raft widget's DOM hooks and a clean console", async () => {
  const { page, context, errors } = await openPage(browser);
  for (const [kind, slide] of [
    ["controlplane", "mono-cp"],
    ["controlplane", "multi-cp-2-1"],
    ["elastic", "elastic-deux-zones"],
    ["elastic", "elastic-allocation"],
    ["kafka", "kafka-isr"],
    ["kafka", "kafka-acks"],
    ["multisite", "deux-clusters-actif-passif"],
  ]) {
    const widget = await openWidget(page, kind, slide);
    assert.equal(await widget.getAttribute("data-sim-ms"), "0", slide);
    assert.equal(await widget.getAttribute("tabindex"), "0", slide);
    for (const action of ["play", "step", "reset", "propose", "seek", "speed"]) {
      assert.equal(await widget.locator(`[data-action="${action}"]`).count(), 1, `${slide}: ${action}`);
    }
    assert.ok((await widget.locator("[data-site][data-state]").count()) >= 2, slide);
    assert.ok((await widget.locator("[data-link][data-state]").count()) >= 1, slide);
    assert.ok((await widget.locator('[aria-live="polite"]').textContent()).length > 0, slide);
    // « Pas » runs to the next thing that happens.
    await widget.locator('[data-action="step"]').click();
    assert.ok((await simMs(widget)) > 0, `${slide}: step moved time`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("kafka: acks=all and min.insync.replicas=2 over two sites lose nothing when site B fails", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "kafka", "kafka-isr");
  // The producer sends three messages of its own; every replica is in sync.
  for (let i = 0; i < 3; i += 1) await widget.locator('[data-action="propose"]').click();
  assert.equal(await widget.locator('[data-write][data-outcome="pending"]').count(), 3);
  await widget.locator('[data-action="play"]').click();
  await widget.locator('[data-write][data-outcome="committed"]').first().waitFor(WAIT);
  await widget.locator('[data-action="pause"]').click();
  // The scenario loses site B (broker b3) at 20 s; go a minute later.
  await seek(widget, 65000);
  assert.equal(await widget.locator('[data-site="B"]').getAttribute("data-state"), "down");
  assert.equal(await widget.getAttribute("data-lost"), "0");
  assert.equal(await widget.getAttribute("data-writable"), "true");
  // b3 left every ISR; each partition has a leader on site A.
  assert.equal(await widget.locator('[data-node="b3"] [data-isr="true"]').count(), 0);
  assert.equal(await widget.locator('[data-partition][data-leader="true"]').count(), 3);
  // One more message now: acknowledged by the two remaining replicas.
  await widget.locator('[data-action="propose"]').click();
  await widget.focus();
  await widget.press("]");
  assert.equal(await widget.locator('[data-write]').last().getAttribute("data-outcome"), "committed");
  assert.match(await widget.locator("[data-lost-box]").textContent(), /Aucun acquitté perdu/);
  const shot = await screenshot(page, "models-01-kafka-acks-all");
  assert.ok(shot.colours > 20, shot.file);
  assert.deepEqual(errors, []);
  await context.close();
});

test("kafka: acks=1 with unclean election shows acknowledged messages lost; steps go back exactly", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "kafka", "kafka-acks", 2);
  assert.equal(await simMs(widget), 59000);
  assert.equal(await widget.getAttribute("data-lost"), "0");
  const before = await picture(widget);
  // Next step: b1 dies, b2 comes back late and is elected anyway.
  await page.keyboard.press("ArrowRight");
  await page.locator('[data-slide-id="kafka-acks"][data-step="3"]').waitFor();
  await widget.locator('xpath=self::*[@data-sim-ms="75000"]').waitFor(WAIT);
  const lost = Number(await widget.getAttribute("data-lost"));
  assert.ok(lost > 0, `lost ${lost}`);
  assert.ok((await widget.locator(".model-lost-item").count()) > 0);
  assert.match(await widget.locator("[data-lost-box]").textContent(), /perdu/);
  const shot = await screenshot(page, "models-02-kafka-unclean-lost");
  assert.ok(shot.colours > 20, shot.file);
  // Back one step: the exact state of step 2.
  await page.keyboard.press("ArrowLeft");
  await page.locator('[data-slide-id="kafka-acks"][data-step="2"]').waitFor();
  assert.deepEqual(await picture(widget), before);
  assert.deepEqual(errors, []);
  await context.close();
});

test("elastic: two equal zones lose the master with z1; z2 alone does not; a tiebreaker survives", async () => {
  const { page, context, errors } = await openPage(browser);
  let widget = await openWidget(page, "elastic", "elastic-deux-zones", 2);
  assert.equal(await widget.getAttribute("data-master"), "");
  assert.equal(await widget.getAttribute("data-health"), "red");
  assert.equal(await widget.locator('[data-site="z1"]').getAttribute("data-state"), "down");
  // Documents are refused without a master.
  await widget.locator('[data-action="propose"]').click();
  assert.equal(await widget.locator("[data-write]").last().getAttribute("data-outcome"), "failed");
  await screenshot(page, "models-03-elastic-two-zones");
  // Start again and fail the other zone before the script does: 2 voters of 3 remain.
  await widget.locator('[data-action="reset"]').click();
  assert.equal(await simMs(widget), 0);
  await clickSite(widget, "z2");
  assert.equal(await widget.locator('[data-site="z2"]').getAttribute("data-state"), "down");
  await seek(widget, 8000);
  assert.notEqual(await widget.getAttribute("data-master"), "");
  assert.notEqual(await widget.getAttribute("data-health"), "red");
  // With a voting-only tiebreaker in z3, losing z1 keeps a master.
  widget = await openWidget(page, "elastic", "elastic-allocation", 3);
  assert.equal(await widget.locator('[data-site="z1"]').getAttribute("data-state"), "down");
  assert.notEqual(await widget.getAttribute("data-master"), "");
  assert.equal(await widget.getAttribute("data-health"), "yellow");
  const shot = await screenshot(page, "models-04-elastic-tiebreaker");
  assert.ok(shot.colours > 20, shot.file);
  assert.deepEqual(errors, []);
  await context.close();
});

test("controlplane: stacked 2/1 losing site A takes the API down, and its return brings it back", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "controlplane", "multi-cp-2-1");
  // etcd elects a leader: the API comes up.
  await widget.focus();
  for (let i = 0; i < 10 && (await widget.getAttribute("data-api")) !== "up"; i += 1) {
    await widget.press("j");
  }
  assert.equal(await widget.getAttribute("data-api"), "up");
  // Fail site A by hand, before the script does.
  await clickSite(widget, "A");
  assert.equal(await widget.locator('[data-site="A"]').getAttribute("data-state"), "down");
  await widget.press("]");
  assert.equal(await widget.getAttribute("data-api"), "down");
  assert.match(await widget.locator("[data-api-badge]").textContent(), /indisponible/);
  // An operator's update is not acknowledged while the API is down.
  await widget.locator('[data-action="propose"]').click();
  await widget.press("]");
  assert.notEqual(await widget.locator("[data-write]").last().getAttribute("data-outcome"), "committed");
  await screenshot(page, "models-05-controlplane-api-down");
  // Site A returns: quorum and API are back.
  await clickSite(widget, "A");
  await widget.press("]");
  await widget.press("]");
  assert.equal(await widget.getAttribute("data-api"), "up");
  assert.deepEqual(errors, []);
  await context.close();
});

test("controlplane: one VM restarted by the hypervisor, then the lost node's pods evicted", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "controlplane", "mono-cp", 1);
  assert.equal(await widget.getAttribute("data-api"), "down");
  assert.equal(await widget.locator('[data-node="cp1"]').getAttribute("data-state"), "restarting");
  // Next step: the widget plays to 195 s; the hypervisor restarted the VM at 190 s.
  await page.keyboard.press("ArrowRight");
  await widget.locator('xpath=self::*[@data-sim-ms="195000"]').waitFor(WAIT);
  assert.equal(await widget.getAttribute("data-api"), "up");
  assert.equal(await widget.locator('[data-node="cp1"]').getAttribute("data-state"), "up");
  await page.keyboard.press("ArrowRight");
  await widget.locator('xpath=self::*[@data-sim-ms="560000"]').waitFor(WAIT);
  // w1 (site A) was evicted after 50 s + 300 s; its pods run again on w2.
  assert.equal(await widget.locator('[data-node="w1"] [data-pod]').count(), 0);
  assert.equal(await widget.locator('[data-node="w2"] [data-pod]').count(), 2);
  const shot = await screenshot(page, "models-06-controlplane-evicted");
  assert.ok(shot.colours > 20, shot.file);
  assert.deepEqual(errors, []);
  await context.close();
});

test("multisite: failing over to B measures the RTO and the writes lost in the replication lag", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "multisite", "deux-clusters-actif-passif");
  assert.equal(await widget.getAttribute("data-traffic-site"), "A");
  assert.equal(await widget.getAttribute("data-primary"), "A");
  // A user writes; then the site fails (scripted at 60.5 s) and the runbook plays.
  await widget.locator('[data-action="propose"]').click();
  await seek(widget, 200000);
  assert.equal(await widget.locator('[data-site="A"]').getAttribute("data-state"), "down");
  assert.equal(await widget.getAttribute("data-runbook-step"), "decision");
  await screenshot(page, "models-07-multisite-decision");
  await seek(widget, 900000);
  assert.equal(await widget.getAttribute("data-traffic-site"), "B");
  assert.equal(await widget.getAttribute("data-primary"), "B");
  const rto = Number(await widget.getAttribute("data-rto-ms"));
  assert.ok(rto > 0, `rto ${rto}`);
  // One write per second, a 5 s lag: at most 5 acknowledged writes were never replicated.
  const lost = Number(await widget.getAttribute("data-lost"));
  assert.ok(lost > 0 && lost <= 5, `lost ${lost}`);
  assert.match(await widget.locator('[data-measure="rto"]').textContent(), /RTO mesuré : \d+ min/);
  const shot = await screenshot(page, "models-08-multisite-recovered");
  assert.ok(shot.colours > 20, shot.file);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a model widget's moment travels in the URL and keys act while it is focused", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "kafka", "kafka-isr");
  await widget.focus();
  // « 2 » fails the second site (B), « w » writes, « ] » moves a twentieth of the run on.
  await widget.press("2");
  assert.equal(await widget.locator('[data-site="B"]').getAttribute("data-state"), "down");
  await widget.press("w");
  await widget.press("]");
  await widget.press("]");
  const shared = await picture(widget);
  await page.waitForFunction(() => location.hash.includes("?w0="));
  const url = page.url();
  // Escape hands the keys back to the deck.
  await widget.press("Escape");
  // The same address in a fresh page shows the same moment.
  const second = await openPage(browser);
  await second.page.goto(url);
  const again = second.page.locator('[data-widget="kafka"]');
  await again.locator(`xpath=self::*[@data-sim-ms="${shared.ms}"]`).waitFor(WAIT);
  assert.deepEqual(await picture(again), shared);
  assert.deepEqual(second.errors, []);
  await second.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test("presenter sync: a site failed on the presenter's widget fails on the followers' too", async () => {
  const presenter = await openPage(browser, { width: 1440, height: 900 });
  const follower = await openPage(browser);
  await presenter.page.goto(`${server.url}?presenter&token=test-token`);
  await presenter.page.locator('[data-view="presenter"]').waitFor(WAIT);
  await follower.page.goto(`${server.url}?follow`);
  await follower.page.locator("main [data-slide-id]").waitFor(WAIT);
  // The presenter moves to the Kafka slide; the follower follows.
  await presenter.page.evaluate(() => { location.hash = "#/kafka-isr"; });
  await follower.page.locator('main [data-slide-id="kafka-isr"]').waitFor(WAIT);
  const current = presenter.page.locator('.presenter-current [data-widget="kafka"]');
  await current.waitFor(WAIT);
  await clickSite(current, "B");
  await current.locator('[data-site="B"][data-state="down"]').waitFor(WAIT);
  await follower.page.locator('main [data-widget="kafka"] [data-site="B"][data-state="down"]').waitFor(WAIT);
  assert.deepEqual(follower.errors, []);
  assert.deepEqual(presenter.errors, []);
  await presenter.context.close();
  await follower.context.close();
});
