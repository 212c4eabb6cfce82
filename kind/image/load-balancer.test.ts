import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseLoadBalancerConst } from './load-balancer.ts';
import { flannelMainWithoutTencent } from './components.ts';

const JQ = fileURLToPath(new URL('./images/load-balancer/xds-to-haproxy.jq', import.meta.url));

/**
 * kind v0.33.0's ProxyCDSConfigTemplate and ProxyLDSConfigTemplate (config.go) as kind renders them for two control
 * planes.
 */
const KIND_CDS = `
resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: kube_apiservers
  connect_timeout: 0.25s
  type: STRICT_DNS
  lb_policy: ROUND_ROBIN
  dns_lookup_family: V4_PREFERRED
  health_checks:
  - timeout: 3s
    interval: 2s
    unhealthy_threshold: 2
    healthy_threshold: 1
    initial_jitter: 0s
    no_traffic_interval: 3s
    always_log_health_check_failures: true
    always_log_health_check_success: true
    event_log_path: /dev/stdout
    http_health_check:
      path: /healthz
    transport_socket_match_criteria:
      tls_mode: "true"
  transport_socket_matches:
  - name: "health_check_tls"
    match:
      tls_mode: "true"
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          validation_context:
            trust_chain_verification: ACCEPT_UNTRUSTED
  load_assignment:
    cluster_name: kube_apiservers
    endpoints:
    - lb_endpoints:
      - endpoint:
          address:
            socket_address:
              address: c-control-plane
              port_value: 6443
      - endpoint:
          address:
            socket_address:
              address: c-control-plane2
              port_value: 6443
`;
const KIND_LDS = `
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: listener_apiserver
  address:
    socket_address:
      address: "0.0.0.0"
      port_value: 6443
  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: ingress_tcp
        cluster: kube_apiservers
`;

async function render(cds: string, lds: string) {
  const input = [cds, lds].map((y) => JSON.stringify(parse(y))).join('\n');
  return execa(
    'jq',
    [
      '-r',
      '-s',
      '--arg',
      'admin',
      '0.0.0.0:10000',
      '--arg',
      'cdsPath',
      'cds.yaml',
      '--arg',
      'ldsPath',
      'lds.yaml',
      '-f',
      JQ,
    ],
    { input, reject: false },
  );
}

describe("the load balancer's envoy stand-in: kind's xDS files → haproxy", () => {
  test("kind's files: a TCP frontend on 6443, round robin over the API servers, GET /healthz over TLS every 2 s, down after 2 failures", async () => {
    const r = await render(KIND_CDS, KIND_LDS);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('frontend listener_apiserver');
    expect(lines).toContain('  bind 0.0.0.0:6443');
    expect(lines).toContain('  default_backend kube_apiservers');
    expect(lines).toContain('backend kube_apiservers');
    expect(lines).toContain('  balance roundrobin');
    expect(lines).toContain('  timeout connect 250ms');
    expect(lines).toContain('  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host kube_apiservers');
    expect(lines).toContain('  http-check expect status 200');
    expect(lines).toContain('  timeout check 3000ms');
    expect(lines).toContain('  default-server check inter 2000ms fall 2 rise 1 check-ssl verify none');
    expect(lines.filter((l) => l.startsWith('  server '))).toEqual([
      '  server c-control-plane:6443 c-control-plane:6443 resolvers docker resolve-prefer ipv4 init-addr last,libc,none',
      '  server c-control-plane2:6443 c-control-plane2:6443 resolvers docker resolve-prefer ipv4 init-addr last,libc,none',
    ]);
    expect(lines).toContain('listen envoy_admin');
  });

  test("kind's empty start (resources: []): no frontend, no backend", async () => {
    const r = await render('resources: []', 'resources: []');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/^(frontend|backend) /m);
  });

  test('what it cannot follow it refuses, naming it: a policy haproxy has no counterpart for, a verified TLS check', async () => {
    const ringHash = await render(KIND_CDS.replace('ROUND_ROBIN', 'RING_HASH'), KIND_LDS);
    expect(ringHash.exitCode).not.toBe(0);
    expect(ringHash.stderr).toContain('lb_policy RING_HASH');
    const verified = await render(
      KIND_CDS.replace('trust_chain_verification: ACCEPT_UNTRUSTED', 'trust_chain_verification: VERIFY_TRUST_CHAIN'),
      KIND_LDS,
    );
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toContain('ACCEPT_UNTRUSTED');
  });
});

describe("kind's load balancer image name", () => {
  test("read from kind's const.go", () => {
    expect(
      parseLoadBalancerConst(
        'package loadbalancer\n\n// Image defines the loadbalancer image:tag\nconst Image = "docker.io/envoyproxy/envoy:v1.36.2"\n',
      ),
    ).toBe('docker.io/envoyproxy/envoy:v1.36.2');
  });
  test('a const.go without it fails loudly', () => {
    expect(() => parseLoadBalancerConst('package loadbalancer\n')).toThrow(/names no Image/);
  });
});

describe('flanneld without the tencent-vpc backend', () => {
  const main =
    'import (\n\t_ "github.com/flannel-io/flannel/pkg/backend/hostgw"\n\t_ "github.com/flannel-io/flannel/pkg/backend/tencentvpc"\n\t_ "github.com/flannel-io/flannel/pkg/backend/udp"\n)\n';
  test('drops that import line alone', () => {
    expect(flannelMainWithoutTencent(main)).toBe(
      'import (\n\t_ "github.com/flannel-io/flannel/pkg/backend/hostgw"\n\t_ "github.com/flannel-io/flannel/pkg/backend/udp"\n)\n',
    );
  });
  test('fails loudly when the import is not where it was', () => {
    expect(() => flannelMainWithoutTencent('import (\n)\n')).toThrow(/tencentvpc/);
  });
});
