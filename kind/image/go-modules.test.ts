import { describe, expect, test } from 'vitest';
import { buildGroups, downloadModule, goExecName, goVersion, parseGoMod, refusedModules } from './go-modules.ts';
import { KUBERNETES_BINARIES } from './components.ts';

describe('parseGoMod', () => {
  test('reads go, godebug, excludes and relative replaces in both forms, ignoring forbidden and versioned replaces', () => {
    const mod = parseGoMod(
      [
        'module k8s.io/kubernetes',
        'go 1.24.0',
        'godebug default=go1.24',
        'replace k8s.io/api => ./staging/src/k8s.io/api',
        'replace (',
        '\tgo.etcd.io/etcd/api/v3 => ../api // comment',
        '\tgo.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY',
        '\tgithub.com/x/y v1.0.0 => github.com/x/z v1.0.1',
        ')',
        'exclude github.com/a/b v0.1.0',
        'exclude (',
        '\tgithub.com/c/d  v1.2.3 // broken',
        ')',
      ].join('\n'),
    );
    expect(mod.go).toBe('1.24.0');
    expect(mod.godebug).toEqual(['default=go1.24']);
    expect(mod.excludes).toEqual(['github.com/a/b v0.1.0', 'github.com/c/d v1.2.3']);
    expect(mod.relativeReplaces).toEqual([
      { module: 'k8s.io/api', target: './staging/src/k8s.io/api' },
      { module: 'go.etcd.io/etcd/api/v3', target: '../api' },
    ]);
  });
});

describe('goExecName: the name go build -o DIR/ gives an executable', () => {
  test('the last element, or the one before a major version suffix (v2 and up)', () => {
    expect(goExecName('k8s.io/kubernetes/cmd/kube-apiserver')).toBe('kube-apiserver');
    expect(goExecName('k8s.io/component-base/logs/kube-log-runner')).toBe('kube-log-runner');
    expect(goExecName('go.etcd.io/etcd/server/v3')).toBe('server');
    expect(goExecName('go.etcd.io/etcd/etcdctl/v3')).toBe('etcdctl');
    expect(goExecName('example.com/tool/v12')).toBe('tool');
    // v0, v1, v01 are no major version suffixes; a one-element path keeps its element.
    for (const p of ['example.com/x/v1', 'example.com/x/v0', 'example.com/x/v01'])
      expect(goExecName(p)).toBe(p.split('/').at(-1));
    expect(goExecName('v2')).toBe('v2');
  });
});

describe('buildGroups: one go build per tag set', () => {
  test("the Kubernetes binaries (cmd/NAME and a staging module's kube-log-runner) share their tags: one build", () => {
    const binaries = KUBERNETES_BINARIES.map((name) => ({
      pkg: name === 'kube-log-runner' ? 'k8s.io/component-base/logs/kube-log-runner' : `k8s.io/kubernetes/cmd/${name}`,
      name,
    }));
    const groups = buildGroups(binaries, ['selinux', 'notest']);
    expect(groups).toEqual([{ tags: ['selinux', 'notest'], binaries }]);
    for (const b of groups[0]!.binaries) expect(goExecName(b.pkg)).toBe(b.name);
  });

  test('containerd: the shim with tags of its own is built apart; order of first appearance kept', () => {
    const pkg = 'github.com/containerd/containerd/v2/cmd';
    const groups = buildGroups(
      [
        { pkg: `${pkg}/containerd`, name: 'containerd' },
        {
          pkg: `${pkg}/containerd-shim-runc-v2`,
          name: 'containerd-shim-runc-v2',
          tags: ['urfave_cli_no_docs', 'no_grpc'],
        },
        { pkg: `${pkg}/ctr`, name: 'ctr' },
      ],
      ['urfave_cli_no_docs'],
    );
    expect(groups).toEqual([
      {
        tags: ['urfave_cli_no_docs'],
        binaries: [
          { pkg: `${pkg}/containerd`, name: 'containerd' },
          { pkg: `${pkg}/ctr`, name: 'ctr' },
        ],
      },
      {
        tags: ['urfave_cli_no_docs', 'no_grpc'],
        binaries: [{ pkg: `${pkg}/containerd-shim-runc-v2`, name: 'containerd-shim-runc-v2' }],
      },
    ]);
  });

  test('etcd: Go writes server, etcdctl, etcdutl; one build, the names ours', () => {
    const binaries = ['server', 'etcdctl', 'etcdutl'].map((m) => ({
      pkg: `go.etcd.io/etcd/${m}/v3`,
      name: m === 'server' ? 'etcd' : m,
    }));
    const groups = buildGroups(binaries);
    expect(groups).toEqual([{ binaries }]);
    expect(groups[0]!.binaries.map((b) => goExecName(b.pkg))).toEqual(['server', 'etcdctl', 'etcdutl']);
  });

  test('two packages Go would give one name go to two builds; tags differing only in order are different tag sets', () => {
    const groups = buildGroups(
      [
        { pkg: 'a.example/cmd/tool', name: 'tool-a' },
        { pkg: 'b.example/cmd/tool', name: 'tool-b' },
        { pkg: 'c.example/cmd/other', name: 'other', tags: ['y', 'x'] },
        { pkg: 'd.example/cmd/more', name: 'more' },
      ],
      ['x', 'y'],
    );
    expect(groups.map((g) => [g.tags, g.binaries.map((b) => b.name)])).toEqual([
      [
        ['x', 'y'],
        ['tool-a', 'more'],
      ],
      [['x', 'y'], ['tool-b']],
      [['y', 'x'], ['other']],
    ]);
  });

  test('no tags and empty tags are one set, built without -tags', () => {
    expect(
      buildGroups([
        { pkg: 'a/x', name: 'x' },
        { pkg: 'a/y', name: 'y', tags: [] },
      ]),
    ).toEqual([
      {
        binaries: [
          { pkg: 'a/x', name: 'x' },
          { pkg: 'a/y', name: 'y' },
        ],
      },
    ]);
  });
});

describe('refusedModules: what a partial module proxy did not serve', () => {
  test('each module version go could not read, once, with the HTTP status', () => {
    // go mod tidy's output for k8s.io/kubernetes@v1.38.0-beta.0 on this machine's proxy (abridged).
    const out = [
      '\tk8s.io/apimachinery/pkg/util/managedfields/internal imports',
      '\tsigs.k8s.io/structured-merge-diff/v7/merge: sigs.k8s.io/structured-merge-diff/v7@v7.0.1: reading https://proxy.golang.org/sigs.k8s.io/structured-merge-diff/v7/@v/v7.0.1.zip: 403 Forbidden',
      '\tserver response: This module version is not available.',
      'k8s.io/kubernetes/cmd/kube-proxy/app imports',
      '\tsigs.k8s.io/iptables-wrappers/pkg/iptables: sigs.k8s.io/iptables-wrappers@v1.0.0: reading https://proxy.golang.org/sigs.k8s.io/iptables-wrappers/@v/v1.0.0.zip: 403 Forbidden',
      '\tsigs.k8s.io/structured-merge-diff/v7/fieldpath: sigs.k8s.io/structured-merge-diff/v7@v7.0.1: reading https://proxy.golang.org/sigs.k8s.io/structured-merge-diff/v7/@v/v7.0.1.zip: 403 Forbidden',
    ].join('\n');
    expect(refusedModules(out)).toEqual([
      'sigs.k8s.io/structured-merge-diff/v7@v7.0.1 (HTTP 403)',
      'sigs.k8s.io/iptables-wrappers@v1.0.0 (HTTP 403)',
    ]);
    expect(refusedModules('go: finding module for package x\ncompile error: undefined: y')).toEqual([]);
  });
});

describe('without go on PATH', () => {
  // The go command is what asks the proxy here: its absence is named, not taken for a proxy that did not answer.
  test('a download and the Go version say that go is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(downloadModule('k8s.io/kubernetes', 'v1.33.3')).rejects.toThrow(
        'cannot download Go module k8s.io/kubernetes@v1.33.3: `go` is not on PATH',
      );
      await expect(goVersion('go1.0-never-asked')).rejects.toThrow(/^`go` is not on PATH: /);
    } finally {
      process.env.PATH = saved;
    }
  });
});
