import { decodeQstashToken } from '../decode/qstash-token.js';
import { decodeRedisToken, isBrokenRedisToken } from '../decode/redis-token.js';
import { decodeVectorToken, isBrokenVectorToken } from '../decode/vector-token.js';
import type { CredentialType, Detector } from '../types.js';
import { AFTER_NAME, NAME_VALUE_PAIR } from './assignment.js';
import { isKnownPublicValue } from './known-examples.js';
import { cutByRedaction, entropy, isPlaceholder } from './placeholders.js';
import { hex32Secret, unknownFormatSecret } from './synthetic.js';

/** Hex with a few non-hex letters (`2553feg6a2d9842h…`): a hand-edited docs value, not a key. */
function isEditedHex(value: string): boolean {
  if (!/^[0-9a-z]{24,40}$/.test(value)) return false;
  const nonHex = value.replace(/[0-9a-f]/g, '').length;
  return nonHex > 0 && nonHex <= 3;
}

/** Base64 of a byte counter (acl-resttoken.mdx's `AQIDBAUG…` = 01 02 03 …): an illustration. */
function isBase64OfSequence(value: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  const buf = Buffer.from(
    value.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/')),
    'base64',
  );
  if (buf.length < 8) return false;
  const step = buf[1]! - buf[0]!;
  for (let i = 2; i < buf.length - 1; i++) if (buf[i]! - buf[i - 1]! !== step) return false;
  return true;
}

/**
 * Base64 of readable text ("example@upstash.com:naber", JSON, a masked `AYVP…(62 chars)`): an
 * example or a wrapped value read in its own layer, not random key material. Text is judged as
 * UTF-8, so an ellipsis or an accent counts as readable.
 */
function isBase64OfText(value: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  const buf = Buffer.from(
    value,
    value.includes('-') || value.includes('_') ? 'base64url' : 'base64',
  );
  if (buf.length < 8) return false;
  const text = buf.toString('utf8');
  let printable = 0;
  let chars = 0;
  // Printable ASCII and whitespace (`echo "…" | base64` adds a newline), or any decoded
  // non-ASCII character (not U+FFFD, an invalid sequence).
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    chars++;
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
    else if (c > 0x7f && c !== 0xfffd) printable++;
  }
  return printable / chars > 0.95;
}

/**
 * A value that looks like key material in no known layout: not a token of any decoder, not a
 * known prefixed shape, not a broken Redis token, not an illustration, not a placeholder, not a URL.
 */
export function isUnknownFormatSecret(value: string): boolean {
  // Every rule below says no on its own, so they run cheapest first: the shape tests (a few
  // hundred ns) settle most values before the decoders, the placeholder rules and the hash.
  if (value.length < 20 || !/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (/^https?:|^rediss?:/.test(value)) return false;
  // Known prefixed shapes belong to their own detectors (signing keys, Context7, Box, QStash):
  // one of those prefixes on a value of the wrong shape is a cut or edited copy, not a new format.
  if (/^(?:sig_|ctx7sk-|box_|abx_|eyJVc2VySUQi)/.test(value)) return false;
  // Hex carries at most 4 bits per character: random 32-hex values fall under 3.5 about one
  // time in five, so hex is judged by the placeholder rules (runs, repeats, < 2.5) only.
  const hex = /^[0-9a-f]{32,}$/.test(value);
  if ((!hex && entropy(value) < 3.5) || isEditedHex(value) || isPlaceholder(value)) return false;
  if (decodeRedisToken(value) || decodeVectorToken(value) || decodeQstashToken(value)) return false;
  return !(
    isBrokenRedisToken(value) ||
    isBrokenVectorToken(value) ||
    isBase64OfSequence(value) ||
    isBase64OfText(value) ||
    isKnownPublicValue(value)
  );
}

/** `upstashRedisRestToken` / `UpstashRedisRestToken` → `UPSTASH_REDIS_REST_TOKEN`. */
function screamingName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** A name ending like a credential (after `screamingName`). */
const CREDENTIAL_SUFFIX = /(?:TOKEN|PASSWORD|API_KEY|SIGNING_KEY|SECRET)$/;

/** Maps an Upstash variable name (SCREAMING_SNAKE) to the credential type it names. */
function typeFromName(n: string): CredentialType {
  if (n.includes('SIGNING')) return 'upstash-qstash-signing-key';
  if (n.includes('QSTASH')) return 'upstash-qstash-token';
  if (n.includes('VECTOR')) return 'upstash-vector-token';
  if (n.includes('SEARCH')) return 'upstash-search-token';
  if (n.includes('KAFKA')) return 'upstash-kafka-credentials';
  if (n.includes('BOX')) return 'upstash-box-api-key';
  if (n.includes('API_KEY')) return 'upstash-management-key';
  return 'upstash-redis-token';
}

/**
 * Lower-confidence fallback: a secret-looking value under an Upstash variable name that matches no
 * known layout (an unseen future format, an ACL token, a hand-edited value). Labelled as such.
 * Names in any casing: `UPSTASH_REDIS_REST_TOKEN`, `upstashRedisRestToken`,
 * `UpstashRedisRestToken`, `upstash_redis_rest_token`, `qstashToken`. (A plain Redis name next to
 * an Upstash host, `redisRestToken`, is read by the Redis password detector.)
 */
export const fallbackDetector = {
  id: 'upstash-unknown-format',
  type: 'upstash-redis-token',
  title: 'Value under an Upstash credential name (unknown format)',
  // Every name holds one of these stems, in the casing the pattern admits.
  keywords: ['STASH', 'stash', 'Stash', 'KV_REST', 'kv_rest', 'kvRest', 'KvRest'],
  // Starts at the Upstash stem, not at the name: a leading literal keeps the regex cheap on
  // source that mentions upstash everywhere; the name's prefix (`NEXT_PUBLIC_`) is read back.
  // The value follows an assignment or, in a name/value pair, the pair's `value`. (A `value`-led
  // branch, reading the name from the pipeline, cost half the pattern again on minified code.)
  pattern: new RegExp(
    String.raw`(?<name>(?:[Uu]pstash|UPSTASH|QSTASH|[Qq][Ss]tash|KV_REST_API|kv_rest_api|[Kk]vRestApi)[A-Za-z0-9_]{0,80}?(?:TOKEN|PASSWORD|API_KEY|SIGNING_KEY|SECRET|Token|Password|ApiKey|SigningKey|Secret|token|password|api_key|signing_key|secret))\b(?:${AFTER_NAME}|${NAME_VALUE_PAIR})(?<value>[A-Za-z0-9_\-+/=.]{16,300})`,
    'g',
  ),
  validate(m, ctx) {
    const prefix = /[A-Za-z0-9_]*$/.exec(ctx.text.slice(Math.max(0, m.index - 100), m.index))![0];
    const raw = prefix + m.groups!.name!;
    const name = screamingName(raw);
    if (!CREDENTIAL_SUFFIX.test(name)) return null;
    const value = m.groups!.value!;
    if (/READ_?ONLY|_RO_/.test(name) && /SEARCH/.test(name)) return null; // public by design
    if (/KAFKA/.test(name)) return null; // one known layout (kafka detector); the service is gone
    if (!isUnknownFormatSecret(value)) return null;
    // A value cut short by a redaction (`16be0ac2-2374-4726-96…`, `Zk8s…`, `abc***`).
    if (cutByRedaction(ctx.after.slice(value.length))) return null;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value) && !name.includes('API_KEY')) return null;
    const type = typeFromName(name);
    return {
      type,
      secret: value,
      identity: `unknown:${value}`,
      readOnly: /READ_?ONLY/.test(name) ? true : null,
      confidence: 'low',
      details: { layout: 'unknown', variable: raw },
    };
  },
  examples: {
    positives: () => [
      `UPSTASH_REDIS_REST_TOKEN=${unknownFormatSecret()}`,
      `QSTASH_TOKEN: "${unknownFormatSecret()}"`,
      `  - UPSTASH_VECTOR_REST_TOKEN=${unknownFormatSecret()}`,
      `const upstashRedisRestToken = "${unknownFormatSecret()}";`,
      `UpstashRedisRestToken: ${unknownFormatSecret()}`,
      `upstash_redis_rest_token = "${unknownFormatSecret()}"`,
      `UPSTASH_VECTOR_REST_TOKEN=${hex32Secret()}`,
    ],
    negatives: [
      'UPSTASH_REDIS_REST_TOKEN=${UPSTASH_REDIS_REST_TOKEN}',
      'UPSTASH_REDIS_REST_TOKEN: ${{ secrets.UPSTASH_REDIS_REST_TOKEN }}',
      'UPSTASH_REDIS_REST_TOKEN=your_upstash_redis_rest_token_here',
      `UPSTASH_REDIS_REST_TOKEN="AXXX${'x'.repeat(36)}"`,
      'UPSTASH_REDIS_REST_TOKEN=process.env.UPSTASH_REDIS_REST_TOKEN',
      'QSTASH_TOKEN=<YOUR_QSTASH_TOKEN>',
      'UPSTASH_REDIS_REST_TOKEN=********',
      'KV_REST_API_TOKEN="mock-token"',
      'UPSTASH_REDIS_REST_TOKEN=import.meta.env.VITE_UPSTASH_REDIS_REST_TOKEN2',
      'QSTASH_CURRENT_SIGNING_KEY=current-signing-key-at-least-24-characters',
      'UPSTASH_REDIS_REST_TOKEN="%UPSTASH_REDIS_REST_TOKEN%"',
      'UPSTASH_REDIS_REST_TOKEN={{ .Values.upstash.token }}',
      'KV_REST_API_TOKEN=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc',
      'UPSTASH_REDIS_REST_TOKEN=[REDACTED]',
      'UPSTASH_VECTOR_REST_TOKEN="ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg=="',
      // Published docs and dev-server values under these names (the restapi.mdx fake token and
      // edited hex, docs passwords, openapi Vector tokens, the Kafka docs password, the QStash
      // dev-server token) are negatives too, in test/core/detectors/public-examples.test.ts:
      // written here, they would read as leaks.
      'token: "UPSTASH_VECTOR_REST_TOKEN"',
      'UPSTASH_REDIS_REST_TOKEN="AaBbCcDd' +
        'EeFfGgHhIiJjKkLlMmNnOoPpQqRrSsTtUuVvWwXxYyZz123456789=="',
      'UPSTASH_REDIS_REST_TOKEN=test_token_1234567890abc',
      // A plain Redis name without an Upstash host, or next to another service's host.
      'REDIS_PASSWORD=Zk9fQ2mR7tL4wX8pV3nB6cY1',
      'redisRestToken: "Zk9fQ2mR7tL4wX8pV3nB6cY1"',
      'UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nREDIS_HOST=10.0.0.5\nREDIS_PASSWORD=Zk9fQ2mR7tL4wX8pV3nB6cY1',
      // Non-Upstash names that merely end like a credential.
      'GITHUB_TOKEN=Zk9fQ2mR7tL4wX8pV3nB6cY1 # upstash',
      'const stashToken = "Zk9fQ2mR7tL4wX8pV3nB6cY1";',
    ],
  },
} satisfies Detector;
