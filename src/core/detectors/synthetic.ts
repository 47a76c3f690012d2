/**
 * Synthetic Upstash credentials built at run time (for detector examples and tests) from the documented layouts
 * (shared/upstash-credentials.md §2–§4). Nothing realistic is ever committed: every value here is
 * generated from random bytes when a test runs.
 */
import { randomBytes, randomUUID } from 'node:crypto';

const ADJ = ['fancy', 'brave', 'calm', 'eager', 'gentle', 'lucky', 'proud', 'witty'];
const ANIMAL = ['cat', 'otter', 'lynx', 'heron', 'mole', 'newt', 'panda', 'yak'];
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function pick<T>(list: readonly T[]): T {
  return list[randomBytes(1)[0]! % list.length]!;
}
function hex32(): string {
  return randomBytes(16).toString('hex');
}
export function randomDbId(wide = false): number {
  return wide
    ? 70000 + (randomBytes(3).readUIntBE(0, 3) % 900000)
    : 1000 + (randomBytes(2).readUInt16BE(0) % 60000);
}

export interface RedisTokenOptions {
  layout?: 'current' | 'current64' | 'legacy';
  readOnly?: boolean;
  dbId?: number;
  /** current64 standard tokens are seen with and without the `p<d><N>` suffix. */
  withSuffix?: boolean;
}

export interface RedisTokenParts {
  token: string;
  dbId: number;
  readOnly: boolean;
  layout: 'current' | 'current64' | 'legacy';
  /** Legacy standard token: the 32-hex TCP password embedded in it. */
  password?: string;
  uuid?: string;
}

export function redisTokenParts(opts: RedisTokenOptions = {}): RedisTokenParts {
  const layout = opts.layout ?? 'current';
  const readOnly = opts.readOnly ?? false;
  const wide = layout === 'current64';
  const dbId = opts.dbId ?? randomDbId(wide);
  const header = Buffer.alloc(wide ? 9 : 3);
  header[0] = (readOnly ? 0x02 : 0x01) | (wide ? 0x80 : 0);
  if (wide) header.writeBigUInt64BE(BigInt(dbId), 1);
  else header.writeUInt16BE(dbId, 1);
  if (layout === 'legacy') {
    const uuid = randomUUID();
    const password = hex32();
    const field2 = readOnly ? randomBytes(32) : Buffer.from(password, 'latin1');
    const body = Buffer.concat([
      header,
      Buffer.from([0x01, 0x24, 0x20]),
      Buffer.from(uuid, 'latin1'),
      field2,
    ]);
    const b64 = body.toString('base64url');
    const token = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    return { token, dbId, readOnly, layout, uuid, ...(readOnly ? {} : { password }) };
  }
  const p = `p${1 + (randomBytes(1)[0]! % 2)}`;
  const withSuffix = opts.withSuffix ?? !wide;
  const field2 = readOnly
    ? randomBytes(32)
    : Buffer.from(hex32() + (withSuffix ? `${p}${dbId}` : ''), 'latin1');
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

export function redisHost(
  dbId: number,
  opts: { legacyRegion?: string; vercel?: boolean; fly?: boolean } = {},
): string {
  const base = `${pick(ADJ)}-${pick(ANIMAL)}-${dbId}`;
  if (opts.vercel) return `${base}.kv.vercel-storage.com`;
  if (opts.fly) return `fly-${base}.upstash.io`;
  if (opts.legacyRegion) return `${opts.legacyRegion}-${base}.upstash.io`;
  return `${base}.upstash.io`;
}

export function redisEndpoint(
  dbId: number,
  opts: { legacyRegion?: string; vercel?: boolean; fly?: boolean } = {},
): string {
  return `https://${redisHost(dbId, opts)}`;
}

export function redisUrl(o: {
  password: string;
  host: string;
  user?: string;
  port?: number;
  scheme?: 'redis' | 'rediss';
}): string {
  return `${o.scheme ?? 'rediss'}://${o.user ?? 'default'}:${o.password}@${o.host}:${o.port ?? 6379}`;
}

export interface VectorTokenParts {
  token: string;
  name: string;
  role: 'admin' | 'readonly';
  uuid: string;
}

export function vectorTokenParts(
  o: { role?: 'admin' | 'readonly'; name?: string } = {},
): VectorTokenParts {
  const role = o.role ?? 'admin';
  const name = o.name ?? `${pick(ADJ)}-${pick(ANIMAL)}-${randomDbId()}-us1`;
  const uuid = randomUUID();
  const id = Buffer.from(Buffer.from(uuid, 'latin1').toString('base64'), 'latin1');
  const body = Buffer.concat([
    Buffer.from([0x00, name.length, role.length, id.length]),
    Buffer.from(name + role, 'latin1'),
    id,
  ]);
  return { token: body.toString('base64'), name, role, uuid };
}

export function vectorToken(o: { role?: 'admin' | 'readonly'; name?: string } = {}): string {
  return vectorTokenParts(o).token;
}

export function vectorEndpoint(name: string, product: 'vector' | 'search' = 'vector'): string {
  return `https://${name}-${product}.upstash.io`;
}

export function qstashToken(): string {
  return Buffer.from(JSON.stringify({ UserID: randomUUID(), Password: hex32() })).toString(
    'base64',
  );
}

export function signingKey(o: { legacy?: boolean } = {}): string {
  const n = o.legacy ? 50 : 28;
  const bytes = randomBytes(n);
  let s = 'sig_';
  for (let i = 0; i < n; i++) s += B58[bytes[i]! % B58.length];
  return s;
}

export function managementKey(): string {
  return randomUUID();
}

export function kafkaCredentials(): { username: string; password: string; url: string } {
  const cluster = `${pick(ADJ)}-${pick(ANIMAL)}`;
  const n = randomDbId();
  const username = Buffer.concat([
    Buffer.from(`${cluster}-${n}$`, 'latin1'),
    randomBytes(28),
  ]).toString('base64url');
  const password = Buffer.from(randomUUID(), 'latin1').toString('base64');
  return { username, password, url: `https://${cluster}-${n}-eu1-rest-kafka.upstash.io` };
}

export function context7Key(): string {
  return `ctx7sk-${randomUUID()}`;
}

export function boxApiKey(): string {
  return `box_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'Z')}`;
}

/** A high-entropy value that matches no known Upstash layout (for the fallback detector). */
export function unknownFormatSecret(): string {
  return `Zk${randomBytes(30).toString('base64url').replace(/[-_]/g, '9')}`;
}
