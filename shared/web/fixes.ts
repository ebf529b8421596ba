/**
 * The fix of each code as docs/lok-rules.md tells it (the one home of that text): each `### \`CODE\`` section's
 * paragraph that starts with `**Fix:**`. The web page shows it under the reason.
 */
export function fixesOf(markdown: string): Record<string, string> {
  const fixes: Record<string, string> = {};
  let code: string | undefined;
  let fix: string[] | undefined;
  const end = () => {
    if (code !== undefined && fix !== undefined) fixes[code] = fix.join(' ').replace(/\*\*/g, '').replace(/`/g, '').trim();
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
