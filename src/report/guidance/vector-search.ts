import { endpoints, ofTypes, type FamilyRule } from './types.js';

/** Resetting an index token revokes its standard and read-only tokens together. */
export const vectorSearchGuidance: FamilyRule = (findings) => {
  const hits = ofTypes(findings, 'upstash-vector-token', 'upstash-search-token');
  if (hits.length === 0) return null;
  const steps = [
    'Reset the index token: Upstash Console → your index → **Reset token**, or `POST https://api.upstash.com/v2/vector/index/{id}/reset-password` (Vector) / `POST https://api.upstash.com/v2/search/{id}/reset-password` (Search). This replaces the standard and the read-only token.',
    'Update `UPSTASH_VECTOR_REST_TOKEN` / `UPSTASH_SEARCH_REST_TOKEN` (and the read-only variants) and redeploy.',
  ];
  if (hits.every((f) => f.details.publicByDesign === true)) {
    steps.push(
      'A read-only Search token is meant to be public (it ships in `NEXT_PUBLIC_` variables); rotating is optional unless the index holds private data.',
    );
  }
  return { heading: `Vector / Search${endpoints(hits)}`, steps };
};
