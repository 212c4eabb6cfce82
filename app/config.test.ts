import { describe, expect, test } from 'vitest';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { parseConfig, selectClaims, writableDefaults } from './config.ts';

const config = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env);

describe('the run configuration', () => {
  test("defaults: verify on the article's line, every format, a fresh run ID", () => {
    const c = config(['verify']);
    expect(c.command).toEqual({ name: 'verify' });
    expect(c.line.version).toBe('v1.33.3');
    expect(c.lineExplicit).toBe(false);
    expect(c.formats).toEqual(['junit', 'json', 'md', 'html']);
    expect(c.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(c.allowDisruption).toBe(false);
  });

  test('flags win over environment variables', () => {
    const c = config(['verify', '--kubernetes', 'v1.34', '--formats', 'md'], {
      KUBE_CLAIMS_K8S_VERSION: 'v1.35',
      KUBE_CLAIMS_FORMATS: 'junit',
      KUBE_CLAIMS_ALLOW_DISRUPTION: '1',
    });
    expect(c.line.id).toBe('v1.34');
    expect(c.formats).toEqual(['md']);
    expect(c.allowDisruption).toBe(true);
  });

  test('a run writes inside the checkout when run from one, never inside the package when installed', () => {
    expect(config(['verify']).reportsDir).toBe(join(PACKAGE_ROOT, 'reports'));
    expect(config(['verify']).kind.stateDir).toBe(join(PACKAGE_ROOT, '.kube-claims'));
    expect(writableDefaults(true, {}, '/home/u/project')).toEqual({
      reportsDir: '/home/u/project/reports',
      stateDir: join(homedir(), '.local', 'state', 'kube-claims'),
    });
    expect(writableDefaults(true, { XDG_STATE_HOME: '/var/state' }, '/p').stateDir).toBe('/var/state/kube-claims');
    expect(config(['verify'], { KUBE_CLAIMS_STATE: '/s', KUBE_CLAIMS_REPORTS: '/r' })).toMatchObject({
      reportsDir: '/r',
      kind: { stateDir: '/s' },
    });
  });

  test('--kubectl (KUBE_CLAIMS_KUBECTL) names the kubectl to run; absent, the provider chooses', () => {
    expect(config(['verify']).kubectl).toBeUndefined();
    expect(config(['verify'], { KUBE_CLAIMS_KUBECTL: '/opt/kubectl' }).kubectl).toBe('/opt/kubectl');
    expect(config(['verify', '--kubectl', 'kubectl-1.33'], { KUBE_CLAIMS_KUBECTL: '/opt/kubectl' }).kubectl).toBe(
      'kubectl-1.33',
    );
  });

  test('matrix takes every line by default, in order', () => {
    expect(config(['matrix']).lines.map((l) => l.id)).toEqual(['v1.33', 'v1.34', 'v1.35', 'v1.36', 'v1.37']);
  });

  test('--read-only (KUBE_CLAIMS_READ_ONLY=1) with --kubeconfig; off by default; irrelevant to commands that run no claims', () => {
    expect(config(['verify', '--kubeconfig', 'k']).readOnly).toBe(false);
    expect(config(['verify', '--kubeconfig', 'k', '--read-only']).readOnly).toBe(true);
    expect(config(['verify'], { KUBE_CLAIMS_KUBECONFIG: 'k', KUBE_CLAIMS_READ_ONLY: '1' }).readOnly).toBe(true);
    expect(config(['verify', '--kubeconfig', 'k'], { KUBE_CLAIMS_READ_ONLY: 'true' }).readOnly).toBe(true);
    expect(config(['verify', '--kubeconfig', 'k'], { KUBE_CLAIMS_READ_ONLY: '0' }).readOnly).toBe(false);
    expect(config(['list'], { KUBE_CLAIMS_READ_ONLY: '1' }).command).toEqual({ name: 'list' });
  });

  test.each([
    [
      ['verify', '--read-only'],
      /^--read-only is for a cluster given by --kubeconfig: a kind cluster kube-claims makes is its own to write to$/,
    ],
    [['matrix', '--read-only'], /--read-only is for a cluster given by --kubeconfig/],
    [
      ['verify', '--kubeconfig', 'k', '--read-only', '--allow-disruption'],
      /--read-only writes nothing; --allow-disruption would grant rights/,
    ],
  ])('%j is a usage error (exit 2) before anything starts', (argv, message) => {
    expect(() => config(argv)).toThrow(message);
    expect(() => config(argv)).toThrow(UsageError);
  });

  test.each([
    [['verify', '--formats', 'pdf'], /unknown report format\(s\): pdf/],
    [['verify', '--kubernetes', '9.9'], /unknown Kubernetes version 9\.9; available: v1\.33 \(v1\.33\.3\), v1\.34/],
    [['verify', '--focus', 'API-99'], /no claim or group "API-99"/],
    [['verify', '--bogus'], /Unknown option '--bogus'/],
    [['verify', '--context', 'x'], /--context needs --kubeconfig/],
    [['verfy'], /unknown command "verfy"/],
    [['verify', '--image-source', 'cloud'], /--image-source must be auto, offline or upstream/],
  ])('%j is a usage error at parse time', (argv, message) => {
    expect(() => config(argv)).toThrow(message);
  });
});

describe('focus and skip by claim ID or group (app/selection.test.ts runs the selection)', () => {
  test('a group selects its claims', () => {
    expect(selectClaims(['etcd']).every((c) => c.group === 'etcd')).toBe(true);
  });
  test('IDs and groups together, each claim once', () => {
    expect(selectClaims(['API-08', 'components', 'comp-01']).map((c) => c.id)).toEqual([
      'API-08',
      'COMP-01',
      'COMP-02',
      'COMP-03',
      'COMP-04',
      'COMP-05',
    ]);
  });
});

describe('topologies', () => {
  test('single by default; workers and ha by name; a comma list for matrix only', () => {
    expect(parseConfig(['verify'], {}).topology.id).toBe('single');
    expect(parseConfig(['verify', '--topology', 'ha'], {}).topology).toMatchObject({ controlPlanes: 3, workers: 2 });
    expect(parseConfig(['matrix', '--topology', 'single,ha'], {}).topologies.map((t) => t.id)).toEqual([
      'single',
      'ha',
    ]);
    expect(() => parseConfig(['verify', '--topology', 'single,ha'], {})).toThrow(/one topology here/);
  });
  test('an unknown topology is a usage error listing the known ones', () => {
    expect(() => parseConfig(['verify', '--topology', 'big'], {})).toThrow(
      'unknown topology "big" (known: single, workers, ha)',
    );
  });
  test('--kind-config shapes the cluster itself, and neither goes with --kubeconfig', () => {
    expect(() => parseConfig(['verify', '--kind-config', 'k.yaml', '--topology', 'ha'], {})).toThrow(
      /does not go with --topology/,
    );
    expect(() => parseConfig(['verify', '--kubeconfig', 'x', '--topology', 'ha'], {})).toThrow(/has its own shape/);
  });
});
