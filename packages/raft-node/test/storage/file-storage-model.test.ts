/**
 * Restart-from-disk property test: seeded random sequences of saves (appends, overwrites, hard states,
 * received snapshots), local snapshots and compactions, with a close and reopen after every operation,
 * compared against a naive in-memory model. A failure names its seed; rerun one seed with
 * RAFT_STORAGE_SEED=<seed>; run more seeds with RAFT_STORAGE_SEEDS=<count>.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Rng, seededRng } from '@kubelab/clock';
import type { ConfState, Entry, HardState, Snapshot } from '../../src/core/types.js';
import type { FileStorage } from '../../src/storage/file-storage.js';
import { TempDirs, ent, ents, openStorage, readSide } from './helpers.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const OPS_PER_SEED = 30;
const FIXED_SEEDS = Array.from({ length: Number(process.env.RAFT_STORAGE_SEEDS ?? 16) }, (_, i) => i + 1);

/** The naive model: a flat array after a compaction point, etcd MemoryStorage semantics, no cleverness. */
class Model {
  offset = 0;
  offsetTerm = 0;
  log: Entry[] = [];
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snap: Snapshot = {
    metadata: {
      index: 0,
      term: 0,
      confState: { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
    },
    data: new Uint8Array(0),
  };

  last(): number {
    return this.offset + this.log.length;
  }

  term(i: number): number {
    return i === this.offset ? this.offsetTerm : this.log[i - this.offset - 1]!.term;
  }

  append(es: readonly Entry[]): void {
    for (const e of es) {
      if (e.index <= this.offset) continue;
      this.log.length = e.index - this.offset - 1;
      this.log.push(e);
    }
  }

  resetTo(index: number, term: number): void {
    this.offset = index;
    this.offsetTerm = term;
    this.log = [];
  }

  compact(index: number): void {
    const term = this.term(index);
    this.log = this.log.slice(index - this.offset);
    this.offset = index;
    this.offsetTerm = term;
  }

  /** What a reopen shows: the log starts right after the snapshot in force. */
  reopen(): void {
    if (this.snap.metadata.index > this.offset) this.compact(this.snap.metadata.index);
  }

  view() {
    const first = this.offset + 1;
    const terms: number[] = [];
    for (let i = this.offset; i <= this.last(); i++) terms.push(this.term(i));
    return {
      initialState: { hardState: this.hardState, confState: this.snap.metadata.confState },
      first,
      last: this.last(),
      terms,
      entries: this.log,
      snapshot: this.snap,
    };
  }
}

function randomConfState(rng: Rng): ConfState {
  const voters = [1, 2, 3].slice(0, rng.int(1, 3));
  return {
    voters,
    learners: rng.int(0, 1) ? [4] : [],
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
}

/** Performs one random operation on both the storage and the model; returns its description. */
async function step(rng: Rng, s: FileStorage, m: Model): Promise<string> {
  const snapIndex = m.snap.metadata.index;
  const roll = rng.int(0, 9);
  const mustSync = rng.int(0, 1) === 1;
  if (roll <= 4 || m.last() === 0) {
    const from = rng.int(Math.max(m.offset, snapIndex) + 1, m.last() + 1);
    const es = ents(from, from + rng.int(0, 4), rng.int(1, 6), rng.int(0, 40));
    const hs = rng.int(0, 1)
      ? { term: rng.int(1, 6), vote: rng.int(0, 3), commit: rng.int(0, from) }
      : undefined;
    await s.save({ entries: es, ...(hs ? { hardState: hs } : {}) }, mustSync);
    m.append(es);
    if (hs) m.hardState = hs;
    return `append ${from}..${from + es.length - 1}${hs ? ' +hs' : ''}`;
  }
  if (roll === 5) {
    const hs = { term: rng.int(1, 6), vote: rng.int(0, 3), commit: rng.int(0, m.last()) };
    await s.save({ entries: [], hardState: hs }, mustSync);
    m.hardState = hs;
    return 'hardState';
  }
  if (roll <= 7 && m.last() > snapIndex) {
    const index = rng.int(snapIndex + 1, m.last());
    const confState = randomConfState(rng);
    const data = Uint8Array.of(index & 0xff, rng.int(0, 255));
    await s.createSnapshot(index, confState, data);
    m.snap = { metadata: { index, term: m.term(index), confState }, data };
    return `createSnapshot ${index}`;
  }
  if (roll === 8 && snapIndex > m.offset) {
    const index = rng.int(m.offset + 1, snapIndex);
    await s.compact(index);
    m.compact(index);
    return `compact ${index}`;
  }
  const index = rng.int(snapIndex + 1, m.last() + 5);
  const snap: Snapshot = {
    metadata: { index, term: rng.int(1, 6), confState: randomConfState(rng) },
    data: Uint8Array.of(rng.int(0, 255)),
  };
  const after = rng.int(0, 1) ? [ent(index + 1, snap.metadata.term)] : [];
  await s.save({ snapshot: snap, entries: after }, mustSync);
  m.snap = snap;
  m.resetTo(index, snap.metadata.term);
  m.append(after);
  return `receive snapshot ${index}${after.length ? ' +1 entry' : ''}`;
}

async function runSeed(seed: number): Promise<void> {
  const rng = seededRng(seed);
  const dir = await tmp.make(`raft-model-${seed}-`);
  const opts = { segmentSizeBytes: 400, sync: false, snapshotsToKeep: 2 };
  const m = new Model();
  let s = await openStorage(dir, opts);
  const done: string[] = [];
  try {
    for (let k = 0; k < OPS_PER_SEED; k++) {
      done.push(await step(rng, s, m));
      assert.deepStrictEqual(readSide(s), m.view(), 'before reopen');
      await s.close();
      s = await openStorage(dir, opts);
      m.reopen();
      assert.deepStrictEqual(readSide(s), m.view(), 'after reopen');
    }
  } catch (err) {
    if (err instanceof Error) {
      err.message = `seed ${seed} failed after [${done.join(', ')}] (rerun: RAFT_STORAGE_SEED=${seed}): ${err.message}`;
    }
    throw err;
  } finally {
    await s.close();
  }
}

describe('file storage - restart from disk against a model', () => {
  const only = process.env.RAFT_STORAGE_SEED;
  const seeds = only ? [Number(only)] : [...FIXED_SEEDS, Math.floor(Math.random() * 2 ** 31)];
  for (const seed of seeds) {
    it(`seed ${seed}`, () => runSeed(seed));
  }
});
