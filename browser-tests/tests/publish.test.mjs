// The published static site: built with `raftdeck build --base /talk/`, served by a plain
// static file server under /talk/, with no raftdeck server behind it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchBrowser, openPage, screenshot } from "./harness.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** A plain static file server: files under `root`, 404.html of the site for the rest. */
function staticServer(root, site) {
  return createServer((request, response) => {
    let pathname = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (pathname.endsWith("/")) pathname += "index.html";
    const file = path.join(root, path.normalize(pathname));
    if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) {
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    } else {
      response.writeHead(404, { "content-type": TYPES[".html"] });
      response.end(readFileSync(path.join(site, "404.html")));
    }
  });
}

function allFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
}

function build(out, ...extra) {
  return execFileSync(process.env.RAFTDECK_BIN, [
    "build", "--out", out, "--base", "/talk/",
    "--deck", process.env.RAFTDECK_DECK, "--dist", process.env.RAFTDECK_DIST, ...extra,
  ], { encoding: "utf8" });
}

/** A line of the speaker notes, to look for in the output. */
function aNoteLine() {
  const dir = path.join(process.env.RAFTDECK_DECK, "speaker-notes");
  const line = readdirSync(dir).filter((name) => name.endsWith(".md")).sort()
    .flatMap((file) => readFileSync(path.join(dir, file), "utf8").split("\n"))
    .map((text) => text.trim())
    // Lines the compiler's French typography leaves as typed: no apostrophe, no space
    // before high punctuation, no guillemets, no digit followed by a space.
    .find((text) => text.length > 40 && !text.startsWith("#") && !/[*_`[\]<>'«»]|\s[:;?!]|\d\s/.test(text));
  assert.ok(line, "a plain line of notes");
  return line.slice(0, 40);
}

let root;
let site;
let server;
let url;
let browser;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), "raftdeck-publish-"));
  site = path.join(root, "talk");
  build(site);
  server = staticServer(root, site);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}/talk/`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("the site is self-contained, hashed, and has no speaker notes", () => {
  const files = allFiles(site).map((file) => path.relative(site, file));
  for (const expected of ["index.html", "404.html", "deck.json", "static/raftdeck.css"]) {
    assert.ok(files.includes(expected), `${expected} in ${files}`);
  }
  assert.ok(files.some((file) => /^assets\/raftdeck-[0-9a-f]{16}\.wasm$/.test(file)), "hashed wasm");
  const note = aNoteLine();
  for (const file of allFiles(site)) {
    assert.ok(!readFileSync(file, "utf8").includes(note), `notes leaked into ${file}`);
  }
  const index = readFileSync(path.join(site, "index.html"), "utf8");
  assert.match(index, /<meta property="og:title"/);
  assert.match(index, /<noscript>/);
  assert.doesNotMatch(index, /(src|href)="\/(?!\/)/, "every page URL is relative");
});

test("--with-notes includes them", () => {
  const withNotes = path.join(root, "with-notes");
  build(withNotes, "--with-notes");
  assert.ok(readFileSync(path.join(withNotes, "deck.json"), "utf8").includes(aNoteLine()));
});

test("under /talk/ the talk navigates and a widget runs client-side", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(url);
  const deck = JSON.parse(readFileSync(path.join(site, "deck.json"), "utf8"));
  await page.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor();
  await page.keyboard.press("End");
  await page.locator(`[data-slide-id="${deck.slides.at(-1).id}"]`).waitFor();
  const widgetSlide = deck.slides.find((slide) => (slide.widgets ?? []).some((widget) => widget.kind === "raft"));
  assert.ok(widgetSlide, "the talk has a Raft widget");
  await page.goto(`${url}#/${widgetSlide.id}`);
  const widget = page.locator('[data-widget="raft"]').first();
  await widget.waitFor();
  const node = widget.locator("[data-node]").first();
  const name = await node.getAttribute("data-node");
  await node.click();
  await widget.locator('[data-action="crash"]').click();
  await widget.locator(`[data-node="${name}"][data-role="down"]`).waitFor();
  await screenshot(page, "publish-widget");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the presenter window drives the audience window through BroadcastChannel", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const audience = await context.newPage();
  await audience.goto(`${url}?follow`);
  const deck = JSON.parse(readFileSync(path.join(site, "deck.json"), "utf8"));
  await audience.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor();
  const presenter = await context.newPage();
  await presenter.goto(`${url}?presenter#/${deck.slides[2].id}`);
  await presenter.locator('[data-view="presenter"]').waitFor();
  await audience.locator(`[data-slide-id="${deck.slides[2].id}"]`).waitFor({ timeout: 15000 });
  await context.close();
});

test("unknown paths get the 404 page linking back to the talk", async () => {
  const response = await fetch(`${url}nope/nothing.html`);
  assert.equal(response.status, 404);
  const html = await response.text();
  assert.match(html, /Cette page n’existe pas/);
  assert.match(html, /href="\/talk\/"/);
});
