/**
 * Upstash Redis REST token layout (inferred from public tokens; see shared/upstash-credentials.md §2):
 *
 *   kind(1) | id(2 or 8, big-endian) | flag(1) | len1(1) | len2(1) | field1(len1) | field2(len2)
 *
 * kind 0x01/0x81 standard, 0x02/0x82 read-only (0x8x carries an 8-byte id). The id is the numeric
 * suffix N of the endpoint host `<adj>-<animal>-<N>.upstash.io`. The total length must match exactly.
 *
 * The layouts are inferred and Upstash changes them without notice, so the header is the gate and
 * the field contents are not: a value whose header adds up (kind, id, flag, lengths) but whose
 * fields are unfamiliar is an `unrecognised variant`, not a non-token. A value is rejected only
 * when its structure contradicts itself (see `inspectRedisToken`).
 */
import { isFilledSlot } from '../detectors/placeholders.js';
import { decodeBase64Url, padBase64, stripPadding } from './base64.js';

export type RedisTokenLayout = 'current' | 'current64' | 'legacy' | 'unrecognised variant';

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
  /**
   * Unrecognised variant whose field1 is not `p<d>` nor a UUID: possibly an ACL-user token (its
   * layout was never published), whose permissions follow the ACL user, not the kind byte.
   */
  unknownField1?: boolean;
  /** Normalised token (padding as in the canonical form for its layout). */
  normalised: string;
}

/**
 * Why a value with a Redis token header is not a token:
 * - `truncated`: fewer bytes than its own header declares (a cut copy: docs, logs, chat).
 * - `overlong`: more bytes than declared (stray characters appended, an edited copy).
 * - `edited-hex`: a 32-char hex field with one to three non-hex letters (`2553feg6…`-style
 *   hand-edited docs values; random key material is either all hex or far from it).
 * - `binary-field1`: field1 is not printable ASCII (every known field1 is `p<d>` or a UUID);
 *   this is what keeps random base64 with a plausible first byte out.
 * - `zero-id`: database id 0 (no endpoint `…-0.upstash.io` exists).
 * - `short-secret`: field2 shorter than 16 bytes, too little to be key material.
 * - `placeholder`: a header that adds up around a secret field someone typed (`000…0`,
 *   `0123456789abcdef…`, `xxxx…`, 32 zero bytes): built by hand to fill a docs or test slot.
 */
export type RedisTokenRejection =
  | 'truncated'
  | 'overlong'
  | 'edited-hex'
  | 'binary-field1'
  | 'zero-id'
  | 'short-secret'
  | 'placeholder';

export type RedisTokenInspection =
  { ok: true; token: RedisToken } | { ok: false; reason: RedisTokenRejection };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const PFIELD = /^p\d$/;
/** A standard current field2: 32 hex, optionally `p<d>` + a decimal (usually, not always, N). */
const CURRENT_STANDARD = /^[0-9a-f]{32}(?:p\d+)?$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

interface Header {
  kind: number;
  wide: boolean;
  readOnly: boolean;
  dbId: number;
  flag: number;
  len1: number;
  len2: number;
  start: number;
}

/** The header of a decoded value, or null when it is not a Redis token header at all. */
function readHeader(buf: Buffer): Header | null {
  if (buf.length < 6) return null;
  const kind = buf[0]!;
  if (kind !== 0x01 && kind !== 0x02 && kind !== 0x81 && kind !== 0x82) return null;
  const wide = (kind & 0x80) !== 0;
  const at = wide ? 9 : 3;
  if (buf.length < at + 3) return null;
  let dbId: number;
  if (wide) {
    const big = buf.readBigUInt64BE(1);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    dbId = Number(big);
  } else {
    dbId = buf.readUInt16BE(1);
  }
  const flag = buf[at]!;
  if (flag > 1) return null;
  return {
    kind,
    wide,
    readOnly: (kind & 0x0f) === 2,
    dbId,
    flag,
    len1: buf[at + 1]!,
    len2: buf[at + 2]!,
    start: at + 3,
  };
}

/** 32 chars, mostly hex with one to three other letters: a hand-edited value. */
function isEditedHex(s: string): boolean {
  if (!/^[0-9a-z]{32}$/.test(s)) return false;
  const nonHex = s.replace(/[0-9a-f]/g, '').length;
  return nonHex > 0 && nonHex <= 3;
}

/** A read-only secret field that is typed text or a few repeated byte values, not random bytes. */
function isTypedBytes(field: Buffer): boolean {
  const text = field.toString('latin1');
  if (PRINTABLE.test(text)) return isFilledSlot(text);
  return new Set(field).size < 8;
}

/**
 * Decodes a value with a Redis token header and says what it is: a token (one of the observed
 * layouts or an unrecognised variant), or why its structure contradicts itself. Null when the
 * value does not even start like a Redis token (not base64url, wrong kind byte, flag > 1).
 */
export function inspectRedisToken(value: string): RedisTokenInspection | null {
  const buf = decodeBase64Url(value);
  if (!buf) return null;
  const h = readHeader(buf);
  if (!h) return null;
  const declared = h.start + h.len1 + h.len2;
  if (buf.length < declared) return { ok: false, reason: 'truncated' };
  if (buf.length > declared) return { ok: false, reason: 'overlong' };
  if (h.dbId === 0) return { ok: false, reason: 'zero-id' };
  const field1 = buf.subarray(h.start, h.start + h.len1).toString('latin1');
  const field2 = buf.subarray(h.start + h.len1).toString('latin1');
  if (!PRINTABLE.test(field1) || h.len1 > 64) return { ok: false, reason: 'binary-field1' };
  if (h.len2 < 16) return { ok: false, reason: 'short-secret' };
  const { readOnly, dbId, flag } = h;
  const legacyShape = h.len1 === 0x24 && UUID.test(field1);
  // Legacy tokens are padded base64url; current ones are not. Keep the canonical form.
  const normalised = legacyShape ? padBase64(value) : stripPadding(value);
  const token = (layout: RedisTokenLayout, extra: Partial<RedisToken> = {}): RedisToken => ({
    readOnly,
    dbId,
    layout,
    flag,
    normalised,
    ...extra,
  });
  // A hex field with a few letters swapped in: the field says hex and is not (edited docs values).
  const hexPart = field2.slice(0, 32);
  if (!readOnly && isEditedHex(hexPart)) return { ok: false, reason: 'edited-hex' };
  // The header adds up whoever wrote it: a typed secret field (zeros, counting hex, `xxxx`) makes a
  // valid-looking token out of a placeholder. Random key material never fills a slot that way; 32
  // random bytes hold about 30 distinct values, a typed read-only field a handful.
  if (readOnly ? isTypedBytes(buf.subarray(h.start + h.len1)) : isFilledSlot(hexPart))
    return { ok: false, reason: 'placeholder' };

  if (legacyShape) {
    // Legacy (flag 01 Redis, flag 00 legacy Vector): UUID + (32 hex password | 32 random bytes).
    if (h.len2 === 0x20 && (readOnly || HEX32.test(field2)))
      return {
        ok: true,
        token: token('legacy', { uuid: field1, ...(readOnly ? {} : { tcpPassword: field2 }) }),
      };
    return { ok: true, token: token('unrecognised variant', { uuid: field1 }) };
  }
  if (PFIELD.test(field1)) {
    const layout = h.wide ? 'current64' : 'current';
    if (flag === 0 && (readOnly ? h.len2 === 32 : CURRENT_STANDARD.test(field2)))
      return { ok: true, token: token(layout) };
    return { ok: true, token: token('unrecognised variant') };
  }
  // A valid header with an unknown field1: possibly an ACL-user token (layout unseen).
  return { ok: true, token: token('unrecognised variant', { unknownField1: true }) };
}

export function decodeRedisToken(value: string): RedisToken | null {
  const r = inspectRedisToken(value);
  return r?.ok ? r.token : null;
}

/**
 * True when `value` starts like a Redis REST token (base64url, kind 01/02/81/82, flag 00/01) but
 * its structure contradicts itself (truncated, overlong, edited hex, binary field1…): a cut or
 * hand-edited copy, which is not a finding under any detector.
 */
export function isBrokenRedisToken(value: string): boolean {
  const r = inspectRedisToken(value);
  if (r) return !r.ok;
  // Not a whole number of base64 bytes (`AYNgAS2553feg…DQ=`, 41 chars): judge the header alone.
  const bare = stripPadding(value);
  if (!/^[A-Za-z0-9_-]+$/.test(bare) || bare.length % 4 !== 1) return false;
  return inspectRedisToken(bare.slice(0, -1)) !== null;
}
