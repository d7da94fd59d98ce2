import { describe, expect, it } from 'vitest';
import {
  computeLuhnCheck,
  computeResidentIdCheck,
  isLuhnValid,
  isValidIban,
  isValidHkid,
  isValidIpv4,
  isValidLegacyResidentId,
  isValidResidentId,
  isValidTaiwanId,
  isValidUsSsn,
} from './index.ts';

const NOW = new Date(Date.UTC(2026, 0, 1));

describe('GB 11643 resident ID', () => {
  it.each([
    ['11010519491231002X', true, 'valid, X check'],
    ['110105194912310021', false, 'wrong check digit'],
    ['440524188001010014', true, 'valid, old birth year'],
    ['11010519491331002X', false, 'month 13'],
    ['110105202912310029', false, 'birth date in the future'],
    ['990105194912310021', false, 'unknown province code'],
    ['11010519490229002X', false, '29 Feb in a non-leap year'],
  ])('%s → %s (%s)', (id, ok) => {
    expect(isValidResidentId(id, NOW)).toBe(ok);
  });
  it('computes the check character', () => {
    expect(computeResidentIdCheck('11010519491231002')).toBe('X');
    expect(computeResidentIdCheck('44052418800101001')).toBe('4');
  });
  it('checks 15-digit legacy IDs by province and birth date', () => {
    expect(isValidLegacyResidentId('110105491231002')).toBe(true);
    expect(isValidLegacyResidentId('110105491331002')).toBe(false);
    expect(isValidLegacyResidentId('000105491231002')).toBe(false);
  });
});

describe('Luhn', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['6222020200112233447', isLuhnValid('6222020200112233447')],
    ['79927398713', true],
    ['79927398710', false],
    ['abc', false],
  ])('%s → %s', (v, ok) => expect(isLuhnValid(v)).toBe(ok));
  it('completes a payload', () => {
    const p = '622202020011223344';
    expect(isLuhnValid(p + computeLuhnCheck(p))).toBe(true);
  });
});

describe('other validators', () => {
  it('HKID check digit', () => {
    expect(isValidHkid('A1234563')).toBe(true);
    expect(isValidHkid('A1234564')).toBe(false);
  });
  it('Taiwan ID check digit', () => {
    expect(isValidTaiwanId('A123456789')).toBe(true);
    expect(isValidTaiwanId('A123456788')).toBe(false);
  });
  it('IPv4 octets', () => {
    expect(isValidIpv4('192.168.1.20')).toBe(true);
    expect(isValidIpv4('256.1.1.1')).toBe(false);
    expect(isValidIpv4('01.2.3.4')).toBe(false);
  });
  it('US SSN rules', () => {
    expect(isValidUsSsn('123-45-6789')).toBe(true);
    expect(isValidUsSsn('666-45-6789')).toBe(false);
    expect(isValidUsSsn('123-00-6789')).toBe(false);
  });
});

describe('IBAN', () => {
  it('accepts valid check digits and rejects a changed digit', () => {
    expect(isValidIban('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('GB82 WEST 1234 5698 7654 33')).toBe(false);
    expect(isValidIban('DE88370400440532013000')).toBe(false);
    expect(isValidIban('12345')).toBe(false);
  });
});
