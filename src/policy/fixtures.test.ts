// The authorization matrix: every file in fixtures/ALLOW and fixtures/DENY is one case
// (input + expected decision), built from the incidents in MISSION.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLINICAL_FIELDS, decideAccess } from './index.ts';
import type { AccessInput, Decision } from './index.ts';

interface Expectation {
  decision: 'permit' | 'deny';
  reasonCode?: string;
  reasonCodes?: string[];
  fields?: string[];
  fieldsInclude?: string[];
  fieldsExclude?: string[];
  sensitiveCategories?: string[];
  withheld?: string[];
  breakGlassAvailable?: boolean;
  breakGlassUsed?: boolean;
  deidentify?: boolean;
  scopes?: Decision['scopes'];
  reasonsInclude?: string[];
}
interface Fixture {
  description: string;
  incident: number;
  input: AccessInput;
  expect: Expectation;
}

const KNOWN_KEYS = new Set([
  'decision',
  'reasonCode',
  'reasonCodes',
  'fields',
  'fieldsInclude',
  'fieldsExclude',
  'sensitiveCategories',
  'withheld',
  'breakGlassAvailable',
  'breakGlassUsed',
  'deidentify',
  'scopes',
  'reasonsInclude',
]);

const root = join(import.meta.dirname, 'fixtures');
const cases: { kind: string; file: string; fx: Fixture }[] = [];
for (const kind of ['ALLOW', 'DENY']) {
  for (const file of readdirSync(join(root, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    cases.push({
      kind,
      file,
      fx: JSON.parse(readFileSync(join(root, kind, file), 'utf8')) as Fixture,
    });
  }
}

describe('authorization matrix (fixtures/ALLOW, fixtures/DENY)', () => {
  it('has at least 60 cases covering every incident', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.fx.incident))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it.each(cases.map((c) => [`${c.kind}/${c.file}`, c] as const))('%s', (_name, { kind, fx }) => {
    const e = fx.expect;
    for (const k of Object.keys(e))
      expect(KNOWN_KEYS.has(k), `unknown expectation key ${k}`).toBe(true);
    expect(e.decision).toBe(kind === 'ALLOW' ? 'permit' : 'deny');
    const d = decideAccess(fx.input);
    const ctx = `${fx.description}\n${JSON.stringify({ ...d, relationships: undefined }, null, 1)}`;
    expect(d.decision, ctx).toBe(e.decision);
    if (e.reasonCode !== undefined) expect(d.reasonCode, ctx).toBe(e.reasonCode);
    if (e.reasonCodes !== undefined) expect(d.reasonCodes, ctx).toEqual(e.reasonCodes);
    if (e.fields !== undefined) expect(d.fields, ctx).toEqual(e.fields);
    for (const f of e.fieldsInclude ?? []) expect(d.fields, ctx).toContain(f);
    for (const f of e.fieldsExclude ?? []) expect(d.fields, ctx).not.toContain(f);
    if (e.sensitiveCategories !== undefined)
      expect(d.sensitiveCategories, ctx).toEqual(e.sensitiveCategories);
    if (e.withheld !== undefined) expect(d.withheld, ctx).toEqual(e.withheld);
    if (e.breakGlassAvailable !== undefined)
      expect(d.breakGlassAvailable, ctx).toBe(e.breakGlassAvailable);
    if (e.breakGlassUsed !== undefined) expect(d.breakGlassUsed, ctx).toBe(e.breakGlassUsed);
    if (e.deidentify !== undefined) expect(d.deidentify, ctx).toBe(e.deidentify);
    if (e.scopes !== undefined) expect(d.scopes, ctx).toEqual(e.scopes);
    const ids = d.reasons.map((r) => r.policyId);
    for (const id of e.reasonsInclude ?? []) expect(ids, ctx).toContain(id);

    // Invariants that hold for every case.
    if (d.decision === 'deny') {
      expect(d.fields).toEqual([]);
      expect(d.sensitiveCategories).toEqual([]);
      expect(d.reasonCode).toBeTruthy();
    } else {
      expect(d.reasonCode).toBeUndefined();
      expect(d.fields.length + d.sensitiveCategories.length).toBeGreaterThan(0);
    }
    if (fx.input.principal.roles.includes('vendor-engineer')) {
      for (const f of CLINICAL_FIELDS) expect(d.fields).not.toContain(f);
      expect(d.sensitiveCategories).toEqual([]);
    }
    if (d.deidentify) {
      for (const f of [
        'demographics.name',
        'demographics.idNumber',
        'contact.phone',
        'contact.address',
      ]) {
        expect(d.fields).not.toContain(f);
      }
    }
  });
});
