import fixes from './fixes.json' with { type: 'json' };

/**
 * Each code's fix as docs/lok-rules.md tells it (the one home of that text), shown under the reason on the club's
 * page; kept as fixes.json so that the cloud's bundled function has it too. test/club-web-api.test.ts holds it to
 * the doc (and rewrites it with LOK_UPDATE_FIXES=1).
 */
export const FIXES: Readonly<Record<string, string>> = fixes;

/** The fixes in docs/lok-rules.md: each `### \`CODE\`` section's paragraph that starts with `**Fix:**`. */
export function fixesOf(markdown: string): Record<string, string> {
  const fixes: Record<string, string> = {};
  let code: string | undefined;
  let fix: string[] | undefined;
  const end = () => {
    if (code !== undefined && fix !== undefined)
      fixes[code] = fix.join(' ').replace(/\*\*/g, '').replace(/`/g, '').trim();
    fix = undefined;
  };
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,4} `([A-Z0-9_]+)`\s*$/.exec(line);
    if (heading || line.startsWith('#')) {
      end();
      code = heading?.[1];
      continue;
    }
    if (fix !== undefined) {
      if (line.trim() === '') end();
      else fix.push(line.trim());
    } else if (code !== undefined && line.startsWith('**Fix:**')) {
      fix = [line.slice('**Fix:**'.length).trim()];
    }
  }
  end();
  return fixes;
}
