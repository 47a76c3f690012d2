/** `npm run schema`: regenerates schema/upstash-guard.schema.json from the zod config schema. */
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../core/config/schema.js';

export function schemaText(): string {
  const schema = {
    ...configJsonSchema(),
    $id: 'https://upstash-guard.dev/schema/upstash-guard.schema.json',
    title: 'upstash-guard configuration (.github/upstash-guard.yml)',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('write-schema.js')) {
  writeFileSync(new URL('../../schema/upstash-guard.schema.json', import.meta.url), schemaText());
}
