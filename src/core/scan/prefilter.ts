/**
 * The keyword prefilter: the cheapest possible "could this text hold an Upstash credential?".
 * It runs on the raw bytes of every blob of a full-history scan, before anything is decoded.
 *
 * Implementation: one combined regex over a latin1 view of the bytes (latin1 maps bytes 1:1, so no
 * UTF-8 decoding cost and no false negatives on invalid UTF-8). Measured against a loop of
 * Buffer.indexOf per keyword in test/core/scan/prefilter-bench (see docs/benchmarks.md).
 */
import { DETECTORS } from '../detectors/registry.js';
import { base64Anchors } from '../detectors/base64-anchors.js';

/** Anchors for the decoding layers: base64-wrapped values (Kubernetes Secrets, config blobs). */
const LAYER_KEYWORDS = ['kind: Secret', '"kind": "Secret"', ...base64Anchors('upstash')];

export const PREFILTER_KEYWORDS: readonly string[] = [
  ...new Set([...DETECTORS.flatMap((d) => d.keywords), ...LAYER_KEYWORDS]),
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const COMBINED = new RegExp(PREFILTER_KEYWORDS.map(escape).join('|'));

export function mayContainSecret(data: Uint8Array | string): boolean {
  if (typeof data === 'string') return COMBINED.test(data);
  const buf = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return COMBINED.test(buf.toString('latin1'));
}

/** Keywords of one detector list present in `text` (to run only the detectors that can match). */
export function keywordsPresent(text: string, keywords: readonly string[]): boolean {
  for (const k of keywords) if (text.includes(k)) return true;
  return false;
}
