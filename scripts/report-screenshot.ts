// Takes the README's picture of report.html from a real run: headless Chromium (Debian's package) renders the
// run's self-contained report.html (no scripts, no external resources) and writes a PNG.
//
//   node scripts/report-screenshot.ts                         # the latest run under reports/ → docs/images/report.png
//   node scripts/report-screenshot.ts reports/RUN-ID [OUT.png]
//
// Chromium is started with its background networking off: on a machine without internet every other
// connection it tries is refused or hangs. Needs `apt-get install chromium`; says so when it is missing.
import { existsSync, mkdtempSync, rmSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { parseConfig } from '../app/config.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WIDTH = 1280;
const HEIGHT = 1500;

function reportFile(target: string | undefined): string {
  const dir = target ? resolve(target) : join(parseConfig([], process.env).reportsDir, 'latest');
  const file = dir.endsWith('.html') ? dir : join(dir, 'report.html');
  if (!existsSync(file))
    throw new Error(`no report.html at ${file} (run \`npm run verify\` first, or name a reports/RUN-ID folder)`);
  return realpathSync(file);
}

async function main(): Promise<void> {
  const file = reportFile(process.argv[2]);
  const out = resolve(process.argv[3] ?? join(PACKAGE_ROOT, 'docs', 'images', 'report.png'));
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM)`);
  mkdirSync(dirname(out), { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'kc-chromium-'));
  try {
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--window-size=${WIDTH},${HEIGHT}`,
    ];
    await execa(CHROMIUM, [...flags, `--screenshot=${out}`, pathToFileURL(file).href], { timeout: 60_000 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (!existsSync(out)) throw new Error(`chromium wrote no ${out}`);
  console.log(`${out} (from ${file})`);
}

main().catch((error: Error) => {
  console.error(`report-screenshot: ${error.message.split('\n')[0]}`);
  process.exitCode = 1;
});
