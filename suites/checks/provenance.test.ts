// Release provenance on recorded build information (helpers/fixtures/go-buildinfo.json: the offline build's
// kube-apiserver v1.33.3, recorded 2026-12-07). What the checksum database answered is given as the observation
// step would pass it (helpers/go-proxy.ts verifyWithSumdb is tested on its own recordings).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseBuildInfoSection, type GoBuildInfo } from '../../helpers/go-buildinfo.ts';
import { checkGoVersion, checkReleaseProvenance, DEVEL, provenanceBasis, type BinaryProvenance } from './provenance.ts';

const fixtures = new URL('../../helpers/fixtures/', import.meta.url);
const buildInfo = JSON.parse(readFileSync(new URL('go-buildinfo.json', fixtures), 'utf8')) as {
  binaries: Record<string, { section: string }>;
};

const apiserverInfo = (): GoBuildInfo =>
  parseBuildInfoSection(Buffer.from(buildInfo.binaries['kube-apiserver']!.section, 'base64'));
const VOUCHED = {
  vouched:
    'sum.golang.org record 40641929 in its signed tree of 56974002 (through https://proxy.golang.org/sumdb/sum.golang.org)',
};

async function provenance(
  info = apiserverInfo(),
  checksum: BinaryProvenance['checksum'] = VOUCHED,
): Promise<BinaryProvenance> {
  return {
    component: 'kube-apiserver',
    node: 'kc-control-plane',
    executable: '/usr/local/bin/kube-apiserver',
    info,
    checksum,
  };
}

describe('release provenance from the build information', () => {
  test('the offline v1.33.3 kube-apiserver: compiled from k8s.io/kubernetes v1.33.3 with the hash the checksum database records', async () => {
    const p = await provenance();
    expect(checkReleaseProvenance(p, 'k8s.io/kubernetes', 'v1.33.3')).toEqual([]);
    expect(provenanceBasis(p)).toMatch(
      /compiled from module k8s\.io\/kubernetes v1\.33\.3 h1:\S+, the hash the Go checksum database records/,
    );
  });

  test('stamped v1.33.3 but compiled from another release (a copy of the recording with its module version changed): fails naming the module version', async () => {
    const info = apiserverInfo();
    const p = await provenance({ ...info, main: { ...info.main!, version: 'v1.33.2' } });
    const diffs = checkReleaseProvenance(p, 'k8s.io/kubernetes', 'v1.33.3');
    const moved = diffs.find((d) => d.check === 'build-info-module-version');
    expect(moved?.expected).toBe('v1.33.2');
    expect(moved?.actual).toBe('v1.33.3');
    expect(moved?.message).toMatch(/compiled from k8s\.io\/kubernetes v1\.33\.2/);
  });

  test('compiled from sources whose hash the checksum database does not vouch for: fails naming the hash and the refusal', async () => {
    const info = apiserverInfo();
    const refused = {
      refused:
        "k8s.io/kubernetes@v1.33.3: the zip's hash is h1:AAAA…, the checksum database sum.golang.org records h1:dBx5…",
    };
    const p = await provenance(
      { ...info, main: { ...info.main!, sum: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } },
      refused,
    );
    const d = checkReleaseProvenance(p, 'k8s.io/kubernetes', 'v1.33.3').find((x) => x.check === 'checksum-database');
    expect(d?.actual).toBe('h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    expect(d?.message).toContain(refused.refused);
  });

  test('a build from a checkout ((devel)) gives no release: nothing compared, and the basis says the version is the stamp', async () => {
    const info = apiserverInfo();
    const p = await provenance({ ...info, main: { path: 'k8s.io/kubernetes', version: DEVEL } }, undefined);
    expect(checkReleaseProvenance(p, 'k8s.io/kubernetes', 'v1.33.3')).toEqual([]);
    expect(provenanceBasis(p)).toMatch(/stamped by this build: it proves the stamp reaches \/version, not the release/);
  });

  test('goVersion: /version must report the toolchain in the build information', async () => {
    const p = await provenance();
    expect(checkGoVersion(p, p.info.goVersion)).toEqual([]);
    expect(checkGoVersion(p, 'go1.24.4')[0]?.check).toBe('go-version');
  });
});
