/**
 * X.509 v3 certificates for the cluster: a self-signed CA and leaf certificates it signs, ECDSA P-256 with
 * SHA-256, built with node:crypto and the DER encoder in der.ts (RFC 5280 §4.1).
 *
 * Only what kubectl's Go TLS stack (crypto/x509) checks is emitted: basicConstraints, keyUsage, extKeyUsage,
 * subjectAltName (Go ignores the CN for host names), subject and authority key identifiers.
 */
import {
  type KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitStringBytes,
  boolean,
  explicit,
  implicitPrimitive,
  namedBits,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

/** A distinguished name: the CN and optional organizations (Kubernetes reads O as groups). */
export interface Subject {
  commonName: string;
  organizations?: readonly string[];
}

export interface LeafOptions {
  subject: Subject;
  /** DNS names and IP addresses (v4 or v6) for the subjectAltName. */
  hosts?: readonly string[];
  /** Extended key usages: serving, client, or both. */
  usages: readonly ('server' | 'client')[];
  notBeforeMs: number;
  notAfterMs: number;
}

function encodeName(s: Subject): Uint8Array {
  const rdns = [
    ...(s.organizations ?? []).map((o) => set(sequence(objectIdentifier(OID.organization), utf8String(o)))),
    set(sequence(objectIdentifier(OID.commonName), utf8String(s.commonName))),
  ];
  return sequence(...rdns);
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

/**
 * A key identifier: the SHA-1 of the whole SubjectPublicKeyInfo DER. RFC 5280 §4.2.1.2 hashes only the key
 * bits, but calls any unique value acceptable; verifiers treat it as opaque and only compare the CA's SKI
 * with the leaf's AKI, which both come from here.
 */
function keyIdentifier(spkiDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spkiDer).digest());
}

/** An IPv4/IPv6 literal as the 4 or 16 bytes an iPAddress SAN carries. */
export function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  const right = ip.includes('::') ? parse(tail) : [];
  const groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = (g >> 8) & 0xff;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function subjectAltName(hosts: readonly string[]): Uint8Array {
  const names = hosts.map((h) =>
    isIP(h) === 0 ? implicitPrimitive(2, new TextEncoder().encode(h)) : implicitPrimitive(7, ipBytes(h)),
  );
  return sequence(...names);
}

interface TbsInput {
  serial: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBeforeMs: number;
  notAfterMs: number;
  spki: Uint8Array;
  extensions: Uint8Array[];
}

function signCertificate(tbs: TbsInput, signer: KeyObject): string {
  const algorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const tbsDer = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(tbs.serial),
    algorithm,
    tbs.issuer,
    sequence(time(tbs.notBeforeMs), time(tbs.notAfterMs)),
    tbs.subject,
    tbs.spki,
    explicit(3, sequence(...tbs.extensions)),
  );
  const signature = new Uint8Array(sign('sha256', tbsDer, signer));
  const der = sequence(tbsDer, algorithm, bitStringBytes(signature));
  return toPem('CERTIFICATE', der);
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** 16 random bytes with the top bit cleared: a positive serial of at most 20 octets (RFC 5280 §4.1.2.2). */
function newSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = (serial[0] ?? 0) & 0x7f;
  return serial;
}

function newKeyPair(): { privateKey: KeyObject; spki: Uint8Array; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey, spki, keyPem };
}

/**
 * A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign + cRLSign).
 *
 * @example
 * const ca = createCaCertificate({ commonName: 'kubelab-ca' }, now, now + TEN_YEARS_MS);
 */
export function createCaCertificate(
  subject: Subject,
  notBeforeMs: number,
  notAfterMs: number,
): CertificateAndKey {
  const { privateKey, spki, keyPem } = newKeyPair();
  const name = encodeName(subject);
  const ski = keyIdentifier(spki);
  const certPem = signCertificate(
    {
      serial: newSerial(),
      issuer: name,
      subject: name,
      notBeforeMs,
      notAfterMs,
      spki,
      extensions: [
        extension(
          OID.keyUsage,
          true,
          namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
        ),
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        extension(OID.subjectKeyIdentifier, false, octetString(ski)),
      ],
    },
    privateKey,
  );
  return { certPem, keyPem };
}

/**
 * A leaf certificate signed by `ca`: serving (serverAuth, with SANs) and/or client (clientAuth).
 */
export function createLeafCertificate(ca: CertificateAndKey, o: LeafOptions): CertificateAndKey {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  const caSpki = new Uint8Array(caCert.publicKey.export({ type: 'spki', format: 'der' }));
  const { privateKey, spki, keyPem } = newKeyPair();
  const usages = o.usages.map((u) => objectIdentifier(u === 'server' ? OID.serverAuth : OID.clientAuth));
  const extensions = [
    extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment])),
    extension(OID.extKeyUsage, false, sequence(...usages)),
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(caSpki)))),
  ];
  if ((o.hosts ?? []).length > 0)
    extensions.push(extension(OID.subjectAltName, false, subjectAltName(o.hosts ?? [])));
  const certPem = signCertificate(
    {
      serial: newSerial(),
      issuer: new Uint8Array(caCert.raw.subarray(...issuerSpan(caCert))),
      subject: encodeName(o.subject),
      notBeforeMs: o.notBeforeMs,
      notAfterMs: o.notAfterMs,
      spki,
      extensions,
    },
    caKey,
  );
  return { certPem, keyPem };
}

/**
 * The byte range of the CA's own subject Name inside its DER, so the leaf's issuer is byte-identical (Go
 * matches issuer to subject by raw bytes when building chains).
 */
function issuerSpan(cert: X509Certificate): [number, number] {
  const der = cert.raw;
  // Certificate SEQUENCE → tbsCertificate SEQUENCE → [0] version, serial, signature algorithm, issuer,
  // validity, then subject.
  let at = headerEnd(der, 0);
  at = headerEnd(der, at);
  for (let field = 0; field < 5; field++) at = skip(der, at);
  return [at, skip(der, at)];
}

function readLength(der: Uint8Array, at: number): { len: number; next: number } {
  const first = der[at + 1] ?? 0;
  if (first < 0x80) return { len: first, next: at + 2 };
  const count = first & 0x7f;
  let len = 0;
  for (let i = 0; i < count; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
  return { len, next: at + 2 + count };
}

/** The offset of a TLV's content (just past tag and length). */
function headerEnd(der: Uint8Array, at: number): number {
  return readLength(der, at).next;
}

/** The offset just past a whole TLV. */
function skip(der: Uint8Array, at: number): number {
  const { len, next } = readLength(der, at);
  return next + len;
}
