/** The lines around a match (for detectors whose evidence sits on neighbouring lines). */
import type { MatchContext } from '../types.js';

export function nearbyLines(ctx: MatchContext, radius: number): string {
  const { text, index } = ctx;
  let start = index;
  for (let d = 0; d <= radius && start > 0; d++) start = text.lastIndexOf('\n', start - 1);
  let end = index;
  for (let d = 0; d <= radius && end >= 0 && end < text.length; d++)
    end = text.indexOf('\n', end + 1);
  return text.slice(Math.max(0, start + 1), end < 0 ? text.length : end);
}
