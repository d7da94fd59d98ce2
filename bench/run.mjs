#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts; with no name it lists the benchmarks.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !existsSync(join(here, `${name}.ts`))) {
  console.error(name ? `unknown benchmark: ${name}` : 'usage: npm run bench -- <name> [args]');
  console.error(`benchmarks: ${names.join(', ') || '(none yet)'}`);
  process.exit(name ? 2 : 0);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
