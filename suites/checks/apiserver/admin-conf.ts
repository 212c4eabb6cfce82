// Checks of §3.2: what /etc/kubernetes/admin.conf and its neighbours must hold.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import { resolveContext, type CredentialInspection, type Kubeconfig } from '../../../helpers/kubeconfig.ts';
import { finding, type Differences } from '../../differences.ts';
import { diffJson, show } from './common.ts';

// ---------------------------------------------------------------------------------------------------------
// API-05, API-06, API-07: the kubeconfigs under /etc/kubernetes

export interface AdminConfExpectation {
  /** Whether kubeadm of this line writes `preferences: {}` (contract/lines.ts kubeconfigPreferences). */
  preferences?: boolean;
  clusterName: string;
  contextName: string;
  userName: string;
  server: string;
  /** The port of `server`: the controlPlaneEndpoint's, else the API server's --secure-port. */
  port: string;
}

/**
 * What kubeadm writes into admin.conf: cluster named by ClusterConfiguration.clusterName ("kubernetes" unless
 * set; kind sets it to its cluster's name), user kubernetes-admin, context USER@CLUSTER, and as server the
 * controlPlaneEndpoint when there is one (on kind, NAME-control-plane:6443; on HA, the load balancer), else the API
 * server's advertise address on its --secure-port (kubeadm's default bind port 6443 unless configured).
 */
export function expectedAdminConf(
  clusterConfiguration: { clusterName?: string; controlPlaneEndpoint?: string },
  advertiseAddress: string,
  securePort: string,
): AdminConfExpectation {
  const clusterName = clusterConfiguration.clusterName || 'kubernetes';
  const userName = 'kubernetes-admin';
  const host = advertiseAddress.includes(':') ? `[${advertiseAddress}]` : advertiseAddress;
  const endpoint = clusterConfiguration.controlPlaneEndpoint || `${host}:${securePort}`;
  const port = URL.canParse(`https://${endpoint}`) ? new URL(`https://${endpoint}`).port || '443' : securePort;
  return { clusterName, userName, contextName: `${userName}@${clusterName}`, server: `https://${endpoint}`, port };
}

/**
 * A kubeconfig of the shape §3.2 shows: one cluster, one context, one user, the current context resolving;
 * `preferences: {}` (the article's, from kubeadm 1.33) where the line's profile says kubeadm writes it.
 */
export function checkKubeconfigShape(kc: Kubeconfig, file: string, preferences?: boolean): Differences {
  const diffs: Differences = [];
  if (kc.apiVersion !== 'v1')
    diffs.push(
      finding('kubeconfig-api-version', `${file}: apiVersion is ${show(kc.apiVersion)}, expected "v1"`, {
        expected: 'v1',
        actual: kc.apiVersion ?? 'absent',
      }),
    );
  if (kc.kind !== 'Config')
    diffs.push(
      finding('kubeconfig-kind', `${file}: kind is ${show(kc.kind)}, expected "Config"`, {
        expected: 'Config',
        actual: kc.kind ?? 'absent',
      }),
    );
  if (preferences === true && !('preferences' in kc))
    diffs.push(
      finding('kubeconfig-preferences', `${file}: no "preferences: {}", which kubeadm of this line writes`, {
        expected: 'preferences: {}',
        actual: 'absent',
      }),
    );
  if (preferences === false && 'preferences' in kc)
    diffs.push(
      finding('kubeconfig-preferences', `${file}: has "preferences", which kubeadm of this line no longer writes`, {
        expected: 'absent',
        actual: kc.preferences ?? 'absent',
      }),
    );
  for (const list of ['clusters', 'contexts', 'users'] as const) {
    const items = kc[list];
    if (!Array.isArray(items) || items.length !== 1)
      diffs.push(
        finding(
          'kubeconfig-entries',
          `${file}: ${list} has ${Array.isArray(items) ? items.length : 'no'} entries, expected 1`,
          { expected: `${list}: 1`, actual: `${list}: ${Array.isArray(items) ? items.length : 'none'}` },
        ),
      );
  }
  try {
    resolveContext(kc);
  } catch (e) {
    diffs.push(finding('kubeconfig-current-context', `${file}: ${(e as Error).message}`));
  }
  return diffs;
}

export function checkAdminConf(kc: Kubeconfig, expect: AdminConfExpectation): Differences {
  const diffs = checkKubeconfigShape(kc, 'admin.conf', expect.preferences);
  const cluster = kc.clusters?.[0];
  const context = kc.contexts?.[0];
  const user = kc.users?.[0];
  if (cluster?.name !== expect.clusterName)
    diffs.push(
      finding('cluster-name', `cluster is named ${show(cluster?.name)}, expected "${expect.clusterName}"`, {
        expected: expect.clusterName,
        actual: cluster?.name ?? 'absent',
      }),
    );
  if (cluster?.cluster?.server !== expect.server)
    diffs.push(
      finding('server', `server is ${show(cluster?.cluster?.server)}, expected "${expect.server}"`, {
        expected: expect.server,
        actual: cluster?.cluster?.server ?? 'absent',
      }),
    );
  const server = URL.canParse(cluster?.cluster?.server ?? '') ? new URL(cluster!.cluster.server!) : undefined;
  if (server && (server.protocol !== 'https:' || server.port !== expect.port))
    diffs.push(
      finding('server-port', `server ${server.origin} is not https on port ${expect.port}`, {
        expected: `https: port ${expect.port}`,
        actual: `${server.protocol} port ${server.port}`,
      }),
    );
  if (!cluster?.cluster?.['certificate-authority-data'])
    diffs.push(
      finding('cluster-ca-data', 'the cluster has no certificate-authority-data', {
        expected: 'certificate-authority-data',
        actual: 'absent',
      }),
    );
  if (context?.name !== expect.contextName)
    diffs.push(
      finding('context-name', `context is named ${show(context?.name)}, expected "${expect.contextName}"`, {
        expected: expect.contextName,
        actual: context?.name ?? 'absent',
      }),
    );
  if (context?.context?.cluster !== expect.clusterName)
    diffs.push(
      finding(
        'context-cluster',
        `the context's cluster is ${show(context?.context?.cluster)}, expected "${expect.clusterName}"`,
        { expected: expect.clusterName, actual: context?.context?.cluster ?? 'absent' },
      ),
    );
  if (context?.context?.user !== expect.userName)
    diffs.push(
      finding('context-user', `the context's user is ${show(context?.context?.user)}, expected "${expect.userName}"`, {
        expected: expect.userName,
        actual: context?.context?.user ?? 'absent',
      }),
    );
  if (kc['current-context'] !== expect.contextName)
    diffs.push(
      finding(
        'current-context',
        `current-context is ${show(kc['current-context'])}, expected "${expect.contextName}"`,
        { expected: expect.contextName, actual: kc['current-context'] ?? 'absent' },
      ),
    );
  if (user?.name !== expect.userName)
    diffs.push(
      finding('user-name', `user is named ${show(user?.name)}, expected "${expect.userName}"`, {
        expected: expect.userName,
        actual: user?.name ?? 'absent',
      }),
    );
  for (const f of ['client-certificate-data', 'client-key-data'] as const)
    if (!user?.user?.[f])
      diffs.push(finding('user-credential', `the user has no ${f}`, { expected: f, actual: 'absent' }));
  return diffs;
}

/** The same file as @kubernetes/client-node's KubeConfig reads it. */
export interface ClientNodeView {
  clusters: Array<{ name: string; server: string }>;
  contexts: Array<{ name: string; cluster: string; user: string }>;
  users: Array<{ name: string }>;
  currentContext: string;
}

export function compareWithClientNode(kc: Kubeconfig, view: ClientNodeView): Differences {
  const ours: ClientNodeView = {
    clusters: (kc.clusters ?? []).map((c) => ({ name: c.name, server: c.cluster?.server ?? '' })),
    contexts: (kc.contexts ?? []).map((c) => ({
      name: c.name,
      cluster: c.context?.cluster ?? '',
      user: c.context?.user ?? '',
    })),
    users: (kc.users ?? []).map((u) => ({ name: u.name })),
    currentContext: kc['current-context'] ?? '',
  };
  return diffJson(ours, view).map((d) => ({ ...d, message: `@kubernetes/client-node reads ${d.message}` }));
}

/** What admin.conf's server must resolve to: a node of a one-control-plane cluster, or what fronts several. */
export interface EndpointExpectation {
  /** InternalIPs of the control-plane nodes. */
  controlPlaneAddresses: string[];
  /** InternalIPs of every node. */
  nodeAddresses: string[];
  /**
   * The load balancer's addresses, where the configuration knows it (kind: its NAME-external-load-balancer container).
   */
  loadBalancerAddresses?: string[];
}

/**
 * The server host of admin.conf, resolved on the node: with one control plane, that node's own address (the
 * article's); with several, not one node's but what fronts them all — kind's load balancer where known, else
 * an address that is no node's (a load balancer or a virtual IP).
 */
export function checkServerIsEndpoint(server: string, resolved: string[], expect: EndpointExpectation): Differences {
  const host = URL.canParse(server) ? new URL(server).hostname.replace(/^\[|\]$/g, '') : server;
  if (!resolved.length)
    return [
      finding('server-resolves', `the server host ${host} does not resolve on the node`, {
        expected: host,
        actual: 'unresolved',
      }),
    ];
  if (expect.controlPlaneAddresses.length <= 1) {
    return resolved.some((a) => expect.controlPlaneAddresses.includes(a))
      ? []
      : [
          finding(
            'server-address',
            `the server host ${host} resolves on the node to ${resolved.join(', ')}, not to the control-plane node's address (${expect.controlPlaneAddresses.join(', ')})`,
            { expected: expect.controlPlaneAddresses.join(', '), actual: resolved.join(', ') },
          ),
        ];
  }
  if (expect.loadBalancerAddresses) {
    return resolved.some((a) => expect.loadBalancerAddresses!.includes(a))
      ? []
      : [
          finding(
            'server-address',
            `the server host ${host} resolves on the node to ${resolved.join(', ')}, not to the load balancer in front of the ${expect.controlPlaneAddresses.length} control planes (${expect.loadBalancerAddresses.join(', ')})`,
            { expected: expect.loadBalancerAddresses.join(', '), actual: resolved.join(', ') },
          ),
        ];
  }
  return resolved.some((a) => expect.nodeAddresses.includes(a))
    ? [
        finding(
          'server-address',
          `the server host ${host} resolves on the node to ${resolved.join(', ')}, a node's own address: with ${expect.controlPlaneAddresses.length} control planes it should be what fronts them all`,
          { expected: "no node's address", actual: resolved.join(', ') },
        ),
      ]
    : [];
}

export interface AdminCredentialExpectation {
  commonName: string;
  organization: string;
  /** SHA-256 fingerprint of /etc/kubernetes/pki/ca.crt: admin.conf's CA must be the cluster CA. */
  clusterCaFingerprint?: string;
}

export function checkAdminCredentials(insp: CredentialInspection, expect: AdminCredentialExpectation): Differences {
  const diffs: Differences = insp.errors.map((e) =>
    finding('credential-parses', `${e} (does not parse)`, { actual: e }),
  );
  if (!insp.ca && !insp.errors.some((e) => e.startsWith('CA')))
    diffs.push(
      finding('ca-data', 'no certificate-authority-data', { expected: 'certificate-authority-data', actual: 'absent' }),
    );
  if (!insp.cert && !insp.errors.some((e) => e.startsWith('client certificate')))
    diffs.push(
      finding('client-certificate-data', 'no client-certificate-data', {
        expected: 'client-certificate-data',
        actual: 'absent',
      }),
    );
  if (insp.keyType === undefined && !insp.errors.some((e) => e.startsWith('client key')))
    diffs.push(finding('client-key-data', 'no client-key-data', { expected: 'client-key-data', actual: 'absent' }));
  if (insp.ca && !insp.ca.isCA)
    diffs.push(
      finding('ca-is-ca', 'certificate-authority-data is not a CA certificate (basicConstraints CA:FALSE)', {
        expected: 'CA:TRUE',
        actual: 'CA:FALSE',
      }),
    );
  if (insp.ca && expect.clusterCaFingerprint && insp.ca.fingerprint256 !== expect.clusterCaFingerprint) {
    diffs.push(
      finding(
        'ca-fingerprint',
        `certificate-authority-data is not the cluster CA /etc/kubernetes/pki/ca.crt (fingerprint ${insp.ca.fingerprint256}, expected ${expect.clusterCaFingerprint})`,
        { expected: expect.clusterCaFingerprint, actual: insp.ca.fingerprint256 },
      ),
    );
  }
  if (insp.keyMatchesCertificate === false)
    diffs.push(
      finding(
        'key-matches-certificate',
        "client-key-data does not match the client certificate: its public key differs from the certificate's",
      ),
    );
  if (insp.certificateSignedByCa === false) {
    diffs.push(
      finding(
        'certificate-signed-by-ca',
        `the client certificate (issuer ${JSON.stringify(insp.cert?.issuer)}) is not signed by certificate-authority-data (subject ${JSON.stringify(insp.ca?.subject)})`,
        { expected: JSON.stringify(insp.ca?.subject), actual: JSON.stringify(insp.cert?.issuer) },
      ),
    );
  }
  if (insp.certificateValidNow === false)
    diffs.push(
      finding(
        'certificate-valid-now',
        `the client certificate is not valid now (valid ${insp.cert?.validFrom} to ${insp.cert?.validTo})`,
        { expected: new Date().toISOString(), actual: `${insp.cert?.validFrom} to ${insp.cert?.validTo}` },
      ),
    );
  if (insp.cert) {
    const cn = insp.cert.subject.CN ?? [];
    const o = insp.cert.subject.O ?? [];
    if (cn.length !== 1 || cn[0] !== expect.commonName)
      diffs.push(
        finding('certificate-cn', `the client certificate's CN is ${show(cn)}, expected ["${expect.commonName}"]`, {
          expected: expect.commonName,
          actual: cn.join(', '),
        }),
      );
    if (!o.includes(expect.organization))
      diffs.push(
        finding(
          'certificate-o',
          `the client certificate's O is ${show(o)}, expected to include "${expect.organization}"`,
          { expected: expect.organization, actual: o.join(', ') },
        ),
      );
  }
  return diffs;
}

export interface StatEntry {
  path: string;
  /** Octal permission bits as stat %a prints them: "600". */
  mode: string;
  /** stat %F: "regular file", "directory", ... */
  type: string;
}

/** Lines of `stat -c '%a|%F|%n' ...`. */
export function parseStat(stdout: string): StatEntry[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [mode, type, ...path] = l.split('|');
      return { mode: mode ?? '', type: type ?? '', path: path.join('|') };
    });
}

export const ETC_KUBERNETES_KUBECONFIGS = [
  'admin.conf',
  'controller-manager.conf',
  'kubelet.conf',
  'scheduler.conf',
  'super-admin.conf',
] as const;
export const ETC_KUBERNETES_DIRS = ['manifests', 'pki'] as const;

/**
 * Where kubeadm writes super-admin.conf: on the node that ran `kubeadm init` only (`kubeadm join --control-plane`
 * writes admin.conf, controller-manager.conf, scheduler.conf and kubelet.conf). `either` where nothing
 * independent says which node ran init (the caller then counts the nodes that have it).
 */
export type SuperAdminExpectation = 'present' | 'absent' | 'either';

/**
 * /etc/kubernetes as §3.2 lists it: the kubeconfigs, regular files of mode 600 with the kubeconfig structure
 * (super-admin.conf as `superAdmin` says), and the directories manifests/ and pki/. `root` is the folder the
 * entries were stat'ed in.
 */
export function checkEtcKubernetes(
  root: string,
  stats: StatEntry[],
  kubeconfigs: Record<string, Kubeconfig | Error>,
  preferences?: boolean,
  superAdmin: SuperAdminExpectation = 'present',
): Differences {
  const diffs: Differences = [];
  const byName = new Map(stats.map((s) => [s.path.replace(`${root.replace(/\/$/, '')}/`, ''), s]));
  for (const name of ETC_KUBERNETES_KUBECONFIGS) {
    const s = byName.get(name);
    if (name === 'super-admin.conf' && superAdmin !== 'present') {
      if (s && superAdmin === 'absent')
        diffs.push(
          finding(
            'super-admin-absent',
            'super-admin.conf is present on a node that joined the control plane (kubeadm writes it on the init node only)',
            { expected: 'absent', actual: 'super-admin.conf' },
          ),
        );
      if (!s) continue;
    }
    if (!s) {
      diffs.push(finding('file-present', `${name} missing`, { expected: name, actual: 'absent' }));
      continue;
    }
    if (!s.type.startsWith('regular'))
      diffs.push(
        finding('file-type', `${name} is a ${s.type}, expected a regular file`, {
          expected: `${name}: regular file`,
          actual: `${name}: ${s.type}`,
        }),
      );
    if (s.mode !== '600')
      diffs.push(
        finding('file-mode', `${name} has mode ${s.mode}, expected 600 (-rw-------)`, {
          expected: `${name}: 600`,
          actual: `${name}: ${s.mode}`,
        }),
      );
    const kc = kubeconfigs[name];
    if (kc instanceof Error)
      diffs.push(
        finding('kubeconfig-parses', `${name} is not a kubeconfig: ${kc.message}`, {
          expected: name,
          actual: kc.message,
        }),
      );
    else if (kc) diffs.push(...checkKubeconfigShape(kc, name, preferences));
  }
  for (const name of ETC_KUBERNETES_DIRS) {
    const s = byName.get(name);
    if (!s) diffs.push(finding('dir-present', `${name}/ missing`, { expected: `${name}/`, actual: 'absent' }));
    else if (s.type !== 'directory')
      diffs.push(
        finding('dir-type', `${name} is a ${s.type}, expected a directory`, {
          expected: `${name}: directory`,
          actual: `${name}: ${s.type}`,
        }),
      );
  }
  return diffs;
}
