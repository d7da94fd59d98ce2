import { describe, expect, it } from 'vitest';
import { generateDataKey, sealField, type DataKey } from '../crypto/index.ts';
import { CustosError } from '../errors/index.ts';
import { frameSections } from './body.ts';
import { openResourceBody } from './open-body.ts';

const tenant = 't1';
const ref = 'Patient/p1';

function body(dek: DataKey, sections: Record<string, string>, row = ref): Buffer {
  return frameSections(
    Object.entries(sections).map(([name, json]) => [
      name,
      sealField(dek, json, { tenant, table: 'vault_resource', column: `body.${name}`, row }),
    ]),
  );
}

function failure(fn: () => unknown): CustosError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CustosError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('openResourceBody', () => {
  const dek = generateDataKey('aes-256-gcm');

  it('joins the allowed sections into one resource, a later member winning', () => {
    const b = body(dek, {
      identity: '{"name":[{"text":"王伟"}],"gender":"male"}',
      admin: '{}',
      contact: '{"telecom":[{"value":"13800000000"}],"gender":"female"}',
    });
    const all = openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, undefined);
    expect(all).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      name: [{ text: '王伟' }],
      gender: 'female',
      telecom: [{ value: '13800000000' }],
    });
    expect(Object.keys(all)).toEqual(['resourceType', 'id', 'name', 'gender', 'telecom']);
    const some = openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, new Set(['identity']));
    expect(some).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      name: [{ text: '王伟' }],
      gender: 'male',
    });
    expect(openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, ['contact'])).not.toHaveProperty(
      'name',
    );
    expect(openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, [])).toEqual({
      resourceType: 'Patient',
      id: 'p1',
    });
  });

  it('keeps a "__proto__" member as data, never as the prototype', () => {
    const b = body(dek, { clinical: '{"__proto__":{"polluted":true},"note":"x"}' });
    const r = openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, undefined);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect((r as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(r, '__proto__')).toBe(true);
  });

  it('names table, column and row when a section fails its check, and never returns garbage', () => {
    const b = body(dek, { identity: '{"name":[{"text":"王伟"}]}', contact: '{"telecom":[]}' });
    const flipped = Buffer.from(b);
    flipped[flipped.length - 3]! ^= 1;
    const e1 = failure(() =>
      openResourceBody(tenant, 'Patient', 'p1', ref, flipped, dek, undefined),
    );
    expect(e1.code).toBe('CUSTOS_CRYPTO_FAILURE');
    expect(e1.message).toContain('vault_resource.body.contact of Patient/p1');
    expect(e1.message).not.toContain('王伟');
    // The same sections sealed for another row do not open here.
    const moved = body(dek, { identity: '{"name":[]}' }, 'Patient/p2');
    const e2 = failure(() => openResourceBody(tenant, 'Patient', 'p1', ref, moved, dek, undefined));
    expect(e2.code).toBe('CUSTOS_CRYPTO_FAILURE');
    expect(e2.message).toContain('body.identity of Patient/p1');
    // Another key.
    const e3 = failure(() =>
      openResourceBody(tenant, 'Patient', 'p1', ref, b, generateDataKey('aes-256-gcm'), undefined),
    );
    expect(e3.code).toBe('CUSTOS_CRYPTO_FAILURE');
    expect(e3.message).toContain('of Patient/p1');
    // A truncated ciphertext header.
    const short = frameSections([['identity', Buffer.from([1, 1])]]);
    const e4 = failure(() => openResourceBody(tenant, 'Patient', 'p1', ref, short, dek, undefined));
    expect(e4.code).toBe('CUSTOS_CRYPTO_FAILURE');
    expect(e4.message).toContain('body.identity of Patient/p1');
  });

  it('refuses a section that is not a JSON object', () => {
    const b = body(dek, { identity: '[1,2]' });
    const e = failure(() => openResourceBody(tenant, 'Patient', 'p1', ref, b, dek, undefined));
    expect(e.code).toBe('CUSTOS_STORE_DAMAGED');
  });

  it('opens SM4 sections alike', () => {
    const sm = generateDataKey('sm4-ctr-hmac-sm3');
    const b = body(sm, { identity: '{"name":[{"text":"李娜"}]}' });
    expect(openResourceBody(tenant, 'Patient', 'p1', ref, b, sm, undefined).name).toEqual([
      { text: '李娜' },
    ]);
    const flipped = Buffer.from(b);
    flipped[flipped.length - 40]! ^= 1;
    expect(
      failure(() => openResourceBody(tenant, 'Patient', 'p1', ref, flipped, sm, undefined)).message,
    ).toContain('body.identity of Patient/p1');
  });
});
