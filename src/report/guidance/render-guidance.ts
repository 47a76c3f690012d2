import { printableFinding } from '../printable.js';
import type { Finding } from '../../core/types.js';
import { historyRewriteRecipe } from './history-rewrite.js';
import { kafkaGuidance } from './kafka.js';
import { managementGuidance } from './management.js';
import { boxGuidance, context7Guidance } from './other-products.js';
import { qstashGuidance } from './qstash.js';
import { redisGuidance } from './redis.js';
import type { FamilyRule, GuidanceContext } from './types.js';
import { vectorSearchGuidance } from './vector-search.js';

export const ROTATE_FIRST = 'Rotate first: rewriting history revokes nothing.';

/** Most dangerous family first: the management key exposes every other credential. */
const FAMILIES: readonly FamilyRule[] = [
  managementGuidance,
  redisGuidance,
  qstashGuidance,
  vectorSearchGuidance,
  boxGuidance,
  context7Guidance,
  kafkaGuidance,
];

/** Markdown remediation for a set of findings: rotation per family, then the history rewrite. */
export function renderGuidance(scanned: readonly Finding[], ctx: GuidanceContext = {}): string {
  if (scanned.length === 0) return '';
  // Paths and tag names go into commands: printable, then shell-quoted and fenced.
  const findings = scanned.map(printableFinding);
  const out: string[] = [`**${ROTATE_FIRST}**`, ''];
  for (const rule of FAMILIES) {
    const g = rule(findings);
    if (!g) continue;
    out.push(`### ${g.heading}`, '', ...g.steps.map((s, i) => `${i + 1}. ${s}`), '');
  }
  if (ctx.historyRewrite !== false) out.push(historyRewriteRecipe(findings, ctx.repoUrl));
  return out.join('\n').trimEnd() + '\n';
}

export type { GuidanceContext } from './types.js';
