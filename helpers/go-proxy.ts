// Go modules fetched as the go command fetches them, without the go command: the module proxy's HTTP protocol
// (GOPROXY: `$proxy/<module>/@v/<version>.zip`), the zip's h1: dirhash, and the checksum database
// (GOSUMDB, reached through the proxy as `$proxy/sumdb/<name>/...`), whose signed tree head and the record's
// inclusion proof (tlog tiles) are checked as cmd/go checks them. A module the database does not vouch for
// is an error, never accepted quietly; GONOSUMDB (default GOPRIVATE) and GOSUMDB=off skip the check, as they
// do for the go command. What is not done: `direct` (version control) fetching, which needs the go command.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export class ModuleFetchError extends Error {
  override name = 'ModuleFetchError';
}

/** The database does not vouch for the module: its hash differs, or the database's answer cannot be verified. */
export class ModuleNotVerified extends ModuleFetchError {
  override name = 'ModuleNotVerified';
}

// ---------------------------------------------------------------------------------------------------------
// GOPROXY, GONOPROXY, GONOSUMDB, GOPRIVATE, GOSUMDB: the go command's rules (cmd/go/internal/modfetch).

export type ProxyEntry =
  | { kind: 'proxy'; url: string; fallBackOnError: boolean }
  | { kind: 'direct'; fallBackOnError: boolean }
  | { kind: 'off'; fallBackOnError: boolean };

/** cmd/go's default GOPROXY. */
export const DEFAULT_GOPROXY = 'https://proxy.golang.org,direct';

/**
 * GOPROXY as cmd/go reads it: entries separated by "," (the next is tried only when a proxy says 404 or 410)
 * or "|" (the next is tried after any error); `direct` and `off` are keywords; a host without a scheme gets https://.
 */
export function parseGoproxy(value: string | undefined): ProxyEntry[] {
  const text = value?.trim() ? value : DEFAULT_GOPROXY;
  const out: ProxyEntry[] = [];
  for (const m of text.matchAll(/([^,|]*)([,|]?)/g)) {
    const word = m[1]!.trim();
    if (!word) continue;
    const fallBackOnError = m[2] === '|';
    if (word === 'direct' || word === 'off') out.push({ kind: word, fallBackOnError });
    else {
      const url = /[.:/]/.test(word) && !word.includes(':/') && !word.startsWith('/') ? `https://${word}` : word;
      out.push({ kind: 'proxy', url: url.replace(/\/+$/, ''), fallBackOnError });
    }
  }
  return out;
}

/** One path.Match glob, as a regular expression over one path prefix ('*' and '?' never match '/'). */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return /(?!)/;
      re += `[${glob.slice(i + 1, end)}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * golang.org/x/mod/module.MatchPrefixPatterns: whether any glob of the comma list matches a leading part of
 * the module path with as many elements as the glob has (GONOSUMDB=example.com/* matches example.com/a/b).
 */
export function matchesPrefixPatterns(globs: string | undefined, modulePath: string): boolean {
  for (const raw of (globs ?? '').split(',')) {
    const glob = raw.trim().replace(/\/$/, '');
    if (!glob) continue;
    const elements = glob.split('/').length;
    const parts = modulePath.split('/');
    if (parts.length < elements) continue;
    if (globRegExp(glob).test(parts.slice(0, elements).join('/'))) return true;
  }
  return false;
}

/** The checksum database of GOSUMDB ("name", "name+hash+key", either followed by a URL), or off. */
export interface SumDb {
  name: string;
  /** The note verifier key: name+hash+base64(0x01 || Ed25519 public key). */
  key: string;
  /** The database's own URL, for `direct` (and GOPROXY=off). */
  url: string;
}

/** The keys cmd/go knows (cmd/go/internal/modfetch/key.go). */
const KNOWN_SUMDBS: Record<string, { key: string; url?: string }> = {
  'sum.golang.org': { key: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8' },
  'sum.golang.google.cn': {
    key: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
    url: 'https://sum.golang.google.cn',
  },
};

export function parseGosumdb(value: string | undefined): SumDb | 'off' {
  const text = value?.trim() || 'sum.golang.org';
  if (text === 'off') return 'off';
  const [first, url] = text.split(/\s+/);
  const known = KNOWN_SUMDBS[first!];
  if (known)
    return {
      name: first === 'sum.golang.google.cn' ? 'sum.golang.org' : first!,
      key: known.key,
      url: url ?? known.url ?? `https://${first}`,
    };
  const name = first!.split('+')[0]!;
  if (!first!.includes('+'))
    throw new ModuleFetchError(
      `GOSUMDB=${text}: a checksum database other than sum.golang.org needs its key (name+hash+key)`,
    );
  return { name, key: first!, url: url ?? `https://${name}` };
}

/** golang.org/x/mod/module.EscapePath/EscapeVersion: each capital letter as "!" and its small letter. */
export function escapeModulePath(path: string): string {
  if (path.includes('!')) throw new ModuleFetchError(`module path ${path} has a "!"`);
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

// ---------------------------------------------------------------------------------------------------------
// The zip and its h1: hash.

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** The files of a zip, read from its central directory (stored and deflated entries; no zip64). */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) throw new ModuleFetchError('not a zip file: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new ModuleFetchError('zip64 files are not read');
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new ModuleFetchError(`zip central directory entry ${i} is malformed`);
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new ModuleFetchError(`zip entry ${name}: no local header`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new ModuleFetchError(`zip entry ${name}: compression method ${method} is not read`);
    if (data.length !== size)
      throw new ModuleFetchError(`zip entry ${name}: ${data.length} bytes, the directory says ${size}`);
    entries.push({ name, data });
  }
  return entries;
}

/** golang.org/x/mod/sumdb/dirhash.Hash1: SHA-256 of the sorted "SHA256HEX  NAME\n" lines, base64, with "h1:". */
export function hash1(files: Array<{ name: string; data: Buffer }>): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const h = createHash('sha256');
  for (const f of sorted) {
    if (f.name.includes('\n')) throw new ModuleFetchError(`file name with a newline: ${JSON.stringify(f.name)}`);
    h.update(`${createHash('sha256').update(f.data).digest('hex')}  ${f.name}\n`);
  }
  return `h1:${h.digest('base64')}`;
}

// ---------------------------------------------------------------------------------------------------------
// The checksum database: signed note, record, inclusion proof (golang.org/x/mod/sumdb/note, tlog).

/** Opens a signed note with one verifier key; returns its text, or throws when no signature of that key verifies. */
export function openNote(message: string, verifierKey: string): string {
  // The base64 key may itself hold "+": name and hash are the first two fields.
  const [, name, hashHex, keyBase64] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(verifierKey) ?? [];
  const key = Buffer.from(keyBase64 ?? '', 'base64');
  if (!name || !hashHex || key.length !== 33 || key[0] !== 1)
    throw new ModuleNotVerified(`malformed checksum database key ${verifierKey}`);
  const keyHash = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), key]))
    .digest()
    .subarray(0, 4);
  if (keyHash.toString('hex') !== hashHex)
    throw new ModuleNotVerified(`checksum database key ${verifierKey}: its hash is ${keyHash.toString('hex')}`);
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw new ModuleNotVerified("the checksum database's tree note has no signatures");
  const text = message.slice(0, split + 1);
  const publicKey = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  for (const line of message.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = Buffer.from(m[2]!, 'base64');
    if (
      sig.length === 68 &&
      sig.subarray(0, 4).equals(keyHash) &&
      verify(null, Buffer.from(text), publicKey, sig.subarray(4))
    )
      return text;
  }
  throw new ModuleNotVerified(`the checksum database's tree note carries no valid signature of ${name}`);
}

export interface LookupAnswer {
  id: number;
  /** The record: "MODULE VERSION h1:…\nMODULE VERSION/go.mod h1:…\n". */
  text: string;
  tree: { size: number; hash: Buffer };
}

/** A /lookup answer: record id, record text, signed tree head (its signature checked with `key`). */
export function parseLookup(answer: string, key: string): LookupAnswer {
  const m = /^(\d+)\n([\s\S]*?\n)\n([\s\S]*)$/.exec(answer);
  if (!m) throw new ModuleNotVerified('malformed checksum database record');
  const tree = /^go\.sum database tree\n(\d+)\n(\S+)\n/.exec(openNote(m[3]!, key));
  if (!tree) throw new ModuleNotVerified('malformed checksum database tree note');
  const id = Number(m[1]);
  const size = Number(tree[1]);
  if (!(id < size)) throw new ModuleNotVerified(`record ${id} is not in the database's tree of ${size} records`);
  return { id, text: m[2]!, tree: { size, hash: Buffer.from(tree[2]!, 'base64') } };
}

const TILE_HEIGHT = 8;
const nodeHash = (left: Buffer, right: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
export const recordHash = (data: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest();

/** tlog.Tile.Path: tile/8/L/x001/x234/567[.p/W]. */
export function tilePath(level: number, n: number, width: number): string {
  let rest = n;
  let path = String(rest % 1000).padStart(3, '0');
  while (rest >= 1000) {
    rest = Math.floor(rest / 1000);
    path = `x${String(rest % 1000).padStart(3, '0')}/${path}`;
  }
  return `tile/${TILE_HEIGHT}/${level}/${path}${width === 2 ** TILE_HEIGHT ? '' : `.p/${width}`}`;
}

/** Reads a tile's hashes (width × 32 bytes) at tile level L, index n. */
export type TileReader = (level: number, n: number, width: number) => Promise<Buffer>;

/**
 * The root of the tree of `size` records computed from the record's own hash at `id` and every other hash
 * from tiles (tlog's RFC 6962 tree: the largest complete subtrees from the left, folded from the right).
 * Equal to the signed root, it proves the record is the database's.
 */
export async function rootWithRecord(size: number, id: number, leaf: Buffer, readTile: TileReader): Promise<Buffer> {
  const stored = async (level: number, k: number): Promise<Buffer> => {
    // A complete subtree's hash from the tile holding its stored level: the hashes below it in one tile, hashed up.
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const below = level - tileLevel * TILE_HEIGHT;
    const first = k * 2 ** below;
    const n = Math.floor(first / 2 ** TILE_HEIGHT);
    const width = Math.min(2 ** TILE_HEIGHT, Math.floor(size / 2 ** (tileLevel * TILE_HEIGHT)) - n * 2 ** TILE_HEIGHT);
    const tile = await readTile(tileLevel, n, width);
    if (tile.length !== width * 32)
      throw new ModuleNotVerified(
        `checksum database tile ${tilePath(tileLevel, n, width)} has ${tile.length} bytes, not ${width * 32}`,
      );
    let hashes: Buffer[] = [];
    for (let i = first - n * 2 ** TILE_HEIGHT; i < first - n * 2 ** TILE_HEIGHT + 2 ** below; i++)
      hashes.push(tile.subarray(i * 32, i * 32 + 32));
    while (hashes.length > 1) hashes = hashes.flatMap((h, i) => (i % 2 ? [] : [nodeHash(h, hashes[i + 1]!)]));
    return hashes[0]!;
  };
  const subtree = async (level: number, k: number): Promise<Buffer> => {
    const lo = k * 2 ** level;
    if (id < lo || id >= lo + 2 ** level) return stored(level, k);
    if (level === 0) return leaf;
    const [left, right] = await Promise.all([subtree(level - 1, 2 * k), subtree(level - 1, 2 * k + 1)]);
    return nodeHash(left, right);
  };
  const parts: Buffer[] = [];
  for (let lo = 0; lo < size;) {
    let level = 0;
    while (2 ** (level + 1) <= size - lo) level++;
    parts.push(await subtree(level, lo / 2 ** level));
    lo += 2 ** level;
  }
  return parts.reduceRight((right, left) => nodeHash(left, right));
}

// ---------------------------------------------------------------------------------------------------------
// HTTP.

class HttpStatus extends ModuleFetchError {
  readonly status: number;
  constructor(url: string, status: number) {
    super(`GET ${url}: HTTP ${status}`);
    this.status = status;
  }
}

const notFound = (e: unknown) => e instanceof HttpStatus && (e.status === 404 || e.status === 410);

async function get(url: string): Promise<Buffer> {
  const r = await fetch(url, { signal: AbortSignal.timeout(120_000) }).catch((e: Error) => {
    throw new ModuleFetchError(`GET ${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
  });
  if (r.status !== 200) throw new HttpStatus(url, r.status);
  return Buffer.from(await r.arrayBuffer());
}

/** Tries the proxies of GOPROXY in turn, as cmd/go does; `direct` and `off` end the list with their reason. */
async function fromProxies<T>(entries: ProxyEntry[], what: string, ask: (proxy: string) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const e of entries) {
    if (e.kind === 'off')
      throw new ModuleFetchError(
        `${what}: module lookup disabled by GOPROXY=off${last ? ` (before: ${(last as Error).message})` : ''}`,
      );
    if (e.kind === 'direct')
      throw new ModuleFetchError(
        `${what}: GOPROXY reaches "direct" (version control), which only the go command can fetch${last ? ` (before: ${(last as Error).message})` : ''}`,
      );
    try {
      return await ask(e.url);
    } catch (error) {
      last = error;
      if (!(notFound(error) || e.fallBackOnError)) break;
    }
  }
  throw last instanceof Error
    ? new ModuleFetchError(`${what}: ${last.message}`)
    : new ModuleFetchError(`${what}: GOPROXY names no proxy`);
}

/**
 * Where the checksum database answers: through the first proxy that says it supports it, else the database's own URL.
 */
async function sumdbBase(entries: ProxyEntry[], db: SumDb): Promise<string> {
  for (const e of entries) {
    if (e.kind !== 'proxy') break;
    const base = `${e.url}/sumdb/${db.name}`;
    try {
      await get(`${base}/supported`);
      return base;
    } catch (error) {
      if (!(notFound(error) || e.fallBackOnError))
        throw new ModuleNotVerified(`checksum database ${db.name} through ${e.url}: ${(error as Error).message}`);
    }
  }
  return db.url.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------------------
// The fetch.

export interface GoEnvironment {
  GOPROXY?: string;
  GONOPROXY?: string;
  GOSUMDB?: string;
  GONOSUMDB?: string;
  GOPRIVATE?: string;
}

const GO_VARIABLES = ['GOPROXY', 'GONOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOPRIVATE'] as const;

/**
 * The go command's settings of these variables: the environment over the user's go env file (`go env -w`
 * writes it: $GOENV, else os.UserConfigDir()/go/env; GOENV=off reads none). An unset one takes cmd/go's default.
 */
export function goEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  readFile = (f: string) => readFileSync(f, 'utf8'),
): GoEnvironment {
  const out: GoEnvironment = {};
  const file = env.GOENV ?? join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'go', 'env');
  if (file !== 'off') {
    let text = '';
    try {
      text = readFile(file);
    } catch {
      /* no file: nothing set with go env -w */
    }
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m && (GO_VARIABLES as readonly string[]).includes(m[1]!)) out[m[1] as keyof GoEnvironment] = m[2]!.trim();
    }
  }
  for (const k of GO_VARIABLES) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

export interface FetchedModule {
  path: string;
  version: string;
  /** The extracted module, read-only, as in Go's module cache. */
  dir: string;
  /** The zip's h1: hash. */
  hash: string;
  /**
   * How the hash was checked: "sum.golang.org record 942 in its signed tree of 51929436 (via
   * https://proxy.golang.org)", or why not.
   */
  verification: string;
}

/** Checks `hash` against the checksum database's record of path@version (signature and inclusion proof). */
export async function verifyWithSumdb(
  path: string,
  version: string,
  hash: string,
  env: GoEnvironment,
): Promise<string> {
  const nosumdb = env.GONOSUMDB ?? env.GOPRIVATE;
  if (matchesPrefixPatterns(nosumdb, path))
    return `not checked: ${path} matches ${env.GONOSUMDB !== undefined ? 'GONOSUMDB' : 'GOPRIVATE'}=${nosumdb}`;
  const db = parseGosumdb(env.GOSUMDB);
  if (db === 'off') return 'not checked: GOSUMDB=off';
  const base = await sumdbBase(parseGoproxy(env.GOPROXY), db);
  const wrap = (e: unknown) =>
    e instanceof ModuleNotVerified
      ? e
      : new ModuleNotVerified(
          `checksum database ${db.name} cannot vouch for ${path}@${version}: ${(e as Error).message}`,
        );
  try {
    const answer = parseLookup(
      (await get(`${base}/lookup/${escapeModulePath(path)}@${escapeModulePath(version)}`)).toString('utf8'),
      db.key,
    );
    const tiles = new Map<string, Promise<Buffer>>();
    const readTile: TileReader = (level, n, width) => {
      const key = tilePath(level, n, width);
      let tile = tiles.get(key);
      // A partial tile the database no longer serves (the tree grew) is the start of the full one.
      if (!tile) {
        // absent is the truth: a 404 for a partial tile means the full tile replaced it; anything else is thrown
        tile = get(`${base}/${key}`).catch(async (e: unknown) => {
          if (!notFound(e) || width === 2 ** TILE_HEIGHT) throw e;
          return (await get(`${base}/${tilePath(level, n, 2 ** TILE_HEIGHT)}`)).subarray(0, width * 32);
        });
        tiles.set(key, tile);
      }
      return tile;
    };
    const root = await rootWithRecord(answer.tree.size, answer.id, recordHash(Buffer.from(answer.text)), readTile);
    if (!root.equals(answer.tree.hash))
      throw new ModuleNotVerified(
        `checksum database ${db.name}: record ${answer.id} of ${path}@${version} is not in its signed tree (inclusion proof fails)`,
      );
    const recorded = answer.text
      .split('\n')
      .map((l) => l.split(' '))
      .find(([p, v]) => p === path && v === version)?.[2];
    if (!recorded)
      throw new ModuleNotVerified(`checksum database ${db.name} has no hash of ${path}@${version} in its record`);
    if (recorded !== hash)
      throw new ModuleNotVerified(
        `${path}@${version}: the zip's hash is ${hash}, the checksum database ${db.name} records ${recorded} (SECURITY ERROR: the download is not the module)`,
      );
    return `${db.name} record ${answer.id} in its signed tree of ${answer.tree.size} (through ${base})`;
  } catch (e) {
    throw wrap(e);
  }
}

/** The module's files under the zip's "PATH@VERSION/" prefix, checked as cmd/go checks a module zip's names. */
function moduleFiles(entries: ZipEntry[], path: string, version: string): Array<{ file: string; data: Buffer }> {
  const prefix = `${path}@${version}/`;
  return entries.map((e) => {
    const file = e.name.slice(prefix.length);
    if (
      !e.name.startsWith(prefix) ||
      !file ||
      normalize(file) !== file ||
      file.startsWith('../') ||
      file.startsWith('/')
    ) {
      throw new ModuleFetchError(`${path}@${version}: the zip holds ${JSON.stringify(e.name)}, outside ${prefix}`);
    }
    return { file, data: e.data };
  });
}

/** Removes a tree this module made read-only (a leftover of a run that stopped half-way). */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isDirectory()) await chmod(join(e.parentPath, e.name), 0o755);
  await chmod(dir, 0o755);
  await rm(dir, { recursive: true, force: true });
}

async function makeReadOnly(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chmod(join(e.parentPath, e.name), e.isDirectory() ? 0o555 : 0o444);
  }
  await chmod(dir, 0o555);
}

/**
 * path@version from the module proxy, verified, extracted under cacheDir (cacheDir/ESCAPED@VERSION, read-only)
 * once: a later call reads the cache. Throws ModuleFetchError (ModuleNotVerified where the database does not vouch).
 */
export async function fetchModule(
  path: string,
  version: string,
  cacheDir: string,
  env: GoEnvironment = goEnvironment(),
): Promise<FetchedModule> {
  const dir = join(cacheDir, `${escapeModulePath(path)}@${escapeModulePath(version)}`);
  const stamp = `${dir}.verified.json`;
  if (existsSync(stamp) && existsSync(dir))
    return {
      path,
      version,
      dir,
      ...(JSON.parse(await readFile(stamp, 'utf8')) as { hash: string; verification: string }),
    };
  if (matchesPrefixPatterns(env.GONOPROXY ?? env.GOPRIVATE, path)) {
    throw new ModuleFetchError(
      `${path} matches ${env.GONOPROXY !== undefined ? 'GONOPROXY' : 'GOPRIVATE'}: the go command fetches it from version control, kube-claims only from a module proxy`,
    );
  }
  const what = `Go module ${path}@${version}`;
  const zip = await fromProxies(parseGoproxy(env.GOPROXY), what, (proxy) =>
    get(`${proxy}/${escapeModulePath(path)}/@v/${escapeModulePath(version)}.zip`),
  );
  const entries = readZip(zip);
  const hash = hash1(entries);
  const verification = await verifyWithSumdb(path, version, hash, env);
  const files = moduleFiles(entries, path, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeTree(tmp);
  for (const f of files) {
    await mkdir(dirname(join(tmp, f.file)), { recursive: true });
    await writeFile(join(tmp, f.file), f.data);
  }
  await makeReadOnly(tmp);
  // absent is the truth: a rename that finds the directory there means another process extracted it first
  await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
    // Another process extracted it first: its copy is the same module.
    // best-effort: a temporary copy left behind is removed with the cache
    await removeTree(tmp).catch(() => {});
    if (!existsSync(dir)) throw e;
  });
  await writeFile(stamp, JSON.stringify({ hash, verification }));
  return { path, version, dir, hash, verification };
}
