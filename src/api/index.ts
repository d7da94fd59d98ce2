/** The HTTP API: thin Fastify routes over the modules, problem+json errors, OpenAPI at /docs. */
export { buildApp, type AppOptions } from './app.ts';
export { toProblem, scrubError, type Problem } from './problem.ts';
export { requireStaff, staffOf, bearerOf, SESSION_COOKIE, type StaffContext } from './auth.ts';
