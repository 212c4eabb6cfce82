#!/usr/bin/env node
// The package as users install it (`npm run test:package`; CI runs it before `npm test`): packs the project
// (prepack builds dist/), installs the tarball into an empty project in a temporary folder and, from there,
// runs `npx kube-claims --help` and `list`, `cluster up` (the node image's recipe and the capability shim
// resolved inside the installed package), `verify --kubeconfig` against that cluster, and a program that
// imports kube-claims, type-checked against the package's declarations. Fails when a step does, or when a
// run wrote anything inside node_modules. The cluster and the folder are removed on every path, Ctrl-C too.
//
//   node scripts/package-test.ts [--name kube-claims-package] [--node PATH]
// --node: the Node.js the installed package runs on (default: this script's; the package needs >= 22.19).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { $, type ProcessOutput } from 'zx';
import { main } from '../app/main.ts';
import { CATALOGUE } from '../contract/catalogue.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { onInterrupt } from '../helpers/cleanup.ts';
import { scriptArgs } from './args.ts';

const flags = scriptArgs('package-test', 'node scripts/package-test.ts [--name NAME] [--node PATH]', {
  name: { type: 'string' },
  node: { type: 'string' },
});
const NAME = flags.name ?? 'kube-claims-package';
const NODE = flags.node ?? process.execPath;

$.verbose = false;
$.quiet = true;

const t0 = performance.now();
const elapsed = (from = t0) => `${Math.round((performance.now() - from) / 100) / 10} s`;

class StepFailed extends Error {}

/** A step's command; its output is shown only when it fails (or, with `show`, always). */
async function step(what: string, run: () => Promise<ProcessOutput>, { show = false } = {}): Promise<ProcessOutput> {
  const t = performance.now();
  console.log(`package test: ${what} ...`);
  const r = await run();
  if (show || r.exitCode !== 0) process.stdout.write(r.stdout + r.stderr);
  if (r.exitCode !== 0) throw new StepFailed(`${what}: exit ${r.exitCode}`);
  console.log(`package test: ${what}: ok (${elapsed(t)})`);
  return r;
}

/** Every path under `dir`, to see that a run adds nothing to the installed package. */
const tree = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

await main(async () => {
  const work = await mkdtemp(join(tmpdir(), 'kube-claims-package-'));
  const project = join(work, 'project');
  const state = join(work, 'state');
  await mkdir(project);
  // A user's shell: the chosen Node.js first on PATH (npx, npm and the bin's `#!/usr/bin/env node` take it),
  // none of the checkout's KUBE_CLAIMS_* settings; the state folder (XDG_STATE_HOME) is the test's own, the
  // build cache (~/.cache/kube-claims) the user's, so the offline node image is the one already built.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KUBE_CLAIMS_')),
  );
  Object.assign(env, {
    PATH: [dirname(NODE), env.PATH].join(delimiter),
    XDG_STATE_HOME: state,
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
  });
  const user = $({ cwd: project, env, nothrow: true });
  const npx = (args: string[]) => user`npx kube-claims ${args}`;
  let clusterMade = false;
  const cleanUp = async () => {
    const down = clusterMade ? await npx(['cluster', 'down', '--name', NAME]) : undefined;
    // Should the installed package be unusable, the checkout's CLI deletes the cluster (by name, with the same state).
    if (down && down.exitCode !== 0)
      await $({
        env: { ...env, KUBE_CLAIMS_STATE: join(state, 'kube-claims') },
        nothrow: true,
      })`${process.execPath} ${join(PACKAGE_ROOT, 'bin/kube-claims.ts')} cluster down --name ${NAME}`;
    await rm(work, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanUp);
  try {
    const version = (await $`${NODE} --version`).stdout.trim();
    console.log(`package test: Node.js ${version}, cluster ${NAME}, in ${work}`);
    const packed = await step(
      'npm pack',
      () => $({ cwd: PACKAGE_ROOT, nothrow: true })`npm pack --pack-destination ${work} --silent`,
    );
    const tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'kube-claims-user', private: true, type: 'module' }, null, 2)}\n`,
    );
    await step('npm install the tarball', () => user`npm install --no-audit --no-fund --prefer-offline ${tarball}`);
    const installed = join(project, 'node_modules', 'kube-claims');
    const before = await tree(installed);

    const help = await step('npx kube-claims --help', () => npx(['--help']));
    if (!help.stdout.startsWith('usage: kube-claims'))
      throw new StepFailed(`--help printed no usage: ${help.stdout.split('\n')[0]}`);
    const list = await step('npx kube-claims list', () => npx(['list']));
    // The claims, then (after a blank line) the Kubernetes lines.
    const ids = list.stdout
      .trim()
      .split('\n\n')[0]!
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    if (ids.join(' ') !== CATALOGUE.map((c) => c.id).join(' '))
      throw new StepFailed(`list printed ${ids.length} claims, not the catalogue's ${CATALOGUE.length}`);

    clusterMade = true;
    const up = await step(`npx kube-claims cluster up --name ${NAME}`, () => npx(['cluster', 'up', '--name', NAME]));
    const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(up.stdout)?.[1];
    if (kubeconfig !== join(state, 'kube-claims', `${NAME}.kubeconfig`))
      throw new StepFailed(`cluster up wrote its kubeconfig to ${kubeconfig}, not to the user's state folder`);

    const verify = await step('npx kube-claims verify --kubeconfig', () => npx(['verify', '--kubeconfig', kubeconfig]));
    console.log(`package test: verify: ${verify.stdout.trim().split('\n').at(-1)}`);
    // The working directory's reports/RUN-ID, which reports/latest names.
    const results = join(project, 'reports', 'latest', 'results.json');
    if (!existsSync(results)) throw new StepFailed(`verify wrote no ${results} in the working directory`);

    // The programmatic interface: type-checked against the package's declarations, then run (one claim, no reports).
    await writeFile(
      join(project, 'check.ts'),
      [
        `import { CATALOGUE, parseConfig, verify, type RunConfig, type VerifyResult } from 'kube-claims';`,
        `const config: RunConfig = parseConfig(['verify', '--kubeconfig', process.argv[2]!, '--focus', 'COMP-04', '--formats', 'none'], process.env);`,
        `const result: VerifyResult = await verify(config);`,
        `// @ts-expect-error: the declarations type the exit code (were they missing, it would be any, and this line an error)`,
        `const typed: string = result.exitCode;`,
        `void typed;`,
        `console.log(\`\${CATALOGUE.length} claims in the catalogue; COMP-04: exit \${result.exitCode}, \${result.model.totals.pass} passed\`);`,
        `process.exit(result.exitCode);`,
      ].join('\n'),
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          module: 'nodenext',
          strict: true,
          noEmit: true,
          // @types/node is the user's to install; the checkout's stands in for it.
          typeRoots: [join(PACKAGE_ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        include: ['check.ts'],
      }),
    );
    await step(
      'tsc on a program importing kube-claims',
      () => user`${NODE} ${join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')} -p .`,
    );
    await step("node check.ts (verify from the package's interface)", () => user`node check.ts ${kubeconfig}`, {
      show: true,
    });

    const added = (await tree(installed)).filter((p) => !before.includes(p));
    if (added.length)
      throw new StepFailed(`the runs wrote inside node_modules/kube-claims: ${added.slice(0, 5).join(', ')}`);
    const kubeconfigText = await readFile(kubeconfig, 'utf8');
    if (!kubeconfigText.includes(NAME)) throw new StepFailed(`the kubeconfig ${kubeconfig} is not the cluster's`);
    console.log(`package test: passed in ${elapsed()}`);
    return 0;
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    console.log(`package test: FAILED: ${error.message} (after ${elapsed()})`);
    return 1;
  } finally {
    unregister();
    await cleanUp();
  }
});
