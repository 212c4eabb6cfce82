import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LINES } from '../../contract/lines.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildNodeImage, parseServerImageRecipe } from './node-image.ts';
import { kubernetesLdflags } from './components.ts';

describe('server image recipe of a line (k8s.io/kubernetes build/server-image)', () => {
  test('1.33-1.35: no ENTRYPOINT in the generic Dockerfile (the go-runner base has it); kube-apiserver setcap as a shell RUN', () => {
    const r = parseServerImageRecipe(
      'FROM "${BASEIMAGE}"\nCOPY ${BINARY} /usr/local/bin/${BINARY}\n',
      'FROM ${SETCAP_IMAGE}\nRUN setcap cap_net_bind_service=+ep /${BINARY}\n',
    );
    expect(r).toEqual({ entrypointInDockerfile: false, apiserverSetcap: 'cap_net_bind_service=+ep' });
  });
  test('1.36+: ENTRYPOINT ["/go-runner"] in the generic Dockerfile; setcap in exec form', () => {
    const r = parseServerImageRecipe(
      'COPY --chmod=755 kube-log-runner /go-runner\nENTRYPOINT ["/go-runner"]\n',
      'RUN ["setcap", "cap_net_bind_service=+ep", "/binary_to_set"]\n',
    );
    expect(r).toEqual({ entrypointInDockerfile: true, apiserverSetcap: 'cap_net_bind_service=+ep' });
  });
  test('no kube-apiserver Dockerfile: no capability', () => {
    expect(parseServerImageRecipe('', '').apiserverSetcap).toBeUndefined();
  });
});

describe('Kubernetes version ldflags: nothing invented', () => {
  const flags = (commit?: string) => kubernetesLdflags('v1.36.3', '2026-01-02T03:04:05Z', commit).join(' ');
  test('with the release commit: gitCommit and gitTreeState=clean', () => {
    expect(flags('0123456789abcdef0123456789abcdef01234567')).toContain(
      'k8s.io/component-base/version.gitCommit=0123456789abcdef0123456789abcdef01234567',
    );
    expect(flags('0123456789abcdef0123456789abcdef01234567')).toContain(
      'k8s.io/client-go/pkg/version.gitTreeState=clean',
    );
  });
  test("without one: gitCommit empty (not the source's $Format:%H$ placeholder), gitTreeState=archive; gitVersion/Major/Minor always together", () => {
    expect(flags()).toContain('k8s.io/component-base/version.gitCommit= ');
    expect(flags()).toContain('k8s.io/client-go/pkg/version.gitCommit= ');
    expect(flags()).toContain('k8s.io/component-base/version.gitTreeState=archive');
    for (const p of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(flags()).toContain(`${p}.gitVersion=v1.36.3 -X ${p}.gitMajor=1 -X ${p}.gitMinor=36`);
      expect(flags()).toContain(`${p}.buildDate=2026-01-02T03:04:05Z`);
    }
  });
  test('a pre-release: gitMinor with "+", as hack/lib/version.sh stamps it (v1.38.0-beta.0 → 38+)', () => {
    const pre = kubernetesLdflags('v1.38.0-beta.0', '2026-01-02T03:04:05Z').join(' ');
    expect(pre).toContain(
      'k8s.io/component-base/version.gitVersion=v1.38.0-beta.0 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=38+ ',
    );
    expect(flags()).toContain('version.gitMinor=36 ');
  });
  test('no pseudo commit is left in the recipe', () => {
    for (const f of ['components.ts', 'go-modules.ts', 'node-image.ts'])
      expect(readFileSync(new URL(f, import.meta.url), 'utf8')).not.toMatch(/pseudoCommit/);
  });
});

describe('a version the module proxy cannot serve', () => {
  // v1.38.0-alpha.2 was a published pre-release; the proxy here no longer serves its source (HTTP 403).
  test('a pre-release the proxy no longer serves fails in the build step naming the module and version', async () => {
    const line = { ...LINES['v1.38'], version: 'v1.38.0-alpha.2' };
    const settings = {
      cacheDir: mkdtempSync(join(tmpdir(), 'kc-cache-')),
      stateDir: mkdtempSync(join(tmpdir(), 'kc-state-')),
      nodeRepo: 'kube-claims/node',
      debianMirror: 'http://deb.debian.org/debian',
    };
    await expect(buildNodeImage(line, settings)).rejects.toThrow(
      /^cannot download Go module k8s\.io\/kubernetes@v1\.38\.0-alpha\.2: /,
    );
    expect(existsSync(join(settings.cacheDir, 'bin', 'kubernetes', 'v1.38.0-alpha.2'))).toBe(false);
  }, 60_000);

  // Asks the real module proxy (as every build does); v1.36.99 is no Kubernetes release. The download is the
  // build's first step: nothing (binaries, images) is made before it.
  test('fails in the build step naming the module and version, and leaves no half-made output', async () => {
    const line = { ...LINES['v1.36'], version: 'v1.36.99' };
    const settings = {
      cacheDir: mkdtempSync(join(tmpdir(), 'kc-cache-')),
      stateDir: mkdtempSync(join(tmpdir(), 'kc-state-')),
      nodeRepo: 'kube-claims/node',
      debianMirror: 'http://deb.debian.org/debian',
    };
    await expect(buildNodeImage(line, settings)).rejects.toThrow(
      /^cannot download Go module k8s\.io\/kubernetes@v1\.36\.99: /,
    );
    const dir = join(settings.cacheDir, 'bin', 'kubernetes');
    expect(existsSync(join(dir, 'v1.36.99'))).toBe(false);
    expect(existsSync(dir) ? readdirSync(dir).filter((e) => e.startsWith('v1.36.99')) : []).toEqual([]);
  }, 60_000);
});
