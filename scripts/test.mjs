#!/usr/bin/env node
// `npm test`: install what is needed (npm deps, nats-server, redis-server), then lint, type-check and run
// every test suite. `npm test -- unit` or `-- integration` runs one suite only.
import { ensureNpmDeps, run } from './bootstrap.mjs';

ensureNpmDeps();
const step = (name, cmd, args) => {
  console.log(`\n== ${name}`);
  const code = run(cmd, args);
  if (code !== 0) {
    console.error(`\n${name} failed (exit ${code})`);
    process.exit(code);
  }
};
step('install binaries', process.execPath, ['bin/kubelab.js', 'doctor', '--install']);
step('lint', 'npx', ['--no-install', 'biome', 'check', '.']);
step('purity', process.execPath, ['scripts/check-purity.mjs']);
step('typecheck', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json', '--noEmit']);
step('tests', process.execPath, ['scripts/run-tests.mjs', ...process.argv.slice(2)]);
