/**
 * Upstash Redis REST token layout (inferred from public tokens; see shared/upstash-credentials.md §2):
 *
 *   kind(1) | id(2 or 8, big-endian) | flag(1) | len1(1) | len2(1) | field1(len1) | field2(len2)
 *
 * kind 0x01/0x81 standard, 0x02/0x82 read-only (0x8x carries an 8-byte id). The id is the numeric
 * suffix N of the endpoint host `<adj>-<animal>-<N>.upstash.io`. The total length must match exactly.
 */
import { decodeBase64Url, padBase64, stripPadding } from './base64.js';

export type RedisTokenLayout = 'current' | 'current64' | 'legacy' | 'acl';

export interface RedisToken {
  readOnly: boolean;
  dbId: number;
  layout: RedisTokenLayout;
  /** Byte after the id: 0x00 current (and legacy Vector), 0x01 legacy Redis. */
  flag: number;
  /** Legacy layout only: database UUID (field1). */
  uuid?: string;
  /** Legacy standard tokens embed the TCP password (32 hex) in cleartext. */
  tcpPassword?: string;
  /** Normalised token (padding as in the canonical form for its layout). */
  normalised: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const PFIELD = /^p\d$/;

export function decodeRedisToken(value: string): RedisToken | null {
  const buf = decodeBase64Url(value);
  if (!buf || buf.length < 10) return null;
  const kind = buf[0]!;
  if (kind !== 0x01 && kind !== 0x02 && kind !== 0x81 && kind !== 0x82) return null;
  const wide = (kind & 0x80) !== 0;
  const readOnly = (kind & 0x0f) === 2;
  const idLen = wide ? 8 : 2;
  let dbId: number;
  if (wide) {
    const big = buf.readBigUInt64BE(1);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    dbId = Number(big);
  } else {
    dbId = buf.readUInt16BE(1);
  }
  if (dbId === 0) return null;
  const at = 1 + idLen;
  const flag = buf[at]!;
  const len1 = buf[at + 1]!;
  const len2 = buf[at + 2]!;
  if (flag > 1) return null;
  const start = at + 3;
  if (buf.length !== start + len1 + len2) return null;
  const field1 = buf.subarray(start, start + len1).toString('latin1');
  const field2raw = buf.subarray(start + len1);
  const field2 = field2raw.toString('latin1');
  // Legacy tokens are padded base64url; current ones are not. Keep the canonical form.
  const normalised = len1 === 0x24 ? padBase64(value) : stripPadding(value);

  if (len1 === 0x24 && len2 === 0x20 && UUID.test(field1)) {
    // Legacy (flag 01 Redis, flag 00 legacy Vector): UUID + (32 hex password | 32 random bytes).
    if (!readOnly && !HEX32.test(field2)) return null;
    return {
      readOnly,
      dbId,
      layout: 'legacy',
      flag,
      uuid: field1,
      ...(readOnly ? {} : { tcpPassword: field2 }),
      normalised,
    };
  }
  if (flag !== 0) return null;
  if (PFIELD.test(field1)) {
    if (readOnly) {
      if (len2 !== 32) return null;
    } else {
      const m = /^([0-9a-f]{32})(p\d\d+)?$/.exec(field2);
      if (!m) return null;
      if (m[2] !== undefined && m[2] !== `${field1}${dbId}`) return null;
      if (m[2] === undefined && !wide) return null;
    }
    return { readOnly, dbId, layout: wide ? 'current64' : 'current', flag, normalised };
  }
  // A structurally valid header with an unknown field1: possibly an ACL-user token (layout unseen).
  if (len1 >= 1 && len1 <= 64 && len2 >= 16 && /^[\x21-\x7e]+$/.test(field1)) {
    return { readOnly, dbId, layout: 'acl', flag, normalised };
  }
  return null;
}

/**
 * True when `value` starts like a Redis REST token (base64url, kind 01/02/81/82, flag 00/01) even
 * if the rest does not decode: a truncated or hand-edited copy, which is not a finding.
 */
export function hasRedisTokenHeader(value: string): boolean {
  if (!/^[A-Za-z0-9_-]{12,}={0,2}$/.test(value)) return false;
  const head = Buffer.from(value.slice(0, 12), 'base64url');
  const kind = head[0]!;
  if (kind !== 0x01 && kind !== 0x02 && kind !== 0x81 && kind !== 0x82) return false;
  return head[(kind & 0x80) !== 0 ? 9 : 3]! <= 1;
}
