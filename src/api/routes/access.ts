import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AccessRequest, StoredGrant } from '../../access/index.ts';
import { BREAK_GLASS_REASON_CODES, type BreakGlassReasonCode } from '../../policy/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const Mark = Type.Object({
  token: Type.String(),
  visible: Type.Object({
    version: Type.Literal(1),
    lines: Type.Array(Type.String()),
    fontFamily: Type.String(),
    fontSize: Type.Number(),
    color: Type.String(),
    opacity: Type.Number(),
    angle: Type.Number(),
    tileWidth: Type.Number(),
    tileHeight: Type.Number(),
  }),
  // The keyed screen mark the console draws under the visible one (docs/watermark.md).
  screen: Type.Object({
    version: Type.Literal(1),
    cells: Type.String(),
    cellSize: Type.Integer(),
    tileCells: Type.Integer(),
    alpha: Type.Integer(),
  }),
});

const Grant = Type.Object({
  grantId: Type.String(),
  staffId: Type.String(),
  patientId: Type.String(),
  reasonCode: Type.String(),
  reasonText: Type.String(),
  grantedAt: Type.String(),
  expiresAt: Type.String(),
  workstationId: Type.Union([Type.String(), Type.Null()]),
  review: Type.String(),
  reviewedBy: Type.Union([Type.String(), Type.Null()]),
  reviewedAt: Type.Union([Type.String(), Type.Null()]),
  reviewNote: Type.Union([Type.String(), Type.Null()]),
  patientNotifiedAt: Type.Union([Type.String(), Type.Null()]),
});

const PurposeQuery = {
  purpose: Type.Optional(Type.String({ maxLength: 40 })),
  reference: Type.Optional(Type.String({ maxLength: 200 })),
  workstation: Type.Optional(Type.String({ maxLength: 128 })),
};

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 && v.length <= 128 ? v : undefined;
}

/** Who, where and why of a request: the session's staff member, workstation, address, purpose. */
function accessRequestOf(
  runtime: Runtime,
  req: FastifyRequest,
  q: {
    purpose?: string | undefined;
    reference?: string | undefined;
    workstation?: string | undefined;
  },
): AccessRequest {
  const { staff, session } = staffOf(req);
  const out: AccessRequest = {
    tenant: runtime.config.tenant,
    staff,
    purpose: q.purpose ?? header(req, 'x-custos-purpose'),
    workstationId: q.workstation ?? header(req, 'x-custos-workstation') ?? session.workstationId,
    address: req.ip,
  };
  if (q.reference) out.reference = q.reference;
  return out;
}

function grantView(g: StoredGrant) {
  return { ...g };
}

/**
 * The disclosure path over HTTP: patient search, record read/print, break-the-glass, the
 * privacy officer's "could X see Y" and the break-the-glass review queue. Every handler calls
 * the access module; none touches the vault.
 */
export const accessRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const signedIn = requireStaff(runtime);
  const officer = requireStaff(runtime, ['privacy-officer']);

  app.get(
    '/api/patients/search',
    {
      preHandler: signedIn,
      schema: {
        tags: ['access'],
        querystring: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 64 })),
            phone: Type.Optional(Type.String({ maxLength: 64 })),
            idNumber: Type.Optional(Type.String({ maxLength: 64 })),
            mrn: Type.Optional(Type.String({ maxLength: 64 })),
            ...PurposeQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            candidates: Type.Array(
              Type.Object({
                patientId: Type.String(),
                name: Type.Optional(Type.String()),
                sex: Type.Optional(Type.String()),
                birthYear: Type.Optional(Type.String()),
                idNumberTail: Type.Optional(Type.String()),
                mrn: Type.Optional(Type.String()),
              }),
            ),
            truncated: Type.Boolean(),
            ledgerSeq: Type.Number(),
            mark: Mark,
          }),
        },
      },
    },
    async (req) => {
      const q = req.query;
      return runtime.access.searchPatients(accessRequestOf(runtime, req, q), {
        ...(q.name !== undefined ? { name: q.name } : {}),
        ...(q.phone !== undefined ? { phone: q.phone } : {}),
        ...(q.idNumber !== undefined ? { idNumber: q.idNumber } : {}),
        ...(q.mrn !== undefined ? { mrn: q.mrn } : {}),
      });
    },
  );

  app.get(
    '/api/patients/:id/record',
    {
      preHandler: signedIn,
      schema: {
        tags: ['access'],
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object(
          {
            channel: Type.Optional(Type.Union([Type.Literal('screen'), Type.Literal('print')])),
            ...PurposeQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            patientId: Type.String(),
            record: Type.Record(Type.String(), Type.Unknown()),
            fields: Type.Array(Type.String()),
            sensitiveCategories: Type.Array(Type.String()),
            withheld: Type.Array(Type.String()),
            resourcesWithheld: Type.Number(),
            purpose: Type.String(),
            channel: Type.String(),
            maskingProfile: Type.String(),
            decision: Type.Object({
              policyVersion: Type.String(),
              policies: Type.Array(Type.String()),
              relationships: Type.Array(Type.String()),
              breakGlassUsed: Type.Boolean(),
              deidentify: Type.Boolean(),
            }),
            ledgerSeq: Type.Number(),
            mark: Mark,
            breakGlass: Type.Optional(
              Type.Object({ grantId: Type.String(), expiresAt: Type.String() }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const r = accessRequestOf(runtime, req, req.query);
      return req.query.channel === 'print'
        ? runtime.access.printRecord(r, req.params.id)
        : runtime.access.readRecord(r, req.params.id);
    },
  );

  app.post(
    '/api/patients/:id/break-glass',
    {
      preHandler: signedIn,
      schema: {
        tags: ['access'],
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object(PurposeQuery, { additionalProperties: false }),
        body: Type.Object(
          {
            reasonCode: Type.Union(BREAK_GLASS_REASON_CODES.map((c) => Type.Literal(c))),
            reasonText: Type.String({ minLength: 10, maxLength: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Grant },
      },
    },
    async (req, reply) => {
      const r = accessRequestOf(runtime, req, {
        ...req.query,
        purpose: req.query.purpose ?? header(req, 'x-custos-purpose') ?? 'treatment',
      });
      const g = await runtime.access.requestBreakGlass(r, req.params.id, {
        reasonCode: req.body.reasonCode as BreakGlassReasonCode,
        reasonText: req.body.reasonText,
      });
      return reply.code(201).send(grantView(g));
    },
  );

  app.get(
    '/api/access/explain',
    {
      preHandler: officer,
      schema: {
        tags: ['access'],
        querystring: Type.Object(
          {
            staffId: Type.String({ minLength: 1, maxLength: 128 }),
            patientId: Type.String({ minLength: 1, maxLength: 200 }),
            purpose: Type.Optional(Type.String({ maxLength: 40 })),
            action: Type.Optional(
              Type.Union(['read', 'search', 'print', 'export'].map((a) => Type.Literal(a))),
            ),
            channel: Type.Optional(
              Type.Union(
                ['screen', 'print', 'queue-display', 'label', 'api', 'export'].map((c) =>
                  Type.Literal(c),
                ),
              ),
            ),
            workstation: Type.Optional(Type.String({ maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            decision: Type.Object({
              decision: Type.String(),
              fields: Type.Array(Type.String()),
              sensitiveCategories: Type.Array(Type.String()),
              withheld: Type.Array(Type.String()),
              reasonCode: Type.Optional(Type.String()),
              reasonCodes: Type.Array(Type.String()),
              breakGlassAvailable: Type.Boolean(),
              breakGlassUsed: Type.Boolean(),
              policyVersion: Type.String(),
              reasons: Type.Array(
                Type.Object({
                  policyId: Type.String(),
                  effect: Type.String(),
                  code: Type.Optional(Type.String()),
                  category: Type.Optional(Type.String()),
                }),
              ),
              relationships: Type.Array(
                Type.Object({
                  kind: Type.String(),
                  sourceId: Type.String(),
                  at: Type.String(),
                  endedAt: Type.Optional(Type.String()),
                }),
              ),
            }),
            summary: Type.Object({ en: Type.String(), 'zh-CN': Type.String() }),
            lines: Type.Object({
              en: Type.Array(Type.String()),
              'zh-CN': Type.Array(Type.String()),
            }),
          }),
        },
      },
    },
    async (req) => {
      const { staff, session } = staffOf(req);
      const q = req.query;
      return runtime.access.explain(
        {
          tenant: runtime.config.tenant,
          staff,
          workstationId: header(req, 'x-custos-workstation') ?? session.workstationId,
          address: req.ip,
        },
        {
          staffId: q.staffId,
          patientId: q.patientId,
          purpose: q.purpose ?? header(req, 'x-custos-purpose'),
          ...(q.action ? { action: q.action as 'read' } : {}),
          ...(q.channel ? { channel: q.channel as 'screen' } : {}),
          ...(q.workstation ? { workstationId: q.workstation, address: req.ip } : {}),
        },
      );
    },
  );

  app.get(
    '/api/access/break-glass/reviews',
    {
      preHandler: officer,
      schema: {
        tags: ['access'],
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Union([
                Type.Literal('pending'),
                Type.Literal('approved'),
                Type.Literal('flagged'),
              ]),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Grant) }) },
      },
    },
    async (req) => {
      const { staff } = staffOf(req);
      const items = await runtime.access.listBreakGlassReviews(
        { tenant: runtime.config.tenant, staff },
        {
          ...(req.query.status ? { review: req.query.status } : {}),
          ...(req.query.limit ? { limit: req.query.limit } : {}),
        },
      );
      return { items: items.map(grantView) };
    },
  );

  app.post(
    '/api/access/break-glass/:grantId/review',
    {
      preHandler: officer,
      schema: {
        tags: ['access'],
        params: Type.Object({ grantId: Type.String({ maxLength: 128 }) }),
        body: Type.Object(
          {
            outcome: Type.Union([Type.Literal('approved'), Type.Literal('flagged')]),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Grant },
      },
    },
    async (req) => {
      const { staff, session } = staffOf(req);
      const g = await runtime.access.reviewBreakGlass(
        {
          tenant: runtime.config.tenant,
          staff,
          workstationId: header(req, 'x-custos-workstation') ?? session.workstationId,
          address: req.ip,
        },
        req.params.grantId,
        { outcome: req.body.outcome, ...(req.body.note ? { note: req.body.note } : {}) },
      );
      return grantView(g);
    },
  );
};
