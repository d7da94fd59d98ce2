/**
 * Building access events: the field sets each kind of work touches, the data categories they
 * amount to for a given patient, and the workstation and address an access comes from.
 */
import type { Model } from './model.ts';
import type { DemoRandom } from './random.ts';
import { localIso } from './time.ts';
import type {
  DemoAccessEvent,
  DemoAction,
  DemoCategory,
  DemoChannel,
  DemoField,
  DemoPurpose,
} from './types.ts';

const f = (...fields: DemoField[]): readonly DemoField[] => Object.freeze(fields);

/** The fields each kind of work shows. Arrays are shared between events: treat them as read-only. */
export const FIELDS = {
  searchResult: f('name', 'sex', 'birthDate', 'mrn'),
  registration: f('name', 'sex', 'birthDate', 'mrn', 'nationalId', 'phone', 'insurance'),
  slip: f('name', 'mrn'),
  wristband: f('name', 'sex', 'birthDate', 'mrn'),
  triage: f('name', 'sex', 'birthDate', 'mrn', 'encounters'),
  summary: f('name', 'sex', 'birthDate', 'mrn', 'encounters', 'diagnoses'),
  chart: f('name', 'mrn', 'notes', 'diagnoses', 'labs', 'medications'),
  emergency: f('name', 'sex', 'birthDate', 'mrn', 'encounters', 'diagnoses', 'notes', 'contacts'),
  prescription: f('name', 'sex', 'birthDate', 'mrn', 'medications', 'diagnoses'),
  labResults: f('name', 'mrn', 'labs'),
  imageResults: f('name', 'mrn', 'imaging'),
  labOrder: f('name', 'sex', 'birthDate', 'mrn', 'orders'),
  imagingOrder: f('name', 'sex', 'birthDate', 'mrn', 'orders', 'imaging'),
  imagingView: f('name', 'sex', 'birthDate', 'mrn', 'imaging'),
  radiologist: f('name', 'sex', 'birthDate', 'mrn', 'imaging', 'diagnoses'),
  pharmacy: f('name', 'sex', 'birthDate', 'mrn', 'medications', 'diagnoses'),
  billing: f('name', 'mrn', 'insurance', 'billing'),
  receipt: f('name', 'mrn', 'billing'),
  wardNursing: f('name', 'mrn', 'medications', 'orders'),
  nursingNotes: f('name', 'mrn', 'encounters', 'notes'),
  rounds: f('name', 'mrn', 'diagnoses', 'notes', 'labs', 'medications'),
  prenatal: f('name', 'mrn', 'diagnoses', 'notes', 'gestationalWeeks', 'dueDate'),
  delivery: f('name', 'mrn', 'notes', 'gestationalWeeks', 'deliveryDate', 'deliveryMethod'),
  discharge: f('name', 'mrn', 'diagnoses', 'notes', 'medications'),
  referral: f('name', 'sex', 'birthDate', 'mrn', 'encounters', 'diagnoses', 'notes'),
  appCheckIn: f('name', 'mrn', 'appointments'),
  labClient: f('name', 'sex', 'birthDate', 'mrn', 'orders'),
  platform: f('name', 'nationalId', 'sex', 'birthDate', 'diagnoses', 'notes', 'medications'),
  research: f('sex', 'birthDate', 'diagnoses', 'labs', 'medications'),
  // Shapes seen in misuse.
  maternityContact: f('name', 'phone', 'address', 'dueDate', 'deliveryDate', 'deliveryMethod'),
  newbornContact: f('name', 'birthDate', 'address', 'contacts'),
  appOverCollection: f('name', 'mrn', 'appointments', 'gestationalWeeks', 'dueDate'),
  labOverCollection: f('name', 'sex', 'birthDate', 'mrn', 'orders', 'labs', 'diagnoses'),
  contact: f('name', 'mrn', 'phone', 'address', 'contacts'),
  everything: f(
    'name',
    'sex',
    'birthDate',
    'mrn',
    'nationalId',
    'phone',
    'address',
    'contacts',
    'insurance',
    'encounters',
    'diagnoses',
    'notes',
    'labs',
    'medications',
  ),
  phoneSearch: f('name', 'mrn', 'phone'),
  billingContact: f('name', 'mrn', 'phone', 'address', 'insurance', 'billing'),
} as const;

const CATEGORY_OF: Record<DemoField, DemoCategory | null> = {
  name: 'demographic',
  sex: 'demographic',
  birthDate: 'demographic',
  mrn: 'demographic',
  nationalId: 'identifier',
  phone: 'contact',
  address: 'contact',
  contacts: 'contact',
  insurance: 'financial',
  billing: 'financial',
  encounters: 'clinical',
  diagnoses: 'clinical',
  notes: 'clinical',
  labs: 'clinical',
  medications: 'clinical',
  orders: 'clinical',
  appointments: 'clinical',
  imaging: 'imaging',
  gestationalWeeks: 'maternity',
  dueDate: 'maternity',
  deliveryDate: 'maternity',
  deliveryMethod: 'maternity',
};
const REVEALING: ReadonlySet<DemoField> = new Set([
  'diagnoses',
  'notes',
  'labs',
  'medications',
  'imaging',
]);

const SENSITIVE_BITS: Record<string, number> = {
  'mental-health': 1,
  substance: 2,
  hiv: 4,
  reproductive: 8,
};

/** Makes access events for the model; shares category arrays between identical cases. */
export class EventFactory {
  private readonly fieldSetIds = new Map<readonly DemoField[], number>();
  private readonly revealing: boolean[] = [];
  private readonly cache: (readonly DemoCategory[] | undefined)[] = [];
  private readonly sensitiveMask: Uint8Array;
  constructor(private readonly model: Model) {
    this.sensitiveMask = new Uint8Array(model.patients.length);
    model.patients.forEach((p, i) => {
      let m = 0;
      for (const c of p.sensitiveCategories) m |= SENSITIVE_BITS[c] ?? 0;
      this.sensitiveMask[i] = m;
    });
  }

  /** Categories an access to these fields of this patient touches. */
  categories(fields: readonly DemoField[], patient: number): DemoCategory[] {
    let id = this.fieldSetIds.get(fields);
    if (id === undefined) {
      id = this.fieldSetIds.size;
      this.fieldSetIds.set(fields, id);
      this.revealing.push(fields.some((x) => REVEALING.has(x)));
    }
    const mask = patient >= 0 && this.revealing[id] ? this.sensitiveMask[patient]! : 0;
    const key = id * 16 + mask;
    let c = this.cache[key];
    if (!c) {
      const set = new Set<DemoCategory>();
      for (const x of fields) {
        const cat = CATEGORY_OF[x];
        if (cat) set.add(cat);
      }
      for (const [name, bit] of Object.entries(SENSITIVE_BITS))
        if (mask & bit) set.add(name as DemoCategory);
      c = Object.freeze([...set]);
      this.cache[key] = c;
    }
    return c as DemoCategory[];
  }

  /** A workstation a staff member would use (mostly their own). */
  workstationFor(staff: number, rng: DemoRandom): number {
    const meta = this.model.staffMeta[staff]!;
    const own = meta.workstations;
    if (own.length > 0 && rng.chance(0.8)) return own[0]!;
    const pool = meta.ward >= 0 ? this.model.wsByWard[meta.ward]! : this.model.wsByDept[meta.dept]!;
    return pool.length ? rng.pick(pool) : (own[0] ?? -1);
  }

  event(
    at: number,
    actor: { staff: number; workstation: number; ip?: string } | { client: number },
    patient: number,
    action: DemoAction,
    resourceType: DemoAccessEvent['resourceType'],
    resourceId: string,
    fields: readonly DemoField[],
    purpose: DemoPurpose,
    channel: DemoChannel,
    extra?: Partial<DemoAccessEvent>,
  ): DemoAccessEvent {
    const m = this.model;
    const t = Math.floor(at / 1000) * 1000;
    const e: DemoAccessEvent = {
      id: '',
      tenantId: m.params.tenant,
      at: t,
      time: localIso(t),
      actorType: 'client' in actor ? 'client' : 'staff',
      ip: '',
      action,
      resourceType,
      resourceId,
      fields: fields as DemoField[],
      categories: this.categories(fields, patient),
      purpose,
      channel,
    };
    if ('client' in actor) {
      const c = m.apiClients[actor.client]!;
      e.clientId = c.id;
      e.ip = c.ip;
    } else {
      e.staffId = m.staff[actor.staff]!.id;
      if (actor.workstation >= 0) {
        const ws = m.workstations[actor.workstation]!;
        e.workstationId = ws.id;
        e.ip = actor.ip ?? ws.ip;
      } else e.ip = actor.ip ?? '';
    }
    if (patient >= 0) e.patientId = m.patients[patient]!.id;
    if (extra) Object.assign(e, extra);
    return e;
  }
}

/** Staff VPN address of a staff member (stable per person). */
export function vpnAddress(staff: number): string {
  return `10.99.${(staff >> 8) & 15}.${staff & 255 || 1}`;
}
