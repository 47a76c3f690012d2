/**
 * QStash token: standard base64 of {"UserID":"<uuid>","Password":"<32 lowercase hex>"} (§4), 128
 * chars; older tokens carry a UUID as the Password (132 chars). The public dev-server tokens
 * (defaultUser/defaultPassword, testUser1…) have no UUID UserID, which removes them generically.
 *
 * The format is inferred: a JSON object with a UUID UserID and a string Password in an unfamiliar
 * format (or extra keys) is an `unrecognised variant`, not a non-token.
 */
import { decodeBase64Std, padBase64 } from './base64.js';

export type QstashTokenLayout = 'current' | 'uuid-password' | 'unrecognised variant';

export interface QstashToken {
  userId: string;
  /** The secret half: 32 lowercase hex, a UUID (older tokens), or unfamiliar (variant). */
  password: string;
  layout: QstashTokenLayout;
  normalised: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** JSON's whitespace: nothing else (not a BOM, not U+00A0) may stand around a JSON text. */
const isJsonSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Whether the bytes are `{`…`}` inside JSON whitespace, as any text JSON.parse reads as an object
 * must be. Checked first: the exception JSON.parse throws on the rest (nearly every base64 value
 * is not JSON) cost ~10 us a value, most of what the fallback's checks spent.
 */
function isJsonObjectText(buf: Buffer): boolean {
  let from = 0;
  let to = buf.length - 1;
  while (from <= to && isJsonSpace(buf[from]!)) from++;
  while (to > from && isJsonSpace(buf[to]!)) to--;
  return to > from && buf[from] === 0x7b && buf[to] === 0x7d;
}

export function decodeQstashToken(value: string): QstashToken | null {
  const buf = decodeBase64Std(value);
  if (!buf || !isJsonObjectText(buf)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const { UserID, Password } = record;
  if (typeof UserID !== 'string' || typeof Password !== 'string') return null;
  if (!UUID.test(UserID)) return null;
  const onlyTwoKeys = Object.keys(record).length === 2;
  const layout: QstashTokenLayout = !onlyTwoKeys
    ? 'unrecognised variant'
    : /^[0-9a-f]{32}$/.test(Password)
      ? 'current'
      : UUID.test(Password)
        ? 'uuid-password'
        : 'unrecognised variant';
  return { userId: UserID, password: Password, layout, normalised: padBase64(value) };
}
