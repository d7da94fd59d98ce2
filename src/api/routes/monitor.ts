import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  addCaseNote,
  assignCase,
  CaseStatus,
  Disposition,
  getCase,
  getMonitorDashboard,
  getPrivacyRecord,
  directoryStaff,
  importRoster,
  listCases,
  listNewAlerts,
  resolveCase,
  runMonitorOnLedger,
  parseRosterCsv,
  Sanction,
  type MonitorTables,
  type RosterTables,
} from '../../monitor/index.ts';
import type { Kysely } from 'kysely';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const DateTime = Type.String({ minLength: 1, maxLength: 40 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const params = Type.Object({ id: Id }, { additionalProperties: false });

function parseDate(field: string, v: string): Date {
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new CustosError(ErrorCode.BadRequest, `${field} must be an ISO 8601 date and time`, {
      field,
    });
  return new Date(t);
}

function oneOf<T extends string>(field: string, v: string | undefined, values: readonly T[]): T {
  if (v === undefined || !(values as readonly string[]).includes(v))
    throw new CustosError(ErrorCode.BadRequest, `${field} must be one of: ${values.join(', ')}`, {
      field,
    });
  return v as T;
}

/**
 * The privacy monitor over HTTP, for privacy officers and administrators: run it over a window
 * of the ledger, the dashboard, new alerts, cases (timeline, assign, notes, resolve to a
 * sanction) and a staff member's privacy record. Answers carry ids, counts and evidence
 * sentences, never patients' names or contact details.
 */
export const monitorRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const db = runtime.store.db as Kysely<MonitorTables>;
  const officer = requireStaff(runtime, ['privacy-officer', 'administrator']);
  const tags = ['monitor'];

  app.post(
    '/api/monitor/run',
    {
      preHandler: officer,
      schema: {
        tags,
        body: Type.Object({ from: DateTime, to: DateTime }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const from = parseDate('from', req.body.from);
      const to = parseDate('to', req.body.to);
      if (to.getTime() <= from.getTime())
        throw new CustosError(ErrorCode.BadRequest, 'to must be after from', { field: 'to' });
      return runMonitorOnLedger(runtime, {
        tenant,
        from,
        to,
        requestedBy: staffOf(req).staff.id,
      });
    },
  );

  app.get(
    '/api/monitor/dashboard',
    {
      preHandler: officer,
      schema: {
        tags,
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const dash = await getMonitorDashboard(runtime, tenant, { days: req.query.days ?? 7 });
      // Break-the-glass accesses awaiting review (the access module's queue; up to 500 counted).
      let breakGlassReviewsDue: number | null = null;
      try {
        breakGlassReviewsDue = (
          await runtime.access.listBreakGlassReviews(
            { tenant, staff: staffOf(req).staff },
            { limit: 500 },
          )
        ).length;
      } catch {
        breakGlassReviewsDue = null; // not this officer's queue (administrators)
      }
      return { ...dash, breakGlassReviewsDue };
    },
  );

  app.get(
    '/api/monitor/alerts',
    {
      preHandler: officer,
      schema: {
        tags,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({ alerts: await listNewAlerts(db, tenant, req.query.limit ?? 100) }),
  );

  app.get(
    '/api/monitor/cases',
    {
      preHandler: officer,
      schema: {
        tags,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.String({ maxLength: 20 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const q = req.query;
      const status =
        q.status === undefined ? undefined : oneOf('status', q.status, Object.values(CaseStatus));
      return {
        cases: await listCases(db, tenant, {
          ...(status ? { status } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
          ...(q.offset !== undefined ? { offset: q.offset } : {}),
        }),
      };
    },
  );

  app.get(
    '/api/monitor/cases/:id',
    { preHandler: officer, schema: { tags, params } },
    async (req) => getCase(db, tenant, req.params.id),
  );

  app.post(
    '/api/monitor/cases/:id/assign',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object({ assignee: Type.Optional(Id) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const me = staffOf(req).staff.id;
      const assignee = req.body.assignee ?? me;
      if (assignee !== me && !(await runtime.identity.getStaff(tenant, assignee)))
        throw new CustosError(ErrorCode.BadRequest, 'the assignee is not a staff member', {
          field: 'assignee',
        });
      return assignCase(db, {
        tenantId: tenant,
        caseId: req.params.id,
        assignee,
        by: me,
        now: runtime.now(),
      });
    },
  );

  app.post(
    '/api/monitor/cases/:id/notes',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object({ text: Text(4000) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      await addCaseNote(db, {
        tenantId: tenant,
        caseId: req.params.id,
        by: staffOf(req).staff.id,
        text: req.body.text,
        now: runtime.now(),
      });
      return reply.status(201).send(await getCase(db, tenant, req.params.id));
    },
  );

  app.post(
    '/api/monitor/cases/:id/resolve',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          {
            disposition: Type.String({ maxLength: 40 }),
            note: Text(4000),
            sanction: Type.Optional(Type.String({ maxLength: 40 })),
            escalateTo: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const b = req.body;
      const disposition = oneOf('disposition', b.disposition, Object.values(Disposition));
      const sanction =
        disposition === Disposition.Sanction
          ? oneOf('sanction', b.sanction, Object.values(Sanction))
          : undefined;
      let escalateTo = b.escalateTo;
      if (sanction && !escalateTo) {
        // Manager accountability: by default the head of the staff member's department.
        const c = await getCase(db, tenant, req.params.id);
        const s = await runtime.identity.getStaff(tenant, c.case.actorId).catch(() => null);
        escalateTo = `department-head:${s?.departmentId ?? '(unknown)'}`;
      }
      return resolveCase(db, {
        tenantId: tenant,
        caseId: req.params.id,
        by: staffOf(req).staff.id,
        now: runtime.now(),
        disposition,
        note: b.note,
        ...(sanction ? { sanction } : {}),
        ...(escalateTo ? { escalateTo } : {}),
      });
    },
  );

  app.get(
    '/api/monitor/staff/:id/privacy-record',
    { preHandler: officer, schema: { tags, params } },
    async (req) => {
      const s = await runtime.identity.getStaff(tenant, req.params.id);
      if (!s) throw new CustosError(ErrorCode.NotFound, 'no such staff member');
      return {
        staffId: s.id,
        departmentId: s.departmentId,
        roles: s.roles,
        status: s.status,
        entries: await getPrivacyRecord(db, tenant, s.id),
      };
    },
  );

  // Shift rosters from the scheduling system (CSV: staff_id,start,end[,department]).
  app.addContentTypeParser(
    ['text/csv'],
    { parseAs: 'string', bodyLimit: 32 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.post('/api/monitor/roster', { preHandler: officer, schema: { tags } }, async (req) => {
    if (typeof req.body !== 'string')
      throw new CustosError(ErrorCode.BadRequest, 'send the roster as text/csv', {
        field: 'roster',
      });
    const shifts = parseRosterCsv(req.body);
    const r = await importRoster(
      {
        db: runtime.store.db as Kysely<RosterTables>,
        ledger: runtime.ledger,
        now: runtime.now,
        knownStaff: directoryStaff(runtime.identity),
      },
      tenant,
      shifts,
      { type: 'staff', id: staffOf(req).staff.id },
    );
    return {
      ...r,
      from: r.from?.toISOString() ?? null,
      to: r.to?.toISOString() ?? null,
    };
  });
};
