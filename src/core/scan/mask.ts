/** Masked form of a secret: at most four leading characters, then its length. */
export function mask(secret: string): string {
  if (secret.startsWith('sig_')) return `sig_…(${secret.length} chars)`;
  if (secret.startsWith('ctx7sk-')) return `ctx7sk-…(${secret.length} chars)`;
  if (secret.startsWith('box_')) return `box_…(${secret.length} chars)`;
  const shown = secret.length >= 24 ? 4 : secret.length >= 12 ? 2 : 0;
  return `${secret.slice(0, shown)}…(${secret.length} chars)`;
}
