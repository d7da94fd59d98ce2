/** TOTP enrolment right after the first sign-in: QR code, the key by hand, confirm a code. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Code, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { api } from '../api.ts';
import { PublicFrame } from '../components/frame.tsx';
import { useEnrolment, useSignOut } from '../session.tsx';
import { ErrorBox } from '../components/states.tsx';
import { useSubmission } from '../components/forms.ts';
import { TotpQr } from '../components/TotpQr.tsx';

/** The enrolment page. */
export function EnrolPage() {
  const { t } = useTranslation();
  const { enrolment, setEnrolment } = useEnrolment();
  const qc = useQueryClient();
  const signOut = useSignOut();
  const [code, setCode] = useState('');
  const sub = useSubmission(['code']);

  return (
    <PublicFrame>
      <Paper withBorder p="xl" radius="md">
        <Title order={2} mb="md">
          {t('enrol.title')}
        </Title>
        {!enrolment ? (
          <Stack>
            <Alert color="yellow">{t('enrol.restart')}</Alert>
            <Button variant="light" onClick={() => void signOut()}>
              {t('common.signOut')}
            </Button>
          </Stack>
        ) : (
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void sub.run(async () => {
                await api('POST', '/api/auth/enrol', { code });
                setEnrolment(null);
                await qc.invalidateQueries({ queryKey: ['me'] });
              });
            }}
          >
            <Stack>
              <Text size="sm">{t('enrol.intro')}</Text>
              <Group justify="center">
                <TotpQr uri={enrolment.uri} alt={t('enrol.qrAlt')} />
              </Group>
              <Text size="sm" c="dimmed">
                {t('enrol.secret')}
              </Text>
              <Code block data-testid="totp-secret" style={{ letterSpacing: 2 }}>
                {enrolment.secret}
              </Code>
              {sub.formError != null && <ErrorBox error={sub.formError} />}
              <TextInput
                label={t('enrol.code')}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))}
                error={sub.fieldError('code')}
                autoFocus
              />
              <Group justify="space-between">
                <Button variant="subtle" onClick={() => void signOut()}>
                  {t('common.signOut')}
                </Button>
                <Button type="submit" loading={sub.busy}>
                  {t('enrol.submit')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Paper>
    </PublicFrame>
  );
}
