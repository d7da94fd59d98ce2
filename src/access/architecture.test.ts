/**
 * Architecture rule: routes and commands never read patient data from the vault themselves;
 * every disclosure goes through the access module (identify → decide → record → read → mask →
 * mark). This test scans the sources of src/api and src/cli with the TypeScript parser.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Vault functions that decrypt or reveal patient data. */
const VAULT_READS = [
  'readPatientRecord',
  'readResource',
  'readResources',
  'readBlob',
  'findPatients',
  'lookupByIndex',
];

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourcesUnder(p));
    else if (/\.(ts|tsx|mts)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const isVaultPath = (spec: string): boolean => /(^|\/)vault(\/|$)/.test(spec);

/**
 * Vault reads a source file uses: named imports from the vault module, re-exports, namespace
 * imports used as `ns.readResource`, and dynamic `import('…/vault/…')`.
 */
function findVaultReads(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const namespaces = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      isVaultPath(node.moduleSpecifier.text)
    ) {
      if (ts.isImportDeclaration(node)) {
        const b = node.importClause?.namedBindings;
        if (b && ts.isNamespaceImport(b)) namespaces.add(b.name.text);
        if (b && ts.isNamedImports(b))
          for (const e of b.elements) {
            const name = (e.propertyName ?? e.name).text;
            if (VAULT_READS.includes(name)) found.push(name);
          }
      } else {
        const c = node.exportClause;
        if (!c) found.push('export * from vault');
        else if (ts.isNamedExports(c))
          for (const e of c.elements) {
            const name = (e.propertyName ?? e.name).text;
            if (VAULT_READS.includes(name)) found.push(name);
          }
      }
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0]) &&
      isVaultPath(node.arguments[0].text)
    ) {
      found.push('dynamic import of the vault');
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      namespaces.has(node.expression.text) &&
      VAULT_READS.includes(node.name.text)
    ) {
      found.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('architecture: one choke point for patient data', () => {
  it('finds vault reads in every form the rule covers (the check can fail)', () => {
    const bad = [
      `import { readResource, writeResources } from '../../vault/index.ts';`,
      `import { findPatients as fp } from '../vault/index.ts';`,
      `import * as v from '../vault/index.ts'; v.readPatientRecord(a, b, c);`,
      `export { lookupByIndex } from '../vault/index.ts';`,
      `const m = await import('../vault/records.ts');`,
      `import {\n  getStaffDepartments,\n  readBlob,\n} from '../../vault/index.ts';`,
    ];
    for (const src of bad) expect(findVaultReads('x.ts', src), src).not.toEqual([]);
    const fine = [
      `import { writeResources, importFhirPath } from '../vault/index.ts';`,
      `import { readResource } from '../other/index.ts';`,
      `import * as v from '../vault/index.ts'; v.rotateKeys(a);`,
    ];
    for (const src of fine) expect(findVaultReads('x.ts', src), src).toEqual([]);
  });

  it('no route (src/api) or command (src/cli) reads the vault except through src/access', () => {
    const files = [...sourcesUnder(join(ROOT, 'api')), ...sourcesUnder(join(ROOT, 'cli'))];
    expect(files.length).toBeGreaterThan(5);
    const violations = files.flatMap((f) =>
      findVaultReads(f, readFileSync(f, 'utf8')).map((n) => `${relative(ROOT, f)}: ${n}`),
    );
    expect(violations).toEqual([]);
  });
});
