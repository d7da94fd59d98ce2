/**
 * Compile Cedar policy files into a checked policy set: parse each file, require `@id` and a
 * comment of intent on every policy, validate against the schema, read the Custos annotations
 * (`@grants`, `@guards`, `@reason`, `@breakGlass`, `@scope`, `@deidentify`) and split the set into
 * the record-level (gate) and section-level parts. Every error names its file, line and column.
 */
import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { expandCategoryToken } from './vocabulary.ts';
import type { Category } from './vocabulary.ts';

/** The text of one policy or schema file. */
export interface PolicySource {
  /** File name as shown in errors (e.g. `10-treatment.cedar`). */
  file: string;
  text: string;
}

/** Where a problem is in a policy file (1-based line and column). */
export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Which principals a policy is scoped to (from its head), used to skip section checks. */
export type PrincipalScope =
  { op: 'all' } | { op: 'in' | 'eq'; type: string; id: string } | { op: 'slot' };

/** One compiled policy or template with its Custos annotations. */
export interface CompiledPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  template: boolean;
  file: string;
  line: number;
  /** The one-line comment of intent above the policy. */
  intent: string;
  text: string;
  annotations: Record<string, string>;
  /** Categories a permit grants (`@grants`). */
  grants: Category[];
  /** Categories a section-level policy may affect (`@guards`); `all` when not annotated. */
  guards: Category[] | 'all';
  /** The policy guards the sections the patient hid (`@guards("@hidden")`). */
  guardsHidden: boolean;
  /** Denial reason code of a forbid (`@reason`). */
  reason?: string;
  /** Break-the-glass lifts this forbid (`@breakGlass("available")`). */
  breakGlassAvailable: boolean;
  /** Scope kind of a permit (`@scope`), e.g. `ordered-studies`. */
  scope?: string;
  /** A permit that allows de-identified data only (`@deidentify("required")`). */
  deidentify: boolean;
  appliesToPatient: boolean;
  appliesToSection: boolean;
  principalScope: PrincipalScope;
}

/** A validated policy set ready for the engine. */
export interface CompiledPolicySet {
  /** SHA-256 (hex, 16 chars) over schema and policy files. */
  version: string;
  schemaText: string;
  files: string[];
  policies: ReadonlyMap<string, CompiledPolicy>;
  templates: ReadonlyMap<string, CompiledPolicy>;
  /** Static policies evaluated on the record (Patient) request. */
  gateIds: string[];
  /** Static policies evaluated on section requests. */
  sectionIds: string[];
}

const NS = 'Custos::';
const KNOWN_ANNOTATIONS = new Set([
  'id',
  'grants',
  'guards',
  'reason',
  'breakGlass',
  'scope',
  'deidentify',
]);
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;

/** Build the CustosError thrown for an invalid policy set; `problems` lists file/line/column. */
export function policyInvalidError(problems: PolicyProblem[]): CustosError {
  const first = problems[0];
  const where = first
    ? `${first.file}:${first.line}:${first.column}: ${first.message}`
    : 'no problems listed';
  return new CustosError(ErrorCode.InputInvalid, `invalid policy set: ${where}`, { problems });
}

/** 1-based line and column of a character offset. */
function locate(text: string, charOffset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(charOffset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Cedar reports UTF-8 byte offsets; convert one to a character offset within `text`. */
function byteToCharOffset(text: string, byteOffset: number): number {
  const buf = Buffer.from(text, 'utf8');
  return buf.subarray(0, Math.max(0, Math.min(byteOffset, buf.length))).toString('utf8').length;
}

function problemsFromCedar(
  file: string,
  fileText: string,
  base: number,
  localText: string,
  errors: DetailedError[],
): PolicyProblem[] {
  return errors.map((e) => {
    const loc = e.sourceLocations?.[0];
    const charOffset = base + (loc ? byteToCharOffset(localText, loc.start) : 0);
    const { line, column } = locate(fileText, charOffset);
    const label = loc?.label ? ` (${loc.label})` : '';
    const help = e.help ? `; ${e.help}` : '';
    return { file, line, column, message: `${e.message}${label}${help}` };
  });
}

function scopeOfPrincipal(json: PolicyJson): PrincipalScope {
  const p = json.principal;
  if (p.op === 'All' || p.op === 'is') return { op: 'all' };
  if ('slot' in p) return { op: 'slot' };
  const ent = 'entity' in p ? p.entity : undefined;
  if (!ent) return { op: 'all' };
  const uid = '__entity' in ent ? ent.__entity : ent;
  return { op: p.op === 'in' ? 'in' : 'eq', type: uid.type, id: uid.id };
}

function resourceTargets(json: PolicyJson): { patient: boolean; section: boolean } {
  const r = json.resource;
  if (r.op === 'All') return { patient: true, section: true };
  if (r.op === 'is') {
    return { patient: r.entity_type === `${NS}Patient`, section: r.entity_type === `${NS}Section` };
  }
  if ('slot' in r) return { patient: true, section: r.op === 'in' };
  const ent = r.entity;
  const uid = '__entity' in ent ? ent.__entity : ent;
  if (r.op === '==')
    return { patient: uid.type === `${NS}Patient`, section: uid.type === `${NS}Section` };
  return { patient: uid.type === `${NS}Patient`, section: true };
}

/** The comment lines directly above a policy's first annotation, joined. */
function intentAbove(fileText: string, start: number): string {
  const before = fileText.slice(0, start).split('\n');
  before.pop(); // the partial line the policy starts on
  const lines: string[] = [];
  while (before.length > 0) {
    const l = (before[before.length - 1] ?? '').trim();
    if (!l.startsWith('//')) break;
    lines.unshift(l.replace(/^\/\/\s?/, ''));
    before.pop();
  }
  return lines.join(' ').trim();
}

function expandTokens(
  value: string,
  file: string,
  fileText: string,
  offset: number,
  problems: PolicyProblem[],
  allowHidden: boolean,
): { cats: Category[]; hidden: boolean } {
  const cats = new Set<Category>();
  let hidden = false;
  for (const token of value.split(/\s+/).filter(Boolean)) {
    if (allowHidden && token === '@hidden') {
      hidden = true;
      continue;
    }
    const expanded = expandCategoryToken(token);
    if (!expanded) {
      problems.push({
        file,
        ...locate(fileText, offset),
        message: `unknown field or category "${token}"`,
      });
      continue;
    }
    for (const c of expanded) cats.add(c);
  }
  return { cats: [...cats], hidden };
}

/**
 * Compile and validate a policy set. Throws a CustosError (`CUSTOS_INPUT_INVALID`, extra
 * `problems: PolicyProblem[]`) naming file, line and column when anything is wrong; on success
 * nothing in the set is left unchecked.
 */
export function compilePolicySet(schema: PolicySource, sources: PolicySource[]): CompiledPolicySet {
  const problems: PolicyProblem[] = [];
  const schemaCheck = cedar.checkParseSchema(schema.text);
  if (schemaCheck.type === 'failure') {
    throw policyInvalidError(
      problemsFromCedar(schema.file, schema.text, 0, schema.text, schemaCheck.errors),
    );
  }

  const policies = new Map<string, CompiledPolicy>();
  const templates = new Map<string, CompiledPolicy>();
  const seenAt = new Map<string, string>();
  const sorted = [...sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  for (const src of sorted) {
    const parts = cedar.policySetTextToParts(src.text);
    if (parts.type === 'failure') {
      problems.push(...problemsFromCedar(src.file, src.text, 0, src.text, parts.errors));
      continue;
    }
    // Policies come back in source order as exact slices of the file; find each to map offsets.
    const pieces = [
      ...parts.policies.map((t) => ({ t, template: false })),
      ...parts.policy_templates.map((t) => ({ t, template: true })),
    ]
      .map((p) => ({ ...p, at: src.text.indexOf(p.t) }))
      .sort((a, b) => a.at - b.at);
    for (const piece of pieces) {
      const at = Math.max(piece.at, 0);
      const where = locate(src.text, at);
      const jsonAnswer = piece.template
        ? cedar.templateToJson(piece.t)
        : cedar.policyToJson(piece.t);
      if (jsonAnswer.type === 'failure') {
        problems.push(...problemsFromCedar(src.file, src.text, at, piece.t, jsonAnswer.errors));
        continue;
      }
      const json = jsonAnswer.json;
      const ann = json.annotations ?? {};
      const id = ann['id'];
      if (!id) {
        problems.push({ file: src.file, ...where, message: 'policy has no @id("...") annotation' });
        continue;
      }
      if (!ID_PATTERN.test(id)) {
        problems.push({
          file: src.file,
          ...where,
          message: `policy id "${id}" must be lower-case words separated by "/"`,
        });
        continue;
      }
      const dup = seenAt.get(id);
      if (dup) {
        problems.push({
          file: src.file,
          ...where,
          message: `duplicate policy id "${id}" (first in ${dup})`,
        });
        continue;
      }
      seenAt.set(id, `${src.file}:${where.line}`);
      const intent = intentAbove(src.text, at);
      if (!intent) {
        problems.push({
          file: src.file,
          ...where,
          message: `policy "${id}" has no comment of intent above it`,
        });
      }
      for (const key of Object.keys(ann)) {
        if (!KNOWN_ANNOTATIONS.has(key)) {
          problems.push({
            file: src.file,
            ...where,
            message: `unknown annotation @${key} on "${id}"`,
          });
        }
      }
      const grants = ann['grants']
        ? expandTokens(ann['grants'], src.file, src.text, at, problems, false).cats
        : [];
      const guardsRaw = ann['guards']
        ? expandTokens(ann['guards'], src.file, src.text, at, problems, true)
        : null;
      if (json.effect === 'forbid' && ann['grants']) {
        problems.push({ file: src.file, ...where, message: `forbid "${id}" cannot carry @grants` });
      }
      if (json.effect === 'permit' && ann['reason']) {
        problems.push({ file: src.file, ...where, message: `permit "${id}" cannot carry @reason` });
      }
      if (ann['breakGlass'] !== undefined && ann['breakGlass'] !== 'available') {
        problems.push({
          file: src.file,
          ...where,
          message: `@breakGlass must be "available" on "${id}"`,
        });
      }
      if (ann['deidentify'] !== undefined && ann['deidentify'] !== 'required') {
        problems.push({
          file: src.file,
          ...where,
          message: `@deidentify must be "required" on "${id}"`,
        });
      }
      const targets = resourceTargets(json);
      const compiled: CompiledPolicy = {
        id,
        effect: json.effect,
        template: piece.template,
        file: src.file,
        line: where.line,
        intent,
        text: piece.t,
        annotations: { ...ann },
        grants,
        guards: guardsRaw ? guardsRaw.cats : 'all',
        guardsHidden: guardsRaw ? guardsRaw.hidden : true,
        breakGlassAvailable: ann['breakGlass'] === 'available',
        deidentify: ann['deidentify'] === 'required',
        appliesToPatient: targets.patient,
        appliesToSection: targets.section,
        principalScope: scopeOfPrincipal(json),
      };
      if (ann['reason']) compiled.reason = ann['reason'];
      if (ann['scope']) compiled.scope = ann['scope'];
      (piece.template ? templates : policies).set(id, compiled);
    }
  }
  if (problems.length > 0) throw policyInvalidError(problems);

  // Validate the whole set against the schema; map errors back to their files.
  const staticPolicies: Record<string, string> = {};
  for (const p of policies.values()) staticPolicies[p.id] = p.text;
  const templateTexts: Record<string, string> = {};
  for (const t of templates.values()) templateTexts[t.id] = t.text;
  const validation = cedar.validate({
    schema: schema.text,
    policies: { staticPolicies, templates: templateTexts },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') {
    throw policyInvalidError(
      problemsFromCedar(schema.file, schema.text, 0, schema.text, validation.errors),
    );
  }
  for (const ve of validation.validationErrors) {
    const p = policies.get(ve.policyId) ?? templates.get(ve.policyId);
    const src = p ? sorted.find((s) => s.file === p.file) : undefined;
    if (!p || !src) {
      problems.push({ file: schema.file, line: 1, column: 1, message: ve.error.message });
      continue;
    }
    problems.push(
      ...problemsFromCedar(p.file, src.text, Math.max(src.text.indexOf(p.text), 0), p.text, [
        ve.error,
      ]),
    );
  }
  if (problems.length > 0) throw policyInvalidError(problems);

  const hash = createHash('sha256');
  hash.update(schema.text);
  for (const s of sorted) hash.update(`\0${s.file}\0${s.text}`);
  const all = [...policies.values()];
  return {
    version: hash.digest('hex').slice(0, 16),
    schemaText: schema.text,
    files: sorted.map((s) => s.file),
    policies,
    templates,
    gateIds: all.filter((p) => p.appliesToPatient).map((p) => p.id),
    sectionIds: all.filter((p) => p.appliesToSection).map((p) => p.id),
  };
}
