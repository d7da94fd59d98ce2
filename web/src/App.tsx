/** The console: public pages (setup, sign in), TOTP enrolment, then the role-based shell. */
import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AppShell,
  Box,
  Group,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  Title,
  Button,
  Alert,
} from '@mantine/core';
import type { Role } from './api.ts';
import { LanguageSwitch, PublicFrame } from './components/frame.tsx';
import { Link, navigate, usePath } from './router.tsx';
import { CLINICAL_ROLES, EnrolmentProvider, hasRole, useMe, useSignOut } from './session.tsx';
import { ErrorBox, Loading } from './components/states.tsx';
import { SetupPage } from './pages/SetupPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { EnrolPage } from './pages/EnrolPage.tsx';
import { StaffPage } from './pages/StaffPage.tsx';
import { WorkstationsPage } from './pages/WorkstationsPage.tsx';
import { DepartmentsPage } from './pages/DepartmentsPage.tsx';
import { RecordsPage } from './pages/RecordsPage.tsx';
import { ReviewsPage } from './pages/ReviewsPage.tsx';
import { LedgerPage } from './pages/LedgerPage.tsx';
import { ExplainPage } from './pages/ExplainPage.tsx';
import { TracePage } from './pages/TracePage.tsx';
import { CasesPage } from './pages/CasesPage.tsx';
import { PrivacyRecordPage } from './pages/PrivacyRecordPage.tsx';
import { IncidentsPage } from './pages/IncidentsPage.tsx';
import { ThirdPartiesPage } from './pages/ThirdPartiesPage.tsx';
import { KeysPage } from './pages/KeysPage.tsx';
import { RetentionPage } from './pages/RetentionPage.tsx';

// The dashboard carries ECharts; load it only when a privacy officer opens it.
const DashboardPage = lazy(() => import('./pages/DashboardPage.tsx'));

interface NavItem {
  path: string;
  label: string;
  section: 'clinical' | 'privacy' | 'administration';
  roles: readonly Role[];
  render: () => ReactNode;
}

const OFFICER_OR_ADMIN: readonly Role[] = ['privacy-officer', 'administrator'];

/** Every view of the shell, with the roles that see it (the service enforces the same). */
const NAV: NavItem[] = [
  {
    path: '/records',
    label: 'nav.records',
    section: 'clinical',
    roles: CLINICAL_ROLES,
    render: () => <RecordsPage />,
  },
  {
    path: '/officer',
    label: 'nav.dashboard',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => (
      <Suspense fallback={<Loading />}>
        <DashboardPage />
      </Suspense>
    ),
  },
  {
    path: '/officer/alerts',
    label: 'nav.alerts',
    section: 'privacy',
    roles: ['privacy-officer'],
    render: () => <CasesPage />,
  },
  {
    path: '/officer/incidents',
    label: 'nav.incidents',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <IncidentsPage />,
  },
  {
    path: '/officer/third-parties',
    label: 'nav.thirdParties',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <ThirdPartiesPage />,
  },
  {
    path: '/officer/retention',
    label: 'nav.retention',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <RetentionPage />,
  },
  {
    path: '/officer/break-glass',
    label: 'nav.reviews',
    section: 'privacy',
    roles: ['privacy-officer'],
    render: () => <ReviewsPage />,
  },
  {
    path: '/officer/ledger',
    label: 'nav.ledger',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <LedgerPage />,
  },
  {
    path: '/officer/explain',
    label: 'nav.explain',
    section: 'privacy',
    roles: ['privacy-officer'],
    render: () => <ExplainPage />,
  },
  {
    path: '/officer/privacy-record',
    label: 'nav.privacyRecord',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <PrivacyRecordPage />,
  },
  {
    path: '/officer/trace',
    label: 'nav.trace',
    section: 'privacy',
    roles: OFFICER_OR_ADMIN,
    render: () => <TracePage />,
  },
  {
    path: '/admin/staff',
    label: 'nav.staff',
    section: 'administration',
    roles: OFFICER_OR_ADMIN,
    render: () => <StaffPage />,
  },
  {
    path: '/admin/workstations',
    label: 'nav.workstations',
    section: 'administration',
    roles: OFFICER_OR_ADMIN,
    render: () => <WorkstationsPage />,
  },
  {
    path: '/admin/departments',
    label: 'nav.departments',
    section: 'administration',
    roles: OFFICER_OR_ADMIN,
    render: () => <DepartmentsPage />,
  },
  {
    path: '/admin/keys',
    label: 'nav.keys',
    section: 'administration',
    roles: OFFICER_OR_ADMIN,
    render: () => <KeysPage />,
  },
];

function Shell() {
  const { t } = useTranslation();
  const me = useMe().data!;
  const path = usePath();
  const signOut = useSignOut();
  const items = NAV.filter((n) => hasRole(me, n.roles));
  const current = items.find((n) => n.path === path);

  let content: ReactNode;
  if (path === '/' || path === '/login' || path === '/setup') {
    const first = items[0];
    if (first) {
      queueMicrotask(() => navigate(first.path, { replace: true }));
      content = <Loading />;
    } else content = <Alert color="yellow">{t('errors.forbidden')}</Alert>;
  } else if (current) content = current.render();
  else if (NAV.some((n) => n.path === path))
    content = <Alert color="yellow">{t('errors.forbidden')}</Alert>;
  else content = <Alert color="yellow">{t('errors.notFound')}</Alert>;

  const sections = (['clinical', 'privacy', 'administration'] as const).filter((s) =>
    items.some((i) => i.section === s),
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'xs' }} padding="lg">
      <a className="skip-link" href="#main">
        {t('common.skip')}
      </a>
      <AppShell.Header className="no-print">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <img src="/favicon.svg" alt="" width={24} height={24} />
            <Text fw={700}>{t('app.name')}</Text>
          </Group>
          <Group gap="md" wrap="nowrap">
            <Text size="sm" c="dimmed" data-testid="signed-in">
              {t('common.signedInAs', { name: me.staff.name, number: me.staff.staffNumber })}
            </Text>
            <LanguageSwitch />
            <Button size="xs" variant="default" onClick={() => void signOut()}>
              {t('common.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar className="no-print" p="xs" aria-label={t('nav.main')} component="nav">
        <ScrollArea>
          <Stack gap="md">
            {sections.map((s) => (
              <Box key={s}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mb={4}>
                  {t(`nav.${s}`)}
                </Text>
                {items
                  .filter((i) => i.section === s)
                  .map((i) => (
                    <NavLink
                      key={i.path}
                      component={Link}
                      href={i.path}
                      label={t(i.label)}
                      active={i.path === path}
                      aria-current={i.path === path ? 'page' : undefined}
                    />
                  ))}
              </Box>
            ))}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main">
        {current && (
          <Title order={2} mb="md">
            {t(current.label)}
          </Title>
        )}
        {content}
      </AppShell.Main>
    </AppShell>
  );
}

function Gate() {
  const path = usePath();
  const me = useMe();
  if (path === '/setup') return <SetupPage />;
  if (me.isPending) return <Loading />;
  if (me.isError)
    return (
      <PublicFrame>
        <ErrorBox error={me.error} onRetry={() => void me.refetch()} />
      </PublicFrame>
    );
  if (!me.data) return <LoginPage />;
  if (me.data.enrolmentPending) return <EnrolPage />;
  return <Shell />;
}

/** The whole console. */
export function App() {
  return (
    <EnrolmentProvider>
      <Gate />
    </EnrolmentProvider>
  );
}
