/**
 * Read a policy directory (`*.cedar` plus one `*.cedarschema`) and compile it. Kept apart from
 * the engine so that decisions stay free of I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { compilePolicySet } from './policy-set.ts';
import type { CompiledPolicySet, PolicySource } from './policy-set.ts';

/** The default policy directory shipped with Custos (`policies/` at the repository root). */
export const DEFAULT_POLICY_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../policies',
);

/** Read the sources of a policy directory without compiling them. */
export function readPolicyDir(dir: string): { schema: PolicySource; policies: PolicySource[] } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw new CustosError(ErrorCode.ConfigInvalid, 'policy directory cannot be read', { dir });
  }
  const schemas = names.filter((n) => n.endsWith('.cedarschema'));
  if (schemas.length !== 1) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'policy directory must hold exactly one .cedarschema file',
      {
        problems: [
          { file: dir, line: 1, column: 1, message: `found ${schemas.length} schema files` },
        ],
      },
    );
  }
  const read = (n: string): PolicySource => ({ file: n, text: readFileSync(join(dir, n), 'utf8') });
  return {
    schema: read(schemas[0] as string),
    policies: names.filter((n) => n.endsWith('.cedar')).map(read),
  };
}

/** Read and compile a policy directory; throws CustosError with file/line/column on any problem. */
export function loadPolicyDir(dir: string = DEFAULT_POLICY_DIR): CompiledPolicySet {
  const { schema, policies } = readPolicyDir(dir);
  return compilePolicySet(schema, policies);
}
