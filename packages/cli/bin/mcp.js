#!/usr/bin/env node
// The published package carries the bundle in ./dist (copied by prepack); inside this repository
// the command runs the committed bundle, the same file CI and users run.
import { existsSync } from 'node:fs';

const packaged = new URL('../dist/index.js', import.meta.url);
await import(
  existsSync(packaged) ? packaged.href : new URL('../../../dist/cli/index.js', import.meta.url).href
);
