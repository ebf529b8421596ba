/** One page of a Query or a Scan: its items, and where the next page starts (none after the last). */
export interface Page<T, K> {
  readonly Items?: T[];
  readonly LastEvaluatedKey?: K;
}

/** Every item of a Query or a Scan, page after page (a page ends at 1 MB). */
export async function allPages<T, K>(read: (start: { ExclusiveStartKey?: K }) => Promise<Page<T, K>>): Promise<T[]> {
  const items: T[] = [];
  let start: K | undefined;
  do {
    const page = await read(start ? { ExclusiveStartKey: start } : {});
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
