// Sync fan-out load generator for `cargo xtask bench`: opens N Server-Sent Events followers
// on /api/sync (loopback only), then the presenter changes slide; reports when each
// follower received the change (p50/p99 from the POST) and the server's resident memory.
// Followers are raw sockets sending the same request as a browser's EventSource.
// Bounded: at most 20,000 followers, gives up after 120 s. Prints one JSON object.
// Usage: node bench/fanout.mjs <audience-url> <token> <server-pid> <followers>
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";

const [base, token, pidText, countText] = process.argv.slice(2);
const url = new URL(base);
if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new Error("loopback only");
const count = Math.min(Number(countText), 20000);
const deadline = setTimeout(() => { console.error("fan-out: gave up after 120 s"); process.exit(1); }, 120000);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function rssKib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)[1]);
}

function post(slide) {
  const body = JSON.stringify({ slide, step: 0, widgets: {}, origin: "fanout-bench" });
  return new Promise((resolve, reject) => {
    const request = http.request(new URL("api/sync", url), {
      method: "POST", agent,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    }, (response) => { response.resume(); response.on("end", () => resolve(response.statusCode)); });
    request.on("error", reject);
    request.end(body);
  });
}

// Each follower is a raw socket (the generator must not be the bottleneck it measures:
// Node's HTTP client costs far more per event than the server does). It resolves `ready`
// on its first state and records when it sees `target`, searching the bytes as they come
// (keeping a short tail, in case the marker straddles two reads).
let target = null;
let sentAt = 0;
const received = [];
const sockets = [];
function follow() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) || 80 });
    sockets.push(socket);
    let ready = false;
    let done = false;
    let tail = Buffer.alloc(0);
    socket.on("connect", () => {
      socket.write(`GET ${new URL("api/sync", url).pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      if (done) return;
      const data = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      if (!ready && data.includes("\ndata:")) { ready = true; resolve(); }
      if (target && data.includes(target)) {
        // Recorded only; sockets close after the measurement, so closing them does not
        // delay the followers still waiting.
        received.push(performance.now() - sentAt);
        done = true;
        return;
      }
      tail = data.subarray(Math.max(0, data.length - 64));
    });
    socket.on("error", (error) => { if (!ready) reject(error); });
  });
}

const deck = await (await fetch(new URL("api/deck", url))).json();
const [slideA, slideB] = [deck.slides[0].id, deck.slides[1].id];
await post(slideA);
const before = rssKib(pidText);
const opening = performance.now();
for (let opened = 0; opened < count; opened += 500) {
  await Promise.all(Array.from({ length: Math.min(500, count - opened) }, follow));
}
const openMs = performance.now() - opening;
const connectedRss = rssKib(pidText);
target = Buffer.from(`"slide":"${slideB}"`);
sentAt = performance.now();
const status = await post(slideB);
while (received.length < count && performance.now() - sentAt < 60000) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const sorted = [...received].sort((a, b) => a - b);
const at = (p) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
for (const socket of sockets) socket.destroy();
clearTimeout(deadline);
console.log(JSON.stringify({
  followers: count, post_status: status, delivered: received.length,
  open_ms: openMs, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: sorted.at(-1),
  rss_before_kib: before, rss_connected_kib: connectedRss, rss_after_kib: rssKib(pidText),
}));
process.exit(0);
