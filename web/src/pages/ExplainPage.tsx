/**
 * The policy viewer: "could staff member X see patient Y, and why" — the decision the policy
 * engine would take now (nothing is disclosed), with its reasons in the user's language.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { api, qs, type Explanation } from '../api.ts';
import { PURPOSES } from './RecordsPage.tsx';
import { ErrorBox } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';

const ACTIONS = ['read', 'search', 'print', 'export'] as const;

/** The policy viewer. */
export function ExplainPage() {
  const { t, i18n } = useTranslation();
  const [form, setForm] = useState({
    staffId: '',
    patientId: '',
    purpose: 'treatment',
    action: 'read',
    workstation: '',
  });
  const [result, setResult] = useState<Explanation | null>(null);
  const sub = useSubmission(['staffId', 'patientId', 'purpose', 'action', 'workstation']);
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void sub.run(async () => {
      setResult(await api<Explanation>('GET', `/api/access/explain${qs({ ...form })}`));
    });
  };
  const set = (k: keyof typeof form) => (v: string | null) => setForm({ ...form, [k]: v ?? '' });
  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={submit}>
        <Text size="sm" mb="sm">
          {t('explain.intro')}
        </Text>
        <SimpleGrid cols={5}>
          <TextInput
            name="staffId"
            required
            label={t('explain.staffId')}
            value={form.staffId}
            error={sub.fieldError('staffId')}
            onChange={(e) => set('staffId')(e.currentTarget.value)}
          />
          <TextInput
            name="patientId"
            required
            label={t('explain.patientId')}
            value={form.patientId}
            error={sub.fieldError('patientId')}
            onChange={(e) => set('patientId')(e.currentTarget.value)}
          />
          <Select
            label={t('records.purpose')}
            data={PURPOSES.map((p) => ({ value: p, label: t(`records.purposes.${p}`) }))}
            value={form.purpose}
            onChange={set('purpose')}
            error={sub.fieldError('purpose')}
          />
          <Select
            label={t('explain.action')}
            data={ACTIONS.map((a) => ({ value: a, label: t(`explain.actions.${a}`) }))}
            value={form.action}
            onChange={set('action')}
          />
          <TextInput
            name="workstation"
            label={t('records.workstation')}
            value={form.workstation}
            onChange={(e) => set('workstation')(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit" loading={sub.busy}>
            {t('explain.submit')}
          </Button>
        </Group>
      </Paper>
      {!!sub.formError && <ErrorBox error={sub.formError} />}
      {result && (
        <Paper withBorder p="md" data-testid="explanation">
          <Group mb="sm">
            <Badge size="lg" color={result.decision.decision === 'permit' ? 'green' : 'red'}>
              {t(`explain.decisions.${result.decision.decision}`, result.decision.decision)}
            </Badge>
            {result.decision.breakGlassAvailable && (
              <Badge color="orange">{t('explain.breakGlassAvailable')}</Badge>
            )}
            <Text size="xs" c="dimmed">
              {t('explain.policyVersion')}: {result.decision.policyVersion}
            </Text>
          </Group>
          <Alert color={result.decision.decision === 'permit' ? 'green' : 'red'} mb="sm">
            {result.summary[lang]}
          </Alert>
          <Title order={4} size="h6">
            {t('explain.why')}
          </Title>
          <List size="sm" mb="sm">
            {result.lines[lang].map((l, i) => (
              <List.Item key={i}>{l}</List.Item>
            ))}
          </List>
          <SimpleGrid cols={2}>
            <div>
              <Title order={4} size="h6">
                {t('explain.fields')}
              </Title>
              <Text size="sm">{result.decision.fields.join(', ') || '—'}</Text>
              <Title order={4} size="h6" mt="xs">
                {t('explain.withheld')}
              </Title>
              <Text size="sm">{result.decision.withheld.join(', ') || '—'}</Text>
            </div>
            <div>
              <Title order={4} size="h6">
                {t('explain.relationships')}
              </Title>
              <List size="sm">
                {result.decision.relationships.map((r) => (
                  <List.Item key={`${r.kind}-${r.sourceId}`}>
                    {r.kind} · {r.sourceId} · {r.at.slice(0, 10)}
                    {r.endedAt ? ` – ${r.endedAt.slice(0, 10)}` : ''}
                  </List.Item>
                ))}
              </List>
              {result.decision.relationships.length === 0 && <Text size="sm">—</Text>}
            </div>
          </SimpleGrid>
        </Paper>
      )}
    </Stack>
  );
}
