/**
 * What a file's bytes are, so each kind is turned into scannable text its own way: UTF-8 (with or
 * without a BOM), UTF-16 LE/BE (with a BOM, or BOM-less and recognised by its NUL pattern, as
 * PowerShell's `>` and many Windows tools write it), or binary (a NUL in the first 8000 bytes,
 * git's own test, and not UTF-16).
 */
export type ContentEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'binary';

export interface Sniffed {
  encoding: ContentEncoding;
  /** Bytes of byte-order mark to drop before decoding. */
  bom: number;
}

/** git's binary heuristic looks at this many bytes. */
export const SNIFF_BYTES = 8000;
/** BOM-less UTF-16 is judged on this many bytes: enough for a verdict, cheap on every binary. */
const UTF16_SAMPLE = 2048;

/** `head` is the start of the content: its first SNIFF_BYTES bytes, or all of it when shorter. */
export function sniffEncoding(head: Uint8Array): Sniffed {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bom: 2 };
  const n = Math.min(head.length, SNIFF_BYTES);
  if (head.subarray(0, n).indexOf(0) < 0) return { encoding: 'utf8', bom: 0 };
  return { encoding: bomlessUtf16(head) ?? 'binary', bom: 0 };
}

/**
 * UTF-16 without a BOM: text that is mostly ASCII has a NUL in (nearly) every high byte and none in
 * the low bytes. Then every code unit must look like text: no NUL and no control character other
 * than tab, CR, LF and form feed (a unit is NUL only if both bytes are). Random or structured
 * binary fails one of the two tests.
 */
function bomlessUtf16(head: Uint8Array): 'utf16le' | 'utf16be' | undefined {
  const n = Math.min(head.length, UTF16_SAMPLE) & ~1;
  if (n < 2) return undefined;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) zeroEven++;
    if (head[i + 1] === 0) zeroOdd++;
  }
  const units = n / 2;
  let lo: number;
  // Some characters (U+4E00, U+0100…) have a zero low byte: the other side may hold zeros too,
  // far fewer. A unit of two zero bytes (NUL) fails the text test below.
  if (zeroOdd * 2 >= units && zeroEven * 2 < zeroOdd) lo = 0;
  else if (zeroEven * 2 >= units && zeroOdd * 2 < zeroEven) lo = 1;
  else return undefined;
  for (let i = 0; i < n; i += 2) {
    const low = head[i + lo]!;
    const high = head[i + 1 - lo]!;
    if (high === 0 && low < 0x20 && low !== 9 && low !== 10 && low !== 13 && low !== 12)
      return undefined;
  }
  return lo === 0 ? 'utf16le' : 'utf16be';
}

/** True when `first` starts with a UTF-16 byte-order mark (FF FE or FE FF). */
export function utf16Bom(first: Buffer | undefined): boolean {
  if (!first || first.length < 2) return false;
  const a = first[0]!;
  return (a === 0xff && first[1] === 0xfe) || (a === 0xfe && first[1] === 0xff);
}

/** The first `n` bytes of content held as pipe chunks, copied only when they span chunks. */
export function headOf(parts: readonly Buffer[], n = SNIFF_BYTES): Buffer {
  const first = parts[0];
  if (!first) return Buffer.alloc(0);
  if (first.length >= n || parts.length === 1) return first.subarray(0, n);
  const out: Buffer[] = [];
  let left = n;
  for (const p of parts) {
    if (left <= 0) break;
    out.push(p.subarray(0, left));
    left -= p.length;
  }
  return Buffer.concat(out);
}
