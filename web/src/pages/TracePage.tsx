/**
 * Leak tracing (泄露溯源) for privacy officers: drop or pick a leaked file (photo, screenshot,
 * image, DICOM, text), send it raw to POST /api/trace and show, for every watermark or
 * fingerprint found, the disclosure it names — who viewed which patient, when, where and why —
 * or that no watermark was found. The upload itself is recorded in the audit ledger.
 */
import { useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Badge, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import {
  api,
  apiUpload,
  traceContentType,
  type StaffPage,
  type TraceFinding,
  type TraceResult,
} from '../api.ts';
import { ErrorBox, Loading } from '../components/states.tsx';

/** The trace upload view. */
export function TracePage() {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; size: number; type: string } | null>(null);
  const [over, setOver] = useState(false);
  const trace = useMutation({
    mutationFn: (f: File) =>
      apiUpload<TraceResult>('/api/trace', f, traceContentType({ name: f.name, type: f.type })),
  });
  // Names and staff numbers for the findings (ids are shown when the directory cannot be read).
  const staff = useQuery({
    queryKey: ['staff', 'trace-directory'],
    queryFn: () => api<StaffPage>('GET', '/api/admin/staff?limit=1000'),
    enabled: !!trace.data?.findings.some((f) => f.entry),
    retry: false,
  });

  const send = (f: File | undefined) => {
    if (!f) return;
    setFile({ name: f.name, size: f.size, type: traceContentType({ name: f.name, type: f.type }) });
    trace.mutate(f);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    send(e.dataTransfer.files[0]);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.current?.click();
    }
  };
  const who = (id: string) => {
    const s = staff.data?.items.find((x) => x.id === id);
    return s ? `${s.name} ${s.staffNumber}` : null;
  };

  return (
    <Stack>
      <Text c="dimmed" size="sm">
        {t('trace.intro')}
      </Text>
      <Paper
        withBorder
        p="xl"
        role="button"
        tabIndex={0}
        aria-label={t('trace.drop')}
        data-testid="trace-drop"
        onKeyDown={onKey}
        onClick={() => input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          cursor: 'pointer',
          textAlign: 'center',
          background: over ? 'var(--mantine-color-blue-0)' : undefined,
        }}
      >
        <Text fw={600}>{t('trace.drop')}</Text>
        <Text size="sm" c="dimmed">
          {t('trace.accepts')}
        </Text>
        <input
          ref={input}
          type="file"
          name="file"
          hidden
          accept="image/png,image/jpeg,application/dicom,.dcm,text/plain,.txt"
          onChange={(e) => {
            send(e.currentTarget.files?.[0]);
            e.currentTarget.value = '';
          }}
        />
      </Paper>
      {file && (
        <Text size="sm" data-testid="trace-file">
          {t('trace.file', { name: file.name, size: file.size.toLocaleString(), type: file.type })}
        </Text>
      )}
      {trace.isPending ? (
        <Loading />
      ) : trace.isError ? (
        <ErrorBox
          error={trace.error}
          onRetry={trace.variables ? () => trace.mutate(trace.variables) : undefined}
        />
      ) : trace.data ? (
        <TraceReport result={trace.data} who={who} />
      ) : null}
    </Stack>
  );
}

function TraceReport({
  result,
  who,
}: {
  result: TraceResult;
  who: (staffId: string) => string | null;
}) {
  const { t } = useTranslation();
  const tried = result.tried.map((c) => t(`trace.channels.${c}`, c)).join(t('trace.listSep'));
  return (
    <Stack data-testid="trace-result">
      <Text size="sm" c="dimmed">
        {t('trace.examined', { kind: t(`trace.kinds.${result.kind}`, result.kind) })}{' '}
        {tried ? t('trace.tried', { channels: tried }) : t('trace.triedNone')}
      </Text>
      {result.findings.length === 0 ? (
        <Alert color="gray" title={t('trace.noneTitle')} data-testid="trace-none">
          {t('trace.noneBody')}
        </Alert>
      ) : (
        result.findings.map((f, i) => <Finding key={`${f.token}-${i}`} f={f} who={who} />)
      )}
    </Stack>
  );
}

function Finding({ f, who }: { f: TraceFinding; who: (staffId: string) => string | null }) {
  const { t } = useTranslation();
  const e = f.entry;
  return (
    <Paper withBorder p="md" data-testid="trace-finding">
      <Group justify="space-between" mb="sm">
        <Title order={4}>
          {e ? t('trace.found', { who: who(e.actorId) ?? e.actorId }) : t('trace.unresolved')}
        </Title>
        <Group gap="xs">
          <Badge variant="light" tt="none">
            {t(`trace.channels.${f.channel}`, f.channel)}
          </Badge>
          <Badge variant="outline" tt="none">
            {t('trace.confidence', {
              value: f.confidence >= 0.999999 ? '≥ 99.9999' : (f.confidence * 100).toFixed(2),
            })}
          </Badge>
        </Group>
      </Group>
      <Table withRowBorders={false} data-testid="trace-entry">
        <Table.Tbody>
          <Row label={t('trace.cols.code')} value={<Code>{f.token}</Code>} />
          {e && (
            <>
              <Row
                label={t('trace.cols.who')}
                value={
                  <>
                    {e.actorId}
                    {who(e.actorId) && (
                      <Text span c="dimmed" size="sm">
                        {' '}
                        ({who(e.actorId)})
                      </Text>
                    )}
                  </>
                }
              />
              <Row label={t('trace.cols.patient')} value={e.patientId ?? '—'} />
              <Row label={t('trace.cols.when')} value={new Date(e.occurredAt).toLocaleString()} />
              <Row
                label={t('trace.cols.where')}
                value={[e.workstation, e.networkAddress].filter(Boolean).join(' · ') || '—'}
              />
              <Row
                label={t('trace.cols.how')}
                value={`${t(`ledger.kinds.${e.kind}`, e.kind)}${e.channel ? ` · ${e.channel}` : ''}`}
              />
              <Row
                label={t('trace.cols.purpose')}
                value={e.purpose ? t(`records.purposes.${e.purpose}`, e.purpose) : '—'}
              />
              <Row label={t('trace.cols.seq')} value={String(e.seq)} />
            </>
          )}
        </Table.Tbody>
      </Table>
      {!e && (
        <Text size="sm" c="dimmed">
          {t('trace.unresolvedBody')}
        </Text>
      )}
    </Paper>
  );
}

function Row({ label, value }: { label: string; value: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={180} scope="row">
        {label}
      </Table.Th>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );
}
