// The test command (`npm test`): unit tests and the live claims, configured from the environment
// (KUBE_CLAIMS_* variables, see `npx kube-claims --help`), wired as `verify` wires them (app/vitest-projects.ts).
import { defineConfig } from 'vitest/config';
import type { InlineConfig, TestUserConfig } from 'vitest/node';
import { parseConfig } from './app/config.ts';
import { vitestOptions } from './app/vitest-projects.ts';

// The test command requires every claim to be falsified by a negative control in the run (--require-controls),
// unless the environment says otherwise (KUBE_CLAIMS_REQUIRE_CONTROLS=0).
const env = { KUBE_CLAIMS_REQUIRE_CONTROLS: '1', ...process.env };
const { projects, sequence, tags, tagsFilter, reporters } = vitestOptions(parseConfig(['verify'], env), { unit: true });
// tagsFilter is a root option that vitest's types list among the command-line ones; the root config applies it too.
const test: InlineConfig & Pick<TestUserConfig, 'tagsFilter'> = { projects, sequence, tags, tagsFilter, reporters };

export default defineConfig({ test });
