/**
 * Name resolution inside a pod: `localhost`, the pod's own hostname, IP literals, then the cluster DNS
 * server from the sandbox's resolv.conf over real UDP (dns-packet), with Kubernetes' search list and ndots:5.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Clock } from '@kubelab/clock';
import * as dnsPacket from 'dns-packet';
import type { NetContext } from './context.js';
import { podLocalAddress } from './context.js';

/** Kubernetes writes `options ndots:5` into pod resolv.conf files. */
const ndots = 5;
const queryTimeoutMs = 2_000;
let nextQueryId = 1;

/** The answer to one query. */
export interface DnsAnswer {
  readonly name: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, … or TIMEOUT when nothing answered. */
  readonly rcode: string;
  readonly addresses: readonly string[];
}

/** Sends one A query for `name` (absolute, no trailing dot) to the pod's nameserver. */
export function queryA(
  net: NetContext,
  clock: Clock,
  name: string,
  signal?: AbortSignal,
): Promise<DnsAnswer> {
  const dns = net.dns;
  if (dns === undefined) return Promise.resolve({ name, rcode: 'REFUSED', addresses: [] });
  const id = nextQueryId++ & 0xffff;
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name, class: 'IN' }],
  });
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let done = false;
    const finish = (answer: DnsAnswer) => {
      if (done) return;
      done = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      socket.close();
      resolve(answer);
    };
    const onAbort = () => finish({ name, rcode: 'TIMEOUT', addresses: [] });
    const timer = clock.setTimer(queryTimeoutMs, onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', () => finish({ name, rcode: 'SERVFAIL', addresses: [] }));
    socket.on('message', (msg) => {
      let decoded: dnsPacket.DecodedPacket;
      try {
        decoded = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (decoded.id !== id) return;
      const rcode = (decoded as unknown as { rcode?: string }).rcode ?? 'NOERROR';
      const addresses = (decoded.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
      finish({ name, rcode, addresses });
    });
    socket.send(query, dns.port ?? 53, dns.nameserver);
  });
}

/** The names a resolver tries for `name`, in order (search list first when it has fewer than ndots dots). */
export function candidateNames(name: string, searches: readonly string[]): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = searches.map((s) => `${name}.${s}`);
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

/** Resolves as a pod's libc does: the first candidate with an answer wins; undefined when none has one. */
export async function resolveName(
  net: NetContext,
  clock: Clock,
  hostname: string,
  name: string,
  signal?: AbortSignal,
): Promise<DnsAnswer | undefined> {
  const local = podLocalAddress(net, name);
  if (isIP(local) !== 0) return { name, rcode: 'NOERROR', addresses: [local] };
  if (name === hostname) return { name, rcode: 'NOERROR', addresses: [net.podIP] };
  for (const candidate of candidateNames(name, net.dns?.searches ?? [])) {
    const answer = await queryA(net, clock, candidate, signal);
    if (answer.rcode === 'NOERROR' && answer.addresses.length > 0) return answer;
    if (answer.rcode === 'TIMEOUT' || answer.rcode === 'REFUSED') return answer;
  }
  return undefined;
}
