/** Synthetic credentials for tests: the same generators the detectors use for their examples. */
export * from '../../src/core/detectors/synthetic.js';

/**
 * Placeholder values as docs write them (a zero UUID, a counting UUID, counting hex), built at run
 * time: written out beside an Upstash name, other scanners read them as leaked keys.
 */
export const ZERO_UUID = ['00000000', '0000', '4000', '8000', '0'.repeat(12)].join('-');
export const COUNTING_UUID = ['12345678', '1234', '4234', '8234', '123456789012'].join('-');
export const COUNTING_HEX = '0123456789abcdef'.repeat(2);

/**
 * A current signing key (`sig_` + 28 base58) whose body has no digit: about one random key in 110
 * (49/58 per character, 28 characters). Built here; `signingKey()` redraws such keys away.
 */
export function signingKeyWithoutDigit(seed = 'no-digit'): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  for (;;) {
    let s = '';
    for (let i = 0; i < 28; i++) {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      s += letters[(h >>> 8) % letters.length];
    }
    if (/[a-z]/.test(s) && /[A-Z]/.test(s)) return `sig_${s}`;
  }
}

/** A QStash token's layout around given fields (placeholders: a zero UUID, counting hex). */
export function qstashTokenFromFields(userId: string, password: string): string {
  return Buffer.from(JSON.stringify({ UserID: userId, Password: password })).toString('base64');
}

/** A Vector / Search token's layout around a given UUID (a placeholder one, for negatives). */
export function vectorTokenFromUuid(uuid: string, name = 'adapted-octopus-15379-us1'): string {
  const id = Buffer.from(Buffer.from(uuid, 'latin1').toString('base64'), 'latin1');
  return Buffer.concat([
    Buffer.from([0x00, name.length, 5, id.length]),
    Buffer.from(`${name}admin`, 'latin1'),
    id,
  ]).toString('base64');
}
