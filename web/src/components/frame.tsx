/** The frame of pages outside the shell, and the language switch. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Box, Group, SegmentedControl, Text } from '@mantine/core';
import { LANGUAGES, setLanguage, type Language } from '../i18n.ts';

/** The language switch (zh-CN / en), remembered on this device. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('lang.label')}
      value={i18n.language}
      onChange={(v) => void setLanguage(v as Language)}
      data={LANGUAGES.map((l) => ({ value: l, label: t(`lang.${l}`) }))}
    />
  );
}

/** A page outside the shell (setup, sign-in, enrolment). */
export function PublicFrame({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Box mih="100vh" bg="gray.0">
      <Group justify="space-between" px="lg" py="sm">
        <Group gap="xs">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <Text fw={700}>{t('app.name')}</Text>
          <Text c="dimmed" size="sm">
            {t('app.tagline')}
          </Text>
        </Group>
        <LanguageSwitch />
      </Group>
      <Box component="main" id="main" maw={520} mx="auto" px="md" py="xl">
        {children}
      </Box>
    </Box>
  );
}
