/**
 * A tiny hand-built hospital for detector tests: a few staff, patients and relationships whose
 * meaning is obvious from the ids. Not exported from the module.
 */
import { resolveMonitorConfig, DAY, HOUR, type MonitorConfig } from './config.ts';
import {
  AccessAction,
  ActorKind,
  DataCategory,
  StaffStatus,
  type AccessEvent,
  type MonitorFacts,
  type PatientFacts,
  type StaffFacts,
} from './types.ts';

/** 2025-03-03 08:00 in China (UTC+8), a Monday. */
export const T0 = Date.UTC(2025, 2, 3, 0, 0, 0);
export { DAY, HOUR };

/** Monitor configuration used by the tests (a GeoIP table with one foreign block). */
export const testConfig: MonitorConfig = resolveMonitorConfig({
  geoNetworks: [
    { cidr: '203.0.113.0/24', country: 'US' },
    { cidr: '198.51.100.0/24', country: 'CN' },
  ],
});

const staff = (s: Partial<StaffFacts> & { id: string }): StaffFacts => ({
  role: 'nurse',
  department: 'obstetrics',
  status: StaffStatus.Active,
  ...s,
});

/** The baseline hospital. */
export function baseFacts(): MonitorFacts {
  const mothers: PatientFacts[] = Array.from({ length: 40 }, (_, i) => ({
    id: `m${i + 1}`,
    mrnNumber: 2001 + i * 17,
    maternity: true,
  }));
  const numbered: PatientFacts[] = Array.from({ length: 200 }, (_, i) => ({
    id: `p${i + 1}`,
    mrnNumber: 5000 + i * 13,
  }));
  const sequential: PatientFacts[] = Array.from({ length: 10 }, (_, i) => ({
    id: `q${i + 1}`,
    mrnNumber: 3001 + i,
  }));
  return {
    staff: [
      staff({
        id: 's-nurse',
        surname: '王',
        addressKey: 'addr-1',
        phoneKey: 'ph-1',
        emergencyContactKeys: ['ph-9'],
        nationalIdKey: 'nid-s1',
      }),
      staff({ id: 's-doc', role: 'physician', department: 'emergency', surname: '李' }),
      staff({ id: 's-rad', role: 'radiology-technician', department: 'radiology' }),
      staff({ id: 's-bill', role: 'billing-clerk', department: 'billing' }),
      staff({ id: 's-colleague', department: 'emergency', nationalIdKey: 'nid-s2' }),
      staff({
        id: 's-gone',
        department: 'surgery',
        status: StaffStatus.Departed,
        statusSince: T0 - 10 * DAY,
      }),
      staff({
        id: 's-susp',
        department: 'surgery',
        status: StaffStatus.Suspended,
        statusSince: T0 - DAY,
      }),
      staff({ id: 's-dormant', department: 'surgery', lastActive: T0 - 90 * DAY }),
      staff({ id: 's-recent', department: 'surgery', lastActive: T0 - DAY }),
    ],
    patients: [
      { id: 'p-vip', vip: true },
      { id: 'p-coworker', nationalIdKey: 'nid-s2' },
      { id: 'p-family', surname: '王', addressKey: 'addr-1' },
      { id: 'p-neighbour', surname: '赵', addressKey: 'addr-1' },
      { id: 'p-contact', surname: '周', phoneKey: 'ph-9' },
      { id: 'p-same-surname', surname: '王', addressKey: 'addr-7' },
      { id: 'p-self', nationalIdKey: 'nid-s1' },
      { id: 'p-dead', deceased: true },
      ...mothers,
      ...numbered,
      ...sequential,
    ],
    clients: [
      {
        id: 'c-lab',
        dailyLimit: 5,
        allowedCategories: [DataCategory.Demographics, DataCategory.Results],
        onlyOrderedPatients: true,
        expires: T0 + 365 * DAY,
      },
      { id: 'c-pacs', organisation: 'vendor' },
    ],
    workstations: [
      { id: 'ws-obs-1', department: 'obstetrics' },
      { id: 'ws-ed-1', department: 'emergency' },
      { id: 'ws-bill-1', department: 'billing' },
    ],
    care: {
      encounters: [
        // Every numbered patient is an emergency patient of s-doc in the first week.
        ...numbered.map((p, i) => ({
          id: `e-${p.id}`,
          patientId: p.id,
          department: 'emergency',
          participants: ['s-doc'],
          start: T0 - DAY + (i % 7) * HOUR,
          end: T0 + 6 * DAY,
        })),
        {
          id: 'e-dead',
          patientId: 'p-dead',
          department: 'emergency',
          participants: ['s-doc'],
          start: T0 - 2 * DAY,
          end: T0 - DAY,
        },
      ],
      careTeams: [{ patientId: 'p-family', members: ['s-doc'], start: T0 - DAY }],
      admissions: mothers.map((m) => ({
        patientId: m.id,
        department: 'obstetrics',
        start: T0 - DAY,
        end: T0 + 5 * DAY,
      })),
      orders: [{ id: 'o-1', patientId: 'p1', time: T0, performerClient: 'c-lab' }],
      shifts: Array.from({ length: 7 }, (_, d) => ({
        staffId: 's-nurse',
        start: T0 + d * DAY,
        end: T0 + d * DAY + 8 * HOUR,
        department: 'obstetrics',
      })),
    },
  };
}

let seq = 0;
/** An access event at `time` (default T0 + 2 h, 10:00 local) with sensible defaults. */
export function ev(
  actorId: string,
  patientId: string | undefined,
  over: Partial<AccessEvent> = {},
): AccessEvent {
  seq++;
  return {
    id: `ev-${seq}`,
    time: T0 + 2 * HOUR,
    actorId,
    actorKind: actorId.startsWith('c-') ? ActorKind.Client : ActorKind.Staff,
    ...(patientId !== undefined ? { patientId } : {}),
    action: AccessAction.Read,
    categories: [DataCategory.Clinical],
    ip: '10.1.2.3',
    ...over,
  };
}

/** `n` events of one actor over patients `ids`, one minute apart from `start`. */
export function many(
  actorId: string,
  ids: readonly string[],
  start: number,
  over: Partial<AccessEvent> = {},
): AccessEvent[] {
  return ids.map((p, i) => ev(actorId, p, { time: start + i * 60_000, ...over }));
}

/** Ids p{from}..p{to}. */
export function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
}
