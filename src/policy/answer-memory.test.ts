// The engine remembers Cedar answers by everything Cedar can observe. These tests show that an
// answer from memory is the answer Cedar gives, and that what Cedar can tell apart (the clock
// when a policy reads it, a patient named by a policy) is never answered from memory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compilePolicySet,
  DEFAULT_POLICY_DIR,
  loadPolicyDir,
  PolicyEngine,
  readPolicyDir,
} from './index.ts';
import type { AccessInput } from './index.ts';

const root = join(import.meta.dirname, 'fixtures');
const inputs: AccessInput[] = [];
for (const kind of ['ALLOW', 'DENY'])
  for (const f of readdirSync(join(root, kind))
    .filter((n) => n.endsWith('.json'))
    .sort())
    inputs.push(
      (JSON.parse(readFileSync(join(root, kind, f), 'utf8')) as { input: AccessInput }).input,
    );

const base = (over: Partial<AccessInput> = {}): AccessInput => ({
  principal: {
    staffId: 'd-er-01',
    roles: ['physician'],
    departmentIds: ['emergency'],
    status: 'active',
    training: 'current',
  },
  patient: {
    patientId: 'pt-1',
    confidentiality: 'N',
    admittedDepartmentIds: ['emergency'],
    sensitiveCategories: [],
    restrictions: { hiddenSections: [], blockedStaffIds: [], researchOptOut: false },
  },
  relationships: [],
  purpose: 'treatment',
  action: 'read',
  channel: 'screen',
  workstation: { registered: true, location: 'ward', network: 'internal' },
  now: '2025-03-01T10:00:00Z',
  ...over,
});
const patient = (id: string) => ({ ...base().patient, patientId: id });

describe('remembered Cedar answers', () => {
  it('give the same decision as Cedar for every case of the authorization matrix, twice over', () => {
    const set = loadPolicyDir(DEFAULT_POLICY_DIR);
    const fresh = new PolicyEngine(set, {}, { maxAnswers: 0 });
    const remembering = new PolicyEngine(set);
    for (let round = 0; round < 2; round++)
      for (const input of inputs)
        expect(remembering.decideAccess(input)).toEqual(fresh.decideAccess(input));
    // The second round was answered from memory.
    expect(remembering.answerStats.hits).toBeGreaterThanOrEqual(inputs.length);
    expect(fresh.answerStats).toEqual({ hits: 0, misses: 0, size: 0 });
  });

  it("are shared by patients with the same facts, and keep each patient's own relationships", () => {
    const engine = new PolicyEngine(loadPolicyDir(DEFAULT_POLICY_DIR));
    const a = engine.decideAccess(base({ patient: patient('pt-a') }));
    const b = engine.decideAccess(base({ patient: patient('pt-b') }));
    expect(b.decision).toBe('permit');
    expect(b).toEqual(a);
    expect(engine.answerStats.hits).toBeGreaterThan(0);
    const rel = engine.decideAccess(
      base({
        patient: patient('pt-c'),
        relationships: [
          { kind: 'attending', sourceId: 'Encounter/e-9', at: '2025-03-01T08:00:00Z' },
        ],
      }),
    );
    expect(rel.relationships.map((r) => r.sourceId)).toContain('Encounter/e-9');
  });

  it('never stand in for a patient a policy names', () => {
    const { schema, policies } = readPolicyDir(DEFAULT_POLICY_DIR);
    const set = compilePolicySet(schema, [
      ...policies,
      {
        file: '95-local.cedar',
        text: `// This one patient is closed to everyone.
@id("local/closed-patient")
forbid (principal, action, resource in Custos::Patient::"pt-closed");`,
      },
    ]);
    const engine = new PolicyEngine(set);
    expect(engine.decideAccess(base({ patient: patient('pt-open') })).decision).toBe('permit');
    expect(engine.decideAccess(base({ patient: patient('pt-closed') })).decision).toBe('deny');
    expect(engine.decideAccess(base({ patient: patient('pt-open2') })).decision).toBe('permit');
  });

  it('are kept apart by the clock when a policy reads it', () => {
    const { schema, policies } = readPolicyDir(DEFAULT_POLICY_DIR);
    const set = compilePolicySet(schema, [
      ...policies,
      {
        file: '95-local.cedar',
        text: `// Nothing opens after the cut-off time (a made-up rule for this test).
@id("local/cut-off")
forbid (principal, action, resource) when { context.now >= 1740826800 };`,
      },
    ]);
    const engine = new PolicyEngine(set);
    // 1740826800 is 2025-03-01T11:00:00Z.
    expect(engine.decideAccess(base({ now: '2025-03-01T10:59:59Z' })).decision).toBe('permit');
    expect(engine.decideAccess(base({ now: '2025-03-01T11:00:00Z' })).decision).toBe('deny');
    expect(engine.decideAccess(base({ now: '2025-03-01T10:00:00Z' })).decision).toBe('permit');
  });

  it('change with any fact Cedar sees: suspension, workstation, purpose', () => {
    const engine = new PolicyEngine(loadPolicyDir(DEFAULT_POLICY_DIR));
    expect(engine.decideAccess(base()).decision).toBe('permit');
    const suspended = base();
    suspended.principal = { ...suspended.principal, status: 'suspended' };
    expect(engine.decideAccess(suspended).decision).toBe('deny');
    expect(
      engine.decideAccess(
        base({ workstation: { registered: false, location: 'ward', network: 'internal' } }),
      ).decision,
    ).toBe('deny');
    expect(engine.decideAccess(base()).decision).toBe('permit');
  });

  it('stay bounded', () => {
    const engine = new PolicyEngine(loadPolicyDir(DEFAULT_POLICY_DIR), {}, { maxAnswers: 50 });
    for (let i = 0; i < 120; i++) {
      const input = base();
      input.principal = { ...input.principal, staffId: `s-${i}` };
      engine.decideAccess(input);
    }
    expect(engine.answerStats.size).toBe(50);
  });
});
