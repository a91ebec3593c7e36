// Publishing without a server, beyond the static site: `raftdeck pdf` (checked with
// poppler's pdfinfo/pdftotext), the `?print` layout, and `raftdeck build --single-file`
// opened from file:// in Chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { launchBrowser, openPage, screenshot, startServer } from "./harness.mjs";

const deckDir = process.env.RAFTDECK_DECK;

function raftdeck(...args) {
  return execFileSync(process.env.RAFTDECK_BIN, args, {
    encoding: "utf8",
    env: { ...process.env, PATH: `${path.dirname(process.env.CHROMIUM)}:${process.env.PATH}` },
  });
}

function pdf(out, ...extra) {
  return raftdeck("pdf", "--out", out, "--deck", deckDir, "--dist", process.env.RAFTDECK_DIST,
    "--chromium", process.env.CHROMIUM, ...extra);
}

/** Page count, from poppler's pdfinfo. */
function pageCount(file) {
  const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
  const match = info.match(/^Pages:\s+(\d+)$/m);
  assert.ok(match, `pdfinfo output:\n${info}`);
  return Number(match[1]);
}

function pdfText(file, ...range) {
  return execFileSync("pdftotext", [...range, file, "-"], { encoding: "utf8" });
}

/** A plain sentence of the speaker notes (no Markdown marks), to look for in the output. */
function aNoteLine() {
  const dir = path.join(deckDir, "speaker-notes");
  const file = readdirSync(dir).filter((name) => name.endsWith(".md")).sort()[0];
  const line = readFileSync(path.join(dir, file), "utf8").split("\n")
    .map((text) => text.trim())
    .find((text) => text.length > 40 && !text.startsWith("#") && !/[*_`[\]<>«»’]/.test(text));
  assert.ok(line, "a plain line of notes");
  // Short, so a line break in the PDF's text layout does not split it.
  return line.split(/\s+/).slice(0, 4).join(" ");
}

/** pdftotext's layout joins words with single spaces, across line breaks too. */
function normalized(text) {
  return text.replace(/\s+/g, " ");
}

let root;
let deck;
let browser;
let served;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), "raftdeck-pdf-test-"));
  served = await startServer();
  deck = await (await fetch(new URL("api/deck", served.url))).json();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test("raftdeck pdf prints one page per slide, the title on the first", () => {
  const out = path.join(root, "talk.pdf");
  const said = pdf(out);
  assert.match(said, new RegExp(`${deck.slides.length} pages`));
  assert.equal(pageCount(out), deck.slides.length);
  const first = normalized(pdfText(out, "-f", "1", "-l", "1"));
  assert.ok(first.includes(normalized(deck.meta.title)), `first page text: ${first}`);
  // The audience's PDF carries no speaker notes.
  assert.ok(!normalized(pdfText(out)).includes(aNoteLine()), "notes leaked into the PDF");
  execFileSync("pdftoppm", ["-png", "-r", "40", "-f", "1", "-l", "1", out, path.join(root, "page")]);
});

test("raftdeck pdf --steps prints one page per step", () => {
  const out = path.join(root, "steps.pdf");
  pdf(out, "--steps");
  const steps = deck.slides.reduce((sum, slide) => sum + slide.steps + 1, 0);
  assert.ok(steps > deck.slides.length, "the talk has steps");
  assert.equal(pageCount(out), steps);
});

test("raftdeck pdf --notes puts the notes under the slides", () => {
  const out = path.join(root, "notes.pdf");
  pdf(out, "--notes");
  assert.equal(pageCount(out), deck.slides.length);
  const text = normalized(pdfText(out));
  assert.ok(text.includes(aNoteLine()), `"${aNoteLine()}" not in the notes PDF`);
});

test("raftdeck pdf without Chromium names the package to install", () => {
  assert.throws(
    () => execFileSync(process.env.RAFTDECK_BIN, ["pdf", "--out", path.join(root, "x.pdf"),
      "--deck", deckDir, "--dist", process.env.RAFTDECK_DIST],
    { encoding: "utf8", stdio: "pipe", env: { ...process.env, PATH: root } }),
    (error) => /Debian package `chromium`/.test(error.stderr),
  );
});

test("?print lays every slide out on its own page, widgets at their key state", async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto(`${served.url}?print`);
  const root = page.locator("[data-print-ready]");
  await root.waitFor({ timeout: 15000 });
  assert.equal(await page.locator(".print-page").count(), deck.slides.length);
  assert.equal(await root.getAttribute("data-print-pages"), String(deck.slides.length));
  // Every slide is there, fully revealed: no hidden fragment.
  assert.equal(await page.locator(".print-page [data-slide-id]").count(), deck.slides.length);
  assert.equal(await page.locator(".print-page .fragment:not(.visible)").count(), 0);
  // Each kind of widget is drawn as a still preview (its key state): sites, no controls.
  const kinds = [...new Set(deck.slides.flatMap((slide) => (slide.widgets ?? []).map((widget) => widget.kind)))];
  assert.ok(kinds.includes("raft"), `the deck has a raft widget (kinds: ${kinds})`);
  for (const kind of kinds) {
    const widgetSlide = deck.slides.find((slide) => (slide.widgets ?? []).some((widget) => widget.kind === kind));
    const widget = page.locator(`[data-slide-id="${widgetSlide.id}"] [data-widget="${kind}"]`).first();
    assert.ok(await widget.locator("[data-site]").count() > 0, `${kind} preview on ${widgetSlide.id} draws its sites`);
    assert.equal(await widget.locator('[data-action="play"]').count(), 0, `${kind} preview has no controls`);
    if (kind === "raft") assert.ok(await widget.locator("[data-node]").count() > 0);
  }
  const raftSlide = deck.slides.find((slide) => (slide.widgets ?? []).some((widget) => widget.kind === "raft"));
  const raftWidget = page.locator(`[data-slide-id="${raftSlide.id}"] [data-widget="raft"]`).first();
  await raftWidget.scrollIntoViewIfNeeded();
  await screenshot(page, "print-widget");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the single HTML file works from file://: slides, navigation, a widget", async () => {
  const file = path.join(root, "talk.html");
  raftdeck("build", "--single-file", file, "--deck", deckDir, "--dist", process.env.RAFTDECK_DIST);
  const html = readFileSync(file, "utf8");
  assert.doesNotMatch(html, /(src|href)="(?!data:)[^"#]/, "nothing is loaded from outside the file");
  assert.ok(!html.includes(aNoteLine()), "no notes without --with-notes");
  const { page, context, errors } = await openPage(browser);
  const url = pathToFileURL(file).href;
  await page.goto(url);
  await page.locator(`[data-slide-id="${deck.slides[0].id}"]`).waitFor({ timeout: 15000 });
  const first = await screenshot(page, "single-file-first");
  assert.ok(first.colours > 2 && first.varied > 0.01, `blank first slide: ${JSON.stringify(first)}`);
  await page.keyboard.press("ArrowRight");
  await page.locator(`[data-slide-id="${deck.slides[1].id}"]`).waitFor();
  const withImage = deck.slides.find((slide) => slide.html.includes("<img"));
  await page.goto(`${url}#/${withImage.id}`);
  const image = page.locator(`[data-slide-id="${withImage.id}"] img`).first();
  await image.waitFor();
  assert.ok(await image.evaluate((element) => element.complete && element.naturalWidth > 0), "the image loads");
  const widgetSlide = deck.slides.find((slide) => (slide.widgets ?? []).some((widget) => widget.kind === "raft"));
  await page.goto(`${url}#/${widgetSlide.id}`);
  const widget = page.locator('[data-widget="raft"]').first();
  await widget.waitFor();
  const node = widget.locator("[data-node]").first();
  const name = await node.getAttribute("data-node");
  await node.click();
  await widget.locator('[data-action="crash"]').click();
  await widget.locator(`[data-node="${name}"][data-role="down"]`).waitFor();
  await screenshot(page, "single-file-widget");
  assert.deepEqual(errors, []);
  await context.close();
});
