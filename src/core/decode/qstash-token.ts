/**
 * QStash token: standard base64 of {"UserID":"<uuid>","Password":"<32 lowercase hex>"} (§4).
 * The public dev-server tokens (defaultUser/defaultPassword, testUser1…) fail the UUID/hex rule,
 * which removes them generically.
 */
import { decodeBase64Std, padBase64 } from './base64.js';

export interface QstashToken {
  userId: string;
  /** 32 lowercase hex: the secret half. */
  password: string;
  normalised: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeQstashToken(value: string): QstashToken | null {
  const buf = decodeBase64Std(value);
  if (!buf) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { UserID, Password } = parsed as Record<string, unknown>;
  if (typeof UserID !== 'string' || typeof Password !== 'string') return null;
  if (!UUID.test(UserID) || !/^[0-9a-f]{32}$/.test(Password)) return null;
  return { userId: UserID, password: Password, normalised: padBase64(value) };
}
