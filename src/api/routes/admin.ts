import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EmploymentStatus, ROLES, type Role } from '../../identity/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { getKeyStatus } from '../../vault/index.ts';
import { requireStaff, staffOf } from '../auth.ts';
import { staffView, StaffView } from './views.ts';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const StatusSchema = Type.Union(Object.values(EmploymentStatus).map((s) => Type.Literal(s)));

/** Administration of staff, roles, employment status and workstations (administrators only). */
export const adminRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const adminOnly = requireStaff(runtime, ['administrator']);
  const officerOrAdmin = requireStaff(runtime, ['administrator', 'privacy-officer']);

  app.get(
    '/api/admin/staff',
    {
      preHandler: officerOrAdmin,
      schema: {
        tags: ['admin'],
        querystring: Type.Object(
          {
            department: Type.Optional(Type.String({ maxLength: 64 })),
            role: Type.Optional(RoleSchema),
            status: Type.Optional(StatusSchema),
            after: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(StaffView),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 100;
      const items = await runtime.identity.listStaff(tenant, {
        ...(req.query.department ? { departmentId: req.query.department } : {}),
        ...(req.query.role ? { role: req.query.role as Role } : {}),
        ...(req.query.status ? { status: req.query.status } : {}),
        ...(req.query.after ? { after: req.query.after } : {}),
        limit,
      });
      return {
        items: items.map(staffView),
        next: items.length === limit ? items[items.length - 1]!.id : null,
      };
    },
  );

  app.post(
    '/api/admin/staff',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        body: Type.Object(
          {
            username: Type.String({ minLength: 2, maxLength: 64 }),
            staffNumber: Type.String({ minLength: 1, maxLength: 64 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 5 }),
            departmentId: Type.Optional(Type.String({ maxLength: 64 })),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: StaffView },
      },
    },
    async (req, reply) => {
      const { staff } = staffOf(req);
      const [id] = await runtime.identity.createStaff(
        tenant,
        [{ ...req.body, roles: req.body.roles as Role[] }],
        { id: staff.id, address: req.ip },
      );
      return reply.status(201).send(staffView((await runtime.identity.getStaff(tenant, id!))!));
    },
  );

  app.post(
    '/api/admin/staff/:id/status',
    {
      preHandler: officerOrAdmin,
      schema: {
        tags: ['admin'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          { status: StatusSchema, reason: Type.String({ minLength: 3, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: StaffView },
      },
    },
    async (req) => {
      const { staff } = staffOf(req);
      await runtime.identity.setStaffStatus(
        tenant,
        req.params.id,
        req.body.status,
        { id: staff.id, address: req.ip },
        req.body.reason,
      );
      return staffView((await runtime.identity.getStaff(tenant, req.params.id))!);
    },
  );

  app.post(
    '/api/admin/staff/:id/revoke-sessions',
    {
      preHandler: officerOrAdmin,
      schema: {
        tags: ['admin'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          { reason: Type.String({ minLength: 3, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ revoked: Type.Integer() }) },
      },
    },
    async (req) => {
      const { staff } = staffOf(req);
      return {
        revoked: await runtime.identity.revokeSessions(
          tenant,
          req.params.id,
          { id: staff.id, address: req.ip },
          req.body.reason,
        ),
      };
    },
  );

  const WorkstationSchema = Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    location: Type.String({ minLength: 1, maxLength: 200 }),
    departmentId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    network: Type.String({ maxLength: 64 }),
    active: Type.Boolean(),
  });

  app.get(
    '/api/admin/workstations',
    {
      preHandler: officerOrAdmin,
      schema: {
        tags: ['admin'],
        response: { 200: Type.Object({ items: Type.Array(WorkstationSchema) }) },
      },
    },
    async () => ({
      items: (await runtime.identity.listWorkstations(tenant)).map(({ tenantId: _t, ...w }) => w),
    }),
  );

  app.put(
    '/api/admin/workstations',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        body: Type.Object(
          { items: Type.Array(WorkstationSchema, { maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      await runtime.identity.saveWorkstations(tenant, req.body.items, {
        id: staffOf(req).staff.id,
        address: req.ip,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/admin/departments',
    {
      preHandler: requireStaff(runtime),
      schema: {
        tags: ['admin'],
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.String(),
                nameZh: Type.String(),
                nameEn: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: (await runtime.identity.listDepartments(tenant)).map(({ tenantId: _t, ...d }) => d),
    }),
  );

  // Key status for the console (never key material): the keyring's key-encryption keys with
  // their ages, this tenant's suite and data keys by state, and what rotation has left to do.
  app.get(
    '/api/admin/keys',
    { preHandler: officerOrAdmin, schema: { tags: ['admin'] } },
    async () => {
      const s = await getKeyStatus(runtime.vault);
      const mine = s.tenants.find((t) => t.tenant === tenant) ?? null;
      return {
        keyring: s.keyring,
        tenant: mine,
        pendingRewrap: s.pendingRewrap,
        destructions: s.destructions,
      };
    },
  );
};
