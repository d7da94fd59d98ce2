/** Loading, error and empty states shared by every view. */
import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';

/** A centred spinner with a text for screen readers. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" />
        <Text c="dimmed">{t('common.loading')}</Text>
      </Group>
    </Center>
  );
}

/** The message of an error as the user should read it. */
export function useErrorText() {
  const { t } = useTranslation();
  return (err: unknown): string => {
    if (err instanceof ApiError) {
      if (err.status === 0) return t('errors.network');
      return err.detail;
    }
    return t('common.error');
  };
}

/** An error box with the service's detail and an optional retry. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  return (
    <Alert color="red" title={t('common.error')} role="alert">
      <Stack gap="xs">
        <Text size="sm">{text(error)}</Text>
        {error instanceof ApiError && (
          <Text size="xs" c="dimmed">
            {error.code}
          </Text>
        )}
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              {t('common.retry')}
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** A quiet message for a list with nothing in it. */
export function Empty({ children }: { children: ReactNode }) {
  return (
    <Center py="xl">
      <Text c="dimmed">{children}</Text>
    </Center>
  );
}
