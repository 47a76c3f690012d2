import { decodeBase64Std } from '../decode/base64.js';
import { decodeVectorToken } from '../decode/vector-token.js';
import type { Candidate, Detector, MatchContext } from '../types.js';
import { base64Anchors } from './base64-anchors.js';
import { isKnownPublicValue } from './known-examples.js';
import { isFilledSlot, isPlaceholder } from './placeholders.js';
import { vectorToken } from './synthetic.js';

type Product = 'vector' | 'search';

/**
 * Vector and Search tokens share one layout; the token alone does not say which product it is.
 * Evidence, strongest first: the variable name, then a `<name>-search|vector.upstash.io` host in
 * the same text. Without either we report Vector and say so (`productAmbiguous`).
 */
function product(name: string, ctx: MatchContext): { kind: Product; ambiguous: boolean } {
  const key = ctx.key ?? '';
  if (/search/i.test(key)) return { kind: 'search', ambiguous: false };
  if (/vector/i.test(key)) return { kind: 'vector', ambiguous: false };
  if (ctx.text.includes(`${name}-search.upstash.io`)) return { kind: 'search', ambiguous: false };
  if (ctx.text.includes(`${name}-vector.upstash.io`)) return { kind: 'vector', ambiguous: false };
  if (/SEARCH/.test(ctx.line) || /@upstash\/search|upstash_search/.test(ctx.text))
    return { kind: 'search', ambiguous: false };
  return { kind: 'vector', ambiguous: true };
}

/** A variant's id field that is a placeholder (`xxxx…`, or base64 of one), not key material. */
function placeholderId(id: string): boolean {
  if (isPlaceholder(id)) return true;
  const b = decodeBase64Std(id);
  // Random bytes decode to binary: only readable text can be a placeholder.
  return (
    b !== null && /^[\x20-\x7e]+$/.test(b.toString('latin1')) && isPlaceholder(b.toString('latin1'))
  );
}

export function vectorCandidate(value: string, ctx: MatchContext): Candidate | null {
  const t = decodeVectorToken(value);
  if (!t || isKnownPublicValue(t.normalised)) return null;
  const variant = t.layout === 'unrecognised variant';
  // A variant's id field is the secret: it must look like key material, not `xxxx…`.
  if (variant && placeholderId(t.uuid)) return null;
  // So must a current token's UUID: a zero or counting UUID is a layout filled by hand.
  if (!variant && isFilledSlot(t.uuid)) return null;
  const { kind, ambiguous } = product(t.name, ctx);
  // A variant with an unknown role: its privilege is unknown.
  const readOnly = t.role === 'readonly' ? true : t.role === 'admin' ? false : null;
  return {
    type: kind === 'search' ? 'upstash-search-token' : 'upstash-vector-token',
    secret: t.normalised,
    // Product-independent, so a token seen under both kinds of evidence stays one credential.
    identity: `vector:${t.name}:${t.role}:${t.uuid}`,
    readOnly,
    endpoint: `https://${t.name}-${kind}.upstash.io`,
    confidence: variant ? 'medium' : 'high',
    details: {
      index: t.name,
      role: t.role,
      ...(variant ? { layout: t.layout } : {}),
      ...(ambiguous ? { productAmbiguous: true } : {}),
      // Read-only Search tokens are meant to ship to browsers (search/tutorials/buildsearchbar.mdx).
      ...(kind === 'search' && readOnly ? { publicByDesign: true } : {}),
    },
  };
}

export const vectorTokenDetector = {
  id: 'upstash-vector-search-token',
  type: 'upstash-vector-token',
  title: 'Upstash Vector / Search token',
  // The role string ("admin" / "readonly") at each of the three base64 alignments; a variant with
  // another role is found under its variable name.
  keywords: [...base64Anchors('admin'), ...base64Anchors('readonly'), 'VECTOR_REST', 'SEARCH_REST'],
  // `A[A-D]` = 00 + name length < 64; `.M` = id length 0x30 (any role length).
  pattern:
    /(?<![A-Za-z0-9+/_-])(A[A-D][A-Za-z0-9+/]{2}M[A-Za-z0-9+/]{60,200}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate: (m, ctx) => vectorCandidate(m[1]!, ctx),
  examples: {
    positives: () => [
      `UPSTASH_VECTOR_REST_TOKEN="${vectorToken()}"`,
      `UPSTASH_VECTOR_REST_READONLY_TOKEN=${vectorToken({ role: 'readonly' })}`,
      `UPSTASH_SEARCH_REST_TOKEN=${vectorToken({ name: 'calm-yak-2211-gcp-usc1' })}`,
      `const index = new Index({ url: "https://x", token: "${vectorToken().replace(/=+$/, '')}" });`,
      // Unrecognised variant: a secret that is not a UUID.
      `UPSTASH_VECTOR_REST_TOKEN=${vectorToken({ randomId: true })}`,
    ],
    negatives: [
      // Developer-API openapi placeholders.
      'UPSTASH_VECTOR_REST_TOKEN="ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg=="',
      'UPSTASH_VECTOR_REST_TOKEN=${{ secrets.UPSTASH_VECTOR_REST_TOKEN }}',
    ],
  },
} satisfies Detector;
