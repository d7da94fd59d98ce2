/**
 * The privacy dashboard: the monitor's panels (alerts by detector, department and day,
 * explained-access share, top users, open cases, break-the-glass reviews due), then staff
 * accounts by department and employment status and the accounts that need TOTP but have not
 * enrolled.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { api, STATUSES, type Staff, type StaffPage } from '../api.ts';
import { useDepartmentName } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { EChart } from '../components/EChart.tsx';
import { hasRole, useMe } from '../session.tsx';
import { MonitorPanels } from './MonitorPanels.tsx';

const MAX_PAGES = 20;
const STATUS_COLORS = { active: '#2f9e44', suspended: '#f08c00', departed: '#868e96' };

async function loadAllStaff(): Promise<Staff[]> {
  const all: Staff[] = [];
  let after: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const q = new URLSearchParams({ limit: '1000' });
    if (after) q.set('after', after);
    const page: StaffPage = await api<StaffPage>('GET', `/api/admin/staff?${q}`);
    all.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return all;
}

function Stat({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color}>
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
}

/** The dashboard page. */
export default function DashboardPage() {
  const { t } = useTranslation();
  const depName = useDepartmentName();
  const me = useMe().data;
  const showMonitor = !!me && hasRole(me, ['privacy-officer', 'administrator']);
  const staff = useQuery({ queryKey: ['staff', 'all'], queryFn: loadAllStaff });

  const option = useMemo(() => {
    const rows = staff.data ?? [];
    const deps = [...new Set(rows.map((s) => s.departmentId ?? ''))].sort();
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: deps.map((d) => (d ? depName(d) : t('staff.noDepartment'))),
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: STATUSES.map((st) => ({
        name: t(`status.${st}`),
        type: 'bar',
        stack: 'staff',
        itemStyle: { color: STATUS_COLORS[st] },
        data: deps.map(
          (d) => rows.filter((s) => (s.departmentId ?? '') === d && s.status === st).length,
        ),
      })),
    };
  }, [staff.data, depName, t]);

  if (staff.isPending) return <Loading />;
  if (staff.isError) return <ErrorBox error={staff.error} onRetry={() => void staff.refetch()} />;
  const rows = staff.data;
  const count = (st: string) => rows.filter((s) => s.status === st).length;
  const noMfa = rows.filter((s) => s.mfaRequired && !s.mfaEnrolled && s.status === 'active').length;

  return (
    <Stack>
      {showMonitor && <MonitorPanels />}
      <SimpleGrid cols={4}>
        <Stat label={t('dashboard.accounts')} value={rows.length} />
        <Stat label={t('dashboard.active')} value={count('active')} color="green" />
        <Stat label={t('dashboard.suspended')} value={count('suspended')} color="orange" />
        <Stat label={t('dashboard.noMfa')} value={noMfa} color={noMfa ? 'red' : undefined} />
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={4} mb="sm">
          {t('dashboard.staffChart')}
        </Title>
        {rows.length === 0 ? (
          <Empty>{t('dashboard.staffChartEmpty')}</Empty>
        ) : (
          <EChart option={option} label={t('dashboard.staffChart')} />
        )}
      </Paper>
    </Stack>
  );
}
