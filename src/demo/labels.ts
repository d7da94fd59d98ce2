/**
 * The labels file: the ground truth of a demo hospital (planted incidents, staff–patient
 * relations, households). It is written only when the caller asks, to a file of its own, and
 * never into the database.
 */
import { writeFileSync } from 'node:fs';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { DemoLabels } from './types.ts';

/** The labels as stable, pretty-printed JSON. */
export function serializeDemoLabels(labels: DemoLabels): string {
  return `${JSON.stringify(labels, null, 2)}\n`;
}

/**
 * Writes the labels to `path` (created with mode 0600: the file names the planted culprits and
 * their victims). Throws CUSTOS_INPUT_INVALID if the file cannot be written.
 */
export function writeDemoLabels(path: string, labels: DemoLabels): void {
  try {
    writeFileSync(path, serializeDemoLabels(labels), { mode: 0o600 });
  } catch (e) {
    throw new CustosError(ErrorCode.InputInvalid, 'cannot write the demo labels file', {
      field: 'labels',
      reason: (e as NodeJS.ErrnoException).code ?? 'unknown',
    });
  }
}
