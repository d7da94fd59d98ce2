/**
 * Hot-reloaded policies: a PolicyStore holds the active engine for a policy directory and swaps
 * it when the files change. An invalid change is rejected with file, line and column, and the
 * previous set stays active.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { isCustosError } from '../errors/index.ts';
import { PolicyEngine } from './engine.ts';
import { loadPolicyDir } from './load.ts';
import type { PolicyProblem } from './policy-set.ts';
import type { AccessInput, Decision, PolicySettings } from './types.ts';

/** The outcome of one reload attempt. */
export type ReloadResult =
  | { ok: true; version: string; changed: boolean }
  | { ok: false; problems: PolicyProblem[]; activeVersion: string };

/** Options of a PolicyStore. */
export interface PolicyStoreOptions {
  settings?: Partial<PolicySettings>;
  /** Called after every reload attempt triggered by the watcher. */
  onReload?: (result: ReloadResult) => void;
  /** Debounce for bursts of file events, in ms (default 100). */
  debounceMs?: number;
}

/** Active policy set of a directory, with validated hot reload. */
export class PolicyStore {
  readonly dir: string;
  readonly #options: PolicyStoreOptions;
  #engine: PolicyEngine;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Load `dir`; throws CustosError (with `problems`) when the initial set is invalid. */
  constructor(dir: string, options: PolicyStoreOptions = {}) {
    this.dir = dir;
    this.#options = options;
    this.#engine = new PolicyEngine(loadPolicyDir(dir), options.settings);
  }

  /** The engine of the active policy set. */
  get engine(): PolicyEngine {
    return this.#engine;
  }

  /** Version id of the active policy set. */
  get version(): string {
    return this.#engine.version;
  }

  /** Decide with the active policy set. */
  decideAccess(input: AccessInput): Decision {
    return this.#engine.decideAccess(input);
  }

  /**
   * Re-read the directory. A valid set becomes active at once; an invalid one is rejected and
   * the previous set stays active.
   */
  reload(): ReloadResult {
    try {
      const set = loadPolicyDir(this.dir);
      if (set.version === this.#engine.version)
        return { ok: true, version: set.version, changed: false };
      this.#engine = new PolicyEngine(set, this.#options.settings);
      return { ok: true, version: set.version, changed: true };
    } catch (e) {
      if (!isCustosError(e)) throw e;
      const problems = Array.isArray(e.extra['problems'])
        ? (e.extra['problems'] as PolicyProblem[])
        : [{ file: this.dir, line: 1, column: 1, message: e.message }];
      return { ok: false, problems, activeVersion: this.#engine.version };
    }
  }

  /** Watch the directory and reload on change (debounced). Idempotent. */
  watch(): void {
    if (this.#watcher) return;
    this.#watcher = watch(this.dir, () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        const result = this.reload();
        this.#options.onReload?.(result);
      }, this.#options.debounceMs ?? 100);
    });
  }

  /** Stop watching. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
