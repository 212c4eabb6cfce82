// The public GitHub Actions workflow cannot run here: keep it valid (actionlint, built from its Go
// module) and keep its steps the local commands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { $ } from 'zx';
import { LINE_IDS, LINES } from '../contract/lines.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const WORKFLOW = join(PACKAGE_ROOT, '.github/workflows/claims-matrix.yml');
const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';

describe('the GitHub Actions workflow', () => {
  test('passes actionlint', async () => {
    // Findings go to stdout; stderr carries go's own download and build messages on a first run.
    const r = await $({
      nothrow: true,
      quiet: true,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    })`go run ${ACTIONLINT} -no-color ${WORKFLOW}`;
    expect(r.stdout, 'actionlint findings').toBe('');
    expect(r.exitCode, r.stderr).toBe(0);
  }, 300_000);

  test('runs the local commands: npm scripts that exist, the matrix over every supported line', () => {
    const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const scripts = (
      JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run).filter((r): r is string => !!r));
    for (const run of runs) {
      for (const [, name] of run.matchAll(/npm run ([\w:-]+)/g))
        expect(scripts, `npm run ${name}`).toHaveProperty(name!);
    }
  });

  test('fans out: one job per supported line, none cancelling the others, each uploading its run; a last job merges them', () => {
    type Job = {
      needs?: string | string[];
      if?: string;
      strategy?: { 'fail-fast'?: boolean; matrix?: { line?: string[]; include?: Array<Record<string, string>> } };
      env?: Record<string, string>;
      steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }>;
    };
    const jobs = (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, Job> }).jobs;
    const claims = jobs.claims!;
    expect(claims.strategy?.matrix?.line).toEqual([...LINE_IDS]);
    expect(claims.strategy?.['fail-fast']).toBe(false);
    // A line kind publishes no image of (the pre-release line) is built offline there; the others use kindest/node.
    expect(claims.env?.KUBE_CLAIMS_IMAGE_SOURCE).toBe("${{ matrix.image-source || 'upstream' }}");
    const offline = (claims.strategy?.matrix?.include ?? [])
      .filter((i) => i['image-source'] === 'offline')
      .map((i) => i.line);
    expect(offline).toEqual(LINE_IDS.filter((id) => !LINES[id].upstreamImage.value));
    expect(claims.env?.KUBE_CLAIMS_K8S_VERSION).toBe('${{ matrix.line }}');
    expect(claims.steps.some((s) => s.run?.includes('npm run verify'))).toBe(true);
    const upload = claims.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.with?.name).toContain('${{ matrix.line }}');
    const merge = jobs.matrix!;
    expect(merge.needs).toBe('claims');
    expect(merge.if).toBe('always()');
    expect(merge.steps.some((s) => s.uses?.startsWith('actions/download-artifact'))).toBe(true);
    expect(merge.steps.some((s) => s.run?.includes('npm run matrix -- merge'))).toBe(true);
  });
});
