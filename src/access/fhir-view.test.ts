import { describe, expect, it } from 'vitest';
import {
  MASKED_VALUE_EXTENSION,
  candidateToFhirPatient,
  fieldsOfFhirType,
  toFhirResources,
} from './fhir-view.ts';
import type { DisclosedRecord } from './types.ts';

function disclosed(record: Record<string, unknown>): DisclosedRecord {
  return { patientId: 'p-9', record } as unknown as DisclosedRecord;
}

describe('FHIR shapes of a disclosed record', () => {
  it('keeps masked values that are no longer valid primitives in the masked-value extension', () => {
    const [p] = toFhirResources(
      disclosed({ demographics: { name: '张*', sex: '*', birthDate: '1985-**-**' } }),
    );
    expect(p).toMatchObject({ resourceType: 'Patient', id: 'p-9', name: [{ text: '张*' }] });
    expect(p!.birthDate).toBeUndefined();
    expect(p!._birthDate).toEqual({
      extension: [{ url: MASKED_VALUE_EXTENSION, valueString: '1985-**-**' }],
    });
    expect(p!.gender).toBeUndefined();
    expect(p!._gender).toBeDefined();
  });

  it('emits only the sections present in the view (nothing the decision did not allow)', () => {
    const out = toFhirResources(
      disclosed({
        diagnosis: [{ id: 'c1', code: 'I10', system: 'http://hl7.org/fhir/sid/icd-10' }],
        observation: {
          lab: [
            { id: 'o1', code: '2345-7', value: 6.1, unit: 'mmol/L', effective: '2025-01-01' },
            { id: 'r1', text: 'CBC', status: 'final', conclusion: 'normal' },
          ],
        },
        billing: { codes: [{ id: 'cl', codes: ['A1'] }], amounts: [{ id: 'cl', value: 12 }] },
      }),
    );
    expect(out.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      'Condition/c1',
      'Observation/o1',
      'DiagnosticReport/r1',
      'Claim/cl',
    ]);
    expect(out[1]).toMatchObject({ valueQuantity: { value: 6.1, unit: 'mmol/L' } });
    expect(out[3]).toMatchObject({
      item: [{ productOrService: { coding: [{ code: 'A1' }] } }],
      total: { value: 12 },
    });
  });

  it('builds search candidates from the masked fields only', () => {
    expect(
      candidateToFhirPatient({ patientId: 'p-1', name: '张*丰', birthYear: '1949', mrn: 'M1' }),
    ).toEqual({
      resourceType: 'Patient',
      id: 'p-1',
      identifier: [
        {
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
          },
          value: 'M1',
        },
      ],
      name: [{ text: '张*丰' }],
      birthDate: '1949',
    });
    expect(fieldsOfFhirType('Condition')).toEqual(['diagnosis']);
    expect(fieldsOfFhirType('Secret')).toBeUndefined();
  });
});
