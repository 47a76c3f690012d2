/**
 * Upstash Vector / Search token layout (inferred; shared/upstash-credentials.md §3), standard base64:
 *   0x00 | len(name) | len(role) | 0x30 | name | role ("admin" | "readonly") | base64(UUID v4) (48 bytes)
 * The name is the endpoint label: https://<name>-vector.upstash.io or https://<name>-search.upstash.io.
 */
import { decodeBase64Std, padBase64 } from './base64.js';

export interface VectorToken {
  name: string;
  role: 'admin' | 'readonly';
  uuid: string;
  normalised: string;
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeVectorToken(value: string): VectorToken | null {
  const buf = decodeBase64Std(value);
  if (!buf || buf.length < 4 + 10 + 5 + 48) return null;
  if (buf[0] !== 0 || buf[3] !== 0x30) return null;
  const ln = buf[1]!;
  const lr = buf[2]!;
  if (buf.length !== 4 + ln + lr + 0x30) return null;
  const name = buf.subarray(4, 4 + ln).toString('latin1');
  const role = buf.subarray(4 + ln, 4 + ln + lr).toString('latin1');
  if (role !== 'admin' && role !== 'readonly') return null;
  if (!NAME.test(name)) return null;
  const idB64 = buf.subarray(4 + ln + lr).toString('latin1');
  const idBuf = decodeBase64Std(idB64);
  if (!idBuf) return null;
  const uuid = idBuf.toString('latin1');
  if (!UUID.test(uuid)) return null;
  return { name, role, uuid, normalised: padBase64(value) };
}
