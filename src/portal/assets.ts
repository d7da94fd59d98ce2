/**
 * The portal's phone-sized web page (plain HTML, one script, one stylesheet; zh-CN and en),
 * read once from `assets/` next to this file and served by the HTTP layer under /portal.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One static file of the portal page. */
export interface PortalAsset {
  contentType: string;
  body: Buffer;
}

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'portal.js': 'text/javascript; charset=utf-8',
  'portal.css': 'text/css; charset=utf-8',
};

let cache: Map<string, PortalAsset> | undefined;

/** The page's files by name (`index.html`, `portal.js`, `portal.css`). */
export function readPortalAssets(): ReadonlyMap<string, PortalAsset> {
  if (!cache) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'assets');
    cache = new Map(
      Object.entries(FILES).map(([name, contentType]) => [
        name,
        { contentType, body: readFileSync(join(dir, name)) },
      ]),
    );
  }
  return cache;
}
