/**
 * The substrings that base64 of any text containing `word` must contain, one per byte alignment
 * (0, 1, 2). Lets the prefilter find base64-encoded values by a fixed inner word without decoding.
 */
export function base64Anchors(word: string): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(word, 'latin1')]);
    const enc = padded.toString('base64').replace(/=+$/, '');
    // Chars fully determined by `word`: skip those touched by the leading filler and the tail
    // group, which depends on the bytes after the word.
    const firstFull = Math.ceil((shift * 8) / 6);
    const lastFull = Math.floor((padded.length * 8) / 6);
    out.push(enc.slice(firstFull, lastFull));
  }
  return out;
}
