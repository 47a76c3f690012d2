/**
 * The test behind `mayBeReadByPath` (prefilter.ts), apart from the detectors so that a pack reader
 * thread can apply the same tests (sent to it as regex sources) without loading them.
 */

/** True when `data` (at most `maxBytes`) passes every test of at least one group. */
export function matchesPathContent(
  data: Uint8Array,
  tests: readonly (readonly RegExp[])[],
  maxBytes: number,
): boolean {
  if (data.length > maxBytes || tests.length === 0) return false;
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  return tests.some((all) => all.every((t) => t.test(text)));
}
