// Host preparation: a Docker engine that can run kind's privileged nodes, and the tools
// kube-claims builds from Go modules. Idempotent: each step checks before it acts.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { SHIM } from '../settings.ts';
import { dockerAnswers, dockerVersion } from './docker.ts';
import { log } from '../../helpers/log.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { sleep } from '../../helpers/wait.ts';

// Linux capability numbers (include/uapi/linux/capability.h), as Docker names them.
const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** Capabilities the kernel knows that this host's bounding set lacks (privileged containers cannot get them). */
export async function missingCapabilities(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const bounding = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(status)![1]}`);
  const last = Number((await readFile('/proc/sys/kernel/cap_last_cap', 'utf8')).trim());
  return CAPABILITIES.slice(0, last + 1).filter((_, i) => !(bounding & (1n << BigInt(i))));
}

async function aptInstall(packages: string[]): Promise<void> {
  // One dpkg-query for all of them (it prints what it knows and exits non-zero for a package it does not).
  const query = await execa('dpkg-query', ['-W', '-f', '${Package} ${Status}\n', ...packages], { reject: false });
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((l) => l.endsWith(' install ok installed'))
      .map((l) => l.split(' ')[0]!.split(':')[0]),
  );
  const missing = packages.filter((p) => !installed.has(p));
  if (!missing.length) return;
  if (!existsSync('/usr/bin/apt-get'))
    throw new EnvironmentError(`cannot install ${missing.join(', ')}: no apt-get on this machine`);
  log.step(`apt-get install ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { env, reject: false });
  const r = await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env,
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0)
    throw new EnvironmentError(`apt-get install ${missing.join(' ')} failed: ${r.all?.trim().split('\n').at(-1)}`);
}

const DAEMON_JSON = '/etc/docker/daemon.json';

/** Installs the capability shim and makes it Docker's default runtime; true when daemon.json changed. */
async function installCapabilityShim(missing: string[]): Promise<boolean> {
  const template = await readFile(fileURLToPath(new URL('./runc-capshim.sh', import.meta.url)), 'utf8');
  const shim = template.replace('@MISSING_CAPS@', JSON.stringify(missing));
  await mkdir(dirname(SHIM.path), { recursive: true });
  const current = existsSync(SHIM.path) ? await readFile(SHIM.path, 'utf8') : '';
  if (current !== shim) await writeFile(SHIM.path, shim, { mode: 0o755 });

  const daemon = existsSync(DAEMON_JSON)
    ? (JSON.parse(await readFile(DAEMON_JSON, 'utf8')) as Record<string, unknown>)
    : {};
  const runtimes = (daemon.runtimes ?? {}) as Record<string, { path: string }>;
  if (runtimes[SHIM.runtimeName]?.path === SHIM.path && daemon['default-runtime'] === SHIM.runtimeName) return false;
  runtimes[SHIM.runtimeName] = { path: SHIM.path };
  daemon.runtimes = runtimes;
  daemon['default-runtime'] = SHIM.runtimeName;
  await mkdir(dirname(DAEMON_JSON), { recursive: true });
  await writeFile(DAEMON_JSON, `${JSON.stringify(daemon, null, 2)}\n`);
  log.step(`registered ${SHIM.path} as Docker's default runtime (host lacks ${missing.join(', ')})`);
  return true;
}

async function hasSystemd(): Promise<boolean> {
  const r = await execa('systemctl', ['is-system-running'], { reject: false });
  return r.exitCode === 0 || ['degraded', 'starting', 'running'].includes(r.stdout.trim());
}

async function startDocker(restart: boolean): Promise<void> {
  if (await hasSystemd()) {
    await execa('systemctl', [restart ? 'restart' : 'start', 'docker']);
  } else {
    if (restart) {
      await execa('pkill', ['-x', 'dockerd'], { reject: false });
      for (let i = 0; i < 30 && (await execa('pgrep', ['-x', 'dockerd'], { reject: false })).exitCode === 0; i++)
        await sleep(1000);
    }
    // No service manager here: start dockerd by hand, detached, logging to a file. A dockerd killed
    // with the session that started it leaves its pid file; a reused pid would make the new one refuse.
    if ((await execa('pgrep', ['-x', 'dockerd'], { reject: false })).exitCode !== 0)
      await rm('/var/run/docker.pid', { force: true });
    await mkdir('/var/log/kube-claims', { recursive: true });
    log.step('starting dockerd (log: /var/log/kube-claims/dockerd.log)');
    execa('sh', ['-c', 'setsid dockerd >>/var/log/kube-claims/dockerd.log 2>&1 &'], {
      detached: true,
      stdio: 'ignore',
    }).unref();
  }
  for (let i = 0; i < 60; i++) {
    if (await dockerAnswers()) return;
    await sleep(1000);
  }
  throw new EnvironmentError('dockerd did not answer within 60s (see /var/log/kube-claims/dockerd.log)');
}

/**
 * Each kind node runs systemd, which takes inotify instances; a few nodes exhaust the kernel's default 128
 * ("Failed to create control group inotify object: Too many open files", seen creating a cluster of five nodes
 * beside others). kind's known-issues page gives these values; only raised, never lowered.
 */
const INOTIFY_LIMITS = { 'fs.inotify.max_user_instances': 512, 'fs.inotify.max_user_watches': 524288 };

async function raiseInotifyLimits(): Promise<void> {
  for (const [key, wanted] of Object.entries(INOTIFY_LIMITS)) {
    const file = `/proc/sys/${key.replaceAll('.', '/')}`;
    // best-effort: unreadable counts as too low; raising it is tried, and a failure warned about
    const now = Number((await readFile(file, 'utf8').catch(() => '0')).trim());
    if (now >= wanted) continue;
    await writeFile(file, String(wanted)).then(
      () => log.step(`${key} raised from ${now} to ${wanted} (kind's nodes each take inotify instances)`),
      (e: Error) =>
        log.warn(`${key} is ${now} and cannot be raised (${e.message}): clusters of many nodes may fail to start`),
    );
  }
}

/** Everything kube-claims needs on the host, installed or started only where missing. */
export async function prepareHost(): Promise<void> {
  if (process.getuid?.() !== 0) throw new EnvironmentError('host preparation needs root (Docker engine, debootstrap)');
  // jq: the shim; debootstrap: the node image's Debian; gcc/libc6-dev: pause and runc (cgo);
  // libseccomp-dev/pkg-config: runc's seccomp (linked statically); libcap2-bin: setcap for the images
  // (kube-apiserver, coredns); iproute2: network checks.
  await aptInstall([
    'jq',
    'debootstrap',
    'debian-archive-keyring',
    'gcc',
    'libc6-dev',
    'libseccomp-dev',
    'pkg-config',
    'libcap2-bin',
    'iproute2',
    'ca-certificates',
  ]);
  const dockerWasUp = await dockerVersion();
  if (!existsSync('/usr/bin/dockerd') && !existsSync('/usr/sbin/dockerd')) await aptInstall(['docker.io']);
  const missing = await missingCapabilities();
  const changed = missing.length ? await installCapabilityShim(missing) : false;
  if (!dockerWasUp || changed) await startDocker(!!dockerWasUp && changed);
  await raiseInotifyLimits();
  // Asked again only when the engine was (re)started here.
  const version = !dockerWasUp || changed ? await dockerVersion() : dockerWasUp;
  if (!version)
    throw new EnvironmentError('the Docker engine stopped answering (see /var/log/kube-claims/dockerd.log)');
  log.step(
    `Docker engine ${version} answers${missing.length ? `; privileged containers run through the capability shim` : ''}`,
  );
}
