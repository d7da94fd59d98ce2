/**
 * Opening an encrypted resource body: the allowed sections (field classes) are decrypted and
 * joined into one resource. Sections outside `allow` are never decrypted.
 */
import { openField, type DataKey } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { unframeSections } from './body.ts';
import type { FhirResource } from './fhir-model.ts';

const TABLE = 'vault_resource';

/** Which sections to open: a set or list of field class names; undefined opens all. */
export type SectionFilter = ReadonlySet<string> | readonly string[] | undefined;

function allowed(allow: SectionFilter, name: string): boolean {
  if (allow === undefined) return true;
  return Array.isArray(allow) ? allow.includes(name) : (allow as ReadonlySet<string>).has(name);
}

/**
 * Decrypts the allowed sections of `body` (row `ref` = `Type/id`) under `dek`. Each section is a
 * JSON object; their members are joined into one text and parsed once (a later section's member
 * wins, as in assigning the sections one after the other). CUSTOS_CRYPTO_FAILURE naming the
 * record when a section was tampered with, swapped or framed wrongly.
 */
export function openResourceBody(
  tenant: string,
  resourceType: string,
  id: string,
  ref: string,
  body: Buffer,
  dek: DataKey,
  allow: SectionFilter,
): FhirResource {
  const sections = unframeSections(body, `${TABLE}.body of ${ref}`);
  let json = `{"resourceType":${JSON.stringify(resourceType)},"id":${JSON.stringify(id)}`;
  for (const [name, ct] of sections) {
    if (!allowed(allow, name)) continue;
    const plain = openField(dek, ct, { tenant, table: TABLE, column: `body.${name}`, row: ref });
    const n = plain.length;
    if (n < 2 || plain[0] !== 0x7b || plain[n - 1] !== 0x7d) {
      throw new CustosError(ErrorCode.StoreDamaged, `a section of ${ref} is not a JSON object`);
    }
    if (n > 2) json += `,${plain.toString('utf8', 1, n - 1)}`;
  }
  return JSON.parse(`${json}}`) as FhirResource;
}
