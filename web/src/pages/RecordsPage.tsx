/**
 * The clinician's records view: the purpose of use (使用目的) and the workstation of this device,
 * patient search with masked candidates, and the record view. Everything that shows patient data
 * sits under the visible watermark of its disclosure (Watermark.tsx, drawn from the `mark` the
 * service returned; the viewer cannot switch it off). A denial shows its reason in the user's
 * language and, when the policy allows it, offers break-the-glass (reason code + text), after
 * which the record opens. Print asks the service for the print disclosure (its own mark and
 * masking) and prints it with the watermark.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import {
  api,
  ApiError,
  BREAK_GLASS_REASONS,
  qs,
  type Grant,
  type RecordResult,
  type SearchResult,
} from '../api.ts';
import { Watermark } from '../components/Watermark.tsx';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

/** Purposes of use as the policy engine names them. */
export const PURPOSES = [
  'treatment',
  'payment',
  'operations',
  'research',
  'public-health',
  'patient-request',
  'legal',
] as const;
export type Purpose = (typeof PURPOSES)[number];

const PURPOSE_KEY = 'custos.purpose';
const WORKSTATION_KEY = 'custos.workstation';

function readStored(storage: 'session' | 'local', key: string): string | null {
  try {
    return (storage === 'session' ? window.sessionStorage : window.localStorage).getItem(key);
  } catch {
    return null;
  }
}

function store(storage: 'session' | 'local', key: string, value: string): void {
  try {
    (storage === 'session' ? window.sessionStorage : window.localStorage).setItem(key, value);
  } catch {
    // The choice lasts for this page only.
  }
}

function readPurpose(): Purpose {
  const v = readStored('session', PURPOSE_KEY);
  return (PURPOSES as readonly string[]).includes(v ?? '') ? (v as Purpose) : 'treatment';
}

/** Who, where and why of the accesses made from this page. */
interface Context {
  purpose: Purpose;
  workstation: string;
}

const ctxQuery = (c: Context) => ({ purpose: c.purpose, workstation: c.workstation || undefined });

/** The records page. */
export function RecordsPage() {
  const { t } = useTranslation();
  const [purpose, setPurpose] = useState<Purpose>(readPurpose);
  const [workstation, setWorkstation] = useState(() => readStored('local', WORKSTATION_KEY) ?? '');
  const [open, setOpen] = useState<string | null>(null);
  const ctx: Context = { purpose, workstation: workstation.trim() };

  return (
    <Stack>
      <Paper withBorder p="md" className="no-print">
        <Stack gap="sm">
          <Radio.Group
            label={t('records.purpose')}
            value={purpose}
            onChange={(v) => {
              setPurpose(v as Purpose);
              store('session', PURPOSE_KEY, v);
            }}
          >
            <Group mt="xs">
              {PURPOSES.map((p) => (
                <Radio key={p} value={p} label={t(`records.purposes.${p}`)} />
              ))}
            </Group>
          </Radio.Group>
          <TextInput
            name="workstation"
            maw={360}
            label={t('records.workstation')}
            description={t('records.workstationHint')}
            value={workstation}
            onChange={(e) => {
              setWorkstation(e.currentTarget.value);
              store('local', WORKSTATION_KEY, e.currentTarget.value.trim());
            }}
          />
        </Stack>
      </Paper>
      {open ? (
        <RecordView patientId={open} ctx={ctx} onBack={() => setOpen(null)} />
      ) : (
        <PatientSearch ctx={ctx} onOpen={setOpen} />
      )}
    </Stack>
  );
}

const CRITERIA = ['name', 'mrn', 'phone', 'idNumber'] as const;

function PatientSearch({ ctx, onOpen }: { ctx: Context; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SearchResult | null>(null);
  const sub = useSubmission([...CRITERIA, 'purpose']);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void sub.run(async () => {
      const q = Object.fromEntries(CRITERIA.map((c) => [c, values[c]?.trim()]));
      setResult(
        await api<SearchResult>('GET', `/api/patients/search${qs({ ...q, ...ctxQuery(ctx) })}`),
      );
    });
  };

  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={submit} className="no-print">
        <Title order={3} size="h4" mb="sm">
          {t('records.search')}
        </Title>
        <SimpleGrid cols={4}>
          {CRITERIA.map((c) => (
            <TextInput
              key={c}
              name={c}
              label={t(`records.criteria.${c}`)}
              value={values[c] ?? ''}
              error={sub.fieldError(c)}
              onChange={(e) => setValues({ ...values, [c]: e.currentTarget.value })}
            />
          ))}
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt="xs">
          {t('records.searchHint')}
        </Text>
        <Group mt="sm">
          <Button type="submit" loading={sub.busy}>
            {t('records.searchSubmit')}
          </Button>
        </Group>
      </Paper>
      {!!sub.formError && <ErrorBox error={sub.formError} />}
      {result && (
        <Watermark spec={result.mark.visible} screen={result.mark.screen}>
          <Paper withBorder p="md" data-testid="candidates">
            {result.candidates.length === 0 ? (
              <Empty>{t('records.noCandidates')}</Empty>
            ) : (
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('records.criteria.name')}</Table.Th>
                    <Table.Th>{t('records.sex')}</Table.Th>
                    <Table.Th>{t('records.birthYear')}</Table.Th>
                    <Table.Th>{t('records.idTail')}</Table.Th>
                    <Table.Th>{t('records.criteria.mrn')}</Table.Th>
                    <Table.Th>{t('staff.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.candidates.map((c) => (
                    <Table.Tr key={c.patientId}>
                      <Table.Td>{c.name ?? t('common.none')}</Table.Td>
                      <Table.Td>
                        {c.sex ? t(`records.sexes.${c.sex}`, c.sex) : t('common.none')}
                      </Table.Td>
                      <Table.Td>{c.birthYear ?? t('common.none')}</Table.Td>
                      <Table.Td>{c.idNumberTail ?? t('common.none')}</Table.Td>
                      <Table.Td>{c.mrn ?? t('common.none')}</Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" onClick={() => onOpen(c.patientId)}>
                          {t('records.open')}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {result.truncated && (
              <Text size="sm" c="dimmed" mt="xs">
                {t('records.truncated')}
              </Text>
            )}
          </Paper>
        </Watermark>
      )}
    </Stack>
  );
}

function RecordView({
  patientId,
  ctx,
  onBack,
}: {
  patientId: string;
  ctx: Context;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [breakGlass, setBreakGlass] = useState(false);
  const [printing, setPrinting] = useState<RecordResult | null>(null);
  const [printError, setPrintError] = useState<unknown>(null);
  const q = useQuery({
    queryKey: ['record', patientId, ctx.purpose, ctx.workstation],
    queryFn: () =>
      api<RecordResult>(
        'GET',
        `/api/patients/${encodeURIComponent(patientId)}/record${qs({ channel: 'screen', ...ctxQuery(ctx) })}`,
      ),
    retry: false,
    staleTime: 0,
    gcTime: 0,
  });

  // Print once the print disclosure (its own mark) has been drawn, then return to the screen one.
  useEffect(() => {
    if (!printing) return;
    const done = () => setPrinting(null);
    window.addEventListener('afterprint', done, { once: true });
    const timer = window.setTimeout(() => window.print(), 50);
    return () => {
      window.clearTimeout(timer);
      window.removeEventListener('afterprint', done);
    };
  }, [printing]);

  const print = async () => {
    setPrintError(null);
    try {
      setPrinting(
        await api<RecordResult>(
          'GET',
          `/api/patients/${encodeURIComponent(patientId)}/record${qs({ channel: 'print', ...ctxQuery(ctx) })}`,
        ),
      );
    } catch (e) {
      setPrintError(e);
    }
  };

  const back = (
    <Group className="no-print">
      <Button variant="default" size="xs" onClick={onBack}>
        {t('records.back')}
      </Button>
      {q.data && (
        <Button size="xs" variant="light" onClick={() => void print()}>
          {t('records.print')}
        </Button>
      )}
    </Group>
  );

  if (q.isPending)
    return (
      <Stack>
        {back}
        <Loading />
      </Stack>
    );
  if (q.isError) {
    const e = q.error;
    if (e instanceof ApiError && e.code === 'CUSTOS_ACCESS_DENIED')
      return (
        <Stack>
          {back}
          <Denial error={e} onBreakGlass={() => setBreakGlass(true)} />
          <BreakGlassDialog
            opened={breakGlass}
            patientId={patientId}
            ctx={ctx}
            onClose={() => setBreakGlass(false)}
            onGranted={() => {
              setBreakGlass(false);
              void q.refetch();
            }}
          />
        </Stack>
      );
    return (
      <Stack>
        {back}
        <ErrorBox error={e} onRetry={() => void q.refetch()} />
      </Stack>
    );
  }
  const shown = printing ?? q.data;
  return (
    <Stack>
      {back}
      {!!printError && <ErrorBox error={printError} />}
      <Watermark key={shown.mark.token} spec={shown.mark.visible} screen={shown.mark.screen}>
        <RecordBody r={shown} />
      </Watermark>
    </Stack>
  );
}

function Denial({ error, onBreakGlass }: { error: ApiError; onBreakGlass: () => void }) {
  const { t, i18n } = useTranslation();
  const p = error.problem;
  const texts = p.reasonText as Record<string, string> | undefined;
  const reason = texts?.[i18n.language] ?? texts?.en ?? error.detail;
  const available = p.breakGlassAvailable === true;
  return (
    <Alert color="red" title={t('records.denied')} role="alert" data-testid="denial">
      <Stack gap="xs">
        <Text size="sm">{reason}</Text>
        <Text size="xs" c="dimmed">
          {String(p.reasonCode ?? error.code)}
        </Text>
        {available ? (
          <Group>
            <Button color="red" size="sm" onClick={onBreakGlass}>
              {t('records.breakGlass')}
            </Button>
            <Text size="xs" c="dimmed">
              {t('records.breakGlassHint')}
            </Text>
          </Group>
        ) : (
          <Text size="xs">{t('records.noBreakGlass')}</Text>
        )}
      </Stack>
    </Alert>
  );
}

function BreakGlassDialog({
  opened,
  patientId,
  ctx,
  onClose,
  onGranted,
}: {
  opened: boolean;
  patientId: string;
  ctx: Context;
  onClose: () => void;
  onGranted: (g: Grant) => void;
}) {
  const { t } = useTranslation();
  const [reasonCode, setReasonCode] = useState<string | null>(null);
  const [reasonText, setReasonText] = useState('');
  const sub = useSubmission(['reasonCode', 'reasonText']);
  const short = reasonText.trim().length < 10;
  return (
    <Modal opened={opened} onClose={onClose} title={t('records.breakGlassTitle')} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(async () => {
            const g = await api<Grant>(
              'POST',
              `/api/patients/${encodeURIComponent(patientId)}/break-glass${qs(ctxQuery(ctx))}`,
              { reasonCode, reasonText: reasonText.trim() },
            );
            onGranted(g);
          });
        }}
      >
        <Stack>
          <Text size="sm">{t('records.breakGlassIntro')}</Text>
          <Select
            name="reasonCode"
            label={t('records.reasonCode')}
            required
            data={BREAK_GLASS_REASONS.map((c) => ({ value: c, label: t(`records.reasons.${c}`) }))}
            value={reasonCode}
            onChange={setReasonCode}
            error={sub.fieldError('reasonCode')}
            comboboxProps={{ withinPortal: true }}
          />
          <Textarea
            name="reasonText"
            label={t('records.reasonText')}
            description={t('records.reasonTextHint')}
            required
            minRows={3}
            value={reasonText}
            onChange={(e) => setReasonText(e.currentTarget.value)}
            error={sub.fieldError('reasonText')}
          />
          {!!sub.formError && <ErrorBox error={sub.formError} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color="red" loading={sub.busy} disabled={!reasonCode || short}>
              {t('records.breakGlassSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type Row = Record<string, unknown>;
const list = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]) : []);
const sub = (v: unknown): Row => (v && typeof v === 'object' ? (v as Row) : {});
const txt = (v: unknown): string =>
  v === undefined || v === null || v === ''
    ? '—'
    : typeof v === 'object'
      ? JSON.stringify(v)
      : String(v);
const day = (v: unknown): string =>
  typeof v === 'string' ? v.slice(0, 16).replace('T', ' ') : '—';
const label = (r: Row): string => txt(r.text ?? r.display ?? r.code);

function Section({
  title,
  rows,
  cols,
  testId,
}: {
  title: string;
  rows: Row[];
  cols: [string, (r: Row) => ReactNode][];
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="md" data-testid={testId}>
      <Title order={3} size="h5" mb="xs">
        {title} <Badge variant="light">{rows.length}</Badge>
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('records.nothing')}
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              {cols.map(([h]) => (
                <Table.Th key={h}>{h}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r, i) => (
              <Table.Tr key={String(r.id ?? i)}>
                {cols.map(([h, f]) => (
                  <Table.Td key={h}>{f(r)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

function RecordBody({ r }: { r: RecordResult }) {
  const { t } = useTranslation();
  const rec = r.record;
  const demo = sub(rec.demographics);
  const contact = sub(rec.contact);
  const obs = sub(rec.observation);
  const img = sub(rec.imaging);
  const results = [...list(obs.lab), ...list(obs.vitals)];
  const c = (k: string) => t(`records.cols.${k}`);
  return (
    <Stack gap="md" p="xs" data-testid="record">
      <Paper withBorder p="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={3} data-testid="patient-name">
              {txt(demo.name)}
            </Title>
            <Text size="sm">
              {t('records.sex')}:{' '}
              {demo.sex ? t(`records.sexes.${String(demo.sex)}`, String(demo.sex)) : '—'} ·{' '}
              {t('records.birthDate')}: {txt(demo.birthDate)} · {t('records.criteria.mrn')}:{' '}
              {txt(demo.mrn)} · {t('records.criteria.idNumber')}: {txt(demo.idNumber)}
            </Text>
            {(contact.phone !== undefined || contact.address !== undefined) && (
              <Text size="sm">
                {t('records.criteria.phone')}: {txt(contact.phone)} · {t('records.address')}:{' '}
                {txt(sub(contact.address).text ?? contact.address)}
              </Text>
            )}
          </div>
          <Stack gap={4} align="flex-end">
            <Badge variant="outline">
              {t('records.channel')}: {t(`records.channels.${r.channel}`, r.channel)}
            </Badge>
            <Badge variant="outline">{t(`records.purposes.${r.purpose}`, r.purpose)}</Badge>
            {r.decision.breakGlassUsed && (
              <Badge color="red" data-testid="break-glass-badge">
                {t('records.breakGlassUsed')}
              </Badge>
            )}
            <Text size="xs" c="dimmed" data-testid="mark-token">
              {t('records.code')}: {r.mark.token}
            </Text>
          </Stack>
        </Group>
        {(r.withheld.length > 0 || r.resourcesWithheld > 0) && (
          <Text size="xs" c="dimmed" mt="xs" data-testid="withheld">
            {t('records.withheld', {
              fields: r.withheld.join(', ') || '—',
              count: r.resourcesWithheld,
            })}
          </Text>
        )}
      </Paper>
      <Section
        testId="encounters"
        title={t('records.sections.encounters')}
        rows={list(rec.encounter)}
        cols={[
          [c('start'), (x) => day(x.start)],
          [c('end'), (x) => day(x.end)],
          [c('class'), (x) => txt(x.class)],
          [c('department'), (x) => txt(x.departmentId)],
          [c('status'), (x) => txt(x.status)],
          [c('reason'), (x) => txt(x.reason)],
        ]}
      />
      <Section
        testId="diagnoses"
        title={t('records.sections.diagnoses')}
        rows={list(rec.diagnosis)}
        cols={[
          [c('date'), (x) => day(x.recordedDate)],
          [c('code'), (x) => txt(x.code)],
          [c('item'), label],
          [c('status'), (x) => txt(x.clinicalStatus)],
        ]}
      />
      <Section
        testId="notes"
        title={t('records.sections.notes')}
        rows={list(rec.note)}
        cols={[
          [c('date'), (x) => day(x.date)],
          [c('type'), (x) => txt(x.type)],
          [
            c('text'),
            (x) => (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {txt(x.text)}
              </Text>
            ),
          ],
        ]}
      />
      <Section
        testId="results"
        title={t('records.sections.results')}
        rows={results}
        cols={[
          [c('date'), (x) => day(x.effective ?? x.issued)],
          [c('item'), label],
          [
            c('value'),
            (x) => `${txt(x.value ?? x.conclusion)}${x.unit ? ` ${String(x.unit)}` : ''}`,
          ],
          [c('range'), (x) => txt(x.referenceRange)],
          [c('flag'), (x) => txt(x.interpretation ?? x.status)],
        ]}
      />
      <Section
        testId="medications"
        title={t('records.sections.medications')}
        rows={list(rec.medication)}
        cols={[
          [c('date'), (x) => day(x.authoredOn)],
          [c('item'), label],
          [c('dosage'), (x) => txt(x.dosage)],
          [c('status'), (x) => txt(x.status)],
        ]}
      />
      <Section
        testId="imaging"
        title={t('records.sections.imaging')}
        rows={[...list(img.study), ...list(img.report)]}
        cols={[
          [c('date'), (x) => day(x.started ?? x.issued)],
          [c('modality'), (x) => txt(x.modality)],
          [c('item'), (x) => txt(x.description ?? x.text ?? x.display ?? x.code)],
          [
            c('detail'),
            (x) =>
              x.conclusion !== undefined
                ? txt(x.conclusion)
                : t('records.series', { series: txt(x.series), instances: txt(x.instances) }),
          ],
        ]}
      />
    </Stack>
  );
}
