// ETCD-15's check on the shell observations recorded in an etcd container of a kube-claims cluster (the fixture
// says where and when): the prompt is expected from bash's documented default, the image's /bin/sh and the uid.
import { describe, expect, test } from 'vitest';
import { recordedEtcdShell } from '../fixtures/recorded.ts';
import {
  BASH_DEFAULT_PS1,
  checkShellIsBashAsSh,
  expandDefaultPrompt,
  stampedBashVersion,
  type ShellObservation,
} from './shell.ts';

const { value: o } = recordedEtcdShell<ShellObservation>();

describe('ETCD-15: sh is bash in POSIX mode', () => {
  test("bash's default prompt, expanded", () => {
    expect(BASH_DEFAULT_PS1).toBe('\\s-\\v\\$ ');
    expect(expandDefaultPrompt('sh', { major: '5', minor: '2' }, 0)).toBe('sh-5.2# ');
    expect(expandDefaultPrompt('bash', { major: '5', minor: '1' }, 1000)).toBe('bash-5.1$ ');
    expect(stampedBashVersion('Bash version 5.2.15(1) release GNU')).toEqual({
      full: '5.2.15(1)',
      major: '5',
      minor: '2',
    });
  });
  test('the recorded etcd container holds', () => {
    expect(checkShellIsBashAsSh(o)).toEqual([]);
  });
  test('a prompt that follows $BASH_VERSION but not the binary is named', () => {
    const deviated = {
      ...o,
      bashVersion: { ...o.bashVersion, stdout: '5.3.0(1)-release\n' },
      prompt: { ...o.prompt, stdout: 'sh-5.3# \n' },
    };
    expect(checkShellIsBashAsSh(deviated)).toEqual([
      {
        check: 'bash-version',
        expected: '5.2.15(1)',
        actual: '5.3.0(1)-release',
        message: '$BASH_VERSION 5.3.0(1)-release is not the version stamped in /bin/sh, 5.2.15(1)',
      },
      {
        check: 'prompt',
        expected: 'sh-5.2#',
        actual: 'sh-5.3#',
        message:
          'the interactive prompt is "sh-5.3#", not bash\'s default "\\s-\\v\\$ " for sh 5.2 as uid 0: "sh-5.2#"',
      },
    ]);
  });
  test('another uid expects $', () => {
    const user = { ...o, uid: { ...o.uid, stdout: '65532\t65532\t65532\t65532\n' } };
    expect(checkShellIsBashAsSh(user)).toEqual([
      {
        check: 'prompt',
        expected: 'sh-5.2$',
        actual: 'sh-5.2#',
        message:
          'the interactive prompt is "sh-5.2#", not bash\'s default "\\s-\\v\\$ " for sh 5.2 as uid 65532: "sh-5.2$"',
      },
    ]);
  });
});
