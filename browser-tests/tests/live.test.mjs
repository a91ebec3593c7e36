// The raft widget on a real etcd cluster, in real headless Chromium against real etcd:
// `raftdeck serve --live-etcd` starts one cluster per scenario of the `live: true` blocks;
// in the presenter view the speaker switches a widget to « Réel », crashes the leader (a
// new leader at a higher term appears within etcd's election window), breaks a member
// for good (shown with its last log line, to the presenter only), resets the cluster,
// cuts the 2/1 link (the member alone on B loses its leader), heals it and records the
// run; a `?follow` window draws the same real state, read-only. Without --live-etcd the
// widgets stay simulated and say so in the presenter view only.
//
// Measured and printed, never asserted: real change → pixel (etcd's own log line for the
// new leader → the DOM showing it, and the click → the crashed member drawn down), and
// the reset time. Every etcd member is gone after the file, on every exit path.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { inspectLayout } from "./layout-checks.mjs";
import { etcdMembers, fetchDeck, launchBrowser, openPage, processRuns, screenshot, startServer } from "./harness.mjs";

const WAIT = { timeout: 20000 };
const TOKEN = "test-token";
/** etcd's election timeout in the live scenarios (the default: they set none). */
const ELECTION_MS = 1000;

let server;
let browser;
let deck;
let deckDir;
/** Every member process seen, so none can outlive the file unnoticed. */
const seen = new Map();
const figures = [];

function remember() {
  if (!server) return [];
  const members = etcdMembers(server.pid);
  for (const member of members) seen.set(member.pid, member);
  return members;
}

before(async () => {
  // A copy of the deck: the recording is written into its slides/scenarios/.
  deckDir = mkdtempSync(path.join(os.tmpdir(), "raftdeck-live-etcd-"));
  for (const folder of ["slides", "speaker-notes", "static"]) {
    cpSync(path.join(process.env.RAFTDECK_DECK, folder), path.join(deckDir, folder), { recursive: true });
  }
  server = await startServer({ deckDir, liveEtcd: true });
  remember();
  browser = await launchBrowser();
  deck = await fetchDeck(server.url);
});

after(async () => {
  await browser?.close();
  remember();
  await server?.stop();
  // Whatever failed above, no member survives the file.
  for (const { pid } of seen.values()) {
    if (processRuns(pid)) process.kill(pid, "SIGKILL");
  }
  if (deckDir) rmSync(deckDir, { recursive: true, force: true });
  if (figures.length > 0) console.log(`\nLive etcd figures (measured, not asserted):\n${figures.map((line) => `  ${line}`).join("\n")}\n`);
});

/** The current wall clock in a page, in epoch ms (comparable with etcd's log times). */
const NOW = "performance.timeOrigin + performance.now()";

/** Opens the presenter view on a slide (or moves it there), and waits for its widget. */
async function presenterOn(page, slideId) {
  if (page.url().startsWith(server.url)) {
    await page.evaluate((id) => { location.hash = `#/${id}`; }, slideId);
  } else {
    await page.goto(`${server.url}?presenter&token=${TOKEN}#/${slideId}`);
  }
  const widget = page.locator(`.presenter-current [data-slide-id="${slideId}"] [data-widget="raft"]`);
  await widget.waitFor(WAIT);
  return widget;
}

/** The leader a widget draws: `{ node, term }`, or null. */
async function leaderOf(widget) {
  const leader = widget.locator('[data-role="leader"]');
  if ((await leader.count()) !== 1) return null;
  return { node: await leader.getAttribute("data-node"), term: Number(await leader.getAttribute("data-term")) };
}

/** Waits until `check(widget)` resolves truthy (polling the DOM); returns its value. */
async function until(what, check, timeout = WAIT.timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Layout problems of a window's slide (text in its boxes, no overlaps, contrast). */
async function layoutProblems(page, scope) {
  return page.evaluate(inspectLayout, { scope, contrast: true });
}

/** The time etcd logged that `member` became leader at `term` (epoch ms), read from the
 *  member's own log file; null when it cannot be read. */
function leaderLogTime(member, term) {
  if (!member?.log || !existsSync(member.log)) return null;
  const line = readFileSync(member.log, "utf8").split("\n").find((text) => text.includes(`became leader at term ${term}`));
  if (!line) return null;
  try {
    return Date.parse(JSON.parse(line).ts);
  } catch {
    return null;
  }
}

test("--live-etcd starts one real cluster per live scenario, as children of the server", async () => {
  const summary = await (await fetch(new URL("api/etcd", server.url))).json();
  assert.equal(summary.available, true, JSON.stringify(summary));
  assert.deepEqual(summary.scenarios, ["leader-failure.json", "majority-failure.json"]);
  const members = remember();
  assert.equal(members.length, 6, JSON.stringify(members));
  assert.deepEqual(members.map((m) => m.name).sort(), ["n1", "n1", "n2", "n2", "n3", "n3"]);
});

test("without --live-etcd the live widgets stay simulated, and only the presenter view says so", async () => {
  const plain = await startServer();
  try {
    const { page, context, errors } = await openPage(browser, { width: 1600, height: 900 });
    await page.goto(`${plain.url}?presenter&token=${TOKEN}#/leader-failure`);
    const widget = page.locator('.presenter-current [data-slide-id="leader-failure"] [data-widget="raft"]');
    const note = widget.locator("[data-live-unavailable]");
    await note.waitFor(WAIT);
    assert.equal(await note.innerText(), "simulé · pas d'etcd réel");
    assert.match(await note.getAttribute("title"), /sans --live-etcd/);
    assert.equal(await widget.locator("[data-mode-choice]").count(), 0);
    assert.equal(await widget.getAttribute("data-mode"), "sim");
    // The audience's window shows no such note.
    const audience = await openPage(browser);
    await audience.page.goto(`${plain.url}#/leader-failure`);
    await audience.page.locator('main [data-widget="raft"]').waitFor(WAIT);
    assert.equal(await audience.page.locator("[data-live-unavailable], [data-mode-choice]").count(), 0);
    assert.deepEqual(errors, []);
    await audience.context.close();
    await context.close();
  } finally {
    await plain.stop();
  }
});

let presenter;
let follower;

test("leader-failure in real mode: the presenter crashes the leader, a new one with a higher term appears within etcd's election window, and a ?follow window shows it too", async () => {
  presenter = await openPage(browser, { width: 1600, height: 900 });
  follower = await openPage(browser, { width: 1280, height: 720 });
  const widget = await presenterOn(presenter.page, "leader-failure");
  await follower.page.goto(`${server.url}?follow`);
  const audience = follower.page.locator('main [data-slide-id="leader-failure"] [data-widget="raft"]');
  await audience.waitFor(WAIT);
  assert.equal(await widget.getAttribute("data-mode"), "sim");

  await widget.locator('[data-mode-choice="real"]').click();
  await presenter.page.locator('.presenter-current [data-widget="raft"][data-mode="real"]').waitFor(WAIT);
  const first = await until("a real leader in the presenter's widget", () => leaderOf(widget));
  assert.ok(first.term >= 2, `etcd's first leader is at term 2 or later: ${JSON.stringify(first)}`);
  // The audience's window switched too, and draws the same leader, read-only.
  await until("the follower in real mode with the same leader", async () =>
    (await audience.getAttribute("data-mode")) === "real" && JSON.stringify(await leaderOf(audience)) === JSON.stringify(await leaderOf(widget)));
  assert.equal(await follower.page.locator("[data-mode-choice], [data-action='reset'], [data-action='record']").count(), 0);
  await audience.locator(`[data-node="${first.node}"]`).click({ force: true });
  assert.equal(await follower.page.locator(".raft-node-menu").count(), 0, "no actions in an audience window");

  // A client write through the leader, with its real outcome and latency, in both windows.
  await widget.locator('g.raft-client[data-action="propose"]').click();
  const written = widget.locator('[data-write][data-outcome="committed"]');
  await written.first().waitFor(WAIT);
  assert.ok(Number(await written.first().getAttribute("data-latency-ms")) >= 0);
  assert.match(await written.first().locator(".raft-write-outcome").textContent(), /^✔ (commitée en )?\d+ ms$/);
  await audience.locator('[data-write][data-outcome="committed"]').first().waitFor(WAIT);
  await until("the caption telling the write", async () => /L.écriture x=1 est commitée en \d+ ms/.test(await audience.locator(".raft-caption").innerText()));

  // Drawn as neatly as the simulation: text inside its boxes, no overlaps, contrast.
  assert.deepEqual(await layoutProblems(presenter.page, ".presenter-current .canvas"), []);
  assert.deepEqual(await layoutProblems(follower.page, "main.canvas"), []);

  // Watch both windows for the crashed member drawn down and the new leader, timing each
  // against the click.
  const watch = (root, clickSelector) => `(() => {
    const root = document.querySelector(${JSON.stringify(root)});
    const times = (window.__live = {});
    if (${JSON.stringify(clickSelector)}) document.addEventListener("click", (event) => {
      if (event.target.closest(${JSON.stringify(clickSelector)})) times.click = ${NOW};
    }, true);
    const look = () => requestAnimationFrame(() => {
      const now = ${NOW};
      if (!times.down && root.querySelector('[data-node="${first.node}"][data-role="down"]')) times.down = now;
      const leader = [...root.querySelectorAll('[data-role="leader"]')]
        .find((node) => node.dataset.node !== "${first.node}" && Number(node.dataset.term) > ${first.term});
      if (!times.leader && leader) Object.assign(times, { leader: now, node: leader.dataset.node, term: Number(leader.dataset.term) });
    });
    new MutationObserver(look).observe(root, { subtree: true, childList: true, attributes: true });
  })()`;
  await presenter.page.evaluate(watch('.presenter-current [data-widget="raft"]', '[data-action="crash"]'));
  await follower.page.evaluate(watch('main [data-widget="raft"]', null));
  const before = remember();
  await widget.locator(`[data-node="${first.node}"]`).click();
  await widget.locator('.raft-node-menu [data-action="crash"]').click();
  const times = await until("a new leader at a higher term", () => presenter.page.evaluate(() => window.__live.leader && window.__live), 15000);
  const followerTimes = await until("the follower showing the new leader", () => follower.page.evaluate(() => window.__live.leader && window.__live), 15000);
  assert.notEqual(times.node, first.node);
  assert.ok(times.term > first.term);
  assert.equal(followerTimes.node, times.node);
  // etcd's election window: a follower's randomized timeout (under 2 × election), then a
  // pre-vote and a vote round on loopback; plus the way to the screen (a frame every
  // 100 ms). Generous for a loaded machine, tight enough to catch a stuck pipeline.
  const elected = times.leader - times.click;
  assert.ok(elected < 2 * ELECTION_MS + 2000, `new leader drawn ${elected.toFixed(0)} ms after the click`);

  // etcd's own clock: the new leader's log line, found in the crashed member's run folder.
  const crashed = before.find((member) => member.name === first.node && !processRuns(member.pid));
  const folder = crashed ? path.dirname(crashed.log) : null;
  const newLeader = before.find((member) => member.name === times.node && folder && path.dirname(member.log) === folder);
  const logged = leaderLogTime(newLeader, times.term);
  figures.push(`crash click → ${first.node} drawn down: presenter ${(times.down - times.click).toFixed(0)} ms, follower ${(followerTimes.down - times.click).toFixed(0)} ms`);
  figures.push(`crash click → new leader ${times.node} (term ${times.term}) drawn: presenter ${elected.toFixed(0)} ms, follower ${(followerTimes.leader - times.click).toFixed(0)} ms`);
  if (logged) {
    figures.push(`etcd logs « became leader at term ${times.term} » ${(logged - times.click).toFixed(0)} ms after the click; drawn ${(times.leader - logged).toFixed(0)} ms later in the presenter's window, ${(followerTimes.leader - logged).toFixed(0)} ms in the follower's (real change → pixel)`);
  } else {
    figures.push("etcd's leader log line could not be read: no real change → pixel figure");
  }
  await until("the caption telling the election", async () => new RegExp(`${times.node} est élu leader au terme ${times.term}`).test(await audience.locator(".raft-caption").innerText()));
  assert.deepEqual(await layoutProblems(presenter.page, ".presenter-current .canvas"), []);
  assert.deepEqual(await layoutProblems(follower.page, "main.canvas"), []);
  const shot = await screenshot(presenter.page, "live-leader-failure-presenter");
  assert.ok(shot.colours > 20, `the presenter's screenshot is not blank (${shot.file})`);
  await screenshot(follower.page, "live-leader-failure-follower");
  presenter.crashed = { name: first.node, dataDir: crashed?.dataDir };
  assert.deepEqual(presenter.errors, []);
  assert.deepEqual(follower.errors, []);
});

test("a member that does not come back is shown so, with its last log line in the presenter view only", async () => {
  const widget = presenter.page.locator('.presenter-current [data-widget="raft"]');
  const { name, dataDir } = presenter.crashed;
  assert.ok(dataDir && existsSync(dataDir), `the crashed member's data folder (${dataDir})`);
  // Its write-ahead log damaged while it is down: etcd refuses to start on it.
  const walDir = path.join(dataDir, "member", "wal");
  for (const file of readdirSync(walDir).filter((file) => file.endsWith(".wal"))) {
    const wal = path.join(walDir, file);
    const bytes = readFileSync(wal);
    bytes.fill(0xff, 0, Math.min(bytes.length, 4096));
    writeFileSync(wal, bytes);
  }
  await widget.locator(`[data-node="${name}"]`).click();
  await widget.locator('.raft-node-menu [data-action="restart"]').click();
  await widget.locator(`[data-node="${name}"][data-failed="true"][data-role="down"]`).waitFor(WAIT);
  const diagnostics = widget.locator("[data-diagnostics]");
  await diagnostics.waitFor(WAIT);
  const text = await diagnostics.innerText();
  assert.match(text, new RegExp(`${name} ne revient pas`));
  assert.match(text, /wal|fatal|panic/i, text);
  assert.match(await widget.locator(`[data-node="${name}"] .raft-live-indexes`).textContent(), /ne redémarre pas/);
  // The audience sees the member down, not the log.
  const audience = follower.page.locator('main [data-widget="raft"]');
  await audience.locator(`[data-node="${name}"][data-failed="true"]`).waitFor(WAIT);
  assert.equal(await follower.page.locator("[data-diagnostics]").count(), 0);
  await screenshot(presenter.page, "live-member-failed-presenter");
  remember();
});

test("« Réinitialiser le cluster » brings a fresh cluster back: every member up, a first leader at term 2", async () => {
  const widget = presenter.page.locator('.presenter-current [data-widget="raft"]');
  const clicked = Date.now();
  await widget.locator('[data-action="reset"]').click();
  await until("generation 1 with a leader at term 2 and no member down", async () =>
    (await widget.getAttribute("data-generation")) === "1"
    && (await widget.locator('[data-role="down"]').count()) === 0
    && (await leaderOf(widget))?.term === 2, 30000);
  const reset = Date.now() - clicked;
  figures.push(`reset click → fresh cluster drawn with a leader at term 2: ${reset} ms`);
  await until("the follower on generation 1", async () => (await follower.page.locator('main [data-widget="raft"]').getAttribute("data-generation")) === "1");
  assert.equal(await widget.locator("[data-diagnostics]").count(), 0);
  assert.equal(await widget.locator('[data-write]').count(), 0, "the writes start over");
  remember();
});

test("the 2/1 slide in real mode: cutting A–B leaves n3 without a leader, healing brings it back, and the run is recorded", async () => {
  const widget = await presenterOn(presenter.page, "majority-failure");
  const audience = follower.page.locator('main [data-slide-id="majority-failure"] [data-widget="raft"]');
  await audience.waitFor(WAIT);
  await widget.locator('[data-mode-choice="real"]').click();
  await until("a real leader on the 2/1 cluster", () => leaderOf(widget));
  await until("the follower in real mode", async () => (await audience.getAttribute("data-mode")) === "real" && leaderOf(audience));
  // The proxies count the bytes crossing A–B: heartbeats at least.
  const link = widget.locator('[data-link="A-B"]');
  const traffic = await until("traffic across A–B", async () => Number(await link.getAttribute("data-bytes-per-s")) > 0 && link.getAttribute("data-bytes-per-s"));
  assert.ok(Number(traffic) > 0);
  await link.locator(".raft-link-traffic").waitFor(WAIT);
  assert.deepEqual(await layoutProblems(presenter.page, ".presenter-current .canvas"), []);
  assert.deepEqual(await layoutProblems(follower.page, "main.canvas"), []);

  await link.click();
  await widget.locator('[data-link="A-B"][data-state="down"]').waitFor(WAIT);
  await audience.locator('[data-link="A-B"][data-state="down"]').waitFor(WAIT);
  // n3, alone on B, loses its leader: it asks for pre-votes (or runs), while A keeps or
  // elects a leader.
  const lonely = await until("n3 without a leader", async () => {
    const role = await widget.locator('[data-node="n3"]').getAttribute("data-role");
    const leader = await leaderOf(widget);
    return ["pre_candidate", "candidate"].includes(role) && leader && leader.node !== "n3" && role;
  }, 15000);
  await until("the follower showing n3 without a leader", async () =>
    (await audience.locator('[data-node="n3"]').getAttribute("data-role")) === lonely
    || ["pre_candidate", "candidate"].includes(await audience.locator('[data-node="n3"]').getAttribute("data-role")));
  assert.match(await audience.locator(".raft-caption").innerText(), /n3|lien A–B/);
  assert.deepEqual(await layoutProblems(presenter.page, ".presenter-current .canvas"), []);
  assert.deepEqual(await layoutProblems(follower.page, "main.canvas"), []);
  await screenshot(presenter.page, "live-2-1-cut-presenter");
  await screenshot(follower.page, "live-2-1-cut-follower");

  await link.click();
  await widget.locator('[data-link="A-B"][data-state="up"]').waitFor(WAIT);
  await until("n3 following a leader again", async () =>
    (await widget.locator('[data-node="n3"]').getAttribute("data-role")) === "follower" || (await leaderOf(widget))?.node === "n3", 15000);

  // The recording: a scenario of this cluster and every click at its time.
  await widget.locator('[data-action="record"]').click();
  await until("the recording saved", async () => /Enregistré : slides\/scenarios\/live-majority-failure\.json/.test(await widget.locator(".raft-controls").innerText()));
  const file = path.join(deckDir, "slides", "scenarios", "live-majority-failure.json");
  const recording = JSON.parse(readFileSync(file, "utf8"));
  assert.deepEqual(recording.cluster.sites, { A: ["n1", "n2"], B: ["n3"] });
  assert.deepEqual(recording.steps.map((step) => step.do), ["partition", "heal"]);
  assert.ok(recording.steps[0].at_ms < recording.steps[1].at_ms);
  // A normal scenario: the simulation runs it.
  execFileSync(process.env.RAFTDECK_BIN, ["sim", file, "--hash"]);
  // Beside it, what real etcd did: the cut, n3 asking for votes, the heal.
  const trace = JSON.parse(readFileSync(path.join(deckDir, "slides", "recordings", "live-majority-failure.json"), "utf8"));
  const kinds = trace.events.map((event) => `${event.kind}:${event.subject}`);
  const cut = kinds.indexOf("cut:A-B");
  assert.ok(cut >= 0 && kinds.indexOf("heal:A-B") > cut, kinds.join(" "));
  assert.ok(trace.events.slice(cut).some((event) => event.kind === "role" && event.subject === "n3" && ["pre_candidate", "candidate"].includes(event.detail)), kinds.join(" "));
  assert.deepEqual(presenter.errors, []);
  assert.deepEqual(follower.errors, []);
  remember();
});

test("stopping the server stops every etcd member it started", async () => {
  remember();
  assert.ok(seen.size >= 9, `members seen: ${seen.size}`);
  await presenter?.context.close();
  await follower?.context.close();
  assert.equal(await server.stop(), 0);
  const deadline = Date.now() + 10000;
  while ([...seen.keys()].some(processRuns) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual([...seen.values()].filter(({ pid }) => processRuns(pid)), []);
});
