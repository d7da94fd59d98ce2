import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  ContainmentKind,
  IncidentRole,
  IncidentStatus,
  NoticeChannel,
  Severity,
  type IncidentActor,
  type NoticeSettings,
} from '../../incident/index.ts';
import type { Role } from '../../identity/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const DateTime = Type.String({ minLength: 1, maxLength: 40 });
const Text = (max: number) => Type.String({ maxLength: max });
const Names = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 });
const Pair = Type.Object({ zh: Text(200), en: Text(200) }, { additionalProperties: false });
const union = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const ScopeBody = {
  staffId: Type.Optional(Id),
  clientId: Type.Optional(Id),
  workstation: Type.Optional(Id),
  cidr: Type.Optional(Type.String({ maxLength: 64 })),
  watermarkToken: Type.Optional(Type.String({ maxLength: 64 })),
  exportId: Type.Optional(Id),
  categories: Type.Optional(Names),
  fields: Type.Optional(Names),
  includeDenied: Type.Optional(Type.Boolean()),
};

const actorOf = (req: FastifyRequest): IncidentActor => ({
  id: staffOf(req).staff.id,
  address: req.ip ?? null,
});

/**
 * Breach response and compliance over HTTP: incidents (open, team, timeline, scope, containment,
 * notices, regulator report, deliveries) and compliance (impact assessments, processing
 * records, retention and destruction, legal holds, media destruction, training, access
 * reviews). Privacy officers and administrators; access-review decisions by the department
 * head named on the review.
 */
export const incidentRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const svc = runtime.incident;
  const officer = requireStaff(runtime, ['privacy-officer', 'administrator']);
  const tags = ['incident'];
  const params = Type.Object({ id: Id }, { additionalProperties: false });

  app.post(
    '/api/incidents',
    {
      preHandler: officer,
      schema: {
        tags,
        body: Type.Object(
          {
            title: Text(200),
            severity: Type.Optional(union(Object.values(Severity))),
            source: Type.Optional(
              Type.Object(
                {
                  type: union(['manual', 'case', 'trace']),
                  caseId: Type.Optional(Id),
                  watermarkToken: Type.Optional(Type.String({ maxLength: 64 })),
                  ref: Type.Optional(Text(200)),
                },
                { additionalProperties: false },
              ),
            ),
            suspect: Type.Optional(
              Type.Object(
                { type: union(['staff', 'client']), id: Id },
                { additionalProperties: false },
              ),
            ),
            window: Type.Optional(
              Type.Object({ from: DateTime, to: DateTime }, { additionalProperties: false }),
            ),
            leadId: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const s = b.source;
      const source =
        s?.type === 'case'
          ? { type: 'case' as const, caseId: s.caseId ?? '' }
          : s?.type === 'trace'
            ? { type: 'trace' as const, watermarkToken: s.watermarkToken ?? '' }
            : { type: 'manual' as const, ...(s?.ref ? { ref: s.ref } : {}) };
      const detail = await svc.openIncident(tenant, actorOf(req), {
        title: b.title,
        source,
        ...(b.severity ? { severity: b.severity as Severity } : {}),
        ...(b.suspect
          ? { suspect: { type: b.suspect.type as 'staff' | 'client', id: b.suspect.id } }
          : {}),
        ...(b.window ? { window: b.window } : {}),
        ...(b.leadId ? { leadId: b.leadId } : {}),
      });
      return reply.status(201).send(detail);
    },
  );

  app.get(
    '/api/incidents',
    {
      preHandler: officer,
      schema: {
        tags,
        querystring: Type.Object(
          {
            status: Type.Optional(union(Object.values(IncidentStatus))),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({
      items: await svc.listIncidents(tenant, {
        ...(req.query.status ? { status: req.query.status as IncidentStatus } : {}),
        ...(req.query.limit ? { limit: req.query.limit } : {}),
      }),
    }),
  );

  app.post(
    '/api/incidents/scope',
    {
      preHandler: officer,
      schema: {
        tags,
        body: Type.Object(
          { ...ScopeBody, from: DateTime, to: DateTime },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const r = await svc.scope(tenant, req.body);
      await runtime.ledger.appendEntry(tenant, {
        kind: 'admin',
        actor: { type: 'staff', id: staffOf(req).staff.id },
        action: 'incident.scope.query',
        decision: 'permit',
        channel: 'console',
        details: { patients: r.patients.length, entries: r.matched },
      });
      return r;
    },
  );

  app.get('/api/incidents/settings', { preHandler: officer, schema: { tags } }, async () =>
    svc.getNoticeSettings(tenant),
  );

  app.put(
    '/api/incidents/settings',
    {
      preHandler: officer,
      schema: {
        tags,
        body: Type.Object(
          {
            organisation: Pair,
            dpo: Pair,
            phone: Text(40),
            email: Type.Optional(Text(200)),
            address: Type.Optional(Pair),
            regulator: Pair,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => svc.saveNoticeSettings(tenant, actorOf(req), req.body as NoticeSettings),
  );

  app.get('/api/incidents/:id', { preHandler: officer, schema: { tags, params } }, async (req) =>
    svc.getIncident(tenant, req.params.id),
  );

  app.patch(
    '/api/incidents/:id',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          {
            title: Type.Optional(Text(200)),
            cause: Type.Optional(Text(4000)),
            harm: Type.Optional(Text(4000)),
            remedies: Type.Optional(Text(4000)),
            severity: Type.Optional(union(Object.values(Severity))),
            status: Type.Optional(union(Object.values(IncidentStatus))),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      svc.updateIncident(tenant, actorOf(req), req.params.id, {
        ...req.body,
        ...(req.body.severity ? { severity: req.body.severity as Severity } : {}),
        ...(req.body.status ? { status: req.body.status as IncidentStatus } : {}),
      } as Parameters<typeof svc.updateIncident>[3]),
  );

  app.post(
    '/api/incidents/:id/members',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          { staffId: Id, role: union(Object.values(IncidentRole)) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      svc.addMember(
        tenant,
        actorOf(req),
        req.params.id,
        req.body.staffId,
        req.body.role as IncidentRole,
      ),
  );

  app.post(
    '/api/incidents/:id/notes',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object({ text: Text(4000) }, { additionalProperties: false }),
      },
    },
    async (req) => svc.addNote(tenant, actorOf(req), req.params.id, req.body.text),
  );

  app.post(
    '/api/incidents/:id/scope',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          { ...ScopeBody, from: Type.Optional(DateTime), to: Type.Optional(DateTime) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => svc.scopeIncident(tenant, actorOf(req), req.params.id, req.body),
  );

  app.get(
    '/api/incidents/:id/scope',
    { preHandler: officer, schema: { tags, params } },
    async (req) => svc.getScope(tenant, req.params.id),
  );

  app.post(
    '/api/incidents/:id/contain',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          {
            kind: union(Object.values(ContainmentKind)),
            target: Type.Optional(Id),
            reason: Type.Optional(Text(500)),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      svc.contain(tenant, actorOf(req), req.params.id, {
        kind: req.body.kind as ContainmentKind,
        ...(req.body.target ? { target: req.body.target } : {}),
        ...(req.body.reason ? { reason: req.body.reason } : {}),
      }),
  );

  app.post(
    '/api/incidents/:id/actions/:actionId/complete',
    {
      preHandler: officer,
      schema: {
        tags,
        params: Type.Object({ id: Id, actionId: Id }, { additionalProperties: false }),
        body: Type.Object({ note: Text(1000) }, { additionalProperties: false }),
      },
    },
    async (req) =>
      svc.completeAction(tenant, actorOf(req), req.params.id, req.params.actionId, req.body.note),
  );

  app.post(
    '/api/incidents/:id/notices',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          {
            patientIds: Type.Optional(Type.Array(Id, { maxItems: 10000 })),
            languages: Type.Optional(Type.Array(union(['zh', 'en']), { maxItems: 2 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({
      notices: await svc.generatePatientNotices(tenant, actorOf(req), req.params.id, {
        ...(req.body.patientIds ? { patientIds: req.body.patientIds } : {}),
        ...(req.body.languages ? { languages: req.body.languages as ('zh' | 'en')[] } : {}),
      }),
    }),
  );

  app.get(
    '/api/incidents/:id/notices/:patientId/pdf',
    {
      preHandler: officer,
      schema: {
        tags,
        params: Type.Object({ id: Id, patientId: Id }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const pdf = await svc.renderPatientNoticePdf(
        tenant,
        actorOf(req),
        req.params.id,
        req.params.patientId,
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="notice-${req.params.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.post(
    '/api/incidents/:id/report',
    { preHandler: officer, schema: { tags, params } },
    async (req) => {
      const r = await svc.regulatorReport(tenant, actorOf(req), req.params.id);
      return { zh: r.zh, en: r.en, sha256: r.sha256 };
    },
  );

  app.get(
    '/api/incidents/:id/report/pdf',
    { preHandler: officer, schema: { tags, params } },
    async (req, reply) => {
      const r = await svc.regulatorReport(tenant, actorOf(req), req.params.id, { pdf: true });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="report-${req.params.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(r.pdf);
    },
  );

  app.post(
    '/api/incidents/:id/notified',
    {
      preHandler: officer,
      schema: {
        tags,
        params,
        body: Type.Object(
          {
            recipientType: union(['patient', 'regulator']),
            recipientId: Type.Optional(Id),
            channel: union(Object.values(NoticeChannel)),
            at: Type.Optional(DateTime),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      svc.recordNotified(tenant, actorOf(req), req.params.id, {
        recipientType: req.body.recipientType as 'patient' | 'regulator',
        channel: req.body.channel as NoticeChannel,
        ...(req.body.recipientId ? { recipientId: req.body.recipientId } : {}),
        ...(req.body.at ? { at: req.body.at } : {}),
      }),
  );

  app.get(
    '/api/incidents/:id/notifications',
    { preHandler: officer, schema: { tags, params } },
    async (req) => ({
      items: await svc.listNotifications(tenant, req.params.id),
    }),
  );

  // ---- compliance ---------------------------------------------------------------------------
  const c = svc.compliance;
  const ctags = ['compliance'];
  const Assessment = Type.Object(
    {
      purposes: Type.Optional(Text(8000)),
      necessity: Type.Optional(Text(8000)),
      risks: Type.Optional(Text(8000)),
      measures: Type.Optional(Text(8000)),
      crossBorder: Type.Optional(Text(8000)),
      conclusion: Type.Optional(Text(8000)),
    },
    { additionalProperties: false },
  );

  app.post(
    '/api/compliance/assessments',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          {
            assessmentId: Type.Optional(Id),
            note: Type.Optional(Text(500)),
            text: Type.Optional(Assessment),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await c.generateImpactAssessment(tenant, actorOf(req), {
          ...(req.body.assessmentId ? { assessmentId: req.body.assessmentId } : {}),
          ...(req.body.note ? { note: req.body.note } : {}),
          ...(req.body.text ? { text: req.body.text } : {}),
        }),
      ),
  );

  app.get(
    '/api/compliance/assessments',
    { preHandler: officer, schema: { tags: ctags } },
    async () => ({
      items: await c.listImpactAssessments(tenant),
    }),
  );

  app.get(
    '/api/compliance/assessments/:id',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        params,
        querystring: Type.Object(
          { version: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => c.getImpactAssessment(tenant, req.params.id, req.query.version),
  );

  app.patch(
    '/api/compliance/assessments/:id',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        params,
        body: Type.Object({ text: Assessment, note: Text(500) }, { additionalProperties: false }),
      },
    },
    async (req) =>
      c.editImpactAssessment(tenant, actorOf(req), req.params.id, req.body.text, req.body.note),
  );

  app.post(
    '/api/compliance/processing-records',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object({ month: Text(7) }, { additionalProperties: false }),
      },
    },
    async (req) => c.recordProcessingMonth(tenant, actorOf(req), req.body.month),
  );

  app.get(
    '/api/compliance/processing-records',
    { preHandler: officer, schema: { tags: ctags } },
    async () => ({
      items: await c.listProcessingRecords(tenant),
    }),
  );

  app.get(
    '/api/compliance/retention/rules',
    { preHandler: officer, schema: { tags: ctags } },
    async () => ({
      items: await c.listRetentionRules(tenant),
    }),
  );

  app.put(
    '/api/compliance/retention/rules',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          { category: Id, years: Type.Integer({ minimum: 1, maximum: 100 }), basis: Text(500) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => c.setRetentionRule(tenant, actorOf(req), req.body),
  );

  app.get(
    '/api/compliance/retention/due',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({
      items: await c.findDueRecords(tenant, runtime.now(), req.query.limit ?? 1000),
    }),
  );

  app.post(
    '/api/compliance/retention/destroy',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          { patientIds: Type.Optional(Type.Array(Id, { maxItems: 10000 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      c.destroyDueRecords(
        tenant,
        actorOf(req),
        req.body.patientIds ? { patientIds: req.body.patientIds } : {},
      ),
  );

  app.get(
    '/api/compliance/certificates/:id',
    { preHandler: officer, schema: { tags: ctags, params } },
    async (req) => c.getCertificate(tenant, req.params.id),
  );

  app.get('/api/compliance/holds', { preHandler: officer, schema: { tags: ctags } }, async () => ({
    items: await c.listLegalHolds(tenant),
  }));

  app.post(
    '/api/compliance/holds',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          { patientId: Type.Optional(Id), reason: Text(500), incidentId: Type.Optional(Id) },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await c.placeLegalHold(tenant, actorOf(req), req.body)),
  );

  app.delete(
    '/api/compliance/holds/:id',
    { preHandler: officer, schema: { tags: ctags, params } },
    async (req, reply) => {
      await c.releaseLegalHold(tenant, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/compliance/media-destruction',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          {
            patientId: Type.Optional(Id),
            recordRef: Type.Optional(Text(200)),
            media: Type.String({ maxLength: 32 }),
            quantity: Type.Integer({ minimum: 1 }),
            method: Type.String({ maxLength: 32 }),
            performedBy: Text(200),
            witness: Text(200),
            contractor: Type.Optional(Text(200)),
            performedAt: DateTime,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          await c.recordMediaDestruction(
            tenant,
            actorOf(req),
            req.body as Parameters<typeof c.recordMediaDestruction>[2],
          ),
        ),
  );

  app.post(
    '/api/compliance/training',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          {
            staffId: Id,
            course: Id,
            completedAt: DateTime,
            validDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
            evidence: Type.Optional(Text(500)),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await c.recordTraining(tenant, actorOf(req), req.body)),
  );

  app.get(
    '/api/compliance/training/gaps',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        querystring: Type.Object(
          { course: Id, departmentId: Type.Optional(Id) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({
      items: await c.listTrainingGaps(tenant, req.query.course, {
        ...(req.query.departmentId ? { departmentId: req.query.departmentId } : {}),
      }),
    }),
  );

  app.post(
    '/api/compliance/reviews',
    {
      preHandler: officer,
      schema: {
        tags: ctags,
        body: Type.Object(
          { departmentId: Id, reviewerId: Id, dueAt: DateTime },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await c.startAccessReview(tenant, actorOf(req), req.body)),
  );

  app.get(
    '/api/compliance/reviews/:id',
    { preHandler: requireStaff(runtime), schema: { tags: ctags, params } },
    async (req) => c.getAccessReview(tenant, req.params.id),
  );

  app.post(
    '/api/compliance/reviews/:id/decisions',
    {
      preHandler: requireStaff(runtime),
      schema: {
        tags: ctags,
        params,
        body: Type.Object(
          {
            staffId: Id,
            decision: union(['keep', 'change', 'revoke']),
            roles: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 12 })),
            note: Type.Optional(Text(500)),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      c.decideAccessReview(tenant, actorOf(req), req.params.id, req.body.staffId, {
        decision: req.body.decision as 'keep' | 'change' | 'revoke',
        ...(req.body.roles ? { roles: req.body.roles as Role[] } : {}),
        ...(req.body.note ? { note: req.body.note } : {}),
      }),
  );

  app.post(
    '/api/compliance/reviews/:id/close',
    { preHandler: officer, schema: { tags: ctags, params } },
    async (req) => c.closeAccessReview(tenant, actorOf(req), req.params.id),
  );
};
