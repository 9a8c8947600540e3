/**
 * Regenerates testdata/<case>.bin (the protobuf body the real kubectl sent) and testdata/<case>.json (what
 * it must decode to: kubectl's own --dry-run=client JSON, or the case's expectation) for every case in
 * kubectl-capture.ts. The expectations never come from our decoder.
 *
 *   node --import tsx packages/k8s-protobuf/test/capture-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES, TESTDATA, kubectlEnv, runCase, startFakeServer } from './kubectl-capture.js';

const server = await startFakeServer();
const env = kubectlEnv(server.url);
try {
  for (const c of CASES) {
    const { result, request, expected } = await runCase(env, server, c);
    if (result.code !== 0 || !request) {
      throw new Error(
        `${c.name}: kubectl exited ${result.code} without a protobuf request: ${result.stderr}`,
      );
    }
    writeFileSync(join(TESTDATA, `${c.name}.bin`), request.body);
    writeFileSync(join(TESTDATA, `${c.name}.json`), `${JSON.stringify(expected, null, 2)}\n`);
    console.log(`${c.name}: ${request.method} ${request.url.split('?')[0]} (${request.body.length} bytes)`);
  }
} finally {
  env.cleanup();
  await server.close();
}
