/**
 * Synthetic Upstash credentials built at run time (detector examples and tests) from the inferred
 * layouts (shared/upstash-credentials.md §2–§4). Nothing realistic is ever committed: every value
 * is generated when a test runs, from random bytes or, with `seed`, from a deterministic stream
 * (so a failing test can be replayed with the same values).
 */
import { createHash, randomBytes } from 'node:crypto';
import { isPlaceholder } from './placeholders.js';

export type Seed = number | string;

export interface Rng {
  bytes(n: number): Buffer;
  int(max: number): number;
  uuid(): string;
}

/** SHA-256 in counter mode over the seed; crypto randomness when no seed is given. */
export function makeRng(seed?: Seed): Rng {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const bytes = (n: number): Buffer => {
    if (seed === undefined) return randomBytes(n);
    while (pool.length < n) {
      const block = createHash('sha256')
        .update(`${String(seed)}:${counter++}`)
        .digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
  return {
    bytes,
    int: (max) => bytes(4).readUInt32BE(0) % max,
    uuid: () => {
      // About one random UUID in 40,000 holds six equal or counting hex digits (`bbbbbb`,
      // `345678`), which the placeholder rules read as typed filler: such a draw made the
      // registry test fail now and then. Examples are drawn again instead (seeded: still
      // replayable); the detectors' handling of those rare real keys is a separate matter.
      for (;;) {
        const b = bytes(16);
        b[6] = (b[6]! & 0x0f) | 0x40; // version 4
        b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
        const h = b.toString('hex');
        const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
        if (!isPlaceholder(id)) return id;
      }
    },
  };
}

const ADJ = ['fancy', 'brave', 'calm', 'eager', 'gentle', 'lucky', 'proud', 'witty'];
const ANIMAL = ['cat', 'otter', 'lynx', 'heron', 'mole', 'newt', 'panda', 'yak'];
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}
function hex32(rng: Rng): string {
  return rng.bytes(16).toString('hex');
}

/** A database number: 2-byte range for current/legacy, > 65535 for the 64-bit-id layout. */
export function randomDbId(wide = false, seed?: Seed): number {
  const rng = makeRng(seed);
  return wide ? 70000 + rng.int(9_000_000) : 1000 + rng.int(60000);
}

export type RedisLayout = 'current' | 'current64' | 'legacy';

export interface RedisTokenOptions {
  layout?: RedisLayout;
  readOnly?: boolean;
  dbId?: number;
  /** current64 standard tokens are seen with and without the `p<d><N>` suffix. */
  withSuffix?: boolean;
  /**
   * Current standard tokens: the text after the 32 hex, verbatim (`'p10'`, seen in public
   * repositories where the decimal is not the database id), or `null` for none (2-byte-id tokens
   * without a suffix exist too). A `p<d>` prefix of the suffix becomes field1 as well. Default:
   * `p<d><N>` for 2-byte ids, per `withSuffix` for 64-bit ids.
   */
  suffix?: string | null;
  /**
   * Legacy layout: the byte after the id, 0x01 (most legacy databases) or 0x00 (legacy Vector
   * indexes, and Redis databases of the same period).
   */
  legacyFlag?: 0 | 1;
  seed?: Seed;
}

export interface RedisTokenParts {
  token: string;
  dbId: number;
  readOnly: boolean;
  layout: RedisLayout;
  /** Legacy standard token: the 32-hex TCP password embedded in it. */
  password?: string;
  /** Legacy layout: the database UUID (field1). */
  uuid?: string;
}

export function redisTokenParts(opts: RedisTokenOptions = {}): RedisTokenParts {
  const rng = makeRng(opts.seed);
  const layout = opts.layout ?? 'current';
  const readOnly = opts.readOnly ?? false;
  const wide = layout === 'current64';
  const dbId = opts.dbId ?? (wide ? 70000 + rng.int(9_000_000) : 1000 + rng.int(60000));
  if (!wide && dbId > 0xffff) throw new RangeError(`dbId ${dbId} needs layout current64`);
  const header = Buffer.alloc(wide ? 9 : 3);
  header[0] = (readOnly ? 0x02 : 0x01) | (wide ? 0x80 : 0);
  if (wide) header.writeBigUInt64BE(BigInt(dbId), 1);
  else header.writeUInt16BE(dbId, 1);
  if (layout === 'legacy') {
    const uuid = rng.uuid();
    const password = hex32(rng);
    const field2 = readOnly ? rng.bytes(32) : Buffer.from(password, 'latin1');
    const body = Buffer.concat([
      header,
      Buffer.from([opts.legacyFlag ?? 0x01, 0x24, 0x20]),
      Buffer.from(uuid, 'latin1'),
      field2,
    ]);
    const b64 = body.toString('base64url');
    const token = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    return { token, dbId, readOnly, layout, uuid, ...(readOnly ? {} : { password }) };
  }
  const drawn = `p${1 + rng.int(2)}`;
  const p = (opts.suffix && /^p\d/.exec(opts.suffix)?.[0]) || drawn;
  const withSuffix = opts.withSuffix ?? !wide;
  const suffix =
    opts.suffix === undefined ? (withSuffix ? `${p}${dbId}` : '') : (opts.suffix ?? '');
  const field2 = readOnly ? rng.bytes(32) : Buffer.from(hex32(rng) + suffix, 'latin1');
  const body = Buffer.concat([
    header,
    Buffer.from([0x00, p.length, field2.length]),
    Buffer.from(p, 'latin1'),
    field2,
  ]);
  return { token: body.toString('base64url'), dbId, readOnly, layout };
}

export function redisToken(opts: RedisTokenOptions = {}): string {
  return redisTokenParts(opts).token;
}

/**
 * A token with a valid header around arbitrary fields, for layouts nobody has seen yet (an
 * "unrecognised variant") and for header-level negatives. Lengths are computed, so the header
 * adds up unless `len1`/`len2` override them.
 */
export function redisTokenFromFields(o: {
  kind?: 0x01 | 0x02 | 0x81 | 0x82;
  dbId?: number;
  flag?: number;
  field1: string | Buffer;
  field2: string | Buffer;
  len1?: number;
  len2?: number;
}): string {
  const kind = o.kind ?? 0x01;
  const wide = (kind & 0x80) !== 0;
  const f1 = typeof o.field1 === 'string' ? Buffer.from(o.field1, 'latin1') : o.field1;
  const f2 = typeof o.field2 === 'string' ? Buffer.from(o.field2, 'latin1') : o.field2;
  const header = Buffer.alloc(wide ? 9 : 3);
  header[0] = kind;
  if (wide) header.writeBigUInt64BE(BigInt(o.dbId ?? 123456), 1);
  else header.writeUInt16BE(o.dbId ?? 34127, 1);
  return Buffer.concat([
    header,
    Buffer.from([o.flag ?? 0, o.len1 ?? f1.length, o.len2 ?? f2.length]),
    f1,
    f2,
  ]).toString('base64url');
}

/** 32 lowercase hex, random or seeded. */
export function hex32Secret(o: { seed?: Seed } = {}): string {
  return hex32(makeRng(o.seed));
}

export interface HostOptions {
  legacyRegion?: string;
  vercel?: boolean;
  fly?: boolean;
  seed?: Seed;
}

export function redisHost(dbId: number, opts: HostOptions = {}): string {
  const rng = makeRng(opts.seed);
  const base = `${pick(rng, ADJ)}-${pick(rng, ANIMAL)}-${dbId}`;
  if (opts.vercel) return `${base}.kv.vercel-storage.com`;
  if (opts.fly) return `fly-${base}.upstash.io`;
  if (opts.legacyRegion) return `${opts.legacyRegion}-${base}.upstash.io`;
  return `${base}.upstash.io`;
}

export function redisEndpoint(dbId: number, opts: HostOptions = {}): string {
  return `https://${redisHost(dbId, opts)}`;
}

export function redisUrl(o: {
  password: string;
  host: string;
  user?: 'default' | 'default_ro';
  port?: number;
  scheme?: 'redis' | 'rediss';
}): string {
  return `${o.scheme ?? 'rediss'}://${o.user ?? 'default'}:${o.password}@${o.host}:${o.port ?? 6379}`;
}

export interface VectorTokenOptions {
  product?: 'vector' | 'search';
  /** `admin`/`readonly`, or another word for an unrecognised variant. */
  role?: string;
  name?: string;
  /** An unfamiliar secret: the id field is base64 of 36 random bytes instead of a UUID. */
  randomId?: boolean;
  seed?: Seed;
}

export interface VectorTokenParts {
  token: string;
  name: string;
  role: string;
  uuid: string;
  product: 'vector' | 'search';
  endpoint: string;
}

export function vectorTokenParts(o: VectorTokenOptions = {}): VectorTokenParts {
  const rng = makeRng(o.seed);
  const role = o.role ?? 'admin';
  const product = o.product ?? 'vector';
  const region = pick(rng, ['us1', 'eu1', 'gcp-usc1', 'apn1']);
  const name =
    o.name ?? `${pick(rng, ADJ)}-${pick(rng, ANIMAL)}-${1000 + rng.int(60000)}-${region}`;
  const uuid = rng.uuid();
  const secret = o.randomId ? rng.bytes(36) : Buffer.from(uuid, 'latin1');
  const id = Buffer.from(secret.toString('base64'), 'latin1');
  const body = Buffer.concat([
    Buffer.from([0x00, name.length, role.length, id.length]),
    Buffer.from(name + role, 'latin1'),
    id,
  ]);
  return {
    token: body.toString('base64'),
    name,
    role,
    uuid,
    product,
    endpoint: vectorEndpoint(name, product),
  };
}

export function vectorToken(o: VectorTokenOptions = {}): string {
  return vectorTokenParts(o).token;
}

export function vectorEndpoint(name: string, product: 'vector' | 'search' = 'vector'): string {
  return `https://${name}-${product}.upstash.io`;
}

export interface QstashTokenParts {
  token: string;
  userId: string;
  password: string;
}

export interface QstashTokenOptions {
  /** `hex` (current, 128 chars), `uuid` (older tokens, 132 chars) or a verbatim value. */
  password?: 'hex' | 'uuid' | { verbatim: string };
  /** Extra JSON keys after UserID and Password (a variant). */
  extra?: Record<string, string>;
  seed?: Seed;
}

export function qstashTokenParts(o: QstashTokenOptions = {}): QstashTokenParts {
  const rng = makeRng(o.seed);
  const userId = rng.uuid();
  const kind = o.password ?? 'hex';
  const password = kind === 'hex' ? hex32(rng) : kind === 'uuid' ? rng.uuid() : kind.verbatim;
  const json = JSON.stringify({ UserID: userId, Password: password, ...o.extra });
  return { token: Buffer.from(json).toString('base64'), userId, password };
}

export function qstashToken(o: QstashTokenOptions = {}): string {
  return qstashTokenParts(o).token;
}

/** `sig_` + 28 base58 chars (current) or 50 (legacy, qstash-js examples). */
export function signingKey(o: { legacy?: boolean; seed?: Seed } = {}): string {
  const rng = makeRng(o.seed);
  const n = o.legacy ? 50 : 28;
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += B58[rng.int(B58.length)];
    // Real keys are random base58: the detector requires digits and both cases; redraw the rare miss.
    if (/\d/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s)) return `sig_${s}`;
  }
}

/** A URL of the Developer API (the management key's only endpoint), e.g. for `curl -u`. */
export function developerApiUrl(path = 'redis/databases'): string {
  return `https://api.upstash.com/v2/${path}`;
}

/** Developer / management API key: a UUID v4. */
export function managementKey(o: { seed?: Seed } = {}): string {
  return makeRng(o.seed).uuid();
}

export function kafkaCredentials(o: { seed?: Seed } = {}): {
  username: string;
  password: string;
  url: string;
} {
  const rng = makeRng(o.seed);
  const cluster = `${pick(rng, ADJ)}-${pick(rng, ANIMAL)}`;
  const n = 1000 + rng.int(60000);
  const username = Buffer.concat([
    Buffer.from(`${cluster}-${n}$`, 'latin1'),
    rng.bytes(28),
  ]).toString('base64url');
  const password = Buffer.from(rng.uuid(), 'latin1').toString('base64');
  return { username, password, url: `https://${cluster}-${n}-eu1-rest-kafka.upstash.io` };
}

export function context7Key(o: { seed?: Seed } = {}): string {
  return `ctx7sk-${makeRng(o.seed).uuid()}`;
}

/**
 * `box_` + 24 alphanumerics (the docs placeholder's length; the real length is unconfirmed), or
 * with `prefix: 'abx_'`, the prefix the Box SDK's and CLI's own READMEs and examples show
 * (`UPSTASH_BOX_API_KEY=abx_...`, upstash/box; `box_…` there are box ids).
 */
export function boxApiKey(o: { seed?: Seed; prefix?: 'box_' | 'abx_' } = {}): string {
  const rng = makeRng(o.seed);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    let s = '';
    for (let i = 0; i < 24; i++) s += abc[rng.int(abc.length)];
    if (/\d/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s)) return `${o.prefix ?? 'box_'}${s}`;
  }
}

/** A high-entropy value that matches no known Upstash layout (for the fallback detector). */
export function unknownFormatSecret(o: { seed?: Seed } = {}): string {
  const rng = makeRng(o.seed);
  return `Zk${rng.bytes(30).toString('base64url').replace(/[-_]/g, '9')}7`;
}

/**
 * Another server's 32-hex password, not an Upstash database's, for the detectors' negatives. Built
 * here: written out beside an Upstash host, it reads as a leaked legacy password to other scanners.
 */
export const OTHER_SERVER_HEX = ['e3c8a1f4', 'd2b9e5c0', 'a6f8d4b1', 'e2c9a3f7']
  .join('')
  .split('')
  .reverse()
  .join('');

/**
 * Base64 runs of other formats whose bytes hold a current Redis token's head (kind, `p1`, hex):
 * an SSH public key's and an npm integrity hash's. Negatives: inside them the run is no token.
 * Built at run time, so the repository holds no token-shaped literal (its scan of itself).
 */
const TOKEN_HEAD = "\0\x02'p1344408a72f0bc14a380";
const base64Of = (latin1: string): string =>
  Buffer.from(latin1, 'latin1').toString('base64').replace(/=+$/, '');
export const SSH_KEY_HOLDING_TOKEN_BYTES = base64Of(
  `\0\0\0\x0bssh-ed25519\0\0\0 \xc7\x1d${TOKEN_HEAD}`,
);
export const HASH_HOLDING_TOKEN_BYTES = base64Of(
  `\0[\xa8${TOKEN_HEAD}c0a156b94a21dp134127\0\x16\xea`,
);
