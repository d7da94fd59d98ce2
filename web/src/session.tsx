/**
 * Who is signed in: GET /api/auth/me through TanStack Query (401 means nobody), and the TOTP
 * enrolment secret that only the sign-in answer carries (kept in memory, never stored).
 */
import { createContext, useContext, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type LoginResult, type Me, type Role } from './api.ts';

/** The signed-in staff member, or null when nobody is signed in. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api<Me>('GET', '/api/auth/me');
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

type Enrolment = NonNullable<LoginResult['enrolment']>;

const EnrolmentContext = createContext<{
  enrolment: Enrolment | null;
  setEnrolment: (e: Enrolment | null) => void;
}>({ enrolment: null, setEnrolment: () => undefined });

/** Holds the pending TOTP enrolment of this tab. */
export function EnrolmentProvider({ children }: { children: ReactNode }) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  return (
    <EnrolmentContext.Provider value={{ enrolment, setEnrolment }}>
      {children}
    </EnrolmentContext.Provider>
  );
}

/** The pending TOTP enrolment (secret and otpauth URI) of this tab, if any. */
export function useEnrolment() {
  return useContext(EnrolmentContext);
}

/** Signs in and refreshes who-am-I; keeps the enrolment secret when one is issued. */
export function useSignIn() {
  const qc = useQueryClient();
  const { setEnrolment } = useEnrolment();
  return async (body: { username: string; password: string; totp?: string }) => {
    const r = await api<LoginResult>('POST', '/api/auth/login', body);
    setEnrolment(r.enrolment ?? null);
    qc.setQueryData(['me'], { staff: r.staff, enrolmentPending: r.enrolmentPending } satisfies Me);
    return r;
  };
}

/** Signs out and forgets every cached answer. */
export function useSignOut() {
  const qc = useQueryClient();
  const { setEnrolment } = useEnrolment();
  return async () => {
    try {
      await api('POST', '/api/auth/logout');
    } finally {
      setEnrolment(null);
      qc.setQueryData(['me'], null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    }
  };
}

/** Roles that read patient records in their daily work. */
export const CLINICAL_ROLES: readonly Role[] = [
  'physician',
  'nurse',
  'head-nurse',
  'radiology-technician',
  'pharmacist',
  'registration-clerk',
  'billing-clerk',
];

/** Whether the staff member has one of `roles`. */
export function hasRole(me: Me | null | undefined, roles: readonly Role[]): boolean {
  return !!me && me.staff.roles.some((r) => roles.includes(r));
}
