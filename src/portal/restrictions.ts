/**
 * The patient's restrictions, stored as FHIR R4 Consent resources in the encrypted vault where
 * the disclosure path reads them when it builds the policy's patient facts:
 * - hidden sections: a `deny` provision with HL7 v3 ActCode sensitivity labels (PSY, SEX, HIV,
 *   SUD, GDIS), with a nested `permit` provision for the patient's direct care team;
 * - blocked staff: a `deny` provision naming `Practitioner/<staff id>` actors and no data;
 * - research opt-out: a Consent of scope `research` whose provision is `deny`.
 * A cleared restriction stays as an `inactive` Consent (the history of consent is kept).
 */
import { createHash } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { consentRestrictionsOf } from '../access/index.ts';
import type { ConsentRestrictions } from '../policy/index.ts';
import {
  readPatientRecord,
  readResources,
  writeResources,
  type FhirResource,
} from '../vault/index.ts';
import type { PortalDeps } from './context.ts';

/** Sensitive sections a patient may hide, with their HL7 v3 ActCode sensitivity label. */
export const HIDEABLE_SECTIONS: Readonly<Record<string, string>> = {
  psychiatry: 'PSY',
  reproductive: 'SEX',
  'hiv-sti': 'HIV',
  substance: 'SUD',
  genetics: 'GDIS',
};

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const LOINC = 'http://loinc.org';
/** Actor role of the exception for the direct care team (Custos code system). */
export const DIRECT_CARE_TEAM = {
  system: 'https://custos.dev/fhir/CodeSystem/consent-actor',
  code: 'direct-care-team',
} as const;

/** What the portal keeps as the patient's own choices (read back from their Consents). */
export interface StoredChoices {
  hiddenSections: string[];
  blockedStaffIds: string[];
  researchOptOut: boolean;
}

/** Ids of the three Consents the portal manages for a patient (no personal data in them). */
export function consentIds(tenant: string, patientId: string) {
  const h = createHash('sha256').update(`${tenant}\u0000${patientId}`).digest('hex').slice(0, 20);
  return { hide: `portal-hide-${h}`, block: `portal-block-${h}`, research: `portal-research-${h}` };
}

function base(id: string, patientId: string, active: boolean, scope: string, now: Date) {
  return {
    resourceType: 'Consent',
    id,
    status: active ? 'active' : 'inactive',
    scope: { coding: [{ system: SCOPE, code: scope }] },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: now.toISOString(),
    policyRule: { text: 'Patient choice recorded in the Custos patient portal' },
  };
}

/** The three Consent resources that express the patient's choices. */
export function buildConsents(
  tenant: string,
  patientId: string,
  c: StoredChoices,
  now: Date,
): FhirResource[] {
  const ids = consentIds(tenant, patientId);
  const hidden = [...new Set(c.hiddenSections)].sort();
  const blocked = [...new Set(c.blockedStaffIds)].sort();
  return [
    {
      ...base(ids.hide, patientId, hidden.length > 0, 'patient-privacy', now),
      provision: {
        type: 'deny',
        securityLabel: hidden.map((s) => ({ system: ACT_CODE, code: HIDEABLE_SECTIONS[s] })),
        class: hidden.map((s) => ({
          system: 'https://custos.dev/fhir/CodeSystem/category',
          code: s,
        })),
        // The exception: the patient's direct care team still sees these sections.
        provision: [
          {
            type: 'permit',
            actor: [
              {
                role: { coding: [{ ...DIRECT_CARE_TEAM }] },
                reference: { display: 'Direct care team' },
              },
            ],
          },
        ],
      },
    },
    {
      ...base(ids.block, patientId, blocked.length > 0, 'patient-privacy', now),
      provision: {
        type: 'deny',
        actor: blocked.map((id) => ({
          role: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRF' },
            ],
          },
          reference: { reference: `Practitioner/${id}` },
        })),
      },
    },
    {
      ...base(ids.research, patientId, c.researchOptOut, 'research', now),
      provision: { type: 'deny' },
    },
  ];
}

const codes = (v: unknown): string[] =>
  (Array.isArray(v) ? v : []).flatMap((x) =>
    x && typeof x === 'object' && typeof (x as { code?: unknown }).code === 'string'
      ? [(x as { code: string }).code]
      : [],
  );

/** Reads the patient's choices back from the portal's Consents (none stored: nothing chosen). */
export async function readChoices(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
): Promise<StoredChoices> {
  const ids = consentIds(tenant, patientId);
  const found = await readResources(deps.vault, tenant, [
    { resourceType: 'Consent', id: ids.hide },
    { resourceType: 'Consent', id: ids.block },
    { resourceType: 'Consent', id: ids.research },
  ]);
  const byId = new Map(found.map((r) => [r.meta.id, r.resource]));
  const hide = byId.get(ids.hide);
  const block = byId.get(ids.block);
  const research = byId.get(ids.research);
  const labelToSection = new Map(Object.entries(HIDEABLE_SECTIONS).map(([k, v]) => [v, k]));
  const hiddenSections =
    hide?.status === 'active'
      ? codes((hide.provision as { securityLabel?: unknown })?.securityLabel)
          .map((c) => labelToSection.get(c))
          .filter((x): x is string => !!x)
      : [];
  const blockedStaffIds =
    block?.status === 'active'
      ? ((block.provision as { actor?: { reference?: { reference?: string } }[] })?.actor ?? [])
          .map((a) => /^Practitioner\/(.+)$/.exec(a?.reference?.reference ?? '')?.[1])
          .filter((x): x is string => !!x)
      : [];
  return {
    hiddenSections: [...new Set(hiddenSections)].sort(),
    blockedStaffIds: [...new Set(blockedStaffIds)].sort(),
    researchOptOut: research?.status === 'active',
  };
}

/** Validates and writes the patient's choices (the caller ledgers the change first). */
export async function writeChoices(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
  c: StoredChoices,
): Promise<void> {
  for (const s of c.hiddenSections)
    if (!(s in HIDEABLE_SECTIONS))
      throw new CustosError(
        ErrorCode.InputInvalid,
        'a hidden section is not one of psychiatry, reproductive, hiv-sti, substance, genetics',
        {
          field: 'hiddenSections',
        },
      );
  if (c.blockedStaffIds.length > 200)
    throw new CustosError(ErrorCode.InputInvalid, 'at most 200 staff members can be blocked', {
      field: 'blockedStaff',
    });
  await writeResources(deps.vault, tenant, buildConsents(tenant, patientId, c, deps.now()), {
    checkReferences: false,
  });
}

/**
 * The restrictions in force on a patient from all their Consents (the portal's and imported
 * ones), read the way the disclosure path reads them.
 */
export async function effectiveRestrictions(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
): Promise<ConsentRestrictions> {
  const consents = await readPatientRecord(deps.vault, tenant, patientId, {
    resourceTypes: ['Consent'],
    sections: ['admin', 'clinical'],
  });
  return consentRestrictionsOf(
    consents.map((c) => c.resource),
    deps.now(),
  );
}
