import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_USER, ensureClusterPki, identityFor, issueToken, verifyToken } from '../src/index.js';

const NOW = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kubelab-pki-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('ensureClusterPki', () => {
  test('pki - creates a CA and a serving certificate it signs, with the requested SANs', () => {
    const dir = join(tempDir(), 'pki');
    const pki = ensureClusterPki(dir, { wallNowMs: NOW, hosts: ['api-0', '10.0.0.7', 'fd00::7'] });
    const ca = new X509Certificate(pki.ca.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    assert.ok(ca.ca, 'CA:TRUE');
    assert.ok(!serving.ca);
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(serving.checkIssued(ca));
    for (const host of ['localhost', 'api-0']) assert.ok(serving.checkHost(host), host);
    for (const ip of ['127.0.0.1', '::1', '10.0.0.7', 'fd00::7']) assert.ok(serving.checkIP(ip), ip);
    assert.equal(serving.checkHost('elsewhere'), undefined);
    const tenYears = Date.parse(ca.validTo) - NOW;
    assert.ok(tenYears > 9.9 * 365 * 86_400_000, ca.validTo);
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  test('pki - keys and secret are 0600, files are reused on the second call', () => {
    const dir = tempDir();
    const first = ensureClusterPki(dir, { wallNowMs: NOW });
    for (const f of ['ca.key', 'apiserver.key', 'token-secret']) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    }
    const second = ensureClusterPki(dir, { wallNowMs: NOW + 1000 });
    assert.equal(second.ca.certPem, first.ca.certPem);
    assert.equal(second.serving.certPem, first.serving.certPem);
    assert.deepEqual(second.tokenSecret, first.tokenSecret);
  });

  test('pki - a new host re-issues the serving certificate with the same CA', () => {
    const dir = tempDir();
    const first = ensureClusterPki(dir, { wallNowMs: NOW });
    const second = ensureClusterPki(dir, { wallNowMs: NOW, hosts: ['kubelab-api'] });
    assert.equal(second.ca.certPem, first.ca.certPem);
    assert.notEqual(second.serving.certPem, first.serving.certPem);
    assert.ok(new X509Certificate(second.serving.certPem).checkHost('kubelab-api'));
    assert.equal(readFileSync(second.paths.servingCert, 'utf8'), second.serving.certPem);
  });

  test('pki - openssl accepts the chain', { skip: !hasOpenssl() }, () => {
    const dir = tempDir();
    const pki = ensureClusterPki(dir, { wallNowMs: Date.UTC(2026, 0, 1) });
    const out = execFileSync('openssl', ['verify', '-CAfile', pki.paths.caCert, pki.paths.servingCert], {
      encoding: 'utf8',
    });
    assert.match(out, /OK/);
  });
});

describe('tokens', () => {
  const secret = new Uint8Array(32).fill(7);

  test('tokens - deterministic per identity and verified statelessly', () => {
    const a = issueToken(secret, 'system:kube-scheduler');
    assert.equal(issueToken(secret, 'system:kube-scheduler'), a);
    assert.deepEqual(verifyToken(secret, a), {
      name: 'system:kube-scheduler',
      groups: ['system:authenticated'],
    });
    assert.deepEqual(verifyToken(secret, issueToken(secret, ADMIN_USER))?.groups, [
      'system:masters',
      'system:authenticated',
    ]);
    assert.deepEqual(identityFor('system:node:node-1').groups, ['system:nodes']);
  });

  test('tokens - a wrong secret, a tampered identity or garbage is refused', () => {
    const token = issueToken(secret, 'system:node:node-1');
    assert.equal(verifyToken(new Uint8Array(32).fill(8), token), undefined);
    const [p, , m] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ u: ADMIN_USER, g: ['system:masters'] })).toString(
      'base64url',
    );
    assert.equal(verifyToken(secret, `${p}.${forged}.${m}`), undefined);
    for (const bad of ['', 'abc', 'kl1..', 'kl1.x.y', `${token}x`])
      assert.equal(verifyToken(secret, bad), undefined);
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}
