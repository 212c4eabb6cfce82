// The scripts' strict flags: what bench and acceptance take parses, anything else stops the script with one line.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseScriptArgs, scriptArgs } from './args.ts';

// The flags of scripts/bench.ts and scripts/acceptance.ts.
const BENCH = { kubernetes: { type: 'string' }, cold: { type: 'boolean' } } as const;
const ACCEPTANCE = { kubernetes: { type: 'string' }, only: { type: 'string' } } as const;

describe('parseScriptArgs', () => {
  test('known flags parse, in both spellings of a value', () => {
    expect(parseScriptArgs(BENCH, ['--kubernetes', 'v1.33', '--cold'])).toEqual({ kubernetes: 'v1.33', cold: true });
    expect(parseScriptArgs(ACCEPTANCE, ['--only=coredns,sigkill', '--kubernetes=v1.34'])).toEqual({
      kubernetes: 'v1.34',
      only: 'coredns,sigkill',
    });
    expect(parseScriptArgs(BENCH, [])).toEqual({});
  });

  test.each([
    ['a mistyped flag', BENCH, ['--colt'], /Unknown option '--colt'/],
    ['a flag of the other script', BENCH, ['--only', 'coredns'], /Unknown option '--only'/],
    ['a string flag without its value', ACCEPTANCE, ['--kubernetes'], /'--kubernetes <value>' argument missing/],
    [
      'a string flag followed by a flag',
      ACCEPTANCE,
      ['--kubernetes', '--only', 'x'],
      /'--kubernetes' argument is ambiguous/,
    ],
    ['a value given to a boolean flag', BENCH, ['--cold=yes'], /'--cold' does not take an argument/],
    ['a positional argument', BENCH, ['v1.33'], /Unexpected argument 'v1.33'/],
  ] as const)('%s is an error', (_what, options, args, message) => {
    expect(() => parseScriptArgs(options, args)).toThrow(message);
  });
});

describe('scriptArgs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('returns the values of known flags', () => {
    expect(scriptArgs('bench', 'node scripts/bench.ts [--cold]', BENCH, ['--cold'])).toEqual({ cold: true });
  });

  test('a mistyped flag prints one line, "SCRIPT: reason (usage: ...)", to stderr and exits 2', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    expect(() =>
      scriptArgs('acceptance', 'node scripts/acceptance.ts [--only LIST]', ACCEPTANCE, ['--onyl', 'coredns']),
    ).toThrow('exit 2');
    expect(exit).toHaveBeenCalledExactlyOnceWith(2);
    expect(stderr.mock.calls).toEqual([
      ["acceptance: Unknown option '--onyl' (usage: node scripts/acceptance.ts [--only LIST])\n"],
    ]);
  });

  test('an error of several lines is cut to its first', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    expect(() => scriptArgs('bench', 'U', BENCH, ['--kubernetes', '--cold'])).toThrow('exit 2');
    expect(stderr.mock.calls).toEqual([["bench: Option '--kubernetes' argument is ambiguous. (usage: U)\n"]]);
  });
});
