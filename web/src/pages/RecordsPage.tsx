/**
 * The clinician's entry point: the purpose of use (使用目的) declared for this session's
 * accesses. Patient search, the record view (under the visible watermark), denial with reason and
 * break-the-glass open when the service offers the access endpoints.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Paper, Radio, Stack, Group } from '@mantine/core';
import { PendingPage } from './PendingPage.tsx';

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

const KEY = 'custos.purpose';

function readPurpose(): Purpose {
  try {
    const v = window.sessionStorage.getItem(KEY);
    return (PURPOSES as readonly string[]).includes(v ?? '') ? (v as Purpose) : 'treatment';
  } catch {
    return 'treatment';
  }
}

/** The records page. */
export function RecordsPage() {
  const { t } = useTranslation();
  const [purpose, setPurpose] = useState<Purpose>(readPurpose);
  return (
    <Stack>
      <Paper withBorder p="md">
        <Radio.Group
          label={t('records.purpose')}
          value={purpose}
          onChange={(v) => {
            setPurpose(v as Purpose);
            try {
              window.sessionStorage.setItem(KEY, v);
            } catch {
              // The choice lasts for this page only.
            }
          }}
        >
          <Group mt="xs">
            {PURPOSES.map((p) => (
              <Radio key={p} value={p} label={t(`records.purposes.${p}`)} />
            ))}
          </Group>
        </Radio.Group>
      </Paper>
      <PendingPage
        title="nav.records"
        endpoint="GET /api/patients?q= (masked candidates), GET /api/patients/:id/record (with watermark spec), POST …/break-glass"
      />
    </Stack>
  );
}
