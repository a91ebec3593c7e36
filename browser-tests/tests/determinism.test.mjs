// The simulation is the same program natively and in WASM: every scenario of the talk
// gives the same trace hash in the `raftdeck` binary and inside Chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { openPage, useServedDeck } from "./harness.mjs";

let server;
let browser;

useServedDeck((started) => ({ server, browser } = started));

test("every scenario's trace hash is identical natively and in WASM", async () => {
  const dir = path.join(process.env.RAFTDECK_DECK, "slides", "scenarios");
  const files = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
  assert.ok(files.length >= 10, `scenarios: ${files}`);
  const { page, context, errors } = await openPage(browser);
  await page.goto(server.url);
  await page.locator("[data-slide-id]").waitFor();
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), "utf8");
    const native = execFileSync(process.env.RAFTDECK_BIN, ["sim", "--hash", path.join(dir, file)], { encoding: "utf8" }).trim();
    assert.match(native, /^[0-9a-f]{16}$/, `${file}: native hash`);
    const wasm = await page.evaluate(async (scenario) => {
      const bundle = await window.raftdeckLoadWidgets();
      return bundle.probe_trace_hash(scenario);
    }, text);
    assert.equal(wasm, native, `${file}: WASM and native traces differ`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
