// Shared helpers for the browser tests: start `raftdeck serve` on a free loopback port,
// launch Debian's Chromium through playwright-core, and check screenshots are not blank.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const screenshotsDir = path.join(here, "..", "screenshots");

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with \`cargo xtask test\``);
  }
  return value;
}

/** Starts `raftdeck serve` on 127.0.0.1:0; resolves with its audience URL. With
 *  `liveEtcd`, serves with `--live-etcd`: real etcd clusters start before the URL is
 *  printed (their members are the server's children, see `etcdMembers`). */
export async function startServer({ deckDir = required("RAFTDECK_DECK"), token = "test-token", liveEtcd = false } = {}) {
  const child = spawn(
    required("RAFTDECK_BIN"),
    ["serve", "--addr", "127.0.0.1:0", "--deck", deckDir, "--dist", required("RAFTDECK_DIST"), "--token", token,
      ...(liveEtcd ? ["--live-etcd"] : [])],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`raftdeck serve did not start:\n${output}`)), liveEtcd ? 90000 : 20000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/Audience:\s+(http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => { output += chunk; });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`raftdeck serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid,
    output: () => output,
    /** Ctrl-C, as a speaker would; SIGKILL after `graceMs` if it has not exited. */
    async stop({ graceMs = 30000 } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The etcd processes whose parent is `pid` (the members a `--live-etcd` server started),
 *  read from /proc: `{ pid, name, dataDir, log }` (`log`: the file its stderr goes to). */
export function etcdMembers(pid) {
  const members = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: the fields follow it.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== pid || !stat.includes("(etcd)")) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const flag = (name) => {
        const inline = args.find((arg) => arg.startsWith(`--${name}=`));
        if (inline) return inline.slice(name.length + 3);
        const at = args.indexOf(`--${name}`);
        return at >= 0 ? args[at + 1] : undefined;
      };
      let log;
      try { log = readlinkSync(`/proc/${entry}/fd/2`); } catch { log = undefined; }
      members.push({ pid: Number(entry), name: flag("name"), dataDir: flag("data-dir"), log });
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/** Whether a process runs (a zombie does not count). */
export function processRuns(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}

/** Launches headless Chromium with the flags that keep it quiet on a closed network. */
export async function launchBrowser() {
  // playwright gives every launch a fresh temporary profile (no --user-data-dir needed).
  return chromium.launch({
    executablePath: required("CHROMIUM"),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens a page that records console errors and uncaught exceptions; other options go
 *  to the browser context (`hasTouch`, `isMobile`, `bypassCSP` to inject axe-core…). */
export async function openPage(browser, { width = 1280, height = 720, ...options } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return { page, context, errors };
}

/** Saves a screenshot under browser-tests/screenshots and returns how varied it is:
 *  the number of distinct colours in a coarse sample and the share of pixels that differ
 *  from the most common colour. A blank page has one colour and a share near zero. */
export async function screenshot(page, name) {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  const png = await page.screenshot({ path: file });
  const stats = await page.evaluate(async (dataUrl) => {
    const image = new Image();
    image.src = dataUrl;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, image.width, image.height);
    const counts = new Map();
    let samples = 0;
    for (let i = 0; i < data.length; i += 4 * 7) {
      const key = (data[i] >> 3) << 10 | (data[i + 1] >> 3) << 5 | (data[i + 2] >> 3);
      counts.set(key, (counts.get(key) || 0) + 1);
      samples += 1;
    }
    const top = Math.max(...counts.values());
    return { colours: counts.size, varied: 1 - top / samples };
  }, `data:image/png;base64,${png.toString("base64")}`);
  return { file, ...stats };
}

/** The deck as the server sends it. */
export async function fetchDeck(url) {
  const response = await fetch(new URL("api/deck", url));
  if (!response.ok) throw new Error(`GET api/deck: ${response.status}`);
  return response.json();
}

/** Starts `raftdeck serve` on the talk and Chromium before a test file's tests, hands them
 *  (and the deck as served) to `take`, and stops both after the tests. The server's exit
 *  code goes to `stopped`, if given. */
export function useServedDeck(take, { stopped } = {}) {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    take({ server, browser, deck: await fetchDeck(server.url) });
  });
  after(async () => {
    await browser?.close();
    const code = await server?.stop();
    stopped?.(code, server);
  });
}
