#!/usr/bin/env node
// `npm start`: install what is needed, then `kubelab up` in the foreground (extra args are passed on).
import { ensureNpmDeps, run } from './bootstrap.mjs';

ensureNpmDeps();
process.exit(run(process.execPath, ['bin/kubelab.js', 'up', ...process.argv.slice(2)]));
