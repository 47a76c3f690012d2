/**
 * Decoding layers: the same text as a reader of the file would see the value. Each layer keeps the
 * line structure, so a match's line number in a decoded view is its line in the file.
 */
import { mayContainSecret } from './prefilter.js';

/** JSON string escapes (`\/`, `\u003d`) as in vercel.json, .ipynb, serialized configs. */
export function unescapeJson(text: string): string | null {
  if (!text.includes('\\/') && !/\\u00[0-9a-fA-F]{2}/.test(text)) return null;
  return text
    .replace(/\\u00([0-9a-fA-F]{2})/g, (all, hex: string) => {
      const c = parseInt(hex, 16);
      return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : all;
    })
    .replace(/\\\//g, '/');
}

/** URL-encoded values (`%3D` padding, `%2F`, `%2B`, `%40` in URLs). */
export function urlDecode(text: string): string | null {
  if (!/%(2[BbFf]|3[Dd]|40|3[Aa])/.test(text)) return null;
  return text.replace(/%(2[BbFf]|3[Dd]|40|3[Aa])/g, (_, h: string) =>
    String.fromCharCode(parseInt(h, 16)),
  );
}

export interface WrappedValue {
  /** Index in the text of the base64 run. */
  index: number;
  decoded: string;
}

const B64_RUN = /(?<![A-Za-z0-9+/=])([A-Za-z0-9+/]{24,}={0,2})(?![A-Za-z0-9+/=])/g;

/**
 * Base64-wrapped values (Kubernetes Secret `data:`, base64 config blobs): decoded runs that are
 * printable text and pass the prefilter.
 */
export function base64Wrapped(text: string): WrappedValue[] {
  const out: WrappedValue[] = [];
  B64_RUN.lastIndex = 0;
  for (let m = B64_RUN.exec(text); m; m = B64_RUN.exec(text)) {
    const run = m[1]!;
    if (run.length % 4 === 1) continue;
    // Subresource-integrity digests (lockfiles, HTML) are hashes, never wrapped values.
    if (/sha(1|256|384|512)-$/.test(text.slice(Math.max(0, m.index - 7), m.index))) continue;
    const buf = Buffer.from(run, 'base64');
    if (buf.length < 16 || !isPrintable(buf)) continue;
    const decoded = buf.toString('utf8');
    if (mayContainSecret(decoded)) out.push({ index: m.index, decoded });
  }
  return out;
}

function isPrintable(buf: Buffer): boolean {
  for (const b of buf) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  return true;
}
