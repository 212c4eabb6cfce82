// The build-information reader against Go's own reading of the same binaries: the fixture holds the
// .go.buildinfo sections of the offline build's kube-apiserver and etcd and `go version -m` of each (recorded
// 2026-12-07, see the fixture's `recorded`).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  elfSection,
  NoBuildInfo,
  odArgv,
  parseBuildInfoSection,
  parseModuleText,
  parseOdHex,
  resolvedModule,
  type GoBuildInfo,
} from './go-buildinfo.ts';

interface Recorded {
  binary: string;
  section: string;
  goVersionM: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/go-buildinfo.json', import.meta.url), 'utf8')) as {
  binaries: Record<string, Recorded>;
};

/** `go version -m`'s lines (tab-indented) as the same structure, read independently of the section's bytes. */
function goVersionM(text: string): Omit<GoBuildInfo, 'goVersion'> {
  return parseModuleText(
    text
      .split('\n')
      .map((l) => l.replace(/^\t/, ''))
      .join('\n'),
  );
}

describe('Go build information', () => {
  for (const [name, recorded] of Object.entries(fixture.binaries)) {
    test(`${name}: what the section holds is what go version -m prints`, () => {
      const info = parseBuildInfoSection(Buffer.from(recorded.section, 'base64'));
      const go = goVersionM(recorded.goVersionM);
      expect(info.path).toBe(go.path);
      expect(info.main).toEqual(go.main);
      expect(info.deps).toEqual(go.deps);
      expect(info.settings).toEqual(go.settings);
      expect(info.goVersion).toMatch(/^go1\.\d+/);
    });
  }

  test('kube-apiserver: the main module, its hash, the staging modules through their replacements, the build settings', () => {
    const info = parseBuildInfoSection(Buffer.from(fixture.binaries['kube-apiserver']!.section, 'base64'));
    expect(info.path).toBe('k8s.io/kubernetes/cmd/kube-apiserver');
    expect(info.main?.path).toBe('k8s.io/kubernetes');
    expect(info.main?.sum).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    expect(resolvedModule(info, 'k8s.io/client-go')?.version).toMatch(/^v0\.\d+\.\d+/);
    expect(info.settings['-trimpath']).toBe('true');
    expect(info.settings['CGO_ENABLED']).toBe('0');
  });

  test('a section without the header, or one of a Go before 1.18, is said to be so', () => {
    expect(() => parseBuildInfoSection(Buffer.alloc(64))).toThrow(NoBuildInfo);
    const old = Buffer.from(fixture.binaries['etcd']!.section, 'base64');
    old[15] = 0; // flags without "version inline": pointer-based build information
    expect(() => parseBuildInfoSection(old)).toThrow(/before 1\.18/);
  });

  test('ELF section lookup: not an ELF file is said to be so', async () => {
    await expect(elfSection(async () => Buffer.from('#!/bin/sh\n'.padEnd(64)), '.go.buildinfo')).rejects.toThrow(
      /not an ELF/,
    );
  });

  test('od hex round trip', () => {
    expect(parseOdHex(' ff 20 47 6f\n 20 62\n')).toEqual(Buffer.from([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62]));
    expect(() => parseOdHex('od: cannot open')).toThrow();
    expect(odArgv('/proc/1/exe', 10, 4)).toEqual(['od', '-An', '-v', '-tx1', '-j', '10', '-N', '4', '/proc/1/exe']);
  });
});
