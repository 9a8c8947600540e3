#!/usr/bin/env node
// Runs test files with node's built-in runner through tsx. Suites: `unit` (packages/ and services/, which may
// start a real nats-server or redis-server) and `integration` (integration/: whole clusters, run one file at a
// time). No argument runs both.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, run } from './bootstrap.mjs';

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (name.endsWith('.test.ts')) yield relative(root, p);
  }
}

const suites = {
  unit: { dirs: ['packages', 'services'], concurrency: '2' },
  integration: { dirs: ['integration'], concurrency: '1' },
};
const wanted = process.argv.slice(2).filter((a) => a in suites);
let failed = 0;
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  const files = suites[name].dirs.flatMap((d) => [...walk(join(root, d))]).sort();
  if (files.length === 0) continue;
  console.log(`\n-- ${name}: ${files.length} file(s)`);
  // --test-force-exit: a file whose tests have all finished exits even if a stray timer is still armed (one CI
  // run hung for minutes after informer.test.ts had passed every test); results are unaffected.
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-force-exit',
    `--test-concurrency=${suites[name].concurrency}`,
  ];
  if (process.env.CI) args.push('--test-reporter=spec');
  failed += run(process.execPath, [...args, ...files]) === 0 ? 0 : 1;
}
process.exit(failed ? 1 : 0);
