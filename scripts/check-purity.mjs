#!/usr/bin/env node
// Enforces the rules Biome cannot express (STYLE.md principles 1 and 2):
// - outside main.ts, packages/clock, packages/testkit, packages/launcher and tests, no code reads the wall
//   clock or global randomness (Date.now, performance.now, Math.random, argument-less `new Date()`);
// - the raft core (packages/raft-node/src/core, quorum, tracker) is synchronous and does no I/O.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const exempt = [
  /\/main\.ts$/,
  /^packages\/(clock|testkit|launcher)\//,
  /\.test\.ts$/,
  /\/test\//,
  /\/testdata\//,
];
const clockRules = [
  [/\bDate\.now\s*\(/, 'Date.now(): take a Clock'],
  [/\bperformance\.now\s*\(/, 'performance.now(): take a Clock'],
  [/\bMath\.random\s*\(/, 'Math.random(): take a seeded Rng'],
  [/\bnew Date\(\s*\)/, 'new Date(): take a Clock'],
];
const pureDirs = [/^packages\/raft-node\/src\/(core|quorum|tracker)\//];
const pureRules = [
  [/\basync\b/, 'async in the pure raft core'],
  [/\bPromise\b/, 'Promise in the pure raft core'],
  [/from ['"](node:)?(fs|net|dgram|child_process|worker_threads|timers)/, 'I/O import in the pure raft core'],
  [/from ['"](nats|ioredis|@kubelab\/bus)/, 'network import in the pure raft core'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'timer in the pure raft core'],
];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const top of ['packages', 'services']) {
  for (const file of walk(join(root, top))) {
    const rel = relative(root, file).split(sep).join('/');
    if (!rel.includes('/src/')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    const rules = [
      ...(exempt.some((r) => r.test(rel)) ? [] : clockRules),
      ...(pureDirs.some((r) => r.test(rel)) ? pureRules : []),
    ];
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line) || line.includes('purity-ok')) return;
      for (const [re, why] of rules) if (re.test(line)) problems.push(`${rel}:${i + 1}: ${why}`);
    });
  }
}
if (problems.length) {
  console.error(`check-purity: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('check-purity: ok');
