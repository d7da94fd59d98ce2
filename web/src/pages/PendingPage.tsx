/** A view whose service endpoint has not landed yet: says which endpoint it waits for. */
import { useTranslation } from 'react-i18next';
import { Alert, Code } from '@mantine/core';

/** The placeholder of a view waiting on `endpoint`. */
export function PendingPage({ endpoint }: { title: string; endpoint: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="gray" title={t('pending.title')}>
      {t('pending.body')}
      <Code>{endpoint}</Code>
    </Alert>
  );
}
