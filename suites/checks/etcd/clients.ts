// ETCD-01: only kube-apiserver talks to etcd, judged on the components' flags and kubeconfigs (the TCP
// connections on the node are judged in sockets.ts). Expectations come from the cluster under test.
import { finding, type Differences } from '../../differences.ts';
import { parseFlags } from './common.ts';

export interface EtcdClientsObservation {
  /** The containers' commands from the static pods (mirror pods through the API, or the manifests). */
  apiserver: string[];
  controllerManager: string[];
  scheduler: string[];
  /** The kubelet's own command line on the node. */
  kubelet: string[];
  /** Kubeconfig path on the node → the server of its current context. */
  kubeconfigServers: Record<string, string>;
  /** The etcd static pod's command (its client URLs). */
  etcd: string[];
  /** Addresses of the control-plane node (InternalIP, Hostname) from the Node object. */
  nodeAddresses: string[];
  /**
   * kubeadm-config's controlPlaneEndpoint (HOST:PORT), where set: on HA, the load balancer kubelet reaches the API
   * servers by.
   */
  controlPlaneEndpoint?: string;
}

function etcdClientPorts(etcd: string[]): Set<string> {
  const flags = parseFlags(etcd);
  const urls = `${flags.get('listen-client-urls') ?? ''},${flags.get('advertise-client-urls') ?? ''}`
    .split(',')
    .filter(Boolean);
  return new Set(
    urls
      .map((u) => {
        try {
          return new URL(u).port;
        } catch {
          return '';
        }
      })
      .filter(Boolean),
  );
}

export function checkOnlyApiServerTalksToEtcd(o: EtcdClientsObservation): Differences {
  const diffs: Differences = [];
  const api = parseFlags(o.apiserver);
  const etcdPorts = etcdClientPorts(o.etcd);
  for (const flag of ['etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile']) {
    if (!api.get(flag))
      diffs.push(
        finding('apiserver-etcd-flag', `kube-apiserver has no --${flag}`, { expected: `--${flag}`, actual: 'absent' }),
      );
  }
  for (const url of (api.get('etcd-servers') ?? '').split(',').filter(Boolean)) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      diffs.push(
        finding('etcd-servers-url', `kube-apiserver --etcd-servers has an invalid URL ${url}`, {
          expected: 'a URL',
          actual: url,
        }),
      );
      continue;
    }
    if (parsed.protocol !== 'https:')
      diffs.push(
        finding('etcd-servers-https', `kube-apiserver reaches etcd at ${url}, not over https`, {
          expected: 'https:',
          actual: url,
        }),
      );
    if (!etcdPorts.has(parsed.port))
      diffs.push(
        finding(
          'etcd-servers-port',
          `kube-apiserver reaches etcd at ${url}, not on one of etcd's client ports (${[...etcdPorts].join(', ') || 'none found'})`,
          { expected: [...etcdPorts].join(', ') || 'none found', actual: parsed.port },
        ),
      );
  }

  const advertise = api.get('advertise-address');
  const securePort = api.get('secure-port') ?? '6443';
  const endpoint =
    o.controlPlaneEndpoint && URL.canParse(`https://${o.controlPlaneEndpoint}`)
      ? new URL(`https://${o.controlPlaneEndpoint}`)
      : undefined;
  const apiHosts = new Set(
    [advertise, ...o.nodeAddresses, endpoint?.hostname, 'localhost', '127.0.0.1', '[::1]'].filter(
      (h): h is string => !!h,
    ),
  );
  const apiPorts = new Set([securePort, endpoint?.port].filter((p): p is string => !!p));
  const checkKubeconfig = (who: string, path: string | undefined) => {
    if (!path) {
      diffs.push(
        finding('kubeconfig-flag', `${who} has no kubeconfig`, { expected: `${who} --kubeconfig`, actual: 'absent' }),
      );
      return;
    }
    const server = o.kubeconfigServers[path];
    if (!server) {
      diffs.push(
        finding('kubeconfig-server', `${who}'s kubeconfig ${path} has no server`, {
          expected: `${who}: a server`,
          actual: 'absent',
        }),
      );
      return;
    }
    let u: URL;
    try {
      u = new URL(server);
    } catch {
      diffs.push(
        finding('kubeconfig-server', `${who}'s kubeconfig ${path} has an invalid server ${server}`, {
          expected: `${who}: a URL`,
          actual: server,
        }),
      );
      return;
    }
    if (etcdPorts.has(u.port))
      diffs.push(
        finding(
          'kubeconfig-not-etcd',
          `${who}'s kubeconfig ${path} points at etcd (${server}), not at the API server`,
          { expected: `${who}: the API server`, actual: server },
        ),
      );
    else if (u.protocol !== 'https:' || !apiPorts.has(u.port) || !apiHosts.has(u.hostname)) {
      diffs.push(
        finding(
          'kubeconfig-api-server',
          `${who}'s kubeconfig ${path} points at ${server}, not at the API server (https://${advertise ?? 'NODE'}:${securePort}${endpoint ? ` or the control-plane endpoint https://${o.controlPlaneEndpoint}` : ''})`,
          { expected: `https://${advertise ?? 'NODE'}:${securePort}`, actual: server },
        ),
      );
    }
  };

  for (const [who, command] of [
    ['kube-controller-manager', o.controllerManager],
    ['kube-scheduler', o.scheduler],
    ['kubelet', o.kubelet],
  ] as const) {
    if (!command.length) {
      diffs.push(
        finding('command-observed', `${who}: no command line observed`, {
          expected: `${who}'s command line`,
          actual: 'absent',
        }),
      );
      continue;
    }
    const flags = parseFlags(command);
    for (const [flag, value] of flags)
      if (flag.startsWith('etcd'))
        diffs.push(
          finding('no-etcd-flag', `${who} has etcd flag --${flag}${value ? `=${value}` : ''}`, {
            expected: `${who}: none`,
            actual: `${who}: --${flag}${value ? `=${value}` : ''}`,
          }),
        );
    checkKubeconfig(who, flags.get('kubeconfig'));
  }
  return diffs;
}
