import { decodeVectorToken } from '../decode/vector-token.js';
import type { Candidate, Detector, MatchContext } from '../types.js';
import { base64Anchors } from './base64-anchors.js';
import { vectorToken } from './synthetic.js';

/**
 * Vector and Search tokens share one layout and carry their own endpoint name and role. Which
 * product a token belongs to is taken from its variable name or a nearby `<name>-search` host.
 */
function product(name: string, ctx: MatchContext): 'vector' | 'search' {
  if (ctx.key && /SEARCH/i.test(ctx.key)) return 'search';
  if (ctx.key && /VECTOR/i.test(ctx.key)) return 'vector';
  if (ctx.text.includes(`${name}-search.upstash.io`)) return 'search';
  return 'vector';
}

export function vectorCandidate(value: string, ctx: MatchContext): Candidate | null {
  const t = decodeVectorToken(value);
  if (!t) return null;
  const kind = product(t.name, ctx);
  const readOnly = t.role === 'readonly';
  return {
    type: kind === 'search' ? 'upstash-search-token' : 'upstash-vector-token',
    secret: t.normalised,
    identity: `index:${t.name}:${t.role}:${t.uuid}`,
    readOnly,
    endpoint: `https://${t.name}-${kind}.upstash.io`,
    confidence: 'high',
    details: {
      index: t.name,
      role: t.role,
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
    ],
    negatives: [
      // Developer-API openapi placeholders.
      'UPSTASH_VECTOR_REST_TOKEN="ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg=="',
    ],
  },
} satisfies Detector;
