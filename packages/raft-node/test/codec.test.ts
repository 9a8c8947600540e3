import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CODEC_VERSION,
  CodecError,
  decodeConfChange,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  decodeSnapshotMetadata,
  encodeConfChange,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  encodeSnapshotMetadata,
} from '../src/codec.js';
import type { ConfChange, ConfState, Entry, Message, Snapshot } from '../src/core/types.js';

/** Small numbers most of the time (the common case), any safe integer sometimes (the varint edges). */
const uint = fc.oneof(
  { weight: 4, arbitrary: fc.nat(300) },
  { weight: 1, arbitrary: fc.constantFrom(127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32) },
  { weight: 1, arbitrary: fc.maxSafeNat() },
);
const bytes = fc.uint8Array({ maxLength: 64 });

const entryArb: fc.Arbitrary<Entry> = fc.record({
  term: uint,
  index: uint,
  type: fc.constantFrom(0 as const, 1 as const),
  data: bytes,
});

const confStateArb: fc.Arbitrary<ConfState> = fc.record({
  voters: fc.array(uint, { maxLength: 5 }),
  learners: fc.array(uint, { maxLength: 3 }),
  votersOutgoing: fc.array(uint, { maxLength: 3 }),
  learnersNext: fc.array(uint, { maxLength: 3 }),
  autoLeave: fc.boolean(),
});

const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  metadata: fc.record({ index: uint, term: uint, confState: confStateArb }),
  data: bytes,
});

const messageArb: fc.Arbitrary<Message> = fc
  .record({
    type: fc.integer({ min: 0, max: 18 }) as fc.Arbitrary<Message['type']>,
    to: uint,
    from: uint,
    term: uint,
    logTerm: uint,
    index: uint,
    entries: fc.array(entryArb, { maxLength: 6 }),
    commit: uint,
    snapshot: fc.option(snapshotArb, { nil: undefined }),
    reject: fc.boolean(),
    rejectHint: uint,
    context: fc.option(bytes, { nil: undefined }),
  })
  .map(({ snapshot, context, ...rest }) => ({
    ...rest,
    ...(snapshot === undefined ? {} : { snapshot }),
    ...(context === undefined ? {} : { context }),
  }));

const confChangeArb: fc.Arbitrary<ConfChange> = fc
  .record({
    changes: fc.array(
      fc.record({ type: fc.constantFrom(0 as const, 1 as const, 2 as const), nodeId: uint }),
      { maxLength: 4 },
    ),
    transition: fc.option(fc.constantFrom('auto' as const, 'implicit' as const, 'explicit' as const), {
      nil: undefined,
    }),
    context: fc.option(bytes, { nil: undefined }),
  })
  .map(({ changes, transition, context }) => ({
    changes,
    ...(transition === undefined ? {} : { transition }),
    ...(context === undefined ? {} : { context }),
  }));

/** Decoding must either succeed or throw a CodecError: never a RangeError, TypeError or a hang. */
function decodeOrCodecError(decode: (b: Uint8Array) => unknown, buf: Uint8Array): void {
  try {
    decode(buf);
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
  }
}

describe('codec - round trip', () => {
  it('decode(encode(m)) deep-equals m for random messages', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        assert.deepStrictEqual(decodeMessage(encodeMessage(m)), m);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips entries, hard states, conf states, snapshots, metadata and conf changes', () => {
    fc.assert(fc.property(entryArb, (e) => assert.deepStrictEqual(decodeEntry(encodeEntry(e)), e)));
    fc.assert(
      fc.property(fc.record({ term: uint, vote: uint, commit: uint }), (h) =>
        assert.deepStrictEqual(decodeHardState(encodeHardState(h)), h),
      ),
    );
    fc.assert(
      fc.property(confStateArb, (c) => assert.deepStrictEqual(decodeConfState(encodeConfState(c)), c)),
    );
    fc.assert(fc.property(snapshotArb, (s) => assert.deepStrictEqual(decodeSnapshot(encodeSnapshot(s)), s)));
    fc.assert(
      fc.property(snapshotArb, (s) =>
        assert.deepStrictEqual(decodeSnapshotMetadata(encodeSnapshotMetadata(s.metadata)), s.metadata),
      ),
    );
    fc.assert(
      fc.property(confChangeArb, (cc) => assert.deepStrictEqual(decodeConfChange(encodeConfChange(cc)), cc)),
    );
  });

  it('decodes entry data as zero-copy views of the input', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const buf = encodeMessage({
      type: 3,
      to: 2,
      from: 1,
      term: 5,
      logTerm: 4,
      index: 9,
      entries: [{ term: 5, index: 10, type: 0, data }],
      commit: 9,
      reject: false,
      rejectHint: 0,
    });
    const m = decodeMessage(buf);
    const got = m.entries[0]!.data;
    assert.equal(got.buffer, buf.buffer);
    assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
    buf[buf.length - 1] = 99;
    assert.equal(got[3], 99, 'a view, not a copy');
  });

  it('encodes a heartbeat in a handful of bytes', () => {
    const hb: Message = {
      type: 8,
      to: 2,
      from: 1,
      term: 7,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 1234,
      reject: false,
      rejectHint: 0,
    };
    assert.equal(encodeMessage(hb).length, 13);
  });
});

describe('codec - validation', () => {
  it('throws CodecError on every truncation of a valid encoding', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const buf = encodeMessage(m);
        for (let n = 0; n < buf.length; n++) {
          assert.throws(() => decodeMessage(buf.subarray(0, n)), CodecError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('random byte flips never crash with anything but CodecError', () => {
    fc.assert(
      fc.property(
        messageArb,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (m, flips) => {
          const buf = encodeMessage(m);
          for (const [at, mask] of flips) buf[at % buf.length]! ^= mask || 1;
          decodeOrCodecError(decodeMessage, buf);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random garbage never crashes with anything but CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
        const buf = new Uint8Array([CODEC_VERSION, 1, ...garbage]);
        decodeOrCodecError(decodeMessage, buf);
        decodeOrCodecError(decodeSnapshot, buf);
        decodeOrCodecError(decodeConfChange, buf);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a foreign version, the wrong kind, trailing bytes and oversized varints', () => {
    const e: Entry = { term: 1, index: 2, type: 0, data: new Uint8Array([7]) };
    const buf = encodeEntry(e);
    assert.throws(
      () => decodeEntry(Uint8Array.of(CODEC_VERSION + 1, ...buf.subarray(1))),
      /unsupported codec version/,
    );
    assert.throws(() => decodeMessage(buf), /expected kind/);
    assert.throws(() => decodeEntry(Uint8Array.of(...buf, 0)), /trailing bytes/);
    const huge = Uint8Array.of(CODEC_VERSION, 3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0);
    assert.throws(() => decodeHardState(huge), /exceeds 2\^53-1/);
    const long = Uint8Array.of(CODEC_VERSION, 3, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0);
    assert.throws(() => decodeHardState(long), /varint too long/);
    assert.throws(() => decodeHardState(Uint8Array.of(CODEC_VERSION, 3, 0x81, 0x00, 0, 0)), /non-canonical/);
    const err = (() => {
      try {
        decodeHardState(Uint8Array.of(CODEC_VERSION, 3, 1));
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof CodecError);
    assert.equal(err.name, 'CodecError');
    assert.equal(err.offset, 3);
  });

  it('refuses to encode numbers outside the types (a caller bug)', () => {
    assert.throws(() => encodeHardState({ term: -1, vote: 0, commit: 0 }), { name: 'AssertionError' });
    assert.throws(() => encodeHardState({ term: 1.5, vote: 0, commit: 0 }), { name: 'AssertionError' });
    assert.throws(() => encodeHardState({ term: 2 ** 53, vote: 0, commit: 0 }), { name: 'AssertionError' });
  });
});
