/**
 * Normal access activity, driven by the care graph: who would open which record when. Each
 * window day is generated on its own from its own random stream, so days can be produced one at
 * a time (and again, identically) without holding the whole month in memory.
 */
import { onDuty, shiftAt } from './build-hospital.ts';
import { EventFactory, FIELDS, vpnAddress } from './events.ts';
import { type Model, wardKey } from './model.ts';
import { DemoRandom } from './random.ts';
import { DAY, HOUR, MINUTE, localDate, startOfLocalDay } from './time.ts';
import type { DemoAccessDay, DemoAccessEvent, DemoField } from './types.ts';
import { DemoRole as R } from './types.ts';

/** Per-model lookups the day generator needs, built once. */
export class ActivityContext {
  readonly events: EventFactory;
  readonly staffIndex = new Map<string, number>();
  readonly patientIndex = new Map<string, number>();
  readonly orderIndex = new Map<string, number>();
  readonly studiesByOrder = new Map<string, number>();
  readonly researchers: number[] = [];
  readonly cohort: number[] = [];
  readonly physicianDays: number[][] = [];

  constructor(readonly model: Model) {
    this.events = new EventFactory(model);
    model.staff.forEach((s, i) => this.staffIndex.set(s.id, i));
    model.patients.forEach((p, i) => this.patientIndex.set(p.id, i));
    model.serviceRequests.forEach((s, i) => this.orderIndex.set(s.id, i));
    model.imagingStudies.forEach((s, i) => this.studiesByOrder.set(s.basedOn, i));
    const study = model.researchStudies[0];
    if (study) {
      for (const id of study.researcherIds) this.researchers.push(this.staffIndex.get(id)!);
      for (const id of study.patientIds) this.cohort.push(this.patientIndex.get(id)!);
    }
  }
}

const VIEW_MINUTES = 60 * 1000;

/** Generates the normal activity of one window day, merged with that day's planted events. */
export function generateDay(ctx: ActivityContext, day: number): DemoAccessDay {
  const { model } = ctx;
  const out: DemoAccessEvent[] = [];
  const dayStart = model.params.w0 + day * DAY;
  const dayEnd = dayStart + DAY;
  const g = new DayGenerator(ctx, day, dayStart, dayEnd, out);
  for (const e of model.encountersByDay[day]!) g.encounter(e);
  g.research();
  g.followUps();
  // Copies, so a caller that annotates events cannot change what the next pass yields.
  const planted = (model.incidentEventsByDay[day] ?? []).map((e) => ({ ...e }));
  out.sort((a, b) => a.at - b.at);
  for (let k = 0; k < out.length; k++) out[k]!.id = `ae-${model.ids.scramble(day, k)}`;
  const events = planted.length ? mergeByTime(out, planted) : out;
  return { date: localDate(dayStart), index: day, events };
}

function mergeByTime(a: DemoAccessEvent[], b: DemoAccessEvent[]): DemoAccessEvent[] {
  const out: DemoAccessEvent[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]!.at <= b[j]!.at ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

class DayGenerator {
  private readonly model: Model;
  constructor(
    private readonly ctx: ActivityContext,
    private readonly day: number,
    private readonly dayStart: number,
    private readonly dayEnd: number,
    private readonly out: DemoAccessEvent[],
  ) {
    this.model = ctx.model;
  }

  private inDay(ms: number): boolean {
    return ms >= this.dayStart && ms < this.dayEnd;
  }

  private staffEv(
    rng: DemoRandom,
    at: number,
    staff: number,
    patient: number,
    action: DemoAccessEvent['action'],
    resourceType: DemoAccessEvent['resourceType'],
    resourceId: string,
    fields: readonly DemoField[],
    purpose: DemoAccessEvent['purpose'],
    channel: DemoAccessEvent['channel'],
    extra?: Partial<DemoAccessEvent>,
  ): void {
    if (!this.inDay(at) || staff < 0) return;
    const ws = this.ctx.events.workstationFor(staff, rng);
    this.out.push(
      this.ctx.events.event(
        at,
        { staff, workstation: ws },
        patient,
        action,
        resourceType,
        resourceId,
        fields,
        purpose,
        channel,
        extra,
      ),
    );
  }

  private onShift(staff: number, at: number): boolean {
    return shiftAt(this.model, staff, at) !== undefined;
  }

  /** All activity of one encounter on this day. */
  encounter(e: number): void {
    const { model, ctx } = this;
    const enc = model.encounters[e]!;
    const rng = new DemoRandom(`${model.params.seed}/act/${e}/${this.day}`);
    const p = ctx.patientIndex.get(enc.patientId)!;
    const patient = model.patients[p]!;
    const start = Date.parse(enc.start);
    const end = enc.end ? Date.parse(enc.end) : Infinity;
    const facts = model.encounterFacts[e]!;
    const staffOf = (id: string) => ctx.staffIndex.get(id)!;
    const restricted = patient.confidentiality !== 'N';
    const mother = model.patientMeta[p]!.episode >= 0 && enc.episodeId !== undefined;
    let attending = -1;
    for (const part of enc.participants) {
      const s = staffOf(part.staffId);
      const at = Date.parse(part.start);
      if (part.type === 'ATND' && attending < 0) attending = s;
      if (!this.inDay(at)) continue;
      switch (part.type) {
        case 'ADM': {
          const by = rng.chance(0.7) ? 'nationalId' : 'mrn';
          this.staffEv(
            rng,
            at,
            s,
            -1,
            'search',
            'Patient',
            patient.id,
            FIELDS.searchResult,
            'HOPERAT',
            'his',
            { searchBy: patient.nationalId ? by : 'mrn', resultPatientIds: [patient.id] },
          );
          this.staffEv(
            rng,
            at + rng.between(5, 30) * 1000,
            s,
            p,
            'read',
            'Patient',
            patient.id,
            FIELDS.registration,
            'HOPERAT',
            'his',
          );
          if (enc.class === 'IMP')
            this.staffEv(
              rng,
              at + rng.between(40, 90) * 1000,
              s,
              p,
              'print',
              'Patient',
              patient.id,
              FIELDS.wristband,
              'HOPERAT',
              'his',
            );
          else if (rng.chance(0.6))
            this.staffEv(
              rng,
              at + rng.between(40, 90) * 1000,
              s,
              p,
              'print',
              'Encounter',
              enc.id,
              FIELDS.slip,
              'HOPERAT',
              'his',
            );
          break;
        }
        case 'BILL':
          this.staffEv(rng, at, s, p, 'read', 'Encounter', enc.id, FIELDS.billing, 'HPAYMT', 'his');
          if (rng.chance(0.7))
            this.staffEv(
              rng,
              at + rng.between(30, 150) * 1000,
              s,
              p,
              'print',
              'Encounter',
              enc.id,
              FIELDS.receipt,
              'HPAYMT',
              'his',
            );
          break;
        case 'PART':
          if (enc.class !== 'IMP') {
            this.staffEv(
              rng,
              at + rng.between(0, 120) * 1000,
              s,
              p,
              'read',
              'Encounter',
              enc.id,
              enc.class === 'EMER' ? FIELDS.emergency : mother ? FIELDS.prenatal : FIELDS.triage,
              'TREAT',
              'emr',
            );
          }
          break;
        case 'ATND':
          if (enc.class === 'AMB') this.outpatientPhysician(rng, s, p, e, at, mother);
          else if (enc.class === 'EMER') {
            const bg = restricted && rng.chance(0.6) ? { breakGlassReason: '急诊抢救' } : undefined;
            this.staffEv(
              rng,
              at + rng.between(1, 5) * MINUTE,
              s,
              p,
              'read',
              'Encounter',
              enc.id,
              FIELDS.emergency,
              'ETREAT',
              'emr',
              bg,
            );
            this.staffEv(
              rng,
              at + rng.between(15, 50) * MINUTE,
              s,
              p,
              'read',
              'Patient',
              patient.id,
              FIELDS.chart,
              'ETREAT',
              'emr',
              bg,
            );
            if (end !== Infinity)
              this.staffEv(
                rng,
                end - rng.between(5, 20) * MINUTE,
                s,
                p,
                'read',
                'Encounter',
                enc.id,
                FIELDS.summary,
                'ETREAT',
                'emr',
                bg,
              );
          } else {
            this.staffEv(
              rng,
              at + rng.between(10, 90) * MINUTE,
              s,
              p,
              'read',
              'Encounter',
              enc.id,
              mother ? FIELDS.delivery : FIELDS.summary,
              'TREAT',
              'emr',
            );
          }
          break;
        case 'DIS':
          this.staffEv(
            rng,
            at,
            s,
            p,
            'read',
            'Encounter',
            enc.id,
            FIELDS.discharge,
            'TREAT',
            'emr',
          );
          this.staffEv(
            rng,
            at + rng.between(2, 10) * MINUTE,
            s,
            p,
            'print',
            'DocumentReference',
            enc.id,
            FIELDS.discharge,
            'TREAT',
            'emr',
          );
          break;
        case 'CON':
          break;
      }
    }
    if (enc.class === 'IMP') this.inpatientDay(rng, e, p, start, end, attending, mother);

    // Orders and their fulfilment.
    for (const o of facts.orders) {
      const sr = model.serviceRequests[o]!;
      if (sr.performer.type === 'organization') {
        const at = Date.parse(sr.authoredOn) + rng.between(60, 300) * MINUTE;
        if (this.inDay(at)) {
          this.out.push(
            ctx.events.event(
              at,
              { client: 0 },
              p,
              'read',
              'ServiceRequest',
              sr.id,
              FIELDS.labClient,
              'TREAT',
              'api',
            ),
          );
          if (rng.chance(0.3))
            this.out.push(
              ctx.events.event(
                at + rng.between(5, 60) * MINUTE,
                { client: 0 },
                p,
                'read',
                'ServiceRequest',
                sr.id,
                FIELDS.labClient,
                'TREAT',
                'api',
              ),
            );
        }
        continue;
      }
      if (!sr.fulfilledBy || !sr.fulfilledAt) continue;
      const by = staffOf(sr.fulfilledBy);
      const at = Date.parse(sr.fulfilledAt);
      if (sr.category === 'laboratory') {
        this.staffEv(
          rng,
          at,
          by,
          p,
          'read',
          'ServiceRequest',
          sr.id,
          FIELDS.labOrder,
          'TREAT',
          'lis',
        );
      } else if (sr.category === 'imaging') {
        this.staffEv(
          rng,
          at,
          by,
          p,
          'read',
          'ServiceRequest',
          sr.id,
          FIELDS.imagingOrder,
          'TREAT',
          'pacs',
        );
        const st = ctx.studiesByOrder.get(sr.id);
        if (st !== undefined) {
          const study = model.imagingStudies[st]!;
          this.staffEv(
            rng,
            at + rng.between(5, 25) * MINUTE,
            by,
            p,
            'read',
            'ImagingStudy',
            study.id,
            FIELDS.imagingView,
            'TREAT',
            'pacs',
          );
          if (study.interpreterId && study.reportedAt) {
            const rAt = Date.parse(study.reportedAt);
            const rad = staffOf(study.interpreterId);
            this.staffEv(
              rng,
              rAt - rng.between(3, 15) * MINUTE,
              rad,
              p,
              'read',
              'ImagingStudy',
              study.id,
              FIELDS.radiologist,
              'TREAT',
              'pacs',
            );
            const req = staffOf(sr.requesterId);
            const seen = rAt + rng.between(10, 120) * MINUTE;
            if (this.onShift(req, seen) && seen < end + 2 * HOUR)
              this.staffEv(
                rng,
                seen,
                req,
                p,
                'read',
                'ImagingStudy',
                study.id,
                FIELDS.imageResults,
                'TREAT',
                'pacs',
              );
          }
        }
      } else if (sr.category === 'referral') {
        this.staffEv(
          rng,
          at,
          by,
          p,
          'read',
          'ServiceRequest',
          sr.id,
          FIELDS.referral,
          'TREAT',
          'emr',
        );
        if (rng.chance(0.5))
          this.staffEv(
            rng,
            at + rng.between(2, 10) * MINUTE,
            by,
            p,
            'read',
            'Patient',
            patient.id,
            FIELDS.chart,
            'TREAT',
            'emr',
          );
      }
    }
    // Lab results verified by the technician; seen by the emergency physician.
    let lastBasedOn = '';
    for (const o of facts.labs) {
      const ob = model.observations[o]!;
      if (ob.basedOn === lastBasedOn || !ob.performerId) continue;
      lastBasedOn = ob.basedOn;
      const at = Date.parse(ob.effective);
      this.staffEv(
        rng,
        at - rng.between(1, 5) * MINUTE,
        staffOf(ob.performerId),
        p,
        'read',
        'Observation',
        ob.id,
        FIELDS.labResults,
        'TREAT',
        'lis',
      );
      if (enc.class === 'EMER' && attending >= 0 && at < end)
        this.staffEv(
          rng,
          at + rng.between(3, 20) * MINUTE,
          attending,
          p,
          'read',
          'Observation',
          ob.id,
          FIELDS.labResults,
          'ETREAT',
          'emr',
        );
    }
    // Pharmacy.
    for (const mi of facts.meds) {
      const med = model.medications[mi]!;
      if (!med.dispensedBy || !med.dispensedAt) continue;
      this.staffEv(
        rng,
        Date.parse(med.dispensedAt),
        staffOf(med.dispensedBy),
        p,
        'read',
        'MedicationRequest',
        med.id,
        FIELDS.pharmacy,
        'TREAT',
        'pharmacy',
      );
    }
    // The check-in app fetches today's appointments booked through it.
    if (enc.appointmentId && enc.class === 'AMB') {
      const apt = model.appointments[Number(enc.appointmentId.slice(4)) - 1];
      if (apt && apt.bookedVia === 'app') {
        const at = start - rng.between(20, 90) * MINUTE;
        if (this.inDay(at))
          this.out.push(
            ctx.events.event(
              at,
              { client: 1 },
              p,
              'read',
              'Appointment',
              apt.id,
              FIELDS.appCheckIn,
              'HOPERAT',
              'api',
            ),
          );
      }
    }
    // The regional platform collects the discharge summary the night after discharge.
    if (enc.class === 'IMP' && end !== Infinity) {
      const at = startOfLocalDay(end) + DAY + HOUR + rng.int(60) * MINUTE;
      if (this.inDay(at))
        this.out.push(
          ctx.events.event(
            at,
            { client: 2 },
            p,
            'read',
            'DocumentReference',
            enc.id,
            FIELDS.platform,
            'TREAT',
            'api',
          ),
        );
    }
  }

  private outpatientPhysician(
    rng: DemoRandom,
    s: number,
    p: number,
    e: number,
    at: number,
    mother: boolean,
  ): void {
    const { model } = this;
    const patient = model.patients[p]!;
    const enc = model.encounters[e]!;
    // Sometimes the doctor finds the patient by name instead of from the queue, and now and then
    // opens a namesake first by mistake.
    if (rng.chance(0.08)) {
      const same = model.patientsByName.get(patient.name) ?? [p];
      this.staffEv(
        rng,
        at - 20_000,
        s,
        -1,
        'search',
        'Patient',
        patient.id,
        FIELDS.searchResult,
        'TREAT',
        'emr',
        { searchBy: 'name', resultPatientIds: same.slice(0, 20).map((i) => model.patients[i]!.id) },
      );
      if (same.length > 1 && rng.chance(0.15)) {
        const other = same.find((i) => i !== p)!;
        this.staffEv(
          rng,
          at - 10_000,
          s,
          other,
          'read',
          'Patient',
          model.patients[other]!.id,
          FIELDS.searchResult,
          'TREAT',
          'emr',
        );
      }
    }
    this.staffEv(
      rng,
      at + rng.between(0, 60) * 1000,
      s,
      p,
      'read',
      'Encounter',
      enc.id,
      mother ? FIELDS.prenatal : FIELDS.summary,
      'TREAT',
      'emr',
    );
    if ((model.encountersByPatient[p]?.length ?? 0) > 1 ? rng.chance(0.7) : rng.chance(0.25)) {
      this.staffEv(
        rng,
        at + rng.between(1, 5) * MINUTE,
        s,
        p,
        'read',
        'Patient',
        patient.id,
        FIELDS.chart,
        'TREAT',
        'emr',
      );
    }
    const facts = model.encounterFacts[e]!;
    if (facts.meds.length > 0)
      this.staffEv(
        rng,
        at + rng.between(6, 12) * MINUTE,
        s,
        p,
        'print',
        'MedicationRequest',
        model.medications[facts.meds[0]!]!.id,
        FIELDS.prescription,
        'TREAT',
        'emr',
      );
    // Same-day lab results come back before the clinic closes.
    for (const o of facts.labs) {
      const ob = model.observations[o]!;
      const seen = Date.parse(ob.effective) + rng.between(5, 40) * MINUTE;
      if (this.onShift(s, seen))
        this.staffEv(
          rng,
          seen,
          s,
          p,
          'read',
          'Observation',
          ob.id,
          FIELDS.labResults,
          'TREAT',
          'emr',
        );
      break;
    }
  }

  /** The daily round of an inpatient: physicians, ward nurses, head nurse. */
  private inpatientDay(
    rng: DemoRandom,
    e: number,
    p: number,
    start: number,
    end: number,
    attending: number,
    mother: boolean,
  ): void {
    const { model, ctx } = this;
    const enc = model.encounters[e]!;
    const from = Math.max(start, this.dayStart);
    const to = Math.min(end, this.dayEnd);
    if (from >= to) return;
    const ward = enc.wardId ? model.wards.findIndex((w) => w.id === enc.wardId) : -1;
    const dept = model.deptByCode.get(
      model.departments.find((d) => d.id === enc.departmentId)!.code,
    )!;
    const team = enc.participants
      .filter((x) => x.type === 'ATND')
      .map((x) => ctx.staffIndex.get(x.staffId)!);
    const primaryNurses = new Set(
      enc.participants.filter((x) => x.type === 'PART').map((x) => ctx.staffIndex.get(x.staffId)!),
    );
    const fields = mother ? FIELDS.delivery : FIELDS.rounds;
    const within = (t: number) => t >= from && t < to;
    // Physicians: morning round and afternoon review by whoever of the team is on duty.
    let seen = false;
    for (const s of team) {
      const round = this.dayStart + rng.between(8 * 60, 10 * 60 + 30) * MINUTE;
      if (within(round) && this.onShift(s, round)) {
        seen = true;
        this.staffEv(rng, round, s, p, 'read', 'Encounter', enc.id, fields, 'TREAT', 'emr');
        if (rng.chance(0.6))
          this.staffEv(
            rng,
            round + rng.between(2, 20) * MINUTE,
            s,
            p,
            'read',
            'Patient',
            model.patients[p]!.id,
            FIELDS.chart,
            'TREAT',
            'emr',
          );
        const later = this.dayStart + rng.between(13 * 60, 17 * 60) * MINUTE;
        if (within(later) && this.onShift(s, later) && rng.chance(0.5))
          this.staffEv(
            rng,
            later,
            s,
            p,
            'read',
            'Encounter',
            enc.id,
            FIELDS.rounds,
            'TREAT',
            'emr',
          );
      }
    }
    if (!seen) {
      const at = this.dayStart + rng.between(9 * 60, 11 * 60) * MINUTE;
      const onCall = within(at)
        ? onDuty(model, `d:${dept}:${R.Physician}`, at).filter(
            (s) => model.staffMeta[s]!.role === R.Physician,
          )
        : [];
      if (onCall.length > 0)
        this.staffEv(
          rng,
          at,
          rng.pick(onCall),
          p,
          'read',
          'Encounter',
          enc.id,
          FIELDS.rounds,
          'TREAT',
          'emr',
        );
    }
    // A physician of the team checks on the patient from home over the VPN now and then.
    if (attending >= 0 && rng.chance(0.02)) {
      const at = this.dayStart + rng.between(20 * 60, 22 * 60 + 30) * MINUTE;
      if (within(at))
        this.out.push(
          ctx.events.event(
            at,
            { staff: attending, workstation: -1, ip: vpnAddress(attending) },
            p,
            'read',
            'Encounter',
            enc.id,
            FIELDS.rounds,
            'TREAT',
            'emr',
          ),
        );
    }
    // Ward nurses, shift by shift.
    if (ward < 0) return;
    for (const [s0, s1] of [
      [0, 8],
      [8, 16],
      [16, 24],
    ] as const) {
      const a = Math.max(from, this.dayStart + s0 * HOUR);
      const b = Math.min(to, this.dayStart + s1 * HOUR);
      if (b - a < 20 * MINUTE) continue;
      const mid = a + Math.floor((b - a) / 2);
      const nurses = onDuty(model, wardKey(ward), mid).filter(
        (s) => model.staffMeta[s]!.role === R.Nurse,
      );
      if (nurses.length === 0) continue;
      const preferred = nurses.filter((s) => primaryNurses.has(s));
      const chosen = new Set<number>();
      chosen.add(preferred.length > 0 ? rng.pick(preferred) : rng.pick(nurses));
      if (rng.chance(0.5)) chosen.add(rng.pick(nurses));
      for (const n of chosen) {
        const k = rng.between(1, 2);
        for (let i = 0; i < k; i++) {
          const at =
            a + rng.int(Math.max(1, (b - a) / VIEW_MINUTES)) * VIEW_MINUTES + rng.int(60) * 1000;
          if (this.onShift(n, at))
            this.staffEv(
              rng,
              at,
              n,
              p,
              'read',
              'Encounter',
              enc.id,
              i === 0 ? FIELDS.wardNursing : FIELDS.nursingNotes,
              'TREAT',
              'emr',
            );
        }
      }
    }
    const headAt = this.dayStart + rng.between(9 * 60, 16 * 60) * MINUTE;
    if (within(headAt) && rng.chance(0.25)) {
      const heads = onDuty(model, wardKey(ward), headAt).filter(
        (s) => model.staffMeta[s]!.role === R.HeadNurse,
      );
      if (heads.length > 0)
        this.staffEv(
          rng,
          headAt,
          heads[0]!,
          p,
          'read',
          'Encounter',
          enc.id,
          FIELDS.nursingNotes,
          'TREAT',
          'emr',
        );
    }
  }

  /** Researchers reading their approved cohort on working days. */
  research(): void {
    const { ctx } = this;
    if (ctx.cohort.length === 0) return;
    const rng = new DemoRandom(`${this.model.params.seed}/act/research/${this.day}`);
    for (const r of ctx.researchers) {
      const shift = shiftAt(this.model, r, this.dayStart + 10 * HOUR);
      if (!shift) continue;
      const n = rng.between(10, 35);
      for (let k = 0; k < n; k++) {
        const p = rng.pick(ctx.cohort);
        const at =
          shift.start +
          30 * MINUTE +
          rng.int(Math.max(1, (shift.end - shift.start - HOUR) / 1000)) * 1000;
        this.staffEv(
          rng,
          at,
          r,
          p,
          'read',
          'Patient',
          this.model.patients[p]!.id,
          FIELDS.research,
          'HRESCH',
          'emr',
        );
      }
    }
  }

  /** Physicians looking again at patients they treated before (results, follow-up calls). */
  followUps(): void {
    const { model } = this;
    const rng = new DemoRandom(`${model.params.seed}/act/follow-up/${this.day}`);
    for (const [s, list] of model.followUps) {
      if (!rng.chance(0.2)) continue;
      const at = this.dayStart + rng.between(13 * 60 + 30, 17 * 60) * MINUTE;
      if (!this.onShift(s, at)) continue;
      const p = rng.pick(list);
      if (model.patientMeta[p]!.deceasedMs < at) continue;
      this.staffEv(
        rng,
        at,
        s,
        p,
        'read',
        'Patient',
        model.patients[p]!.id,
        rng.chance(0.5) ? FIELDS.labResults : FIELDS.summary,
        'TREAT',
        'emr',
      );
    }
  }
}

/** Streams the window's activity day by day. */
export function* streamDays(model: Model): Generator<DemoAccessDay> {
  const ctx = new ActivityContext(model);
  for (let d = 0; d < model.params.days; d++) {
    model.progress?.({ phase: 'access', done: d, total: model.params.days });
    yield generateDay(ctx, d);
  }
  model.progress?.({ phase: 'access', done: model.params.days, total: model.params.days });
}
