// The Go checksum database (sum.golang.org), read through the module proxy as the go command reads it when
// the database's own host is not reachable (GOPROXY/sumdb/<name>/…): a module version's go.sum lines, proved
// to be in the database's log. The log's signed tree head is checked against the database's public key (the
// go command's built-in one), and the record against that head by its Merkle inclusion proof, computed from
// the log's tiles (RFC 6962 hashing, tile height 8), as golang.org/x/mod/sumdb/tlog does.
import { createHash, createPublicKey, verify } from 'node:crypto';

/** The go command's verifier key for sum.golang.org (go1.26.8 src/cmd/go/internal/modfetch/key.go, knownGOSUMDB). */
export const SUM_GOLANG_ORG_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

const TILE_HEIGHT = 8;
const HASH_SIZE = 32;

export class SumdbError extends Error {
  override name = 'SumdbError';
}

export interface SumdbRecord {
  module: string;
  version: string;
  /** The h1: hash of the module's files, and of its go.mod. */
  sum: string;
  goModSum?: string;
  /** The record's index in the log and the tree it was proved in. */
  recordId: number;
  treeSize: number;
  /** What was proved: "signed tree head and inclusion proof checked". */
  proof: string;
}

/** Fetches a path under the proxy's sumdb/<name>/ and returns the body; throws on anything but 200. */
export type SumdbFetch = (path: string) => Promise<Buffer>;

interface Verifier {
  name: string;
  keyHash: number;
  publicKey: ReturnType<typeof createPublicKey>;
}

export function parseVerifierKey(key: string): Verifier {
  // name+hash+data, where the base64 data may itself hold '+'.
  const [, name, hash, data] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(key) ?? [];
  if (!name || !hash || !data) throw new SumdbError(`malformed verifier key ${key}`);
  const raw = Buffer.from(data, 'base64');
  if (raw[0] !== 1 || raw.length !== 33) throw new SumdbError(`verifier key ${name}: not an Ed25519 key`);
  const keyHash = createHash('sha256').update(`${name}\n`).update(raw).digest().readUInt32BE(0);
  if (keyHash !== parseInt(hash, 16)) throw new SumdbError(`verifier key ${name}: its hash does not match`);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]);
  return { name, keyHash, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

/** A signed note (golang.org/x/mod/sumdb/note): its text, when one signature by `verifier` checks out. */
export function verifyNote(note: string, verifier: Verifier): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new SumdbError('the tree head is not a signed note');
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== verifier.name) continue;
    const sig = Buffer.from(m[2]!, 'base64');
    if (sig.length !== 4 + 64 || sig.readUInt32BE(0) !== verifier.keyHash) continue;
    if (verify(null, Buffer.from(text), verifier.publicKey, sig.subarray(4))) return text;
    throw new SumdbError(`the tree head's signature by ${verifier.name} does not verify`);
  }
  throw new SumdbError(`the tree head carries no signature by ${verifier.name}`);
}

const leafHash = (data: Buffer) => createHash('sha256').update(Buffer.from([0])).update(data).digest();
const nodeHash = (left: Buffer, right: Buffer) => createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();

/** tlog's tile path: tile/H/L/NNN, the index in groups of three digits, the non-final ones prefixed x; a partial tile ends .p/W. */
export function tilePath(level: number, index: number, width: number): string {
  let digits = String(index % 1000).padStart(3, '0');
  for (let n = Math.floor(index / 1000); n > 0; n = Math.floor(n / 1000)) digits = `x${String(n % 1000).padStart(3, '0')}/${digits}`;
  return `tile/${TILE_HEIGHT}/${level}/${digits}${width < 2 ** TILE_HEIGHT ? `.p/${width}` : ''}`;
}

/**
 * The stored hashes of the log, read from its tiles as they are in a tree of `treeSize` records (each tile
 * fetched once). A complete subtree's hash is the same in every later tree, so the tiles of the latest tree
 * serve the proof in an older one (the proxy keeps an older tree's partial tiles only for a while).
 */
function storedHashes(treeSize: number, fetch: SumdbFetch) {
  const tiles = new Map<string, Promise<Buffer>>();
  const tile = (level: number, index: number): Promise<Buffer> => {
    const nodesAtLevel = Math.floor(treeSize / 2 ** (level * TILE_HEIGHT));
    const width = Math.min(2 ** TILE_HEIGHT, nodesAtLevel - index * 2 ** TILE_HEIGHT);
    const path = tilePath(level, index, width);
    let t = tiles.get(path);
    if (!t) tiles.set(path, (t = fetch(path).then((b) => {
      if (b.length !== width * HASH_SIZE) throw new SumdbError(`${path}: ${b.length} bytes, not ${width} hashes`);
      return b;
    })));
    return t;
  };
  /** The hash of the complete subtree at `level` (2^level records) with index `n` on that level. */
  return async (level: number, n: number): Promise<Buffer> => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const k = level % TILE_HEIGHT;
    const first = n * 2 ** k; // its leftmost node on the tile's bottom row
    const t = await tile(tileLevel, Math.floor(first / 2 ** TILE_HEIGHT));
    let row: Buffer[] = [];
    const offset = first % 2 ** TILE_HEIGHT;
    for (let i = 0; i < 2 ** k; i++) row.push(t.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
    while (row.length > 1) row = row.flatMap((h, i) => (i % 2 ? [] : [nodeHash(h, row[i + 1]!)]));
    return row[0]!;
  };
}

/**
 * The root of records [lo, hi) with record `index` hashed from `leaf` (the record as served) and every other
 * subtree from the log's stored hashes: equal to the signed root exactly when the record is in the log there.
 */
async function rootWith(lo: number, hi: number, index: number, leaf: Buffer, stored: (level: number, n: number) => Promise<Buffer>): Promise<Buffer> {
  const size = hi - lo;
  if (size === 1) return leaf;
  let split = 1;
  while (split * 2 < size) split *= 2;
  const side = async (a: number, b: number): Promise<Buffer> => {
    if (index >= a && index < b) return rootWith(a, b, index, leaf, stored);
    return subtree(a, b, stored);
  };
  return nodeHash(await side(lo, lo + split), await side(lo + split, hi));
}

async function subtree(lo: number, hi: number, stored: (level: number, n: number) => Promise<Buffer>): Promise<Buffer> {
  const size = hi - lo;
  if ((size & (size - 1)) === 0 && lo % size === 0) return stored(Math.log2(size), lo / size);
  let split = 1;
  while (split * 2 < size) split *= 2;
  return nodeHash(await subtree(lo, lo + split, stored), await subtree(lo + split, hi, stored));
}

/** Parses a lookup answer: the record ID, the record's lines, the signed tree head. */
export function parseLookup(body: string): { recordId: number; data: string; note: string } {
  const first = body.indexOf('\n');
  const blank = body.indexOf('\n\n', first);
  if (first < 0 || blank < 0) throw new SumdbError('malformed lookup answer');
  const recordId = Number(body.slice(0, first));
  if (!Number.isSafeInteger(recordId)) throw new SumdbError('malformed lookup answer (record ID)');
  return { recordId, data: body.slice(first + 1, blank + 1), note: body.slice(blank + 2) };
}

function treeHead(note: string, verifier: Verifier): { treeSize: number; root: Buffer } {
  const head = /^go\.sum database tree\n(\d+)\n(\S+)\n$/.exec(verifyNote(note, verifier));
  if (!head) throw new SumdbError('the signed note is not a go.sum tree head');
  return { treeSize: Number(head[1]), root: Buffer.from(head[2]!, 'base64') };
}

/** A module version's go.sum lines from the checksum database, with its signature and inclusion in the log checked. */
export async function lookupSum(module: string, version: string, fetch: SumdbFetch, key = SUM_GOLANG_ORG_KEY): Promise<SumdbRecord> {
  const verifier = parseVerifierKey(key);
  const { recordId, data, note } = parseLookup((await fetch(`lookup/${escapeModulePath(module)}@${version}`)).toString('utf8'));
  const { treeSize, root } = treeHead(note, verifier);
  if (recordId >= treeSize) throw new SumdbError(`record ${recordId} is outside the signed tree of ${treeSize}`);
  // The lookup's tree may be older than the log's latest: the proof reads the latest tree's tiles.
  const latest = treeHead((await fetch('latest')).toString('utf8'), verifier);
  const tiles = storedHashes(Math.max(latest.treeSize, treeSize), fetch);
  const proved = await rootWith(0, treeSize, recordId, leafHash(Buffer.from(data)), tiles);
  if (!proved.equals(root)) throw new SumdbError(`the record of ${module}@${version} is not in the signed tree (inclusion proof fails)`);
  const line = (suffix: string) => data.split('\n').map((l) => l.split(' ')).find((f) => f[0] === module && f[1] === `${version}${suffix}`)?.[2];
  const sum = line('');
  if (!sum) throw new SumdbError(`the checksum database's record names no ${module} ${version}`);
  return { module, version, sum, goModSum: line('/go.mod'), recordId, treeSize, proof: `signed tree head of ${treeSize} records (${verifier.name}) and inclusion proof of record ${recordId} checked` };
}

/** The module proxy's path escaping: each capital letter becomes ! and its lower case. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}
