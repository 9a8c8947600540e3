/**
 * The kubeconfig `kubelab up` writes for kubectl. Pure: returns the YAML text (kubeconfig is YAML, but this
 * fixed shape is also valid JSON-free YAML, so no YAML library is needed to write it).
 */

export interface KubeconfigOptions {
  readonly server: string;
  readonly clusterName?: string;
  readonly user?: string;
  readonly token?: string;
  /** PEM of the cluster CA; when absent the config skips TLS verification. */
  readonly caPem?: string;
}

export function renderKubeconfig(o: KubeconfigOptions): string {
  const cluster = o.clusterName ?? 'kubelab';
  const user = o.user ?? 'kubelab-admin';
  const tls = o.caPem
    ? `    certificate-authority-data: ${Buffer.from(o.caPem).toString('base64')}\n`
    : o.server.startsWith('https:')
      ? '    insecure-skip-tls-verify: true\n'
      : '';
  const auth = o.token ? `    token: ${o.token}\n` : '    {}\n';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${o.server}`,
    tls.trimEnd(),
    'users:',
    `- name: ${user}`,
    '  user:',
    auth.trimEnd(),
    'contexts:',
    `- name: ${cluster}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: ${user}`,
    '    namespace: default',
    `current-context: ${cluster}`,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
