/**
 * Everything a scan result can be rendered into, for the tests that assert no output shows a
 * secret: one list, so a renderer added to the product is checked by all of them.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, type ScanResult } from '../../src/core/index.js';
import {
  renderCheckRun,
  renderCommitComment,
  renderGuidance,
  renderJson,
  renderPrComment,
  renderSarif,
  renderText,
} from '../../src/report/index.js';
import { historyRewriteRecipe } from '../../src/report/guidance/history-rewrite.js';

/** Every renderer's output for `result` (and the result itself as JSON). */
export function renderedOutputs(result: ScanResult): string[] {
  const ctx = { config: DEFAULT_CONFIG, repoUrl: 'https://github.com/acme/shop' };
  return [
    JSON.stringify(result),
    renderText(result, { color: false, guidance: true, verbose: true }),
    renderText(result, { color: true, guidance: true, verbose: true }),
    renderJson(result),
    renderSarif(result),
    JSON.stringify(renderCheckRun(result, ctx)),
    JSON.stringify(renderCheckRun(result, { ...ctx, mode: 'history' })),
    renderPrComment(result, ctx) ?? '',
    renderGuidance(result.findings, ctx),
    historyRewriteRecipe(result.findings),
    ...result.findings.flatMap((f) => f.occurrences.map((o) => renderCommitComment(f, o, ctx))),
  ];
}

/** A validator of the official SARIF 2.1.0 schema (ajv 6, which speaks its draft-04). */
export function sarifValidator(): ((log: unknown) => boolean) & { errors?: unknown } {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv') as new (opts: object) => {
    addMetaSchema(s: object): void;
    compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
  };
  const ajv = new Ajv({ schemaId: 'id', meta: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
  return ajv.compile(
    JSON.parse(
      readFileSync(
        require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
        'utf8',
      ),
    ) as object,
  );
}
