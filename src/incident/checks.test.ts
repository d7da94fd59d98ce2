import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { addressInBlock, checkWindow, likePrefixes, parseCidrBlock } from './checks.ts';
import { classifyAccess } from './classify.ts';

const reasonOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    if (isCustosError(e)) return e.extra.reason;
    throw e;
  }
  return 'accepted';
};

describe('network ranges', () => {
  it.each([
    ['10.20.1.0/24', '10.20.1.13', true],
    ['10.20.1.0/24', '10.20.2.1', false],
    ['10.20.1.0/24', '::ffff:10.20.1.99', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['2001:db8::/32', '2001:db8:1::5', true],
    ['2001:db8::/32', '2001:db9::5', false],
    ['2001:db8::/32', '10.0.0.1', false],
    ['10.20.1.7/32', '10.20.1.7', true],
    ['10.20.1.0/24', 'not-an-ip', false],
  ])('%s contains %s: %s', (cidr, ip, want) => {
    expect(addressInBlock(ip, parseCidrBlock(cidr))).toBe(want);
  });

  it.each([
    '10.1.2.300/24',
    '10.0.0.0/33',
    '10.0.0.0',
    'x/8',
    '2001:db8::/129',
    '10.0.0.0/8/1',
    '',
    'fe80::1%eth0/64',
  ])('refuses %s with a stable reason', (cidr) => {
    expect(reasonOf(() => parseCidrBlock(cidr))).toBe('incident.bad-cidr');
  });

  it('narrows a scan by whole octets only', () => {
    expect(likePrefixes(parseCidrBlock('10.20.1.0/24'))).toEqual(['10.20.1.%', '::ffff:10.20.1.%']);
    expect(likePrefixes(parseCidrBlock('10.20.0.0/20'))).toEqual(['10.20.%', '::ffff:10.20.%']);
    expect(likePrefixes(parseCidrBlock('10.0.0.0/4'))).toBeNull();
  });
});

describe('windows', () => {
  it('refuses inverted, equal, unparseable and too long windows', () => {
    expect(reasonOf(() => checkWindow('2025-06-02', '2025-06-01'))).toBe(
      'incident.inverted-window',
    );
    expect(reasonOf(() => checkWindow('2025-06-01', '2025-06-01'))).toBe(
      'incident.inverted-window',
    );
    expect(reasonOf(() => checkWindow('soon', '2025-06-01'))).toBe('incident.bad-window');
    expect(reasonOf(() => checkWindow('2020-01-01', '2025-01-01'))).toBe(
      'incident.window-too-long',
    );
    expect(reasonOf(() => checkWindow('2024-07-01', '2025-07-01'))).toBe('accepted');
  });
});

describe('classification of what was touched', () => {
  it('grades contact details 4 and maternity details 5 in both field vocabularies', () => {
    const contact = classifyAccess(['contact.phone', 'demographics.name'], []);
    expect(contact).toMatchObject({ grade: 4, contact: true, kinds: ['name', 'phone'] });
    expect(contact.categories).toEqual(['personal-attributes']);
    const maternity = classifyAccess(['name', 'phone', 'deliveryDate'], ['contact', 'maternity']);
    expect(maternity).toMatchObject({ grade: 5, contact: true, sensitive: ['reproductive'] });
    expect(classifyAccess(['diagnosis'], ['psychiatry']).sensitive).toEqual(['psychiatry']);
    expect(classifyAccess(['encounter'], []).grade).toBe(3);
  });
});
