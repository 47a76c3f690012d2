/**
 * Upstash Vector / Search token layout (inferred; shared/upstash-credentials.md §3), standard base64:
 *   0x00 | len(name) | len(role) | len(id) | name | role ("admin" | "readonly") | base64(UUID v4)
 * (len(id) = 48). The name is the endpoint label: https://<name>-vector.upstash.io or
 * https://<name>-search.upstash.io.
 *
 * As for Redis, the header is the gate: a header that adds up, an endpoint-shaped name and a
 * printable role and id in an unfamiliar format (a new role, a secret that is not a UUID) is an
 * `unrecognised variant`. A name that cannot be an endpoint label contradicts the layout.
 */
import { decodeBase64Std, padBase64 } from './base64.js';

export type VectorTokenLayout = 'current' | 'unrecognised variant';

export interface VectorToken {
  name: string;
  /** `admin` | `readonly`, or another lowercase word in a variant. */
  role: string;
  /** The UUID (current), or the raw id field (variant). */
  uuid: string;
  layout: VectorTokenLayout;
  normalised: string;
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ROLE = /^[a-z][a-z_-]{1,19}$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

export function decodeVectorToken(value: string): VectorToken | null {
  const buf = decodeBase64Std(value);
  if (!buf || buf.length < 4 + 10 + 5 + 16) return null;
  if (buf[0] !== 0) return null;
  const ln = buf[1]!;
  const lr = buf[2]!;
  const li = buf[3]!;
  if (li < 16 || buf.length !== 4 + ln + lr + li) return null;
  const name = buf.subarray(4, 4 + ln).toString('latin1');
  const role = buf.subarray(4 + ln, 4 + ln + lr).toString('latin1');
  if (!NAME.test(name) || !ROLE.test(role)) return null;
  const idField = buf.subarray(4 + ln + lr).toString('latin1');
  if (!PRINTABLE.test(idField)) return null;
  const normalised = padBase64(value);
  const idBuf = li === 0x30 ? decodeBase64Std(idField) : null;
  const uuid = idBuf?.toString('latin1');
  if ((role === 'admin' || role === 'readonly') && uuid !== undefined && UUID.test(uuid))
    return { name, role, uuid, layout: 'current', normalised };
  return { name, role, uuid: idField, layout: 'unrecognised variant', normalised };
}

/**
 * A cut (or overlong) copy of a Vector / Search token: the header reads as one (`00`, a name
 * length, a role length, an id length) and what there is of the name is an endpoint label, but the
 * bytes do not add up. Docs, logs and chats show such copies; they are not credentials, under no
 * name (the fallback would otherwise take one for an unknown format).
 */
export function isBrokenVectorToken(value: string): boolean {
  if (decodeVectorToken(value)) return false;
  const bare = value.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(bare)) return false;
  const buf = Buffer.from(bare.slice(0, bare.length - (bare.length % 4)), 'base64');
  if (buf.length < 8 || buf[0] !== 0) return false;
  const ln = buf[1]!;
  const lr = buf[2]!;
  const li = buf[3]!;
  if (ln < 5 || ln > 63 || lr < 2 || lr > 20 || li < 16 || li > 64) return false;
  const name = buf.subarray(4, Math.min(buf.length, 4 + ln)).toString('latin1');
  return /^[a-z0-9]+-[a-z0-9-]*$/.test(name) && buf.length !== 4 + ln + lr + li;
}
