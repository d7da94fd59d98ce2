import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  compilePolicySet,
  DEFAULT_POLICY_DIR,
  explainAccess,
  getDefaultPolicyEngine,
  grantBreakGlass,
  loadPolicyDir,
  PolicyEngine,
  PolicyStore,
  readPolicyDir,
} from './index.ts';
import type { AccessInput, PolicyProblem, ReloadResult } from './index.ts';

const NOW = '2025-03-01T10:00:00Z';

function input(over: Partial<AccessInput> = {}): AccessInput {
  return {
    principal: {
      staffId: 'd-er-01',
      roles: ['physician'],
      departmentIds: ['emergency'],
      status: 'active',
      training: 'current',
    },
    patient: {
      patientId: 'pt-1',
      confidentiality: 'V',
      admittedDepartmentIds: ['emergency'],
      sensitiveCategories: ['psychiatry'],
      restrictions: { hiddenSections: [], blockedStaffIds: [], researchOptOut: false },
    },
    relationships: [],
    purpose: 'treatment',
    action: 'read',
    channel: 'screen',
    workstation: { registered: true, location: 'ward', network: 'internal' },
    now: NOW,
    ...over,
  };
}

function problemsOf(f: () => unknown): PolicyProblem[] {
  try {
    f();
  } catch (e) {
    if (isCustosError(e, 'CUSTOS_INPUT_INVALID')) return e.extra['problems'] as PolicyProblem[];
    throw e;
  }
  throw new Error('expected an invalid policy set');
}

const { schema, policies } = readPolicyDir(DEFAULT_POLICY_DIR);
const withFile = (file: string, text: string) => [...policies, { file, text }];

describe('policy set compilation', () => {
  it('compiles the default set: every policy has an id and a comment of intent', () => {
    const set = loadPolicyDir();
    expect(set.policies.size).toBeGreaterThan(25);
    for (const p of [...set.policies.values(), ...set.templates.values()]) {
      expect(p.intent.length, p.id).toBeGreaterThan(10);
      if (p.effect === 'forbid') expect(p.reason, p.id).toMatch(/^[A-Z_]+$/);
    }
    expect([...set.templates.keys()]).toEqual(['break-glass/emergency']);
  });

  it.each([
    {
      name: 'syntax error',
      text: '// intent\n@id("x/broken")\npermit (principal, action, resource)\nwhen { 1 + };\n',
      line: 4,
      column: 12,
      message: /unexpected token/,
    },
    {
      name: 'missing @id',
      text: '\n// intent\npermit (principal, action, resource is Custos::Patient);\n',
      line: 3,
      column: 1,
      message: /no @id/,
    },
    {
      name: 'missing comment of intent',
      text: '@id("x/silent")\npermit (principal, action, resource is Custos::Patient);\n',
      line: 1,
      column: 1,
      message: /comment of intent/,
    },
    {
      name: 'unknown field in @grants',
      text: '// intent\n@id("x/typo")\n@grants("demographics.nmae")\npermit (principal, action, resource is Custos::Patient);\n',
      line: 2,
      column: 1,
      message: /unknown field or category "demographics.nmae"/,
    },
    {
      name: 'attribute not in the schema',
      text: '// first\n@id("x/ok")\npermit (principal, action, resource is Custos::Patient);\n\n// second\n@id("x/bad-attr")\nforbid (principal, action, resource)\nwhen { principal.salary > 5 };\n',
      line: 8,
      column: 8,
      message: /salary/,
    },
    {
      name: 'duplicate id',
      text: '// again\n@id("staff/active-only")\nforbid (principal, action, resource);\n',
      line: 2,
      column: 1,
      message: /duplicate policy id "staff\/active-only"/,
    },
    {
      name: 'unknown annotation',
      text: '// intent\n@id("x/ann")\n@grantz("note")\npermit (principal, action, resource is Custos::Patient);\n',
      line: 2,
      column: 1,
      message: /unknown annotation @grantz/,
    },
  ])('rejects $name with file, line and column', ({ text, line, column, message }) => {
    const problems = problemsOf(() => compilePolicySet(schema, withFile('99-local.cedar', text)));
    expect(problems[0]).toMatchObject({ file: '99-local.cedar', line, column });
    expect(problems[0]?.message).toMatch(message);
  });

  it('counts columns in characters when a file holds Chinese comments', () => {
    const text =
      '// 本地规则：示例\n@id("x/zh")\npermit (principal, action, resource is Custos::Patient)\nwhen { context.purpos == "治疗" };\n';
    const problems = problemsOf(() => compilePolicySet(schema, withFile('98-zh.cedar', text)));
    expect(problems[0]).toMatchObject({ file: '98-zh.cedar', line: 4, column: 8 });
  });

  it('rejects a broken schema with its location', () => {
    const problems = problemsOf(() =>
      compilePolicySet(
        { file: 'schema.cedarschema', text: 'namespace Custos { entity X { a: Strin }; }' },
        policies,
      ),
    );
    expect(problems[0]).toMatchObject({ file: 'schema.cedarschema', line: 1, column: 34 });
  });
});

describe('decisions and settings', () => {
  const engine = getDefaultPolicyEngine();

  it('rejects malformed input with CUSTOS_BAD_REQUEST and no personal data in the message', () => {
    const cases: unknown[] = [
      null,
      { ...input(), purpose: 'marketing' },
      { ...input(), action: 'delete' },
      { ...input(), now: 'yesterday' },
      { ...input(), principal: { ...input().principal, staffId: '' } },
      { ...input(), patient: { ...input().patient, patientId: 'x'.repeat(500) } },
      { ...input(), requested: ['diagnosis', 'secret-stuff'] },
      { ...input(), relationships: [{ kind: 'friend', sourceId: 'a', at: NOW }] },
      { ...input(), workstation: { registered: 'yes', location: 'ward', network: 'internal' } },
    ];
    for (const c of cases) {
      let err: unknown;
      try {
        engine.decideAccess(c as AccessInput);
      } catch (e) {
        err = e;
      }
      expect(isCustosError(err, 'CUSTOS_BAD_REQUEST'), JSON.stringify(c)?.slice(0, 80)).toBe(true);
      expect((err as Error).message).not.toContain('xxxxxxxx');
    }
  });

  it('uses the configured relationship window', () => {
    const rel = {
      kind: 'attending' as const,
      sourceId: 'enc-1',
      at: '2025-02-20T00:00:00Z',
      endedAt: '2025-02-25T10:00:00Z',
    };
    const inp = input({ relationships: [rel] });
    expect(engine.decideAccess(inp).decision).toBe('deny'); // ended 4 days ago, window 72 h
    const wide = new PolicyEngine(engine.set, { relationshipWindowHours: 24 * 7 });
    const d = wide.decideAccess(inp);
    expect(d.decision).toBe('permit');
    expect(d.relationships).toContainEqual(rel);
  });

  it('lets a tenant allow break-the-glass past a patient bar', () => {
    const g = grantBreakGlass({
      staffId: 'd-er-01',
      patientId: 'pt-1',
      reasonCode: 'EMERGENCY_UNCONSCIOUS',
      reasonText: 'unconscious on arrival',
      now: NOW,
      durationHours: 4,
    });
    const barred = input({
      breakGlass: g,
      patient: {
        ...input().patient,
        restrictions: { hiddenSections: [], blockedStaffIds: ['d-er-01'], researchOptOut: false },
      },
    });
    expect(engine.decideAccess(barred)).toMatchObject({
      decision: 'deny',
      reasonCode: 'PATIENT_RESTRICTION',
    });
    const lenient = new PolicyEngine(engine.set, { blocksHonouredInBreakGlass: false });
    expect(lenient.decideAccess(barred)).toMatchObject({
      decision: 'permit',
      breakGlassUsed: true,
    });
  });

  it('keeps clinical content from vendor engineers even when a local policy grants it', () => {
    const generous = compilePolicySet(
      schema,
      withFile(
        '50-local.cedar',
        '// A careless local rule that grants vendors the notes.\n@id("local/vendor-notes")\n@grants("note diagnosis technical")\npermit (principal in Custos::Role::"vendor-engineer", action == Custos::Action::"read", resource is Custos::Patient);\n',
      ),
    );
    const vendor = input({
      principal: {
        staffId: 'v-1',
        roles: ['vendor-engineer'],
        departmentIds: ['vendor'],
        status: 'active',
        training: 'current',
      },
      patient: { ...input().patient, confidentiality: 'N' },
      purpose: 'operations',
    });
    const d = new PolicyEngine(generous).decideAccess(vendor);
    expect(d.decision).toBe('permit');
    expect(d.fields).toEqual(['demographics.mrn', 'technical']);
    expect(d.withheld).toEqual(['diagnosis', 'note']);
    expect(
      d.reasons
        .filter((r) => r.policyId === 'vendor/no-clinical-content')
        .map((r) => r.category)
        .sort(),
    ).toEqual(['diagnosis', 'note']);
  });

  it('rejects nonsense settings', () => {
    expect(() => new PolicyEngine(engine.set, { breakGlassHours: 0 })).toThrow(/breakGlassHours/);
  });
});

describe('break-the-glass', () => {
  const engine = getDefaultPolicyEngine();

  it('grants a time-limited, reviewed grant only when the denial offers it, and the grant opens the record', () => {
    const denied = engine.decideAccess(input());
    expect(denied).toMatchObject({
      decision: 'deny',
      reasonCode: 'PATIENT_RESTRICTED',
      breakGlassAvailable: true,
    });
    const g = engine.grantBreakGlass(input(), {
      reasonCode: 'EMERGENCY_UNCONSCIOUS',
      reasonText: 'Unconscious, allergies unknown',
      grantId: 'bg-42',
    });
    expect(g).toMatchObject({
      grantId: 'bg-42',
      staffId: 'd-er-01',
      patientId: 'pt-1',
      reviewRequired: true,
      notifyPatient: true,
      grantedAt: '2025-03-01T10:00:00.000Z',
      expiresAt: '2025-03-01T14:00:00.000Z',
    });
    const opened = engine.decideAccess(input({ breakGlass: g }));
    expect(opened).toMatchObject({ decision: 'permit', breakGlassUsed: true });
    expect(opened.reasons.map((r) => r.policyId)).toContain('break-glass/emergency');
    const later = engine.decideAccess(input({ breakGlass: g, now: '2025-03-01T14:00:00Z' }));
    expect(later).toMatchObject({ decision: 'deny', reasonCode: 'BREAK_GLASS_EXPIRED' });
  });

  it('honours the configured grant length', () => {
    const short = new PolicyEngine(engine.set, { breakGlassHours: 1 });
    const g = short.grantBreakGlass(input(), {
      reasonCode: 'EMERGENCY_LIFE_THREATENING',
      reasonText: 'cardiac arrest in corridor',
    });
    expect(Date.parse(g.expiresAt) - Date.parse(g.grantedAt)).toBe(3_600_000);
  });

  it('refuses a grant to roles without break-the-glass and when nothing is denied', () => {
    const tech = input({
      principal: {
        staffId: 't-1',
        roles: ['radiology-technician'],
        departmentIds: ['radiology'],
        status: 'active',
        training: 'current',
      },
    });
    expect(() =>
      engine.grantBreakGlass(tech, { reasonCode: 'OTHER', reasonText: 'need to see the history' }),
    ).toThrow(/not available/);
    const attending = input({ relationships: [{ kind: 'attending', sourceId: 'e', at: NOW }] });
    expect(() =>
      engine.grantBreakGlass(attending, {
        reasonCode: 'OTHER',
        reasonText: 'need to see the history',
      }),
    ).toThrow(/not available/);
  });

  it.each([
    [{ reasonCode: 'BORED' }, /reason code/],
    [{ reasonText: 'short' }, /10 to 1000/],
    [{ durationHours: 100 }, /duration/],
    [{ now: 'now' }, /ISO 8601/],
  ])('rejects a bad request %#', (over, msg) => {
    const base = {
      staffId: 's',
      patientId: 'p',
      reasonCode: 'OTHER' as const,
      reasonText: 'a long enough reason',
      now: NOW,
      durationHours: 4,
    };
    expect(() => grantBreakGlass({ ...base, ...over } as never)).toThrow(msg);
  });

  it('keeps working when many grants rotate through the engine', () => {
    for (let i = 0; i < 40; i++) {
      const g = grantBreakGlass({
        staffId: 'd-er-01',
        patientId: 'pt-1',
        reasonCode: 'OTHER',
        reasonText: 'rotation test reason',
        now: NOW,
        durationHours: 4,
        grantId: `g-${i}`,
      });
      expect(engine.decideAccess(input({ breakGlass: g })).decision).toBe('permit');
    }
  });
});

describe('explainAccess', () => {
  it('explains a denial in English and Chinese, offering break-the-glass', () => {
    const x = explainAccess(input());
    expect(x.decision.decision).toBe('deny');
    expect(x.summary.en).toMatch(/^No: the record is restricted .*break-the-glass available/);
    expect(x.summary['zh-CN']).toMatch(/^不可以：.*可申请紧急访问/);
    expect(x.lines.en.join('\n')).toMatch(/Forbidden by confidentiality\/very-restricted/);
    expect(x.lines['zh-CN'].join('\n')).toMatch(/紧急访问（破窗）/);
  });

  it('explains a permit with the relationship and the withheld categories', () => {
    const x = explainAccess(
      input({ patient: { ...input().patient, confidentiality: 'N' }, relationships: [] }),
    );
    expect(x.decision.decision).toBe('permit');
    expect(x.lines.en.join('\n')).toMatch(/in-department \(department:emergency\)/);
    expect(x.lines.en.join('\n')).toMatch(/Withheld: psychiatry/);
    expect(x.lines['zh-CN'].join('\n')).toMatch(/患者在本科室/);
  });
});

describe('PolicyStore hot reload', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-policies-'));
    cpSync(DEFAULT_POLICY_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const registrar = (): AccessInput =>
    input({
      principal: {
        staffId: 'r-1',
        roles: ['registration'],
        departmentIds: ['registration'],
        status: 'active',
        training: 'current',
      },
      patient: { ...input().patient, confidentiality: 'N' },
      purpose: 'operations',
    });

  it('applies a valid change and keeps the previous set when a change is invalid', () => {
    const store = new PolicyStore(dir);
    const v1 = store.version;
    expect(store.decideAccess(registrar()).fields).toContain('contact.address');

    const rolesFile = join(dir, '20-roles.cedar');
    const original = readFileSync(rolesFile, 'utf8');
    writeFileSync(
      rolesFile,
      original.replace(
        '@grants("demographics.* @contact appointment")',
        '@grants("demographics.* contact.phone appointment")',
      ),
    );
    const ok = store.reload();
    expect(ok).toMatchObject({ ok: true, changed: true });
    expect(store.version).not.toBe(v1);
    expect(store.decideAccess(registrar()).fields).not.toContain('contact.address');
    const v2 = store.version;

    writeFileSync(
      join(dir, '95-broken.cedar'),
      '// broken\n@id("x/broken")\npermit (principal, action, resource) when { context.nope };\n',
    );
    const bad = store.reload();
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.activeVersion).toBe(v2);
      expect(bad.problems[0]).toMatchObject({ file: '95-broken.cedar', line: 3 });
    }
    expect(store.version).toBe(v2);
    expect(store.decideAccess(registrar()).decision).toBe('permit');
    expect(store.reload()).toMatchObject({ ok: false });
    rmSync(join(dir, '95-broken.cedar'));
    expect(store.reload()).toMatchObject({ ok: true, changed: false, version: v2 });
  });

  it('refuses to start on an invalid directory', () => {
    writeFileSync(join(dir, '00-baseline.cedar'), 'forbid (principal, action, resource);');
    expect(() => new PolicyStore(dir)).toThrow(/invalid policy set: 00-baseline.cedar:1:1/);
    expect(() => new PolicyStore(join(dir, 'missing'))).toThrow(/cannot be read/);
  });

  it('watches the directory and reloads on change', async () => {
    const results: ReloadResult[] = [];
    let notify: () => void = () => undefined;
    const reloaded = new Promise<void>((resolve) => {
      notify = resolve;
    });
    const store = new PolicyStore(dir, {
      debounceMs: 20,
      onReload: (r) => {
        results.push(r);
        if (r.ok && r.changed) notify();
      },
    });
    store.watch();
    try {
      writeFileSync(
        join(dir, '96-extra.cedar'),
        '// Registration may not print during the audit.\n@id("local/no-print")\n@reason("CHANNEL_NOT_ALLOWED")\nforbid (principal in Custos::Role::"registration", action == Custos::Action::"print", resource);\n',
      );
      await reloaded;
      expect(
        store.decideAccess({ ...registrar(), action: 'print', channel: 'print' }),
      ).toMatchObject({ decision: 'deny', reasonCode: 'CHANNEL_NOT_ALLOWED' });
    } finally {
      store.close();
    }
  });
});
