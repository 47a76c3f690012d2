/**
 * Strict base64 / base64url decoding. Users often drop trailing `=` (upstash/redis-js#335), so
 * padding is normalised first. Returns null for anything that is not canonical base64 of its alphabet.
 */
const STD = /^[A-Za-z0-9+/]+={0,2}$/;
const URL = /^[A-Za-z0-9_-]+={0,2}$/;

export function stripPadding(value: string): string {
  return value.replace(/=+$/, '');
}

/** Restores `=` padding so the value's length is a multiple of 4. */
export function padBase64(value: string): string {
  const bare = stripPadding(value);
  const rem = bare.length % 4;
  return rem === 0 ? bare : bare + '='.repeat(4 - rem);
}

export function decodeBase64Url(value: string): Buffer | null {
  if (!URL.test(value)) return null;
  const bare = stripPadding(value);
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64url');
}

export function decodeBase64Std(value: string): Buffer | null {
  if (!STD.test(value)) return null;
  const bare = stripPadding(value);
  if (bare.length % 4 === 1) return null;
  const buf = Buffer.from(padBase64(bare), 'base64');
  // Reject non-canonical encodings (stray bits in the last character), which real tokens never have.
  if (buf.toString('base64').replace(/=+$/, '') !== bare) return null;
  return buf;
}
