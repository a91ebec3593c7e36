// Sync fan-out load generator for `cargo xtask bench`: opens N Server-Sent Events followers
// on /api/sync (loopback only), then the presenter changes slide; reports when each
// follower received the change (p50/p99 from the POST) and the server's resident memory.
// Followers are raw sockets sending the same request as a browser's EventSource, spread
// over worker threads (one per core): real followers are separate browsers, and a single
// JavaScript thread reading 10,000 sockets one after the other would measure itself.
// Times are `performance.timeOrigin + performance.now()`, comparable across threads.
// Bounded: at most 20,000 followers, gives up after 120 s. Prints one JSON object.
// Usage: node bench/fanout.mjs <audience-url> <token> <server-pid> <followers>
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const now = () => performance.timeOrigin + performance.now();

if (isMainThread) {
  await main();
} else {
  await worker();
}

/** A worker: opens its followers, says "ready", then reports when each saw the target. */
async function worker() {
  const { base, count } = workerData;
  const url = new URL(base);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port) || 80;
  const path = new URL("api/sync", url).pathname;
  let target = null;
  const received = [];
  const sockets = [];
  // Resolves on the follower's first state; records when it sees `target`, searching
  // the bytes as they come (with a short tail, in case the marker straddles two reads).
  const follow = () => new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    sockets.push(socket);
    let ready = false;
    let done = false;
    let tail = Buffer.alloc(0);
    socket.on("connect", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      if (done) return;
      const data = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      if (!ready && data.includes("\ndata:")) { ready = true; resolve(); }
      if (target && data.includes(target)) {
        // Recorded only: sockets close after the measurement, so closing them does not
        // delay the followers still waiting.
        received.push(now());
        done = true;
        if (received.length === count) parentPort.postMessage({ received });
        return;
      }
      tail = data.subarray(Math.max(0, data.length - 64));
    });
    socket.on("error", (error) => { if (!ready) reject(error); });
  });
  parentPort.on("message", (message) => {
    if (message.target) target = Buffer.from(message.target);
    if (message.report) parentPort.postMessage({ received });
    if (message.close) { for (const socket of sockets) socket.destroy(); process.exit(0); }
  });
  for (let opened = 0; opened < count; opened += 250) {
    await Promise.all(Array.from({ length: Math.min(250, count - opened) }, follow));
  }
  parentPort.postMessage({ ready: true });
}

async function main() {
  const [base, token, pidText, countText] = process.argv.slice(2);
  const url = new URL(base);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new Error("loopback only");
  const count = Math.min(Number(countText), 20000);
  const deadline = setTimeout(() => { console.error("fan-out: gave up after 120 s"); process.exit(1); }, 120000);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const rssKib = () => Number(readFileSync(`/proc/${pidText}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);
  const post = (slide) => {
    const body = JSON.stringify({ slide, step: 0, widgets: {}, origin: "fanout-bench" });
    return new Promise((resolve, reject) => {
      const request = http.request(new URL("api/sync", url), {
        method: "POST", agent,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      }, (response) => { response.resume(); response.on("end", () => resolve(response.statusCode)); });
      request.on("error", reject);
      request.end(body);
    });
  };

  const deck = await (await fetch(new URL("api/deck", url))).json();
  const [slideA, slideB] = [deck.slides[0].id, deck.slides[1].id];
  await post(slideA);
  const before = rssKib();
  const threads = Math.max(1, Math.min(os.availableParallelism(), 8));
  const shares = Array.from({ length: threads }, (_, k) => Math.floor(count / threads) + (k < count % threads ? 1 : 0))
    .filter((share) => share > 0);
  const opening = performance.now();
  const workers = shares.map((share) => new Worker(new URL(import.meta.url), { workerData: { base, count: share } }));
  const next = (worker, key) => new Promise((resolve, reject) => {
    const listener = (message) => { if (key in message) { worker.off("message", listener); resolve(message); } };
    worker.on("message", listener);
    worker.once("error", reject);
  });
  await Promise.all(workers.map((worker) => next(worker, "ready")));
  const openMs = performance.now() - opening;
  const connectedRss = rssKib();
  const reports = workers.map((worker) => next(worker, "received"));
  for (const worker of workers) worker.postMessage({ target: `"slide":"${slideB}"` });
  const sentAt = now();
  const status = await post(slideB);
  // Each worker reports when all of its followers have the change; one that does not
  // within 60 s is asked for what it has.
  const timer = setTimeout(() => { for (const worker of workers) worker.postMessage({ report: true }); }, 60000);
  const received = (await Promise.all(reports)).flatMap((report) => report.received);
  clearTimeout(timer);
  const sorted = received.map((at) => at - sentAt).sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
  for (const worker of workers) worker.postMessage({ close: true });
  clearTimeout(deadline);
  console.log(JSON.stringify({
    followers: count, threads: workers.length, post_status: status, delivered: received.length,
    open_ms: openMs, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: sorted.at(-1),
    rss_before_kib: before, rss_connected_kib: connectedRss, rss_after_kib: rssKib(),
  }));
  process.exit(0);
}
