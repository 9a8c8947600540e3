#!/usr/bin/env node
// The `kubelab` command: loads the TypeScript launcher through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../packages/launcher/src/main.ts');
