/**
 * Every shape of test/helpers/shapes.ts through scanText + collectFindings: findings, endpoint
 * pairing, exposure, severity, confidence, lines; the same with CRLF line endings; no raw secret
 * in the findings. (test/engine/shapes-cases.test.ts runs the same shapes through git.)
 */
import { collectFindings, DEFAULT_CONFIG, type Finding } from '../../../src/core/index.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import { buildShapes, checkShape } from '../../helpers/shapes.js';

function findingsOf(path: string, text: string): Finding[] {
  return collectFindings(scanText({ path, text }), { config: DEFAULT_CONFIG }).findings;
}

describe('shapes in the wild (scanText)', () => {
  const shapes = buildShapes();

  it.each(shapes.map((s) => [s.name, s] as const))('%s', (_name, shape) => {
    const findings = findingsOf(shape.path, shape.text);
    checkShape(shape, findings, JSON.stringify(findings));
  });

  it.each(shapes.map((s) => [s.name, s] as const))('%s, with CRLF line endings', (_name, shape) => {
    const lf = findingsOf(shape.path, shape.text);
    const crlf = findingsOf(shape.path, shape.text.replace(/\r?\n/g, '\r\n'));
    checkShape(shape, crlf, JSON.stringify(crlf));
    // Same lines, columns and masked lengths: no `\r` was read into a value.
    const view = (fs: Finding[]) =>
      fs.map((f) => ({ masked: f.masked, at: f.occurrences.map((o) => [o.line, o.column]) }));
    expect(view(crlf)).toEqual(view(lf));
  });
});
