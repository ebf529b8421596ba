import type { Receipt } from './receipt.js';

const INDENTS = ['\n', '\n  ', '\n    '];

function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', INDENTS[depth]!);
}

/**
 * The receipt as pretty-printed JSON, in pieces: the same text as `JSON.stringify(receipt, null, 2)`, but a
 * receipt of 100 000 activities never has to exist as one string (twice the file's size, in UTF-16).
 */
export function* receiptJson(receipt: Receipt): Generator<string> {
  const entries = Object.entries(receipt).filter(([, value]) => value !== undefined);
  yield '{';
  let first = true;
  for (const [key, value] of entries) {
    yield `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (Array.isArray(value) && value.length > 0) {
      yield '[';
      for (let i = 0; i < value.length; i++) yield `${i === 0 ? '' : ','}\n    ${indented(value[i], 2)}`;
      yield '\n  ]';
    } else {
      yield indented(value, 1);
    }
  }
  yield '\n}\n';
}
