/**
 * Field names a third party may ask for: the record vocabulary of the policy module
 * (`demographics.name`, `observation.lab`, `reproductive` …), group tokens (`@contact`,
 * `demographics.*`), and a few FHIR-style aliases integrators use (`gestational-age`, `due-date`).
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { expandCategoryToken, type Category } from '../policy/index.ts';

/**
 * FHIR-style element names and what they are in the record vocabulary. Gestational age (LOINC
 * 11884-4) and the estimated due date (LOINC 11778-8) are obstetric observations: reproductive
 * health, a sensitive category (incident 5).
 */
export const FIELD_ALIASES: Readonly<Record<string, readonly Category[]>> = {
  name: ['demographics.name'],
  gender: ['demographics.sex'],
  birthdate: ['demographics.birthDate'],
  identifier: ['demographics.mrn'],
  telecom: ['contact.phone', 'contact.email'],
  address: ['contact.address'],
  appointment: ['appointment'],
  'lab-results': ['observation.lab'],
  'gestational-age': ['observation.vitals', 'reproductive'],
  'due-date': ['observation.vitals', 'reproductive'],
  'delivery-date': ['procedure', 'reproductive'],
  imaging: ['imaging.study'],
};

const MAX_TOKENS = 64;

/**
 * Expand a list of requested field tokens into categories (deduplicated, stable order).
 * Unknown tokens are CUSTOS_BAD_REQUEST naming the token, so a typo never silently asks for less.
 */
export function expandFieldTokens(tokens: readonly string[]): Category[] {
  if (tokens.length > MAX_TOKENS)
    throw new CustosError(ErrorCode.BadRequest, `ask for at most ${MAX_TOKENS} fields`, {
      field: 'fields',
    });
  const out = new Set<Category>();
  for (const raw of tokens) {
    const t = raw.trim();
    if (t === '') continue;
    const alias = FIELD_ALIASES[t.toLowerCase()];
    const hit = alias ? [...alias] : t.length <= 64 ? expandCategoryToken(t) : null;
    if (!hit)
      throw new CustosError(ErrorCode.BadRequest, 'unknown field name', {
        field: 'fields',
        token: t.slice(0, 64),
      });
    for (const c of hit) out.add(c);
  }
  return [...out].sort();
}

/** Split a comma-separated `fields` parameter. */
export function parseFieldsParam(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
