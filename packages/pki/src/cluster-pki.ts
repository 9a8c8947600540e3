/**
 * The cluster's PKI in one directory: a CA (ECDSA P-256, 10 years), the api's serving certificate signed by
 * it, and the secret bearer tokens are derived from. Created on the first call, reused afterwards; the serving
 * certificate is re-issued (by the same CA) when it no longer covers the requested hosts or nears expiry.
 *
 * Files (keys and the secret are 0600, the directory 0700; every write is atomic: temp file, fsync, rename):
 *   ca.crt, ca.key        the cluster CA
 *   apiserver.crt/.key    the api's serving certificate
 *   token-secret          32 random bytes, hex
 *
 * Call it once from the launcher before starting services: two processes creating the same directory at the
 * same moment could each write a CA, leaving the serving certificate signed by the other one.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type CertificateAndKey, createCaCertificate, createLeafCertificate, ipBytes } from './x509.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_MS = 3650 * DAY_MS;
const SERVING_VALIDITY_MS = 365 * DAY_MS;
/** Re-issue the serving certificate when it has less than this left. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** Backdating tolerates clock skew between the machine that issues and the one that verifies. */
const BACKDATE_MS = 60 * 60 * 1000;

/** The hosts every serving certificate covers. */
export const DEFAULT_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  tokenSecret: 'token-secret',
} as const;

export interface ClusterPkiOptions {
  /** Extra DNS names or IPs for the serving certificate (compose service names, a host IP, …). */
  hosts?: readonly string[];
  /** Wall-clock milliseconds now (certificate validity). */
  wallNowMs: number;
}

export interface ClusterPki {
  readonly dir: string;
  readonly ca: CertificateAndKey;
  readonly serving: CertificateAndKey;
  /** The HMAC secret behind {@link issueToken}/{@link verifyToken}. */
  readonly tokenSecret: Uint8Array;
  /** Absolute paths of the files, for kubeconfigs (`certificate-authority`) and TLS options. */
  readonly paths: { readonly [K in keyof typeof PKI_FILES]: string };
}

/** Writes a file atomically with the given mode: a temp file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function loadPair(certPath: string, keyPath: string): CertificateAndKey | undefined {
  const certPem = readIfExists(certPath);
  const keyPem = readIfExists(keyPath);
  return certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem };
}

/** Whether a serving certificate is signed by `ca`, valid for a while yet, and covers every host. */
function servingStillGood(
  serving: CertificateAndKey,
  ca: CertificateAndKey,
  hosts: readonly string[],
  nowMs: number,
): boolean {
  const cert = new X509Certificate(serving.certPem);
  if (!cert.verify(new X509Certificate(ca.certPem).publicKey)) return false;
  if (Date.parse(cert.validTo) - nowMs < RENEW_BEFORE_MS) return false;
  const sans = (cert.subjectAltName ?? '').split(', ');
  return hosts.every((h) => sans.includes(`DNS:${h}`) || sans.includes(`IP Address:${normalizeIp(h)}`));
}

/** Node prints IPv6 SANs in full uncompressed uppercase-free form; compare in that form. */
function normalizeIp(h: string): string {
  if (!h.includes(':')) return h;
  const b = ipBytes(h);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16).toUpperCase());
  return groups.join(':');
}

/**
 * Creates (first call) or loads the cluster PKI in `dir`.
 *
 * @example
 * const pki = ensureClusterPki('.kubelab/pki', { wallNowMs: clock.wallNow(), hosts: ['api-0'] });
 * const token = issueToken(pki.tokenSecret, ADMIN_USER);
 */
export function ensureClusterPki(dir: string, o: ClusterPkiOptions): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = {
    caCert: join(dir, PKI_FILES.caCert),
    caKey: join(dir, PKI_FILES.caKey),
    servingCert: join(dir, PKI_FILES.servingCert),
    servingKey: join(dir, PKI_FILES.servingKey),
    tokenSecret: join(dir, PKI_FILES.tokenSecret),
  };
  const hosts = [...new Set([...DEFAULT_HOSTS, ...(o.hosts ?? [])])];
  const notBeforeMs = o.wallNowMs - BACKDATE_MS;

  let ca = loadPair(paths.caCert, paths.caKey);
  const newCa = ca === undefined;
  if (ca === undefined) {
    ca = createCaCertificate({ commonName: 'kubelab-ca' }, notBeforeMs, o.wallNowMs + CA_VALIDITY_MS);
    writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
    writeFileAtomic(paths.caCert, ca.certPem, 0o644);
  }

  let serving = loadPair(paths.servingCert, paths.servingKey);
  if (newCa || serving === undefined || !servingStillGood(serving, ca, hosts, o.wallNowMs)) {
    serving = createLeafCertificate(ca, {
      subject: { commonName: 'kube-apiserver' },
      hosts,
      usages: ['server'],
      notBeforeMs,
      notAfterMs: o.wallNowMs + SERVING_VALIDITY_MS,
    });
    writeFileAtomic(paths.servingKey, serving.keyPem, 0o600);
    writeFileAtomic(paths.servingCert, serving.certPem, 0o644);
  }

  let secretHex = readIfExists(paths.tokenSecret)?.trim();
  if (secretHex === undefined || !/^[0-9a-f]{64}$/.test(secretHex)) {
    secretHex = randomBytes(32).toString('hex');
    writeFileAtomic(paths.tokenSecret, `${secretHex}\n`, 0o600);
  }
  return { dir, ca, serving, tokenSecret: new Uint8Array(Buffer.from(secretHex, 'hex')), paths };
}
