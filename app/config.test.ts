import { describe, expect, test } from 'vitest';
import { CATALOGUE, claimTestName } from '../contract/catalogue.ts';
import { parseConfig, selectClaims, testNamePattern } from './config.ts';

const names = CATALOGUE.flatMap((c) => [`§ group > ${claimTestName(c.id as never)}`, `§ group > ${c.id} negative control: something`]);
const matching = (pattern: string | undefined) => [...new Set(names.filter((n) => !pattern || new RegExp(pattern).test(n)).map((n) => n.split(' > ')[1]!.split(' ')[0]))];
const config = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env);

describe('the run configuration', () => {
  test('defaults: verify on the article\'s line, every format, a fresh run ID', () => {
    const c = config(['verify']);
    expect(c.command).toEqual({ name: 'verify' });
    expect(c.line.version).toBe('v1.33.3');
    expect(c.lineExplicit).toBe(false);
    expect(c.formats).toEqual(['junit', 'json', 'md', 'html']);
    expect(c.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(c.allowDisruption).toBe(false);
  });

  test('flags win over environment variables', () => {
    const c = config(['verify', '--kubernetes', 'v1.34', '--formats', 'md'], { KUBE_CLAIMS_K8S_VERSION: 'v1.35', KUBE_CLAIMS_FORMATS: 'junit', KUBE_CLAIMS_ALLOW_DISRUPTION: '1' });
    expect(c.line.id).toBe('v1.34');
    expect(c.formats).toEqual(['md']);
    expect(c.allowDisruption).toBe(true);
  });

  test('matrix takes every line by default, in order', () => {
    expect(config(['matrix']).lines.map((l) => l.id)).toEqual(['v1.33', 'v1.34', 'v1.35', 'v1.36', 'v1.37']);
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

describe('focus and skip by claim ID or group', () => {
  const pattern = (focus: string[], skip: string[], claimsOnly = false) => testNamePattern({ focus: selectClaims(focus), skip: selectClaims(skip), claimsOnly });
  test('a group selects its claims', () => {
    expect(selectClaims(['etcd']).every((c) => c.group === 'etcd')).toBe(true);
  });
  test('focus keeps only the named claims, negative controls included', () => {
    expect(matching(pattern(['API-08', 'components'], []))).toEqual(['COMP-01', 'COMP-02', 'COMP-03', 'COMP-04', 'COMP-05', 'API-08']);
    expect(new RegExp(pattern(['API-08'], [])!).test('API-08 negative control: anonymous may list pods')).toBe(true);
  });
  test('skip removes the named claims and nothing else', () => {
    const kept = matching(pattern([], ['etcd', 'API-01']));
    expect(kept).not.toContain('API-01');
    expect(kept.some((id) => id!.startsWith('ETCD'))).toBe(false);
    expect(kept).toContain('API-10');
  });
  test('claims only leaves the negative controls out', () => {
    const p = new RegExp(pattern([], [], true)!);
    expect(p.test(`§ group > ${claimTestName('API-08')}`)).toBe(true);
    expect(p.test('§ group > API-08 negative control: anonymous may list pods')).toBe(false);
  });
});
