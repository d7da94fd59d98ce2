/** A labelled value in a detail grid (case, incident). */
import type { ReactNode } from 'react';
import { Text } from '@mantine/core';

/** A small uppercase label above its value. */
export function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={700} tt="uppercase">
        {label}
      </Text>
      <Text size="sm" component="div">
        {value}
      </Text>
    </div>
  );
}
