import { test } from 'vitest';
import { createReadStream } from 'node:fs';
import { readImport } from '../shared/core/format/read-import.js';
test('x', async () => {
  for await (const e of readImport(createReadStream(process.env.F ?? '/tmp/ex.xml'), { evaluationDate: '2026-11-25' })) console.log(JSON.stringify(e));
});
