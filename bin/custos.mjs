#!/usr/bin/env node
// Entry point of the `custos` command: loads the TypeScript sources through tsx.
import v8 from 'node:v8';
import { register } from 'tsx/esm/api';

// Node 20's V8 can abort the whole process ("unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) when it lazily deoptimises a function inside an
// inlined builtin callback under concurrent load; a service that guards records must not die
// mid-request. Without TurboFan inlining the abort was not seen again (measured cost: a few per
// cent of disclosure throughput). Set before any of our code is compiled.
v8.setFlagsFromString('--no-turbo-inlining');

register();
await import('../src/cli/main.ts');
