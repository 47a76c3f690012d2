import type { Palette } from './ansi.js';

/**
 * The small Markdown subset the guidance uses (headings, **bold**, `code`, numbered lists, fenced
 * blocks, [links](url)) rendered for a terminal: no literal asterisks, backticks or fences.
 * Code spans lose their backticks; fenced code is indented by four spaces so it can be copied as is.
 */
export function markdownToTerminal(markdown: string, p: Palette): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const open = /^(`{3,})/.exec(line);
    if (fence !== null) {
      if (open && line.trim() === fence) fence = null;
      else out.push(`    ${line}`);
      continue;
    }
    if (open) {
      fence = open[1]!;
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    out.push(heading ? p.bold(inline(heading[1]!, p)) : inline(line, p));
  }
  return out.join('\n');
}

function inline(text: string, p: Palette): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => `${label} (${url})`)
    .replace(/(`+)(.+?)\1/g, (_m, _t, code: string) => code.trim())
    .replace(/\*\*(.+?)\*\*/g, (_m, t: string) => p.bold(t));
}
