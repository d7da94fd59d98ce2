/**
 * The monitor's panels of the privacy dashboard (GET /api/monitor/dashboard): alerts by
 * detector, by department and by day, the share of staff accesses explained by a care
 * relationship, the users with most alerts, open cases and break-the-glass reviews due.
 */
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { api, type MonitorDashboard } from '../api.ts';
import { useDepartmentName } from '../components/departments.ts';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { EChart } from '../components/EChart.tsx';

const DAYS = 14;

function Stat({ label, value, color }: { label: string; value: string; color?: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color}>
        {value}
      </Text>
    </Paper>
  );
}

/** Sorted [key, count] pairs, largest first. */
const sorted = (c: Record<string, number>) => Object.entries(c).sort((a, b) => b[1] - a[1]);

function barOption(pairs: [string, number][], name: string, color: string) {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: pairs.map(([k]) => k) },
    series: [{ name, type: 'bar', itemStyle: { color }, data: pairs.map(([, v]) => v) }],
  };
}

/** The monitor panels; renders its own loading and error states. */
export function MonitorPanels() {
  const { t } = useTranslation();
  const depName = useDepartmentName();
  const q = useQuery({
    queryKey: ['monitor', 'dashboard', DAYS],
    queryFn: () => api<MonitorDashboard>('GET', `/api/monitor/dashboard?days=${DAYS}`),
  });
  const d = q.data;

  const options = useMemo(() => {
    if (!d) return null;
    const detectors = sorted(d.alerts.byDetector).slice(0, 15);
    const departments = sorted(d.alerts.byDepartment)
      .slice(0, 15)
      .map(([k, v]) => [k ? depName(k) : t('staff.noDepartment'), v] as [string, number]);
    // Every day of the period, zero when nothing was raised.
    const days: string[] = [];
    const start = new Date(d.since);
    for (let i = 0; i <= d.days; i++) {
      const day = new Date(start.getTime() + i * 86_400_000);
      const local = new Date(day.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
      if (!days.includes(local)) days.push(local);
    }
    for (const k of Object.keys(d.alerts.byDay)) if (!days.includes(k)) days.push(k);
    days.sort();
    const ov = d.explained.overall;
    return {
      detector: barOption(detectors, t('monitor.alerts'), '#e8590c'),
      department: barOption(departments, t('monitor.alerts'), '#1971c2'),
      day: {
        tooltip: { trigger: 'axis' },
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: days.map((x) => x.slice(5)) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            name: t('monitor.alerts'),
            type: 'line',
            showSymbol: false,
            areaStyle: { opacity: 0.15 },
            itemStyle: { color: '#c92a2a' },
            data: days.map((x) => d.alerts.byDay[x] ?? 0),
          },
        ],
      },
      explained: {
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
        legend: { bottom: 0 },
        series: [
          {
            name: t('monitor.explained'),
            type: 'pie',
            radius: ['45%', '70%'],
            label: { show: false },
            data: [
              {
                name: t('monitor.explainedLabel'),
                value: ov.explained,
                itemStyle: { color: '#2f9e44' },
              },
              {
                name: t('monitor.unexplainedLabel'),
                value: ov.total - ov.explained,
                itemStyle: { color: '#f08c00' },
              },
            ],
          },
        ],
      },
    };
  }, [d, depName, t]);

  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} onRetry={() => void q.refetch()} />;
  if (!d || !options) return null;
  const openCases = (d.cases.open ?? 0) + (d.cases.assigned ?? 0);
  const ov = d.explained.overall;
  const share = ov.total > 0 ? `${(ov.share * 100).toFixed(1)}%` : '—';

  return (
    <Stack data-testid="monitor-dashboard">
      <Group justify="space-between">
        <Title order={3}>{t('monitor.title')}</Title>
        <Badge variant="light" tt="none">
          {t('monitor.period', { days: d.days })}
        </Badge>
      </Group>
      <SimpleGrid cols={4}>
        <Stat label={t('monitor.alerts')} value={d.alerts.total.toLocaleString()} />
        <Stat
          label={t('monitor.openCases')}
          value={openCases.toLocaleString()}
          color={openCases ? 'orange' : undefined}
        />
        <Stat label={t('monitor.explainedShare')} value={share} />
        <Stat
          label={t('monitor.reviewsDue')}
          value={d.breakGlassReviewsDue === null ? '—' : String(d.breakGlassReviewsDue)}
          color={d.breakGlassReviewsDue ? 'red' : undefined}
        />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <Panel title={t('monitor.byDetector')}>
          {d.alerts.total === 0 ? (
            <Empty>{t('monitor.empty', { days: d.days })}</Empty>
          ) : (
            <EChart option={options.detector} height={280} label={t('monitor.byDetector')} />
          )}
        </Panel>
        <Panel title={t('monitor.byDepartment')}>
          {d.alerts.total === 0 ? (
            <Empty>{t('monitor.empty', { days: d.days })}</Empty>
          ) : (
            <EChart option={options.department} height={280} label={t('monitor.byDepartment')} />
          )}
        </Panel>
        <Panel title={t('monitor.byDay')}>
          <EChart option={options.day} height={280} label={t('monitor.byDay')} />
        </Panel>
        <Panel title={t('monitor.explained')}>
          {ov.total === 0 ? (
            <Empty>{t('monitor.noRuns')}</Empty>
          ) : (
            <EChart option={options.explained} height={280} label={t('monitor.explained')} />
          )}
        </Panel>
      </SimpleGrid>
      <Panel title={t('monitor.topUsers')}>
        {d.topUsers.length === 0 ? (
          <Empty>{t('monitor.empty', { days: d.days })}</Empty>
        ) : (
          <Table striped data-testid="top-users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('cases.cols.actor')}</Table.Th>
                <Table.Th>{t('monitor.department')}</Table.Th>
                <Table.Th>{t('monitor.role')}</Table.Th>
                <Table.Th>{t('monitor.alerts')}</Table.Th>
                <Table.Th>{t('monitor.maxScore')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.topUsers.map((u) => (
                <Table.Tr key={`${u.actorKind}:${u.actorId}`}>
                  <Table.Td>{u.actorId}</Table.Td>
                  <Table.Td>{u.department ? depName(u.department) : '—'}</Table.Td>
                  <Table.Td>{u.role ? t(`roles.${u.role}`, u.role) : '—'}</Table.Td>
                  <Table.Td>{u.alerts}</Table.Td>
                  <Table.Td>{u.maxScore.toFixed(2)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Panel>
    </Stack>
  );
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}
