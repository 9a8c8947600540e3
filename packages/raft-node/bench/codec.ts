/**
 * Micro-benchmark: encode/decode throughput of raft-node's binary codec vs JSON for an MsgApp carrying
 * 64 entries of 256 bytes (data base64-encoded for JSON, since JSON has no bytes). Not a test; run with
 *   node --import tsx packages/raft-node/bench/codec.ts
 * MB/s counts the entry payload bytes moved (64 × 256 per message), so the two codecs compare on equal work.
 */
import { decodeMessage, encodeMessage } from '../src/codec.js';
import type { Entry, Message } from '../src/core/types.js';

const ENTRIES = 64;
const DATA_BYTES = 256;
/** Each case runs for about this long after a warm-up of the same length. */
const RUN_NS = 1_000_000_000n;

function makeMessage(): Message {
  const entries: Entry[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const data = new Uint8Array(DATA_BYTES);
    for (let j = 0; j < DATA_BYTES; j++) data[j] = (i * 31 + j * 7) & 0xff;
    entries.push({ term: 42, index: 1_000_000 + i, type: 0, data });
  }
  return {
    type: 3,
    to: 2,
    from: 1,
    term: 42,
    logTerm: 42,
    index: 999_999,
    entries,
    commit: 999_990,
    reject: false,
    rejectHint: 0,
  };
}

function toJson(m: Message): string {
  return JSON.stringify({
    ...m,
    entries: m.entries.map((e) => ({
      ...e,
      data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length).toString('base64'),
    })),
  });
}

function fromJson(s: string): Message {
  const o = JSON.parse(s) as Message & { entries: (Omit<Entry, 'data'> & { data: string })[] };
  return {
    ...o,
    entries: o.entries.map((e) => ({ ...e, data: new Uint8Array(Buffer.from(String(e.data), 'base64')) })),
  };
}

/** Keeps results alive so the JIT cannot drop the work. */
let sink = 0;

function runFor(fn: () => number, ns: bigint): { rounds: number; s: number } {
  const t0 = process.hrtime.bigint();
  let rounds = 0;
  let elapsed = 0n;
  while (elapsed < ns) {
    for (let i = 0; i < 100; i++) sink += fn();
    rounds += 100;
    elapsed = process.hrtime.bigint() - t0;
  }
  return { rounds, s: Number(elapsed) / 1e9 };
}

function time(label: string, fn: () => number, payloadBytes: number, wireBytes: number): void {
  runFor(fn, RUN_NS); // warm up the JIT
  const { rounds, s } = runFor(fn, RUN_NS);
  const mbps = (payloadBytes * rounds) / s / 1e6;
  console.log(
    `${label.padEnd(18)} ${mbps.toFixed(0).padStart(6)} MB/s  ${((s / rounds) * 1e6).toFixed(2).padStart(7)} µs/msg  ${wireBytes} B on the wire`,
  );
}

const m = makeMessage();
const payload = ENTRIES * DATA_BYTES;
const bin = encodeMessage(m);
const json = toJson(m);
const jsonBytes = Buffer.byteLength(json);
console.log(`MsgApp with ${ENTRIES} × ${DATA_BYTES}-byte entries, node ${process.version}`);
time('binary encode', () => encodeMessage(m).length, payload, bin.length);
time('binary decode', () => decodeMessage(bin).entries.length, payload, bin.length);
time('JSON+b64 encode', () => Buffer.from(toJson(m)).length, payload, jsonBytes);
time('JSON+b64 decode', () => fromJson(Buffer.from(json).toString()).entries.length, payload, jsonBytes);

// Small messages (a heartbeat) are dominated by per-message overhead: MB/s here counts wire bytes.
const hb: Message = { ...m, type: 8, entries: [], logTerm: 0, index: 0 };
const hbBin = encodeMessage(hb);
const hbJson = JSON.stringify(hb);
console.log('Heartbeat (no entries):');
time('binary encode', () => encodeMessage(hb).length, hbBin.length, hbBin.length);
time('binary decode', () => decodeMessage(hbBin).commit, hbBin.length, hbBin.length);
time('JSON encode', () => Buffer.from(JSON.stringify(hb)).length, hbJson.length, hbJson.length);
time(
  'JSON decode',
  () => (JSON.parse(Buffer.from(hbJson).toString()) as Message).commit,
  hbJson.length,
  hbJson.length,
);
if (sink === 0) console.log('unreachable');
