/**
 * @kubelab/pki: the cluster CA, the api's serving certificate and stateless bearer tokens.
 *
 * @example
 * const pki = ensureClusterPki(dir, { wallNowMs: clock.wallNow(), hosts: ['api'] });
 * const adminToken = issueToken(pki.tokenSecret, ADMIN_USER);
 * verifyToken(pki.tokenSecret, adminToken); // { name: 'kubelab-admin', groups: ['system:masters', 'system:authenticated'] }
 */
export {
  type ClusterPki,
  type ClusterPkiOptions,
  DEFAULT_HOSTS,
  PKI_FILES,
  ensureClusterPki,
  writeFileAtomic,
} from './cluster-pki.js';
export { ADMIN_USER, type TokenIdentity, identityFor, issueToken, verifyToken } from './tokens.js';
export {
  type CertificateAndKey,
  type LeafOptions,
  type Subject,
  createCaCertificate,
  createLeafCertificate,
} from './x509.js';
