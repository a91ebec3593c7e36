// The live Raft widget in a real browser: DOM hooks, node actions, link cuts, client
// writes, step binding (forward plays, backward restores exactly), keys, shared URLs,
// screenshots.
// Nothing here waits on wall-clock luck: every wait is for a DOM condition, bounded by the
// widget's simulated time (data-sim-ms), with generous timeouts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage, screenshot, useServedDeck } from "./harness.mjs";

let server;
let browser;
let deck;

useServedDeck((started) => ({ server, browser, deck } = started));

const WAIT = { timeout: 90000 };

/** Opens a slide and returns its widget root. */
async function openWidget(page, slideId, step = 0) {
  await page.goto(`${server.url}#/${slideId}${step ? `/${step}` : ""}`);
  await page.locator(`[data-slide-id="${slideId}"][data-step="${step}"]`).waitFor();
  const widget = page.locator('[data-widget="raft"]');
  await widget.waitFor();
  return widget;
}

/** What the sim shows, without the animation layer: time, nodes, logs, writes, links,
 *  caption. Equal pictures mean equal cluster states. */
async function picture(widget) {
  return widget.evaluate((root) => ({
    ms: root.dataset.simMs,
    nodes: [...root.querySelectorAll("[data-node]")].map((node) => ({
      id: node.dataset.node,
      role: node.dataset.role,
      term: node.dataset.term,
      log: [...node.querySelectorAll("[data-index]")].map(
        (entry) => `${entry.dataset.index}:${entry.dataset.entryTerm}:${entry.getAttribute("class")}`,
      ),
    })),
    writes: [...root.querySelectorAll("[data-write]")].map((w) => `${w.textContent}:${w.dataset.outcome}`),
    links: [...root.querySelectorAll("[data-link]")].map((l) => `${l.dataset.link}:${l.dataset.state}`),
    caption: root.querySelector('[aria-live="polite"]')?.textContent,
    safety: root.dataset.safety,
  }));
}

const simMs = async (widget) => Number(await widget.getAttribute("data-sim-ms"));

/** Waits until `predicate(root)` holds in the page, or the widget passed `limitMs` of
 *  simulated time; returns whether the predicate held. */
async function waitInSim(page, predicate, limitMs) {
  // The check is assembled here, in Node, and handed to Playwright as a function: the
  // page's Content-Security-Policy forbids `new Function` / eval in the page itself.
  // eslint-disable-next-line no-new-func
  const check = new Function("limit", `
    const root = document.querySelector('[data-widget="raft"]');
    if (!root) return false;
    if ((${predicate.toString()})(root)) return "held";
    return Number(root.dataset.simMs) > limit ? "timeout" : false;`);
  const handle = await page.waitForFunction(check, limitMs, { ...WAIT, polling: 50 });
  return (await handle.jsonValue()) === "held";
}

/** Clicks « événement suivant » until `selector` matches inside the widget. */
async function nextUntil(widget, selector, clicks = 20) {
  for (let i = 0; i < clicks && (await widget.locator(selector).count()) === 0; i += 1) {
    await widget.locator('[data-action="next"]').click();
  }
  assert.ok((await widget.locator(selector).count()) > 0, `${selector} after ${clicks} jumps`);
}

async function faster(widget, times) {
  await widget.focus();
  for (let i = 0; i < times; i += 1) await widget.press("+");
}

test("the raft widget mounts with its DOM hooks and keeps the console clean", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "raft-election");
  assert.equal(await widget.getAttribute("data-sim-ms"), "0");
  assert.equal(await widget.getAttribute("tabindex"), "0");
  assert.equal(await widget.locator("[data-node]").count(), 3);
  for (const action of ["play", "step", "reset"]) {
    assert.equal(await widget.locator(`[data-action="${action}"]`).count(), 1, action);
  }
  assert.equal(await widget.locator('[data-action="propose"]').count(), 1);
  assert.ok((await widget.locator('[aria-live="polite"]').textContent()).length > 0);
  // The step control runs whole instants of simulated time.
  await widget.locator('[data-action="step"]').click();
  assert.ok((await simMs(widget)) > 0);
  // The help lists the keys.
  await widget.locator('[data-action="help"]').click();
  assert.match(await widget.locator('[role="dialog"]').innerText(), /Espace/);
  await widget.locator('[data-action="help"]').click();
  assert.deepEqual(errors, []);
  await context.close();
});

test("crashing the leader elects another node with a higher term in time", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "raft-election");
  await faster(widget, 2);
  await widget.locator('[data-action="play"]').click();
  const leader = widget.locator('[data-node][data-role="leader"]');
  await leader.waitFor(WAIT);
  await widget.locator('[data-action="pause"]').click();
  const oldLeader = await leader.getAttribute("data-node");
  const oldTerm = Number(await leader.getAttribute("data-term"));
  await leader.click();
  await widget.locator('[data-action="crash"]').click();
  await widget.locator(`[data-node="${oldLeader}"][data-role="down"]`).waitFor();
  const crashedAt = await simMs(widget);
  await screenshot(page, "widget-01-leader-crashed");
  await widget.locator('[data-action="play"]').click();
  // etcd: an election timeout (1–2 s randomized) plus a vote round trip.
  const elected = await waitInSim(
    page,
    (root) => [...root.querySelectorAll('[data-node][data-role="leader"]')].length === 1,
    crashedAt + 3000,
  );
  assert.ok(elected, "a new leader within 3 s of simulated time");
  const newLeader = widget.locator('[data-node][data-role="leader"]');
  assert.notEqual(await newLeader.getAttribute("data-node"), oldLeader);
  assert.ok(Number(await newLeader.getAttribute("data-term")) > oldTerm);
  await widget.locator('[data-action="pause"]').click();
  const shot = await screenshot(page, "widget-02-new-leader");
  assert.ok(shot.colours > 20, shot.file);
  assert.equal(await widget.getAttribute("data-safety"), "ok");
  assert.deepEqual(errors, []);
  await context.close();
});

test("cutting the A–B link leaves the leader on the majority side (3 of 5 on B)", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "partition");
  // Move leadership to n1, on A (2 of 5), so the cut really has to move it to B.
  await nextUntil(widget, '[data-node][data-role="leader"]');
  await widget.locator('[data-node="n1"]').click();
  await widget.locator('[data-action="transfer_leader"]').click();
  await nextUntil(widget, '[data-node="n1"][data-role="leader"]');
  const n1 = widget.locator('[data-node="n1"][data-role="leader"]');
  await n1.waitFor();
  const termA = Number(await n1.getAttribute("data-term"));
  const link = widget.locator('[data-link="A-B"]');
  assert.equal(await link.getAttribute("data-state"), "up");
  await link.click();
  assert.equal(await link.getAttribute("data-state"), "down");
  const cutAt = await simMs(widget);
  await faster(widget, 2);
  await widget.locator('[data-action="play"]').click();
  const moved = await waitInSim(
    page,
    // B elects a leader, and n1, with only n2 on A, steps down (CheckQuorum) within two timeouts.
    (root) => [...root.querySelectorAll('[data-node][data-role="leader"]')].every((n) => n.dataset.site === "B")
      && root.querySelector('[data-node][data-site="B"][data-role="leader"]') !== null,
    cutAt + 5000,
  );
  await widget.locator('[data-action="pause"]').click();
  assert.ok(moved, "site B (3 of 5) elects a leader and n1 steps down");
  const leaderB = widget.locator('[data-node][data-site="B"][data-role="leader"]');
  assert.ok(Number(await leaderB.getAttribute("data-term")) > termA);
  assert.notEqual(await widget.locator('[data-node="n1"]').getAttribute("data-role"), "leader");
  const shot = await screenshot(page, "widget-03-link-cut-2-3");
  assert.ok(shot.colours > 20, shot.file);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a write sent to the minority side of a partition is not acknowledged", async () => {
  const { page, context, errors } = await openPage(browser);
  // Step 2 of the partition slide: the A–B link is cut, n1 (site A, 2 of 5) still leads.
  const widget = await openWidget(page, "partition", 2);
  await page.waitForFunction(() => document.querySelector('[data-widget="raft"]')?.dataset.simMs === "3500", null, WAIT);
  assert.equal(await widget.locator('[data-link="A-B"]').getAttribute("data-state"), "down");
  await widget.locator('[data-node="n1"]').click();
  await widget.locator('[data-action="propose_to"]').click();
  const mine = widget.locator("[data-write]").last();
  assert.equal(await mine.getAttribute("data-outcome"), "pending");
  const index = await mine.getAttribute("data-write");
  await widget.locator('[data-node="n1"]').click();
  await screenshot(page, "widget-04-partition-minority-write");
  await widget.locator('[data-node="n1"]').click();
  await faster(widget, 2);
  await widget.locator('[data-action="play"]').click();
  await waitInSim(page, () => false, 6500);
  await widget.locator('[data-action="pause"]').click();
  const outcome = await widget.locator(`[data-write="${index}"]`).getAttribute("data-outcome");
  assert.notEqual(outcome, "committed", "the minority cannot acknowledge a write");
  // Meanwhile the majority side (B) elected its own leader.
  assert.equal(await widget.locator('[data-node][data-site="B"][data-role="leader"]').count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test("slide steps play to checkpoints and going back restores the exact state", async () => {
  const { page, context, errors } = await openPage(browser);
  const slide = deck.slides.find((s) => s.id === "leader-failure");
  const spec = slide.widgets[0];
  const widget = await openWidget(page, "leader-failure");
  await faster(widget, 3);
  await widget.evaluate((root) => root.blur());
  const seen = [];
  for (let k = 0; k < spec.checkpoints.length; k += 1) {
    await page.keyboard.press("ArrowRight");
    const step = spec.first_step + k;
    await page.locator(`[data-slide-id="leader-failure"][data-step="${step}"]`).waitFor();
    await page.waitForFunction(
      (ms) => {
        const root = document.querySelector('[data-widget="raft"]');
        return root?.dataset.simMs === String(ms) && root.dataset.playing === "false";
      },
      spec.checkpoints[k],
      WAIT,
    );
    seen.push(await picture(widget));
    if (k === 2) await screenshot(page, "widget-05-leader-failure-new-leader");
  }
  await screenshot(page, "widget-06-leader-failure-end");
  // Backwards: each step restores instantly the state seen on the way forward.
  for (let k = spec.checkpoints.length - 2; k >= 0; k -= 1) {
    await page.keyboard.press("ArrowLeft");
    await page.locator(`[data-slide-id="leader-failure"][data-step="${spec.first_step + k}"]`).waitFor();
    await page.waitForFunction((ms) => document.querySelector('[data-widget="raft"]')?.dataset.simMs === String(ms), spec.checkpoints[k], WAIT);
    assert.deepEqual(await picture(widget), seen[k], `state at checkpoint ${k}`);
  }
  // The overwritten y=2 is gone from every log at the end, and nothing committed was lost.
  assert.equal(seen.at(-1).safety, "ok");
  assert.deepEqual(errors, []);
  await context.close();
});

test("keys go to the widget only while it has focus", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "raft-election");
  await widget.focus();
  await page.keyboard.press("Space");
  assert.equal(await widget.getAttribute("data-playing"), "true");
  await page.keyboard.press("Space");
  assert.equal(await widget.getAttribute("data-playing"), "false");
  assert.equal(await page.locator("[data-slide-id]").getAttribute("data-slide-id"), "raft-election");
  // One Escape hands the keys back to the deck (a second one would open the overview).
  await page.keyboard.press("Escape");
  assert.equal(await widget.evaluate((root) => root.contains(document.activeElement)), false);
  await page.keyboard.press("Space");
  await page.locator('[data-slide-id="raft-election"][data-step="1"]').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a shared URL restores the same state", async () => {
  const { page, context, errors } = await openPage(browser);
  const slide = deck.slides.find((s) => s.widgets?.some((w) => w.scenario_file === "leader-failure.json"));
  assert.ok(slide, "a slide shows leader-failure.json");
  const k = slide.widgets.findIndex((w) => w.scenario_file === "leader-failure.json");
  const widget = await openWidget(page, slide.id);
  // Only the widget's slide is on the page: its index k is the `w<k>` of the URL.
  assert.equal(k, 0);
  assert.doesNotMatch(page.url(), /\?w/, "a plain slide link stays short");
  const entries = await page.evaluate(() => history.length);
  await nextUntil(widget, '[data-node][data-role="leader"]');
  const leader = await widget.locator('[data-node][data-role="leader"]').getAttribute("data-node");
  await widget.locator(`[data-node="${leader}"]`).click();
  await widget.locator('[data-action="crash"]').click();
  await widget.locator(`[data-node="${leader}"][data-role="down"]`).waitFor();
  // A few whole instants later, paused: the moment to share.
  for (let i = 0; i < 3; i += 1) await widget.locator('[data-action="step"]').click();
  assert.equal(await widget.getAttribute("data-playing"), "false");
  const shown = await picture(widget);
  await page.waitForFunction((ms) => {
    const query = location.hash.split("?")[1] ?? "";
    return query.startsWith("w0=") && document.querySelector('[data-widget="raft"]')?.dataset.simMs === ms;
  }, shown.ms);
  const shared = page.url();
  assert.ok(shared.includes(`#/${slide.id}?w0=`), shared);
  // Acting on a widget rewrites the address in place: Back still leaves the slide.
  assert.equal(await page.evaluate(() => history.length), entries);

  // Another browser context (no shared storage, no sync) opens the link.
  const other = await openPage(browser);
  await other.page.goto(shared);
  const restored = other.page.locator('[data-widget="raft"]');
  await restored.waitFor();
  await other.page.waitForFunction(
    (ms) => document.querySelector('[data-widget="raft"]')?.dataset.simMs === ms,
    shown.ms,
    WAIT,
  );
  const again = await picture(restored);
  assert.equal(again.ms, shown.ms);
  assert.deepEqual(
    again.nodes.map(({ id, role, term }) => ({ id, role, term })),
    shown.nodes.map(({ id, role, term }) => ({ id, role, term })),
  );
  assert.equal(await restored.locator(`[data-node="${leader}"]`).getAttribute("data-role"), "down");
  assert.deepEqual(again, shown, "logs, writes, links and caption too");
  assert.equal(await restored.getAttribute("data-playing"), "false");
  assert.equal(other.page.url(), shared, "opening the link keeps it");
  await screenshot(other.page, "widget-07-shared-url-restored");

  // Moving to another slide drops the states from the URL; Back returns to the moment.
  await other.page.keyboard.press("Shift+ArrowRight");
  await other.page.waitForFunction((id) => {
    const shown = document.querySelector("[data-slide-id]")?.dataset.slideId;
    return shown && shown !== id;
  }, slide.id);
  await other.page.waitForFunction(() => !location.hash.includes("?"));
  assert.doesNotMatch(other.page.url(), /[?&]w\d=/);
  await other.page.goBack();
  await other.page.locator(`[data-slide-id="${slide.id}"]`).waitFor();
  await other.page.waitForFunction(
    (ms) => document.querySelector('[data-widget="raft"]')?.dataset.simMs === ms,
    shown.ms,
    WAIT,
  );
  assert.deepEqual(await picture(restored), shown);
  // Leaving by a key also leaves a short URL behind: nothing of the widget follows.
  await other.page.keyboard.press("Shift+ArrowLeft");
  await other.page.waitForFunction((id) => document.querySelector("[data-slide-id]")?.dataset.slideId !== id, slide.id);
  await other.page.waitForFunction(() => !location.hash.includes("?"));

  // A garbled state is ignored: the slide opens as a plain link would.
  const garbled = await openPage(browser);
  await garbled.page.goto(`${server.url}#/${slide.id}?w0=%%%&w1=Zm9v&utm=x`);
  const fresh = garbled.page.locator('[data-widget="raft"]');
  await fresh.waitFor();
  assert.equal(await fresh.getAttribute("data-sim-ms"), "0");
  await garbled.page.waitForFunction((id) => location.hash === `#/${id}`, slide.id);
  assert.deepEqual(garbled.errors, []);
  await garbled.context.close();

  assert.deepEqual(other.errors, []);
  assert.deepEqual(errors, []);
  await other.context.close();
  await context.close();
});

test("membership: a slide that allows it adds a member on a site and removes one", async () => {
  const { page, context, errors } = await openPage(browser);
  const widget = await openWidget(page, "follower-failure");
  // Slides that do not list member_add/member_remove never offer them.
  const other = await openPage(browser);
  const plain = await openWidget(other.page, "raft-election");
  assert.equal(await plain.locator('[data-action="member_add"]').count(), 0);
  await plain.locator("[data-node]").first().click();
  assert.equal(await plain.locator('[data-action="member_remove"]').count(), 0);
  await other.context.close();

  // Three members on site A elect a leader. etcd refuses a member add until the leader
  // has been connected to every voter for 5 s: the crashed follower is back at 6 s, so
  // play past 11 s first.
  await nextUntil(widget, '[data-node][data-role="leader"]');
  await faster(widget, 4);
  await widget.locator('[data-action="play"]').click();
  const healthy = await waitInSim(page, (root) => Number(root.dataset.simMs) >= 11500, 12500);
  assert.ok(healthy, "the cluster played past its 5 s of health");
  await widget.locator('[data-action="pause"]').click();
  const before = await widget.locator("[data-node]").count();
  await widget.locator('[data-action="member_add"][data-site="A"]').click();
  const added = `n${before + 1}`;
  await widget.locator(`[data-node="${added}"][data-site="A"]`).waitFor(WAIT);
  // The new member catches up with the leader's log and takes part in the quorum.
  await widget.locator('[data-action="play"]').click();
  const joined = await waitInSim(
    page,
    new Function(
      "root",
      `const node = root.querySelector('[data-node="${added}"]');
       return node && ["follower", "leader"].includes(node.dataset.role);`,
    ),
    (await simMs(widget)) + 5000,
  );
  assert.ok(joined, `${added} became a follower`);
  await widget.locator('[data-action="pause"]').click();
  await screenshot(page, "widget-08-member-added");

  // Remove it again: the node is shown out of the cluster (down) and writes still commit.
  await widget.locator(`[data-node="${added}"]`).click();
  await widget.locator('[data-action="member_remove"]').click();
  await widget.locator('[data-action="play"]').click();
  const removed = await waitInSim(
    page,
    new Function("root", `return root.querySelector('[data-node="${added}"]')?.dataset.role === "down";`),
    (await simMs(widget)) + 5000,
  );
  assert.ok(removed, `${added} left the cluster`);
  await widget.locator('[data-action="pause"]').click();
  await widget.locator('[data-action="propose"]').click();
  await widget.locator('[data-action="play"]').click();
  const committed = await waitInSim(
    page,
    (root) => {
      const writes = root.querySelectorAll("[data-write]");
      return writes.length > 0 && writes[writes.length - 1].dataset.outcome === "committed";
    },
    (await simMs(widget)) + 5000,
  );
  assert.ok(committed, "the last write commits with the smaller cluster");
  assert.equal(await widget.getAttribute("data-safety"), "ok");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a deep link to a widget says it is loading, then the widget takes the slot", async () => {
  const { page, context, errors } = await openPage(browser);
  // Hold the widgets module back until the note has been seen.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/assets\/raftdeck-widgets-[0-9a-f]+\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  const slide = deck.slides.find((candidate) => candidate.widgets.some((widget) => widget.kind === "raft"));
  await page.goto(`${server.url}#/${slide.id}`);
  const note = page.locator(`[data-slide-id="${slide.id}"] .widget-loading[role="status"]`).first();
  await note.waitFor();
  assert.equal(await note.innerText(), "Chargement de l’animation…");
  const shot = await screenshot(page, "widget-loading");
  assert.ok(shot.colours > 5, `the loading slide looks blank: ${shot.file}`);
  release();
  await page.locator('[data-widget="raft"]').first().waitFor(WAIT);
  assert.equal(await page.locator(".widget-loading").count(), 0, "the loading note stays after mounting");
  assert.deepEqual(errors, []);
  await context.close();
});

test("when the widgets module cannot load, the slot says so and the deck still works", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.route(/\/assets\/raftdeck-widgets-[0-9a-f]+\.wasm$/, (route) => route.abort());
  const index = deck.slides.findIndex((candidate) => candidate.widgets.length > 0);
  const slide = deck.slides[index];
  await page.goto(`${server.url}#/${slide.id}`);
  const alert = page.locator(`[data-slide-id="${slide.id}"] .raft-error[role="alert"]`).first();
  await alert.waitFor(WAIT);
  assert.match(await alert.innerText(), /^L’animation n’a pas pu être chargée : /);
  assert.equal(await page.locator(".widget-loading").count(), 0);
  assert.ok(errors.some((error) => error.includes("widget")), `the failure is logged: ${errors}`);
  // Navigation does not depend on the widgets.
  await page.goto(`${server.url}#/${deck.slides[index + 1].id}`);
  await page.locator(`[data-slide-id="${deck.slides[index + 1].id}"]`).waitFor();
  await page.keyboard.press("ArrowLeft");
  await page.locator(`[data-slide-id="${slide.id}"]`).waitFor();
  await context.close();
});
