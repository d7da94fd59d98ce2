import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  FHIR_TYPE_FIELDS,
  WATERMARK_TAG_SYSTEM,
  candidateToFhirPatient,
  fhirResourcesOfType,
  fieldsOfFhirType,
  toFhirResources,
  toSearchsetBundle,
  type AccessRequest,
  type DisclosedRecord,
  type PatientSearchQuery,
} from '../../access/index.ts';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';
import { scrubError, toProblem } from '../problem.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const ERROR_SYSTEM = 'https://custos.dev/fhir/CodeSystem/error';
const REASON_SYSTEM = 'https://custos.dev/fhir/CodeSystem/access-reason';
const BREAK_GLASS_EXT = 'https://custos.dev/fhir/StructureDefinition/break-glass-available';
const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';
/** Mainland resident ID: 17 digits and a check character. */
const RESIDENT_ID = /^\d{17}[\dXx]$/;

/** FHIR issue type of an HTTP status (http://hl7.org/fhir/issue-type). */
function issueType(status: number): string {
  if (status === 400) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status === 503) return 'transient';
  return 'exception';
}

/**
 * Any error of these routes as an OperationOutcome carrying the problem code; a denial adds its
 * reason code and whether break-the-glass is available. No request id in the body, so a 404 for
 * an unknown patient and one for a hidden patient are byte-identical.
 */
function sendOutcome(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const p = toProblem(err, req.id);
  if (p.status >= 500) req.log.error({ code: p.code, err: scrubError(err) }, 'request failed');
  else req.log.info({ code: p.code, status: p.status }, 'request refused');
  const coding: { system: string; code: string }[] = [{ system: ERROR_SYSTEM, code: p.code }];
  if (typeof p.reasonCode === 'string') coding.push({ system: REASON_SYSTEM, code: p.reasonCode });
  const issue: Record<string, unknown> = {
    severity: p.status >= 500 ? 'fatal' : 'error',
    code: issueType(p.status),
    details: { coding, text: p.detail },
  };
  if (typeof p.field === 'string') issue.expression = [p.field];
  if (typeof p.breakGlassAvailable === 'boolean')
    issue.extension = [{ url: BREAK_GLASS_EXT, valueBoolean: p.breakGlassAvailable }];
  void reply
    .status(p.status)
    .type(FHIR_JSON)
    .send({ resourceType: 'OperationOutcome', issue: [issue] });
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 && v.length <= 128 ? v : undefined;
}

const Common = {
  _purpose: Type.Optional(Type.String({ maxLength: 40 })),
  _format: Type.Optional(Type.String({ maxLength: 40 })),
};

/** Base URL of the FHIR endpoint as the client addressed it (for Bundle.entry.fullUrl). */
function baseOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/fhir/R4`;
}

/**
 * FHIR R4 read and search over the disclosure path: Patient read, Patient/$everything, the
 * patient compartment by type, and the masked Patient search. Every handler calls
 * `runtime.access` (decide → ledger → read → mask → mark); none touches the vault. Purpose of use
 * from `x-custos-purpose` or `_purpose`; errors as OperationOutcome.
 */
export const fhirReadRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const signedIn = requireStaff(runtime);
  app.setErrorHandler(sendOutcome);

  const accessRequestOf = (req: FastifyRequest, purpose: string | undefined): AccessRequest => {
    const { staff, session } = staffOf(req);
    return {
      tenant: runtime.config.tenant,
      staff,
      purpose: header(req, 'x-custos-purpose') ?? purpose,
      workstationId: header(req, 'x-custos-workstation') ?? session.workstationId,
      address: req.ip,
    };
  };

  const marked = (reply: FastifyReply, d: { mark: { token: string }; ledgerSeq: number }) =>
    reply
      .type(FHIR_JSON)
      .header('x-custos-watermark', d.mark.token)
      .header('x-custos-ledger-seq', String(d.ledgerSeq))
      .header('cache-control', 'no-store');

  const bundleOf = (req: FastifyRequest, d: DisclosedRecord, resources = toFhirResources(d)) =>
    toSearchsetBundle(resources, {
      baseUrl: baseOf(req),
      token: d.mark.token,
      now: runtime.now(),
    });

  const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

  app.get(
    '/fhir/R4/Patient/:id',
    {
      preHandler: signedIn,
      schema: {
        tags: ['fhir'],
        summary: 'Read a Patient (masked) through the disclosure path',
        params: IdParams,
        querystring: Type.Object(Common),
      },
    },
    async (req, reply) => {
      const d = await runtime.access.readRecord(
        accessRequestOf(req, req.query._purpose),
        req.params.id,
        { channel: 'api', requested: fieldsOfFhirType('Patient')! },
      );
      const patient = fhirResourcesOfType(d, 'Patient')[0] ?? {
        resourceType: 'Patient',
        id: d.patientId,
      };
      patient.meta = { tag: [{ system: WATERMARK_TAG_SYSTEM, code: d.mark.token }] };
      return marked(reply, d).send(patient);
    },
  );

  app.get(
    '/fhir/R4/Patient/:id/$everything',
    {
      preHandler: signedIn,
      schema: {
        tags: ['fhir'],
        summary: "Everything the decision allows of a patient's record, masked, as a Bundle",
        params: IdParams,
        querystring: Type.Object(Common),
      },
    },
    async (req, reply) => {
      const d = await runtime.access.readRecord(
        accessRequestOf(req, req.query._purpose),
        req.params.id,
        { channel: 'api' },
      );
      return marked(reply, d).send(bundleOf(req, d));
    },
  );

  const compartment = async (
    req: FastifyRequest,
    reply: FastifyReply,
    type: string,
    patientId: string | undefined,
    purpose: string | undefined,
  ) => {
    const requested = fieldsOfFhirType(type);
    if (!requested || type === 'Patient')
      throw new CustosError(
        ErrorCode.BadRequest,
        `resource type must be one of: ${Object.keys(FHIR_TYPE_FIELDS)
          .filter((t) => t !== 'Patient')
          .join(', ')}`,
        { field: 'type' },
      );
    if (!patientId)
      throw new CustosError(ErrorCode.BadRequest, 'give the patient (patient=Patient/<id>)', {
        field: 'patient',
      });
    const d = await runtime.access.readRecord(accessRequestOf(req, purpose), patientId, {
      channel: 'api',
      requested,
    });
    return marked(reply, d).send(bundleOf(req, d, fhirResourcesOfType(d, type)));
  };

  app.get(
    '/fhir/R4/Patient/:id/:type',
    {
      preHandler: signedIn,
      schema: {
        tags: ['fhir'],
        summary: "One resource type of a patient's compartment, masked, as a Bundle",
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 200 }),
          type: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        querystring: Type.Object(Common),
      },
    },
    async (req, reply) =>
      compartment(req, reply, req.params.type, req.params.id, req.query._purpose),
  );

  app.get(
    '/fhir/R4/:type',
    {
      preHandler: signedIn,
      schema: {
        tags: ['fhir'],
        summary: 'Search one resource type in a patient compartment (patient= is required)',
        params: Type.Object({ type: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({
          ...Common,
          patient: Type.Optional(Type.String({ minLength: 1, maxLength: 210 })),
          subject: Type.Optional(Type.String({ minLength: 1, maxLength: 210 })),
        }),
      },
    },
    async (req, reply) => {
      const raw = req.query.patient ?? req.query.subject;
      const patientId = raw?.startsWith('Patient/') ? raw.slice('Patient/'.length) : raw;
      return compartment(req, reply, req.params.type, patientId, req.query._purpose);
    },
  );

  app.get(
    '/fhir/R4/Patient',
    {
      preHandler: signedIn,
      schema: {
        tags: ['fhir'],
        summary: 'Minimum-necessary Patient search: masked candidates as a Bundle',
        querystring: Type.Object({
          ...Common,
          identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          phone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const query: PatientSearchQuery = {};
      if (q.name !== undefined) query.name = q.name;
      if (q.phone !== undefined) query.phone = q.phone;
      if (q.identifier !== undefined) {
        // token search: [system]|value. The national-ID system or a resident-ID shaped value
        // searches the ID number; any other system (or none) searches the MRN.
        const bar = q.identifier.indexOf('|');
        const system = bar >= 0 ? q.identifier.slice(0, bar) : undefined;
        const value = bar >= 0 ? q.identifier.slice(bar + 1) : q.identifier;
        const national =
          system === NATIONAL_ID_SYSTEM || (system === undefined && RESIDENT_ID.test(value));
        if (national) query.idNumber = value;
        else query.mrn = value;
      }
      const r = await runtime.access.searchPatients(accessRequestOf(req, q._purpose), query);
      const bundle = toSearchsetBundle(r.candidates.map(candidateToFhirPatient), {
        baseUrl: baseOf(req),
        token: r.mark.token,
        now: runtime.now(),
      });
      if (r.truncated)
        (bundle.entry as unknown[]).push({
          resource: {
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'information',
                code: 'incomplete',
                details: { text: 'more patients matched than are shown: narrow the search' },
              },
            ],
          },
          search: { mode: 'outcome' },
        });
      return marked(reply, r).send(bundle);
    },
  );
};
