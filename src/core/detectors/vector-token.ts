import { decodeVectorToken } from '../decode/vector-token.js';
import type { Candidate, Detector, MatchContext } from '../types.js';
import { base64Anchors } from './base64-anchors.js';
import { isKnownPublicValue } from './known-examples.js';
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

export function vectorCandidate(value: string, ctx: MatchContext): Candidate | null {
  const t = decodeVectorToken(value);
  if (!t || isKnownPublicValue(t.normalised)) return null;
  const { kind, ambiguous } = product(t.name, ctx);
  const readOnly = t.role === 'readonly';
  return {
    type: kind === 'search' ? 'upstash-search-token' : 'upstash-vector-token',
    secret: t.normalised,
    // Product-independent, so a token seen under both kinds of evidence stays one credential.
    identity: `vector:${t.name}:${t.role}:${t.uuid}`,
    readOnly,
    endpoint: `https://${t.name}-${kind}.upstash.io`,
    confidence: 'high',
    details: {
      index: t.name,
      role: t.role,
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
  // The role string ("admin" / "readonly") at each of the three base64 alignments.
  keywords: [...base64Anchors('admin'), ...base64Anchors('readonly')],
  pattern:
    /(?<![A-Za-z0-9+/_-])(A[A-D][A-Za-z0-9+/][FI]M[A-Za-z0-9+/]{60,200}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate: (m, ctx) => vectorCandidate(m[1]!, ctx),
  examples: {
    positives: () => [
      `UPSTASH_VECTOR_REST_TOKEN="${vectorToken()}"`,
      `UPSTASH_VECTOR_REST_READONLY_TOKEN=${vectorToken({ role: 'readonly' })}`,
      `UPSTASH_SEARCH_REST_TOKEN=${vectorToken({ name: 'calm-yak-2211-gcp-usc1' })}`,
      `const index = new Index({ url: "https://x", token: "${vectorToken().replace(/=+$/, '')}" });`,
    ],
    negatives: [
      // Developer-API openapi placeholders.
      'UPSTASH_VECTOR_REST_TOKEN="ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg=="',
      'UPSTASH_VECTOR_REST_TOKEN=${{ secrets.UPSTASH_VECTOR_REST_TOKEN }}',
    ],
  },
} satisfies Detector;
