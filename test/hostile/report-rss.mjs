// Loaded with `node --import` into a process under test: on exit it writes the process's peak RSS (in KiB) to the
// file named by HOSTILE_RSS_FILE, so that a test can assert what a real `lok-importer check` held at most.
import { writeFileSync } from 'node:fs';

const file = process.env.HOSTILE_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
