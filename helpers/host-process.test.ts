import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, test } from 'vitest';
import { inOwnPidNamespace, processAlive, processIdentity } from './host-process.ts';

describe('host processes by identity', () => {
  test('this process is alive by its identity, and lives in this PID namespace', () => {
    expect(processIdentity()).toMatch(/^\d+:\d+$/);
    expect(processAlive(processIdentity())).toBe(true);
    expect(inOwnPidNamespace(process.pid)).toBe(true);
  });
  test('an ended process is not alive, and a reused pid with another start time is another process', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
    const identity = processIdentity(child.pid!);
    expect(processAlive(identity)).toBe(true);
    const [pid] = identity.split(':');
    expect(processAlive(`${pid}:1`)).toBe(false);
    await once(child, 'exit');
    expect(processAlive(identity)).toBe(false);
  });
});
