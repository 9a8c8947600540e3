/**
 * Real-socket helpers for the proxy tests: tiny TCP and UDP backends on distinct loopback addresses, clients,
 * and random addresses in the ranges the process cluster uses (127.96/16 for ClusterIPs, 127.128/10 for pods),
 * picked high in those ranges so tests rarely meet a running cluster. Everything random derives from SEED.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { type Rng, randomSeed, seededRng } from '@kubelab/clock';
import { createLogger, silentLogger } from '@kubelab/telemetry';
import { freePort } from '@kubelab/testkit';

/** The seed of this test process (SEED=<n> replays it). */
export const SEED = process.env.SEED === undefined ? randomSeed() : Number(process.env.SEED);
console.log(`# proxy tests: SEED=${SEED}`);
let rngs = 0;
/** A fresh Rng derived from {@link SEED}, deterministic in creation order. */
export function testRng(): Rng {
  return seededRng(SEED + ++rngs);
}

export const logger =
  process.env.KUBELAB_TEST_VERBOSE === '1'
    ? createLogger({ service: 'proxy-test', level: 'debug' })
    : silentLogger();

const addressRng = seededRng(SEED ^ 0x5eed);
/** A random address in 127.96.200-254.x (ClusterIP range, away from what the api hands out first). */
export function randomClusterIP(): string {
  return `127.96.${addressRng.int(200, 254)}.${addressRng.int(1, 254)}`;
}
/** A random pod-like address in 127.191.x.y (the top of the cluster CIDR). */
export function randomPodIP(): string {
  return `127.191.${addressRng.int(0, 255)}.${addressRng.int(1, 254)}`;
}

/** A TCP backend answering every connection with `name\n`, then echoing what it receives (ends when the client does). */
export interface TcpBackend {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** Connections accepted. */
  connections: number;
  /** The source address of each connection, as the backend saw it. */
  readonly peers: string[];
  close(): Promise<void>;
}

export async function startTcpBackend(name: string, ip = randomPodIP()): Promise<TcpBackend> {
  const port = await freePort(ip);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    backend.connections++;
    backend.peers.push(s.remoteAddress ?? '');
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.write(`${name}\n`);
    s.pipe(s); // echo; ends our side when the client ends its side (half-close)
  });
  await new Promise<void>((resolve) => server.listen(port, ip, resolve));
  const backend: TcpBackend = {
    name,
    ip,
    port,
    connections: 0,
    peers: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return backend;
}

/** A UDP backend answering each datagram with `name:<datagram>`. */
export interface UdpBackend {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startUdpBackend(name: string, ip = randomPodIP()): Promise<UdpBackend> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(`${name}:${msg.toString()}`, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  return {
    name,
    ip,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** An open client connection that collects what it receives. */
export interface Conn {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the received text contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended its side. */
  readonly ended: Promise<void>;
}

/** Connects to ip:port (from `localAddress` when given); rejects with the connect error (ECONNREFUSED…). */
export function connect(ip: string, port: number, localAddress?: string): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    const socket = net.connect({
      host: ip,
      port,
      allowHalfOpen: true,
      ...(localAddress ? { localAddress } : {}),
    });
    let data = '';
    const waiters: (() => void)[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      for (const w of waiters.splice(0)) w();
    });
    const ended = new Promise<void>((r) => socket.once('end', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({
        socket,
        ended,
        received: () => data,
        waitFor: (text, timeoutMs = 5_000) =>
          new Promise<void>((res, rej) => {
            const deadline = setTimeout(
              () => rej(new Error(`timed out waiting for "${text}", got "${data}"`)),
              timeoutMs,
            );
            const check = () => {
              if (data.includes(text)) {
                clearTimeout(deadline);
                res();
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
  });
}

/** Connects, reads the backend's name line, closes; the name of the backend that answered. */
export async function whoAnswers(ip: string, port: number, localAddress?: string): Promise<string> {
  const conn = await connect(ip, port, localAddress);
  await conn.waitFor('\n');
  conn.socket.end();
  return conn.received().split('\n')[0] ?? '';
}

/** Sends one datagram from a fresh socket and returns the reply and who sent it. */
export function udpRoundTrip(
  ip: string,
  port: number,
  payload: string,
  timeoutMs = 3_000,
): Promise<{ reply: string; from: string }> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP reply from ${ip}:${port}`));
    }, timeoutMs);
    socket.on('message', (msg, rinfo) => {
      clearTimeout(timer);
      socket.close();
      resolve({ reply: msg.toString(), from: `${rinfo.address}:${rinfo.port}` });
    });
    socket.send(payload, port, ip);
  });
}
