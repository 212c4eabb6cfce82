import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  escapeModulePath,
  fetchModule,
  goEnvironment,
  hash1,
  matchesPrefixPatterns,
  ModuleFetchError,
  ModuleNotVerified,
  openNote,
  parseGoproxy,
  parseGosumdb,
  parseLookup,
  readZip,
  recordHash,
  rootWithRecord,
  tilePath,
  verifyWithSumdb,
  type SumDb,
} from './go-proxy.ts';

// rsc.io/quote v1.5.2 as the module proxy served it, with the checksum database's record and tiles
// (fixtures/go-modules/README.md).
const FIXTURES = new URL('./fixtures/go-modules/', import.meta.url);
const zip = readFileSync(new URL('rsc.io-quote@v1.5.2.zip', FIXTURES));
const lookup = readFileSync(new URL('rsc.io-quote@v1.5.2.lookup', FIXTURES), 'utf8');
const RECORDED_H1 = 'h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=';
const KEY = (parseGosumdb(undefined) as SumDb).key;

describe('GOPROXY, GOSUMDB, GONOSUMDB as the go command reads them', () => {
  test('a comma falls through on 404/410 only, a pipe on any error; direct and off are keywords; a bare host gets https', () => {
    expect(parseGoproxy(undefined)).toEqual([
      { kind: 'proxy', url: 'https://proxy.golang.org', fallBackOnError: false },
      { kind: 'direct', fallBackOnError: false },
    ]);
    expect(parseGoproxy('')).toEqual(parseGoproxy('https://proxy.golang.org,direct'));
    expect(parseGoproxy('goproxy.example|http://10.0.0.1:3000/,off')).toEqual([
      { kind: 'proxy', url: 'https://goproxy.example', fallBackOnError: true },
      { kind: 'proxy', url: 'http://10.0.0.1:3000', fallBackOnError: false },
      { kind: 'off', fallBackOnError: false },
    ]);
    expect(parseGoproxy(',,direct')).toEqual([{ kind: 'direct', fallBackOnError: false }]);
  });
  test('GOSUMDB: sum.golang.org by default with the key cmd/go knows, off, or another database with its key and URL', () => {
    expect(parseGosumdb(undefined)).toEqual({
      name: 'sum.golang.org',
      key: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
      url: 'https://sum.golang.org',
    });
    expect(parseGosumdb('off')).toBe('off');
    expect(parseGosumdb('sum.example+01234567+AAAA https://db.example/')).toEqual({
      name: 'sum.example',
      key: 'sum.example+01234567+AAAA',
      url: 'https://db.example/',
    });
    expect(() => parseGosumdb('sum.example')).toThrow(/needs its key/);
  });
  test('GONOSUMDB/GOPRIVATE globs match leading path elements (module.MatchPrefixPatterns)', () => {
    expect(matchesPrefixPatterns('rsc.io', 'rsc.io/quote')).toBe(true);
    expect(matchesPrefixPatterns('*.corp.example,rsc.io/private', 'git.corp.example/team/repo')).toBe(true);
    expect(matchesPrefixPatterns('rsc.io/private', 'rsc.io/quote')).toBe(false);
    expect(matchesPrefixPatterns('rsc.io/*/v2', 'rsc.io/quote')).toBe(false);
    expect(matchesPrefixPatterns('rsc.io/*/', 'rsc.io/quote/v3')).toBe(true);
    expect(matchesPrefixPatterns('k8s.io/[ab]pi', 'k8s.io/api')).toBe(true);
    expect(matchesPrefixPatterns('rsc', 'rsc.io/quote')).toBe(false);
    expect(matchesPrefixPatterns(undefined, 'rsc.io/quote')).toBe(false);
  });
  test('the environment over the go env file (go env -w), which GOENV names or turns off', () => {
    const files: Record<string, string> = {
      '/home/u/.config/go/env': 'GOPROXY=https://corp.example\nGOFLAGS=-mod=mod\nGONOSUMDB=corp.example\n',
      '/g': 'GOSUMDB=off\n',
    };
    const read = (f: string) => {
      if (!(f in files)) throw new Error('ENOENT');
      return files[f]!;
    };
    expect(goEnvironment({ HOME: '/home/u' }, read)).toEqual({
      GOPROXY: 'https://corp.example',
      GONOSUMDB: 'corp.example',
    });
    expect(goEnvironment({ HOME: '/home/u', GOPROXY: 'off' }, read)).toEqual({
      GOPROXY: 'off',
      GONOSUMDB: 'corp.example',
    });
    expect(goEnvironment({ HOME: '/home/u', GOENV: '/g' }, read)).toEqual({ GOSUMDB: 'off' });
    expect(goEnvironment({ HOME: '/home/u', GOENV: 'off' }, read)).toEqual({});
    expect(goEnvironment({ XDG_CONFIG_HOME: '/nowhere' }, read)).toEqual({});
  });
  test('module paths and versions escape capital letters as "!" and the small letter', () => {
    expect(escapeModulePath('github.com/BurntSushi/toml')).toBe('github.com/!burnt!sushi/toml');
    expect(escapeModulePath('v1.0.0-RC1')).toBe('v1.0.0-!r!c1');
    expect(escapeModulePath('k8s.io/client-go')).toBe('k8s.io/client-go');
  });
});

describe('the module zip and its h1: hash', () => {
  test("the zip's files, and their dirhash is the one the checksum database records", () => {
    const files = readZip(zip);
    expect(files.map((f) => f.name)).toEqual(
      ['LICENSE', 'README.md', 'buggy/buggy_test.go', 'go.mod', 'quote.go', 'quote_test.go'].map(
        (f) => `rsc.io/quote@v1.5.2/${f}`,
      ),
    );
    expect(files.find((f) => f.name.endsWith('/go.mod'))!.data.toString()).toBe(
      'module "rsc.io/quote"\n\nrequire "rsc.io/sampler" v1.3.0\n',
    );
    expect(hash1(files)).toBe(RECORDED_H1);
    expect(lookup).toContain(`rsc.io/quote v1.5.2 ${RECORDED_H1}\n`);
  });
  test('any change of a file or a name changes the hash; the order of the entries does not', () => {
    const files = readZip(zip);
    expect(hash1([...files].reverse())).toBe(RECORDED_H1);
    expect(hash1(files.map((f, i) => (i ? f : { ...f, data: Buffer.concat([f.data, Buffer.from(' ')]) })))).not.toBe(
      RECORDED_H1,
    );
    expect(hash1(files.map((f, i) => (i ? f : { ...f, name: `${f.name}.txt` })))).not.toBe(RECORDED_H1);
  });
  test('not a zip', () => {
    expect(() => readZip(Buffer.from('<html>proxy error</html>'))).toThrow(ModuleFetchError);
  });
});

describe('the checksum database', () => {
  test("the recorded answer's tree head verifies with sum.golang.org's key; a changed head or another key does not", () => {
    const answer = parseLookup(lookup, KEY);
    expect(answer).toMatchObject({ id: 942, tree: { size: 51929436 } });
    expect(answer.text).toBe(
      `rsc.io/quote v1.5.2 ${RECORDED_H1}\nrsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=\n`,
    );
    expect(() => parseLookup(lookup.replace('51929436', '51929437'), KEY)).toThrow(ModuleNotVerified);
    expect(() =>
      openNote(
        lookup.slice(lookup.indexOf('go.sum')),
        'sum.golang.org+033de0ae+AbRiKjY3RXlAcHCVuvnUmMsGL/AHx8qaA1uUC2Me+qtX',
      ),
    ).toThrow(/hash is/);
    // A well-formed key of the same name that did not sign the note.
    const raw = Buffer.concat([
      Buffer.from([1]),
      generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32),
    ]);
    const other = `sum.golang.org+${createHash('sha256')
      .update(Buffer.concat([Buffer.from('sum.golang.org\n'), raw]))
      .digest()
      .subarray(0, 4)
      .toString('hex')}+${raw.toString('base64')}`;
    expect(() => openNote(lookup.slice(lookup.indexOf('go.sum')), other)).toThrow(/no valid signature/);
  });

  /** A tree of n records, as tlog stores it: tiles of height 8 at every tile level. */
  function syntheticLog(n: number) {
    const leaves = Array.from({ length: n }, (_, i) => recordHash(Buffer.from(`record ${i}\n`)));
    const node = (l: Buffer, r: Buffer) =>
      createHash('sha256')
        .update(Buffer.from([1]))
        .update(l)
        .update(r)
        .digest();
    const levels: Buffer[][] = [leaves];
    while (levels.at(-1)!.length > 1) {
      const below = levels.at(-1)!;
      levels.push(
        Array.from({ length: Math.floor(below.length / 2) }, (_, i) => node(below[2 * i]!, below[2 * i + 1]!)),
      );
    }
    const root = (lo: number, hi: number): Buffer => {
      if (hi - lo === 1) return leaves[lo]!;
      let k = 1;
      while (k * 2 < hi - lo) k *= 2;
      return node(root(lo, lo + k), root(lo + k, hi));
    };
    const reads: string[] = [];
    const readTile = async (level: number, t: number, width: number) => {
      reads.push(tilePath(level, t, width));
      return Buffer.concat(levels[level * 8]!.slice(t * 256, t * 256 + width));
    };
    return { leaves, root: root(0, n), readTile, reads };
  }

  test('the inclusion proof from tiles gives the RFC 6962 root for any record of trees of several tile levels; another record does not', async () => {
    for (const n of [1, 2, 3, 255, 256, 257, 300, 70_001]) {
      const log = syntheticLog(n);
      for (const id of new Set([0, n - 1, Math.floor(n / 3)])) {
        expect(
          (await rootWithRecord(n, id, log.leaves[id]!, log.readTile)).equals(log.root),
          `record ${id} of ${n}`,
        ).toBe(true);
        expect((await rootWithRecord(n, id, recordHash(Buffer.from('forged\n')), log.readTile)).equals(log.root)).toBe(
          false,
        );
      }
    }
    const log = syntheticLog(70_001);
    await rootWithRecord(70_001, 70_000, log.leaves[70_000]!, log.readTile);
    expect(log.reads).toContain('tile/8/2/000.p/1');
    expect(log.reads).toContain('tile/8/0/273.p/113');
  });
  test('tile paths as tlog names them', () => {
    expect(tilePath(0, 3, 256)).toBe('tile/8/0/003');
    expect(tilePath(0, 202849, 92)).toBe('tile/8/0/x202/849.p/92');
    expect(tilePath(1, 1234567, 256)).toBe('tile/8/1/x001/x234/567');
  });
});

describe('fetching a module from a proxy (a local one serving the recorded answers)', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  /** Paths answered otherwise than from the fixtures. */
  const overrides = new Map<string, { status: number; body?: Buffer | string }>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url!;
      requests.push(path);
      const o = overrides.get(path);
      if (o) return void res.writeHead(o.status).end(o.body);
      // /good and /forged serve the fixtures (/forged answers lookups otherwise, by override).
      const m = /^\/(?:good|forged)(\/.*)$/.exec(path);
      const p = m?.[1];
      let body: Buffer | string | undefined;
      if (p === '/rsc.io/quote/@v/v1.5.2.zip') body = zip;
      else if (p === '/sumdb/sum.golang.org/supported') body = '';
      else if (p === '/sumdb/sum.golang.org/lookup/rsc.io/quote@v1.5.2') body = lookup;
      else if (p?.startsWith('/sumdb/sum.golang.org/tile/')) {
        const file = new URL(`sumdb/${p.slice('/sumdb/sum.golang.org/'.length)}`, FIXTURES);
        if (existsSync(file)) body = readFileSync(file);
      }
      if (body === undefined) return void res.writeHead(404).end('not found');
      res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = (more: Record<string, string> = {}) => ({ GOPROXY: `${url}/good`, ...more });

  test('verified against the signed tree, extracted read-only, and read from the cache the second time', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kc-mod-'));
    const m = await fetchModule('rsc.io/quote', 'v1.5.2', cache, env());
    expect(m).toMatchObject({ dir: join(cache, 'rsc.io/quote@v1.5.2'), hash: RECORDED_H1 });
    expect(m.verification).toBe(
      `sum.golang.org record 942 in its signed tree of 51929436 (through ${url}/good/sumdb/sum.golang.org)`,
    );
    expect(readFileSync(join(m.dir, 'go.mod'), 'utf8')).toContain('rsc.io/sampler');
    expect(statSync(join(m.dir, 'buggy/buggy_test.go')).mode & 0o777).toBe(0o444);
    expect(statSync(m.dir).mode & 0o777).toBe(0o555);
    const asked = requests.length;
    expect(await fetchModule('rsc.io/quote', 'v1.5.2', cache, env())).toEqual(m);
    expect(requests.length).toBe(asked);
  });
  test('a hash the database does not record is refused', async () => {
    await expect(
      verifyWithSumdb('rsc.io/quote', 'v1.5.2', 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', env()),
    ).rejects.toThrow(/SECURITY ERROR/);
  });
  test('a record the signed tree does not hold (a forged lookup answer) is refused', async () => {
    overrides.set('/forged/sumdb/sum.golang.org/lookup/rsc.io/quote@v1.5.2', {
      status: 200,
      body: lookup.replace(RECORDED_H1, 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    });
    await expect(
      verifyWithSumdb('rsc.io/quote', 'v1.5.2', 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', {
        GOPROXY: `${url}/forged`,
      }),
    ).rejects.toThrow(/not in its signed tree/);
  });
  test('a checksum database that cannot be reached makes the module unverifiable, not accepted', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kc-mod-'));
    overrides.set('/nodb/rsc.io/quote/@v/v1.5.2.zip', { status: 200, body: zip });
    overrides.set('/nodb/sumdb/sum.golang.org/supported', { status: 503 });
    await expect(fetchModule('rsc.io/quote', 'v1.5.2', cache, { GOPROXY: `${url}/nodb` })).rejects.toThrow(
      ModuleNotVerified,
    );
    expect(existsSync(join(cache, 'rsc.io/quote@v1.5.2'))).toBe(false);
  });
  test('GONOSUMDB (or GOPRIVATE) skips the database, as for the go command, and says so', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kc-mod-'));
    overrides.set('/nodb/sumdb/sum.golang.org/supported', { status: 503 });
    const m = await fetchModule('rsc.io/quote', 'v1.5.2', cache, { GOPROXY: `${url}/nodb`, GONOSUMDB: 'rsc.io' });
    expect(m.verification).toBe('not checked: rsc.io/quote matches GONOSUMDB=rsc.io');
    expect(await verifyWithSumdb('rsc.io/quote', 'v1.5.2', m.hash, { GOSUMDB: 'off' })).toBe(
      'not checked: GOSUMDB=off',
    );
    await expect(
      fetchModule('rsc.io/quote', 'v1.5.2', mkdtempSync(join(tmpdir(), 'kc-mod-')), {
        GOPROXY: `${url}/nodb`,
        GOPRIVATE: 'rsc.io',
      }),
    ).rejects.toThrow(/matches GOPRIVATE/);
  });
  test('the proxy list: past a 404 on ",", past any error on "|", not past a 500 on ","; direct and off end it', async () => {
    const cache = () => mkdtempSync(join(tmpdir(), 'kc-mod-'));
    overrides.set('/down/rsc.io/quote/@v/v1.5.2.zip', { status: 500 });
    overrides.set('/down/sumdb/sum.golang.org/supported', { status: 500 });
    expect((await fetchModule('rsc.io/quote', 'v1.5.2', cache(), { GOPROXY: `${url}/missing,${url}/good` })).hash).toBe(
      RECORDED_H1,
    );
    expect((await fetchModule('rsc.io/quote', 'v1.5.2', cache(), { GOPROXY: `${url}/down|${url}/good` })).hash).toBe(
      RECORDED_H1,
    );
    await expect(
      fetchModule('rsc.io/quote', 'v1.5.2', cache(), { GOPROXY: `${url}/down,${url}/good` }),
    ).rejects.toThrow(/HTTP 500/);
    await expect(fetchModule('rsc.io/quote', 'v1.5.2', cache(), { GOPROXY: `${url}/missing,direct` })).rejects.toThrow(
      /only the go command can fetch/,
    );
    await expect(fetchModule('rsc.io/quote', 'v1.5.2', cache(), { GOPROXY: 'off' })).rejects.toThrow(
      /disabled by GOPROXY=off/,
    );
  });
});
