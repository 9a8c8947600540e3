/**
 * A replicated KV server process: FileStorage in a data dir, the NATS raft transport, a NodeDriver and
 * the KV state machine, serving `kvEndpoint(group, id)` over the bus. Used by the process-level tests and
 * the etcd benchmark. This is an entry file (like a main.ts): it reads argv, makes the real clock and
 * the NATS connection.
 *
 *   node --import tsx bench/raft/kv/server.ts --id 1 --peers 1,2,3 \
 *     --nats nats://127.0.0.1:4222 --data /tmp/kv-1 [--group kv] [--no-fsync] [--tick-ms 50] [--metrics-port 9101]
 *     [--persist-then-send | --leader-writes-in-background] [--trace FILE]
 *
 * stdout carries one JSON line per event for supervisors: `{"ev":"ready",…}` once serving, and
 * `{"ev":"state","lead":…,"term":…,"state":…,"t":<epoch ms>}` on every role/leader/term change.
 *
 * `--trace FILE` records, per log index, when the entry passed each driver probe point and when the client
 * request that proposed it arrived and was answered (CLOCK_MONOTONIC, comparable across processes), plus
 * event-loop delay and GC pauses; SIGUSR2 writes them to FILE (see trace.ts) and starts afresh.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { connectBus, createNatsRaftTransport } from '@kubelab/bus';
import { randomSeed, seededRng, systemClock } from '@kubelab/clock';
import {
  DriverError,
  ErrNotLeader,
  FileStorage,
  NodeDriver,
  bootstrapSnapshot,
  createRaftMetrics,
} from '@kubelab/raft-node';
import { createLogger } from '@kubelab/telemetry';
import { Registry } from 'prom-client';
import { type KvRequest, type KvResponse, kvEndpoint } from './protocol.js';
import { KvOp, type KvResult, KvStateMachine, encodeCommand } from './state-machine.js';
import { TraceRecorder } from './trace.js';

const { values: args } = parseArgs({
  options: {
    id: { type: 'string' },
    peers: { type: 'string', default: '1,2,3' },
    nats: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    data: { type: 'string' },
    group: { type: 'string', default: 'kv' },
    'no-fsync': { type: 'boolean', default: false },
    'persist-then-send': { type: 'boolean', default: false },
    'leader-writes-in-background': { type: 'boolean', default: false },
    'tick-ms': { type: 'string' },
    'election-ticks': { type: 'string' },
    'metrics-port': { type: 'string' },
    'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'warn' },
    trace: { type: 'string' },
    'trace-cpu-profile': { type: 'boolean', default: false },
  },
});

function emit(ev: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ev, id: Number(args.id), ...fields, t: Date.now() })}\n`);
}

const stateNames = ['follower', 'candidate', 'leader', 'pre-candidate'];

async function main(): Promise<void> {
  const id = Number(args.id);
  const peers = args.peers.split(',').map(Number);
  if (!(id > 0) || !peers.includes(id) || args.data === undefined) {
    throw new Error('usage: server.ts --id N --peers 1,2,3 --data DIR [--nats URL]');
  }
  const logger = createLogger({ service: 'raft-kv', id: `kv-${id}`, level: args['log-level'] });
  const registry = new Registry();
  const metrics = createRaftMetrics({ registry, group: args.group, nodeId: id });
  const clock = systemClock;
  const storage = await FileStorage.open({
    dir: args.data,
    sync: !args['no-fsync'],
    onFsync: metrics.fsyncMs,
    now: () => clock.now(),
    log: (level, msg, fields) => logger[level](fields, msg),
  });
  if (storage.lastIndex() === 0) {
    // A founding member's first start: persist the bootstrap state (RawNode.bootstrap, durably).
    await storage.save(
      { snapshot: bootstrapSnapshot(peers), hardState: { term: 1, vote: 0, commit: 1 }, entries: [] },
      true,
    );
  }
  const bus = await connectBus({ servers: args.nats, name: `raft-kv-${id}`, logger, inFlightMax: 4096 });
  const kv = new KvStateMachine();
  const recorder =
    args.trace === undefined ? undefined : new TraceRecorder(id, args.trace, args['trace-cpu-profile']);
  if (recorder !== undefined) process.on('SIGUSR2', () => recorder.dump());
  const driver = new NodeDriver<KvResult | undefined>({
    id,
    storage,
    transport: createNatsRaftTransport(bus, { group: args.group, nodeId: id, logger }),
    stateMachine: kv,
    clock,
    rng: seededRng(randomSeed()),
    ...(args['tick-ms'] === undefined ? {} : { tickMs: Number(args['tick-ms']) }),
    ...(args['election-ticks'] === undefined ? {} : { electionTicks: Number(args['election-ticks']) }),
    leaderSendsBeforePersist: !args['persist-then-send'],
    leaderWritesInBackground: args['leader-writes-in-background'],
    ...(recorder === undefined ? {} : { probe: recorder }),
    metrics,
    logger,
  });
  await driver.start();
  void watchState(driver);
  await bus.serve(kvEndpoint(args.group, id), async (req) => {
    if (recorder === undefined) return handle(driver, kv, req);
    const t0 = recorder.now();
    const res = await handle(driver, kv, req);
    if (req.op !== 'get' && res.revision !== undefined) recorder.request(res.revision, t0);
    return res;
  });
  if (args['metrics-port'] !== undefined) serveMetrics(registry, Number(args['metrics-port']));
  emit('ready', { pid: process.pid });
  const shutdown = async () => {
    await bus.drain();
    await driver.stop();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  const why = await driver.closed;
  if (why !== undefined) throw why;
}

async function watchState(driver: NodeDriver<KvResult | undefined>): Promise<void> {
  for await (const ev of driver.events()) {
    emit('state', { lead: ev.lead, term: ev.term, state: stateNames[ev.raftState] });
  }
}

/** One client request: writes on the leader only, linearizable reads anywhere. */
async function handle(
  driver: NodeDriver<KvResult | undefined>,
  kv: KvStateMachine,
  req: KvRequest,
): Promise<KvResponse> {
  try {
    if (req.op === 'get') {
      await driver.readIndex();
      const cur = kv.get(req.key);
      return cur === undefined
        ? { status: 'not_found' }
        : { status: 'ok', value: cur.value, revision: cur.revision };
    }
    if (!driver.isLeader) return { status: 'not_leader', leader: driver.leader };
    const cmd = encodeCommand({
      op: req.op === 'put' ? KvOp.Put : KvOp.Cas,
      clientId: req.clientId ?? 0,
      seq: req.seq ?? 0,
      key: req.key,
      value: req.value ?? '',
      expected: req.expected,
    });
    const { result } = await driver.propose(cmd);
    if (result === undefined) throw new Error('a write without a result');
    return result.ok
      ? { status: 'ok', revision: result.revision }
      : { status: 'cas_failed', revision: result.revision, value: result.current };
  } catch (err) {
    if (err instanceof ErrNotLeader) return { status: 'not_leader', leader: err.leader };
    if (err instanceof DriverError)
      return { status: 'unavailable', error: err.name, indeterminate: err.indeterminate };
    if (err instanceof Error && err.name === 'ErrProposalDropped')
      return { status: 'unavailable', error: err.name };
    throw err;
  }
}

function serveMetrics(registry: Registry, port: number): void {
  createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  }).listen(port, '127.0.0.1');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
